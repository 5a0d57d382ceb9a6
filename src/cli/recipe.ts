// `mmif recipe llamafactory`: a LLaMA-Factory training YAML with the paper's hyperparameters. Training itself runs
// in LLaMA-Factory (`llamafactory-cli train FILE.yaml`), not here.
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import {
  DEFAULT_CUTOFF_LEN,
  DEFAULT_DEEPSPEED,
  DEFAULT_EPOCHS,
  DEFAULT_GPUS,
  DEFAULT_IMAGE_MAX_PIXELS,
  DEFAULT_PREF_BETA,
  DEFAULT_RECIPE_DATASETS,
  PAPER_HYPERPARAMETERS,
  RECIPE_MODELS,
  RECIPE_STAGES,
  checkRecipeDatasets,
  llamaFactoryRecipe,
  type RecipeStage,
} from "../export/recipes.js";
import { writeFileAtomic } from "../io/jsonl-file.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { outFileProblem } from "../io/out-path.js";
import { numberIn } from "./flag-values.js";
import { packageVersion } from "../common/version.js";

interface RecipeFlags {
  stage: RecipeStage;
  model: string;
  template?: string;
  dataset?: string;
  datasetDir?: string;
  gpus: string;
  perDeviceBatch: string;
  batch?: string;
  learningRate?: string;
  epochs: string;
  cutoffLen: string;
  imageMaxPixels: string;
  prefBeta: string;
  outputDir?: string;
  deepspeed: string;
  out?: string;
}

export function registerRecipe(program: Command): void {
  const recipe = program
    .command("recipe")
    .description("Write the training file an existing trainer runs from. mmif does not train.")
    .addHelpText("after", "\nTraining runs in the trainer: `mmif recipe llamafactory ... --out sft.yaml`, then `llamafactory-cli train sft.yaml`.");
  recipe
    .command("llamafactory")
    .summary("a LLaMA-Factory training YAML (SFT or DPO) with the paper's hyperparameters")
    .description(
      "Write the YAML that LLaMA-Factory trains from, as the MM-IFEngine authors' released SFT configs (batch 128, lr 1e-5 or 5e-6 by model, cutoff 2048, image_max_pixels 262144, frozen vision tower and projector); DPO: the paper's batch 16 and lr 5e-7, the rest ours. Each YAML line says where its value comes from. mmif does not train: run `llamafactory-cli train FILE.yaml` in a LLaMA-Factory installation.",
    )
    .addOption(new Option("--stage <stage>", "sft (items) or dpo (pairs)").choices(RECIPE_STAGES).makeOptionMandatory())
    .requiredOption("--model <name>", `${RECIPE_MODELS.map((m) => m.key).join(" | ")}, or a model id/path with --template`)
    .option("--template <name>", "LLaMA-Factory chat template (default: the model's, from LLaMA-Factory's supported-models table)")
    .option("--dataset <names>", "dataset name(s) from the export's dataset_info.json, comma-separated (default: mmif_sft for sft, mmif_dpo for dpo)")
    .option("--dataset-dir <dir>", "the folder `mmif export --format llamafactory` wrote, with dataset_info.json and images/ (default: data, LLaMA-Factory's own data folder)")
    .option("--gpus <n>", "GPUs the run uses: gradient_accumulation_steps = batch / (per-device batch × GPUs)", String(DEFAULT_GPUS))
    .option("--per-device-batch <n>", "per_device_train_batch_size", "1")
    .option("--batch <n>", `effective batch (default: the paper's, ${PAPER_HYPERPARAMETERS.sft.batch} for sft, ${PAPER_HYPERPARAMETERS.dpo.batch} for dpo)`)
    .option("--learning-rate <x>", "learning rate (default: the authors' SFT configs, 1e-5 for qwen2-vl-7b and 5e-6 for qwen2.5-vl-7b, else the paper's 1e-5; dpo: the paper's 5e-7)")
    .option("--epochs <n>", "num_train_epochs (the paper gives none)", String(DEFAULT_EPOCHS))
    .option("--cutoff-len <tokens>", "cutoff_len: longest tokenized example, image tokens included (the authors' configs)", String(DEFAULT_CUTOFF_LEN))
    .option("--image-max-pixels <n>", "image_max_pixels: images are downscaled to at most this many pixels (the authors' configs)", String(DEFAULT_IMAGE_MAX_PIXELS))
    .option("--pref-beta <x>", "DPO beta (LLaMA-Factory's default; the paper gives none)", String(DEFAULT_PREF_BETA))
    .option("--output-dir <dir>", "where LLaMA-Factory saves checkpoints (default: saves/<model>/full/<stage>)")
    .option("--deepspeed <path|none>", "DeepSpeed config, relative to the LLaMA-Factory checkout, or none", DEFAULT_DEEPSPEED)
    .option("--out <file>", "write the YAML here (default: standard output)")
    .addHelpText(
      "after",
      [
        "",
        "Effective batch = per_device_train_batch_size × gradient_accumulation_steps × GPUs: with 8 GPUs and 1 per",
        "device, SFT accumulates 16 steps (1 × 16 × 8 = 128) and DPO 2 (1 × 2 × 8 = 16). Change --gpus to match the",
        "machine; a batch that does not divide evenly is refused.",
        "When --dataset-dir holds a dataset_info.json, the dataset names are checked against it (a preference set",
        "for dpo, an SFT set for sft).",
        "",
        "Training runs in LLaMA-Factory, not in mmif:",
        "  $ mmif export --in run1/items.jsonl --format llamafactory --out data/mmif",
        "  $ mmif recipe llamafactory --stage sft --model qwen2-vl-7b --dataset-dir data/mmif --out sft.yaml",
        "  $ llamafactory-cli train sft.yaml           (several GPUs: FORCE_TORCHRUN=1 llamafactory-cli train sft.yaml)",
      ].join("\n"),
    )
    .action(async (opts: RecipeFlags, cmd: Command) => {
      // main() reads the exit code from the top-level command.
      recipe.setOptionValue("exitCode", await runRecipe(opts));
      void cmd;
    });
}

/** An optional number flag (the recipe checks ranges itself). */
function number(flag: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : numberIn(text, flag);
}

export async function runRecipe(flags: RecipeFlags): Promise<number> {
  const outProblem = flags.out === undefined ? undefined : outFileProblem(flags.out);
  if (outProblem) throw new UsageError(`--out ${outProblem}`);
  const datasets = (flags.dataset ?? DEFAULT_RECIPE_DATASETS[flags.stage]).split(",").map((d) => d.trim()).filter((d) => d !== "");
  // A folder given is written as an absolute path (the YAML is used from a LLaMA-Factory checkout); none given
  // means LLaMA-Factory's own `data` folder, relative to where it runs.
  const datasetDir = flags.datasetDir === undefined ? "data" : resolve(flags.datasetDir);
  const problems = checkRecipeDatasets(datasetDir, datasets, flags.stage);
  if (problems !== undefined && problems.length > 0) {
    for (const p of problems) process.stderr.write(`mmif recipe: ${p}\n`);
    return EXIT.BAD_INPUT;
  }
  const recipe = llamaFactoryRecipe({
    stage: flags.stage,
    model: flags.model,
    template: flags.template,
    datasets,
    datasetDir,
    gpus: number("--gpus", flags.gpus),
    perDeviceBatch: number("--per-device-batch", flags.perDeviceBatch),
    batch: number("--batch", flags.batch),
    learningRate: number("--learning-rate", flags.learningRate),
    epochs: number("--epochs", flags.epochs),
    cutoffLen: number("--cutoff-len", flags.cutoffLen),
    imageMaxPixels: number("--image-max-pixels", flags.imageMaxPixels),
    prefBeta: number("--pref-beta", flags.prefBeta),
    outputDir: flags.outputDir,
    deepspeed: flags.deepspeed === "none" ? null : flags.deepspeed,
    generator: `mmif recipe (mm-ifengine ${packageVersion()})`,
  });
  if (problems === undefined) process.stderr.write(`mmif recipe: note: ${datasetDir} has no dataset_info.json yet; export the data there before training\n`);
  if (flags.out === undefined) {
    process.stdout.write(recipe.yaml);
  } else {
    await writeFileAtomic(flags.out, recipe.yaml);
    process.stderr.write(`mmif recipe: wrote ${flags.out}; train with: llamafactory-cli train ${flags.out}\n`);
  }
  return EXIT.OK;
}
