/**
 * LLaMA-Factory training recipes (the YAML `llamafactory-cli train` reads) as the MM-IFEngine authors trained:
 * their released SFT configs (SYuan03/MM-IFEngine `examples/qwen2_vl/full_sft/`, `examples/qwen2_5_vl/full_sft/`,
 * spec "Details from the full paper…") give full fine-tuning with the vision tower and projector frozen,
 * `image_max_pixels` 262144, `cutoff_len` 2048, `mix_strategy` interleave, batch 1 × 16 accumulation × 8 GPUs
 * = 128, lr 1.0e-5 (Qwen2-VL-7B) or 5.0e-6 (Qwen2.5-VL-7B), 1 epoch, cosine, warmup 0.1, bf16, ZeRO-3 and a 2 %
 * validation split evaluated every 100 steps. No DPO config was released: the paper gives batch 16 and lr 5e-7,
 * and everything else in a DPO recipe (β, loss, epochs, full rather than LoRA, the SFT settings carried over)
 * is our choice. Every line of the YAML says where its value comes from: "authors' SFT config", "paper", or
 * "ours". The effective batch is per_device_train_batch_size × gradient_accumulation_steps × GPUs, so the
 * accumulation steps are derived from the GPU count. Training runs in LLaMA-Factory; mm-ifengine only writes
 * the file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../common/errors.js";

export const RECIPE_STAGES = ["sft", "dpo"] as const;
export type RecipeStage = (typeof RECIPE_STAGES)[number];

export interface RecipeModel {
  /** The name `--model` takes. */
  key: string;
  /** Hugging Face model id (`model_name_or_path`). */
  hfId: string;
  /** LLaMA-Factory chat template (README "Supported Models", src/llamafactory/extras/constants.py). */
  template: string;
}

/** Vision-language models LLaMA-Factory supports, with the template its constants.py registers for each. */
export const RECIPE_MODELS: readonly RecipeModel[] = [
  { key: "qwen2-vl-2b", hfId: "Qwen/Qwen2-VL-2B-Instruct", template: "qwen2_vl" },
  { key: "qwen2-vl-7b", hfId: "Qwen/Qwen2-VL-7B-Instruct", template: "qwen2_vl" },
  { key: "qwen2.5-vl-3b", hfId: "Qwen/Qwen2.5-VL-3B-Instruct", template: "qwen2_vl" },
  { key: "qwen2.5-vl-7b", hfId: "Qwen/Qwen2.5-VL-7B-Instruct", template: "qwen2_vl" },
  { key: "llava-1.5-7b", hfId: "llava-hf/llava-1.5-7b-hf", template: "llava" },
  { key: "llava-next-7b", hfId: "llava-hf/llava-v1.6-vicuna-7b-hf", template: "llava_next" },
  { key: "llava-next-mistral-7b", hfId: "llava-hf/llava-v1.6-mistral-7b-hf", template: "llava_next_mistral" },
  { key: "llava-next-8b", hfId: "llava-hf/llama3-llava-next-8b-hf", template: "llava_next_llama3" },
  { key: "llama3.2-vision-11b", hfId: "meta-llama/Llama-3.2-11B-Vision-Instruct", template: "mllama" },
];

/** The paper's training hyperparameters (spec: "Training (paper)"). */
export const PAPER_HYPERPARAMETERS: Record<RecipeStage, { batch: number; learningRate: number }> = {
  sft: { batch: 128, learningRate: 1e-5 },
  dpo: { batch: 16, learningRate: 5e-7 },
};

/** SFT learning rates of the authors' released configs, by model key; other models take the paper's 1e-5. */
export const AUTHORS_SFT_LEARNING_RATES: Readonly<Record<string, number>> = { "qwen2-vl-7b": 1e-5, "qwen2.5-vl-7b": 5e-6 };

/** LLaMA-Factory's default DPO beta (`pref_beta`); the MM-IFEngine paper does not give one. */
export const DEFAULT_PREF_BETA = 0.1;
/** The authors' SFT configs: 1 epoch. */
export const DEFAULT_EPOCHS = 1;
/** The authors' SFT configs: cutoff_len 2048. */
export const DEFAULT_CUTOFF_LEN = 2048;
/** The authors' SFT configs: image_max_pixels 262144 (512 × 512). */
export const DEFAULT_IMAGE_MAX_PIXELS = 262144;
export const DEFAULT_GPUS = 8;
/** ZeRO-3 config shipped in LLaMA-Factory's examples (a path inside a LLaMA-Factory checkout). */
export const DEFAULT_DEEPSPEED = "examples/deepspeed/ds_z3_config.json";
/** The dataset names `mmif export` gives by default. */
export const DEFAULT_RECIPE_DATASETS: Record<RecipeStage, string> = { sft: "mmif_sft", dpo: "mmif_dpo" };

export class RecipeError extends InputError {}

export interface RecipeOptions {
  stage: RecipeStage;
  /** A key of RECIPE_MODELS, or a model id or path (then `template` is required). */
  model: string;
  template?: string;
  datasets: string[];
  datasetDir: string;
  gpus?: number;
  perDeviceBatch?: number;
  /** Effective batch (default: the paper's for the stage). */
  batch?: number;
  learningRate?: number;
  epochs?: number;
  cutoffLen?: number;
  imageMaxPixels?: number;
  prefBeta?: number;
  outputDir?: string;
  /** A DeepSpeed config path, or null for none. */
  deepspeed?: string | null;
  /** Written in the header comment. */
  generator?: string;
}

export type YamlScalar = string | number | boolean;

export interface Recipe {
  /** The settings in file order. */
  values: Array<[string, YamlScalar]>;
  gradientAccumulation: number;
  yaml: string;
}

/** A float PyYAML reads as a float: a decimal point always, and a signed exponent (`1.0e-5`, not `1e-5`). */
export function yamlFloat(x: number): string {
  if (Number.isInteger(x)) return `${x}.0`;
  if (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e15) return String(x);
  return x.toExponential().replace(/^(-?\d+)e/, "$1.0e");
}

const PLAIN = /^[A-Za-z_./][A-Za-z0-9_./,:-]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function yamlScalar(key: string, value: YamlScalar): string {
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return FLOAT_KEYS.has(key) ? yamlFloat(value) : String(value);
  return PLAIN.test(value) && !YAML_WORDS.test(value) ? value : JSON.stringify(value);
}

const FLOAT_KEYS = new Set(["learning_rate", "num_train_epochs", "warmup_ratio", "pref_beta", "val_size"]);

export function findModel(key: string): RecipeModel | undefined {
  return RECIPE_MODELS.find((m) => m.key === key.toLowerCase());
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RecipeError(`${name} must be a whole number of at least 1, got ${value}`);
  return value;
}

export function llamaFactoryRecipe(o: RecipeOptions): Recipe {
  const known = findModel(o.model);
  const template = o.template ?? known?.template;
  if (template === undefined) {
    throw new RecipeError(`unknown --model ${o.model}: use one of ${RECIPE_MODELS.map((m) => m.key).join(", ")}, or give a model id with --template (LLaMA-Factory's template name)`);
  }
  const modelPath = known?.hfId ?? o.model;
  const paper = PAPER_HYPERPARAMETERS[o.stage];
  const gpus = positiveInt("--gpus", o.gpus ?? DEFAULT_GPUS);
  const perDevice = positiveInt("--per-device-batch", o.perDeviceBatch ?? 1);
  const batch = positiveInt("--batch", o.batch ?? paper.batch);
  if (batch % (perDevice * gpus) !== 0) {
    throw new RecipeError(`an effective batch of ${batch} cannot be split over ${gpus} GPU(s) × ${perDevice} per device: ${batch} / (${perDevice} × ${gpus}) is not a whole number of accumulation steps`);
  }
  const accumulation = batch / (perDevice * gpus);
  const authorsRate = o.stage === "sft" && known ? AUTHORS_SFT_LEARNING_RATES[known.key] : undefined;
  const learningRate = o.learningRate ?? authorsRate ?? paper.learningRate;
  const epochs = o.epochs ?? DEFAULT_EPOCHS;
  if (!(learningRate > 0)) throw new RecipeError(`--learning-rate must be positive, got ${learningRate}`);
  if (!(epochs > 0)) throw new RecipeError(`--epochs must be positive, got ${epochs}`);
  if (o.prefBeta !== undefined && !(o.prefBeta > 0)) throw new RecipeError(`--pref-beta must be positive, got ${o.prefBeta}`);
  if (o.datasets.length === 0) throw new RecipeError("--dataset needs at least one name");
  const deepspeed = o.deepspeed === undefined ? DEFAULT_DEEPSPEED : o.deepspeed;
  const modelSlug = (known?.key ?? modelPath.split("/").pop() ?? "model").toLowerCase();

  const sections: Array<[string, Array<[string, YamlScalar] | undefined>]> = [
    ["model", [["model_name_or_path", modelPath], ["image_max_pixels", positiveInt("--image-max-pixels", o.imageMaxPixels ?? DEFAULT_IMAGE_MAX_PIXELS)], ["trust_remote_code", true]]],
    [
      "method",
      [
        ["stage", o.stage],
        ["do_train", true],
        ["finetuning_type", "full"],
        ["freeze_vision_tower", true],
        ["freeze_multi_modal_projector", true],
        ["freeze_language_model", false],
        deepspeed === null ? undefined : ["deepspeed", deepspeed],
        o.stage === "dpo" ? ["pref_beta", o.prefBeta ?? DEFAULT_PREF_BETA] : undefined,
        o.stage === "dpo" ? ["pref_loss", "sigmoid"] : undefined,
      ],
    ],
    [
      "dataset",
      [
        ["dataset", o.datasets.join(",")],
        ["dataset_dir", o.datasetDir],
        ["template", template],
        ["cutoff_len", positiveInt("--cutoff-len", o.cutoffLen ?? DEFAULT_CUTOFF_LEN)],
        ["mix_strategy", "interleave"],
        ["overwrite_cache", true],
        ["preprocessing_num_workers", 16],
      ],
    ],
    [
      "output",
      [
        ["output_dir", o.outputDir ?? `saves/${modelSlug}/full/${o.stage}`],
        ["logging_steps", 10],
        ["save_steps", 500],
        ["plot_loss", true],
        ["overwrite_output_dir", true],
        ["report_to", "none"],
      ],
    ],
    [
      "train",
      [
        ["per_device_train_batch_size", perDevice],
        ["gradient_accumulation_steps", accumulation],
        ["learning_rate", learningRate],
        ["num_train_epochs", epochs],
        ["lr_scheduler_type", "cosine"],
        ["warmup_ratio", 0.1],
        ["bf16", true],
        ["ddp_timeout", 180000000],
      ],
    ],
    [
      "eval",
      [
        ["val_size", 0.02],
        ["per_device_eval_batch_size", 1],
        ["eval_strategy", "steps"],
        ["eval_steps", 100],
      ],
    ],
  ];

  // Where each value comes from. SFT: the authors' released configs; DPO: only batch and lr are the paper's.
  const authors = o.stage === "sft" ? "authors' SFT config" : "ours: as the authors' SFT config (no DPO config was released)";
  const rateSource =
    o.learningRate !== undefined ? "ours: --learning-rate" : authorsRate !== undefined ? `authors' SFT config for ${known!.key}` : `paper: ${yamlFloat(paper.learningRate)} for ${o.stage.toUpperCase()}`;
  const own = (value: number | undefined, authorsValue: number, flag: string) => (value === undefined || value === authorsValue ? authors : `ours: ${flag}`);
  const comments: Record<string, string> = {
    image_max_pixels: own(o.imageMaxPixels, DEFAULT_IMAGE_MAX_PIXELS, "--image-max-pixels"),
    trust_remote_code: "ours",
    finetuning_type: o.stage === "sft" ? "authors' SFT config" : "ours: the paper does not say full or LoRA for DPO",
    freeze_vision_tower: authors,
    freeze_multi_modal_projector: authors,
    freeze_language_model: authors,
    deepspeed: `${authors}: ZeRO-3, a path inside a LLaMA-Factory checkout; \`--deepspeed none\` to leave out`,
    pref_beta: "ours: LLaMA-Factory's default (the paper gives none)",
    pref_loss: "ours: sigmoid = the DPO loss",
    dataset_dir: "the folder holding dataset_info.json and the images (LLaMA-Factory's media_dir defaults to it)",
    cutoff_len: own(o.cutoffLen, DEFAULT_CUTOFF_LEN, "--cutoff-len"),
    mix_strategy: authors,
    overwrite_cache: "ours",
    preprocessing_num_workers: "ours",
    logging_steps: "ours",
    save_steps: "ours",
    per_device_train_batch_size: o.stage === "sft" && perDevice === 1 ? "authors' SFT config" : "ours",
    gradient_accumulation_steps: `${perDevice} per device × ${accumulation} steps × ${gpus} GPU(s) = ${batch} (paper: ${paper.batch})`,
    learning_rate: rateSource,
    num_train_epochs: own(o.epochs, DEFAULT_EPOCHS, "--epochs"),
    lr_scheduler_type: authors,
    warmup_ratio: authors,
    bf16: authors,
    val_size: authors,
    per_device_eval_batch_size: "ours",
    eval_strategy: authors,
    eval_steps: authors,
  };

  const values: Array<[string, YamlScalar]> = [];
  const lines = [
    `# LLaMA-Factory ${o.stage.toUpperCase()} recipe for ${modelPath}${o.generator ? `, written by ${o.generator}` : ""}.`,
    "# MM-IFEngine (arXiv 2504.07957) trains with LLaMA-Factory: SFT at batch 128 and lr 1e-5, DPO at batch 16 and lr 5e-7.",
    "# Each value's comment says where it comes from: the authors' released SFT configs, the paper, or ours.",
    `# Effective batch = per_device_train_batch_size × gradient_accumulation_steps × GPUs = ${perDevice} × ${accumulation} × ${gpus} = ${batch}.`,
    "# Train in a LLaMA-Factory checkout (mm-ifengine does not train):",
    "#   llamafactory-cli train THIS_FILE.yaml        (several GPUs: FORCE_TORCHRUN=1 llamafactory-cli train THIS_FILE.yaml)",
  ];
  for (const [section, entries] of sections) {
    lines.push("", `### ${section}`);
    for (const entry of entries) {
      if (entry === undefined) continue;
      values.push(entry);
      const [key, value] = entry;
      const comment = comments[key];
      lines.push(`${key}: ${yamlScalar(key, value)}${comment ? `  # ${comment}` : ""}`);
    }
  }
  return { values, gradientAccumulation: accumulation, yaml: `${lines.join("\n")}\n` };
}

/**
 * Checks the dataset names against `<datasetDir>/dataset_info.json` when there is one: each must be declared,
 * as a preference set (`ranking: true`) for DPO and not for SFT. Returns the problems, or undefined when the
 * folder has no dataset_info.json (the data may be exported later).
 */
export function checkRecipeDatasets(datasetDir: string, datasets: string[], stage: RecipeStage): string[] | undefined {
  const path = join(datasetDir, "dataset_info.json");
  if (!existsSync(path)) return undefined;
  let info: unknown;
  try {
    info = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return [`${path}: not valid JSON (${(e as Error).message})`];
  }
  if (typeof info !== "object" || info === null || Array.isArray(info)) return [`${path}: not a JSON object`];
  const entries = info as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of datasets) {
    const entry = entries[name];
    if (typeof entry !== "object" || entry === null) {
      problems.push(`${path} declares no dataset "${name}" (it has: ${Object.keys(entries).join(", ") || "none"})`);
      continue;
    }
    const ranking = (entry as Record<string, unknown>).ranking === true;
    if (stage === "dpo" && !ranking) problems.push(`dataset "${name}" is not a preference set (no "ranking": true in ${path}); DPO needs pairs: export pairs.jsonl`);
    if (stage === "sft" && ranking) problems.push(`dataset "${name}" is a preference set ("ranking": true in ${path}); SFT needs items: export items.jsonl`);
  }
  return problems;
}
