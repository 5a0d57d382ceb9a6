// `mmif export`: items.jsonl (generate) or pairs.jsonl (dpo) → training files LLaMA-Factory, TRL or `datasets` load.
import { Option, type Command } from "commander";
import { EXPORT_FORMATS, IMAGE_MODES, runExport, type ExportFormat, type ExportSummary, type ImageMode } from "../export/index.js";
import { EXIT } from "./exit-codes.js";
import { FlagChecks } from "./flag-values.js";
import { quitOnInterrupt } from "./interrupt.js";
import { LineProgress } from "./line-progress.js";
import { removeLeftoverTemps, tidyOnExit } from "../io/tidy.js";

interface ExportFlags {
  in: string;
  format: ExportFormat;
  out: string;
  images: ImageMode;
  name?: string;
  quiet?: boolean;
}

/** Problems printed one by one on standard error before only the count is kept. */
const SHOWN_PROBLEMS = 20;

export function registerExport(program: Command): void {
  program
    .command("export")
    .description(
      "Export the kept items of `mmif generate` (SFT) or the preference pairs of `mmif dpo` (DPO) as training data that existing trainers load as-is. The kind of input is read from its first record.",
    )
    .requiredOption("--in <file>", "items.jsonl or pairs.jsonl; image paths in it are absolute or relative to its folder")
    .addOption(new Option("--format <format>", "llamafactory | trl | sharegpt | parquet (files below)").choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption("--out <dir>", "output folder (created; files already there are replaced, dataset_info.json is merged)")
    .addOption(
      new Option("--images <mode>", "copy: into <out>/images/<sha256>.<ext>; link: hard links there; absolute: leave them, absolute paths; embed: bytes inside the Parquet file (trl, parquet; trl's JSONL then holds absolute paths)")
        .choices(IMAGE_MODES)
        .default("copy"),
    )
    .option("--name <name>", "dataset name: <name>.jsonl / <name>.parquet and the dataset_info.json key (default mmif_sft for items, mmif_dpo for pairs)")
    .option("-q, --quiet", "no progress display and no summary on standard error")
    .addHelpText(
      "after",
      [
        "",
        "Input: items.jsonl exports its kept items that have a response (user prompt = \"prompt\", or the task and each",
        "constraint after one space); pairs.jsonl exports every pair (full prompt with the image, chosen, rejected).",
        "",
        "Formats (one image per record; paths relative to --out unless --images absolute):",
        "  llamafactory  <name>.jsonl in LLaMA-Factory's sharegpt format + dataset_info.json entry <name>",
        "                SFT: {\"messages\": [{role: user, content: \"<image>prompt\"}, {role: assistant, ...}], \"images\": [...]}",
        "                DPO: {\"conversations\": [{from: human, value: \"<image>prompt\"}], \"chosen\": {from: gpt, ...},",
        "                      \"rejected\": {from: gpt, ...}, \"images\": [...]}, declared with \"ranking\": true",
        "  trl           <name>.jsonl and <name>.parquet in TRL's conversational vision format: \"images\" and",
        "                DPO: \"prompt\" / \"chosen\" / \"rejected\", SFT: \"messages\"; content parts {type: image} / {type: text}",
        "  sharegpt      <name>.jsonl: {\"conversations\": [{from: human, value: \"<image>\\nprompt\"}, {from: gpt, ...}], \"images\": [...]}",
        "                (pairs: the human turn, then \"chosen\" and \"rejected\" gpt turns)",
        "  parquet       <name>.parquet for Hugging Face datasets: string columns id, prompt, response (SFT) or item_id,",
        "                chosen, rejected, strategy (DPO), and \"images\": paths, or with --images embed the",
        "                datasets Image layout {bytes, path} declared as Image features (decoded to PIL images)",
        "Every record keeps its \"id\". Files are written under a temporary name and renamed when complete.",
        "",
        "Exit codes: 0 done; 2 bad usage, or lines that were skipped (malformed line, bad field, missing image:",
        "each reported with its line and field; the other records are still exported); 1 an I/O failure;",
        "130 stopped by Ctrl-C or SIGTERM (files not yet complete are removed; rerun to export again).",
        "",
        "Examples:",
        "  $ mmif export --in run1/items.jsonl --format llamafactory --out data/mmif",
        "  $ mmif export --in run1/pairs.jsonl --format llamafactory --out data/mmif",
        "  $ mmif export --in run1/pairs.jsonl --format trl --images embed --out trl-data",
      ].join("\n"),
    )
    .action(async (opts: ExportFlags, cmd: Command) => {
      cmd.setOptionValue("exitCode", await runExportCommand(opts));
    });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function summaryLine(s: ExportSummary, flags: ExportFlags): string {
  const skipped = Object.entries(s.skipped).map(([why, n]) => `${n} ${why}`);
  const parts = [
    `${plural(s.exported, s.kind === "pairs" ? "pair" : "item")} exported as ${flags.format}`,
    ...(skipped.length > 0 ? [`left out: ${skipped.join(", ")}`] : []),
    `${plural(s.problems, "line")} with problems${s.imageProblems > 0 ? ` (${s.imageProblems} image)` : ""}`,
  ];
  const files = s.files.map((f) => `${flags.out}/${f}`).join(", ");
  const images = s.imagesWritten > 0 ? `; ${plural(s.imagesWritten, "image")} into ${flags.out}/images${s.linkFallbacks > 0 ? ` (${s.linkFallbacks} copied where a hard link was refused)` : ""}` : "";
  return `mmif export: ${flags.in}: ${parts.join("; ")} → ${files}${images} (${s.seconds.toFixed(2)} s)\n`;
}

export async function runExportCommand(flags: ExportFlags): Promise<number> {
  // (--in is checked by runExport, which names what is wrong with it.)
  const checks = new FlagChecks();
  checks.outDir(flags.out);
  checks.done();
  // Half-written files of a killed export go now, and this one's on any exit (another live process's stay).
  removeLeftoverTemps(flags.out);
  const untidy = tidyOnExit(flags.out);
  const unsignal = quitOnInterrupt("export", "rerun to export again (files not yet complete were removed)");
  const progress = new LineProgress("export", undefined, flags.quiet ? undefined : process.stderr);
  let shown = 0;
  let summary: ExportSummary;
  try {
    summary = await runExport({
      input: flags.in,
      format: flags.format,
      outDir: flags.out,
      imageMode: flags.images,
      name: flags.name,
      onLine: () => progress.advance(0),
      onProblem: ({ line, message }) => {
        shown++;
        if (shown <= SHOWN_PROBLEMS) process.stderr.write(`mmif export: ${flags.in} line ${line}: ${message}\n`);
        else if (shown === SHOWN_PROBLEMS + 1) process.stderr.write("mmif export: more lines with problems; only their count is shown below\n");
      },
    });
  } finally {
    unsignal();
    progress.done();
    untidy();
  }
  if (summary.kind === undefined) {
    process.stderr.write(`mmif export: ${flags.in}: no line is an item or a pair; nothing written\n`);
    return EXIT.BAD_INPUT;
  }
  if (!flags.quiet) process.stderr.write(summaryLine(summary, flags));
  return summary.problems > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}
