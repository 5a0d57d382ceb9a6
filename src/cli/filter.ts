// `mmif filter`: the image filter on its own: a folder of images in, one ImageRecord per line out.
import { createWriteStream, openSync, statSync } from "node:fs";
import type { Writable } from "node:stream";
import { Option, type Command } from "commander";
import {
  DEDUPE_MODES,
  DEFAULT_FILTER_OPTIONS,
  EXTERNAL_SEND_MODES,
  FilterOptionsError,
  FilterTally,
  IMAGE_EXTENSIONS,
  filterImages,
  parseFilterOptions,
  scanImageFolder,
  type FilterOptions,
  type FilterOptionsInput,
} from "../engine/filter/index.js";
import { BufferedWriter } from "../io/writer.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { numberIn } from "./flag-values.js";
import { progressFor } from "./progress-view.js";

export interface FilterFlags {
  images: string;
  out?: string;
  minSide: string;
  maxAspect: string;
  minComplexity: string;
  dedupe: string;
  nearDistance: string;
  externalScorer?: string;
  externalMinScore?: string;
  externalMinTags?: string;
  externalTimeout: string;
  externalRequired?: boolean;
  externalSend: string;
  concurrency: string;
  quiet?: boolean;
}

const D = DEFAULT_FILTER_OPTIONS;
const SCORER_TIMEOUT_S = 30;

/** Which of the command-level flags to add besides the thresholds (all by default; `generate` has its own). */
export interface FilterFlagSet {
  images?: boolean;
  out?: boolean;
  concurrency?: boolean;
  quiet?: boolean;
}

/** Adds the filter's flags to a command (`filter`, and `generate`, which runs the filter as its first stage). */
export function addFilterFlags(cmd: Command, include: FilterFlagSet = {}): Command {
  const { images = true, out = true, concurrency = true, quiet = true } = include;
  if (images) cmd.requiredOption("--images <dir>", `folder of images, searched recursively (${IMAGE_EXTENSIONS.join(" ")}; the format is read from the bytes)`);
  if (out) cmd.option("--out <file>", "write the records (JSONL) here (default: standard output)");
  cmd
    .option("--min-side <px>", "drop images whose shorter side is below this", String(D.minSide))
    .option("--max-aspect <ratio>", "drop images whose long side is more than this many times the short side", String(D.maxAspect))
    .option("--min-complexity <score>", "drop images whose complexity (0-1, from grey entropy and edge density) is below this; 0 keeps all", String(D.minComplexity))
    .addOption(
      new Option("--dedupe <mode>", "near: drop exact (sha256) and near (perceptual hash) duplicates; exact: only byte-identical files; off: keep all")
        .choices(DEDUPE_MODES)
        .default(D.dedupe),
    )
    .option("--near-distance <bits>", "largest perceptual-hash distance (of 64 bits) that counts as a near duplicate", String(D.nearDistance))
    .option("--external-scorer <url>", "POST each image that passed the local checks to this scorer (default: none; protocol in `mmif filter --help`)")
    .option("--external-min-score <x>", "drop images the scorer scores below this (default: none, the score is only recorded)")
    .option("--external-min-tags <n>", "drop images the scorer gives fewer tags than this (default: none)")
    .option("--external-timeout <seconds>", "deadline of one scorer request", String(SCORER_TIMEOUT_S))
    .option("--external-required", "drop images the scorer could not score (default: keep them, with the error in \"notes\")")
    .addOption(
      new Option("--external-send <what>", "the request's \"image\": the bytes as a data URL, or the absolute file path (a scorer on this machine)")
        .choices(EXTERNAL_SEND_MODES)
        .default("data-url"),
    );
  if (concurrency) cmd.option("--concurrency <n>", "images read, decoded and scored at once", String(D.concurrency));
  if (quiet) cmd.option("-q, --quiet", "no progress display and no summary on standard error");
  return cmd;
}

export function registerFilter(program: Command): void {
  const cmd = program
    .command("filter")
    .description(
      "The image filter (the first stage of `mmif generate`): checks every image of a folder for decode errors, resolution, aspect " +
        "ratio, a CPU complexity score and exact or near duplicates, optionally asks an external scorer over HTTP, and writes one " +
        "record per image: kept or dropped, and why.",
    );
  addFilterFlags(cmd)
    .addHelpText(
      "after",
      [
        "",
        "Each output line is one image, in sorted path order:",
        '  {"path": "a/b.jpg", "sha256": "...", "width": 640, "height": 480, "format": "jpeg", "complexity": 0.61,',
        '   "phash": "c3d1...", "external": {"score": 0.4, "tags": [...]}, "kept": false, "reasons": ["near-duplicate of a/a.jpg (distance 2)"]}',
        "Reasons: \"read: ...\", \"decode: ...\", \"resolution: 50x40 < 224\", \"aspect: 10 > 3 (1000x100)\", \"complexity: 0.01 < 0.03 (...)\",",
        "\"duplicate of P\", \"near-duplicate of P (distance d)\", \"external score: s < min\", \"external tags: n < min\", \"external scorer: <error>\".",
        "Duplicates are looked for among images that passed the other local checks; the first in path order is kept.",
        "",
        "External scorer protocol: POST {\"path\": P, \"image\": \"data:image/...;base64,...\" (or the absolute path)} as JSON;",
        "the reply is a JSON object {\"score\"?: number, \"tags\"?: string[]}, recorded in \"external\". Only images that passed the",
        "local checks and are not duplicates are sent. A failed call (HTTP error, timeout, bad reply) keeps the image with",
        "\"notes\": [\"external scorer: ...\"], or drops it with that reason under --external-required.",
        "",
        "A summary (kept, dropped per reason) goes to standard error.",
        "Exit codes: 0 done (dropped and unreadable images are results, not failures); 2 bad usage (missing folder, bad flag,",
        "no image files); 1 an I/O failure.",
        "",
        "Examples:",
        "  $ mmif filter --images photos/ --out filtered.jsonl",
        "  $ mmif filter --images photos/ --min-side 336 --min-complexity 0.2 --external-scorer http://127.0.0.1:8000/score \\",
        "      --external-min-score 0.3 > filtered.jsonl",
      ].join("\n"),
    )
    .action(async (flags: FilterFlags, c: Command) => {
      c.setOptionValue("exitCode", await runFilter(flags));
    });
}

/**
 * Flag values → validated filter options; every problem is a UsageError naming the flag (`concurrencyFlag`: the
 * name the command gives the concurrency, e.g. generate's --image-concurrency).
 */
export function filterOptionsFromFlags(flags: FilterFlags, concurrencyFlag = "--concurrency"): FilterOptions {
  const input: FilterOptionsInput = {
    minSide: numberIn(flags.minSide, "--min-side"),
    maxAspect: numberIn(flags.maxAspect, "--max-aspect"),
    minComplexity: numberIn(flags.minComplexity, "--min-complexity"),
    dedupe: flags.dedupe as FilterOptionsInput["dedupe"],
    nearDistance: numberIn(flags.nearDistance, "--near-distance"),
    concurrency: numberIn(flags.concurrency, concurrencyFlag),
  };
  const scorerOnly = [
    ["--external-min-score", flags.externalMinScore],
    ["--external-min-tags", flags.externalMinTags],
    ["--external-required", flags.externalRequired],
  ].filter(([, v]) => v !== undefined);
  if (flags.externalScorer === undefined && scorerOnly.length > 0) {
    throw new UsageError(`${scorerOnly.map(([f]) => f).join(", ")} need --external-scorer URL`);
  }
  if (flags.externalScorer !== undefined) {
    input.external = {
      url: flags.externalScorer,
      timeoutMs: Math.round(numberIn(flags.externalTimeout, "--external-timeout") * 1000),
      required: flags.externalRequired === true,
      send: flags.externalSend as "data-url" | "path",
      ...(flags.externalMinScore !== undefined ? { minScore: numberIn(flags.externalMinScore, "--external-min-score") } : {}),
      ...(flags.externalMinTags !== undefined ? { minTags: numberIn(flags.externalMinTags, "--external-min-tags") } : {}),
    };
  }
  try {
    return parseFilterOptions(input);
  } catch (err) {
    if (err instanceof FilterOptionsError) throw new UsageError(flagNames(err.message, concurrencyFlag));
    throw err;
  }
}

const FLAG_NAMES: Record<string, string> = {
  minSide: "--min-side",
  maxAspect: "--max-aspect",
  minComplexity: "--min-complexity",
  nearDistance: "--near-distance",
  "external.url": "--external-scorer",
  "external.minScore": "--external-min-score",
  "external.minTags": "--external-min-tags",
  "external.timeoutMs": "--external-timeout",
};

/** "filter options: minSide: Too small ..." → "--min-side: Too small ...". */
function flagNames(message: string, concurrencyFlag: string): string {
  const names: Record<string, string> = { ...FLAG_NAMES, concurrency: concurrencyFlag };
  return message
    .replace(/^filter options: /, "")
    .split("; ")
    .map((issue) => issue.replace(/^([\w.]+):/, (_, key: string) => `${names[key] ?? key}:`))
    .join("; ");
}

function openOutput(path: string): Writable {
  try {
    return createWriteStream("", { fd: openSync(path, "w") });
  } catch (err) {
    throw new UsageError(`cannot write --out ${path}: ${(err as Error).message}`);
  }
}

export async function runFilter(flags: FilterFlags): Promise<number> {
  const options = filterOptionsFromFlags(flags);
  let isDir = false;
  try {
    isDir = statSync(flags.images).isDirectory();
  } catch {
    throw new UsageError(`--images ${flags.images}: no such folder`);
  }
  if (!isDir) throw new UsageError(`--images ${flags.images} is not a folder`);
  const scan = await scanImageFolder(flags.images).catch((err: unknown) => {
    throw new UsageError(`cannot list --images ${flags.images}: ${(err as Error).message}`);
  });
  for (const p of scan.problems) process.stderr.write(`mmif filter: cannot list ${p.path}: ${p.problem}\n`);
  if (scan.files.length === 0) {
    throw new UsageError(`no image files in ${flags.images} (looked for ${IMAGE_EXTENSIONS.join(" ")}, in sub-folders too)`);
  }

  const outStream = flags.out ? openOutput(flags.out) : process.stdout;
  const out = new BufferedWriter(outStream);
  const { events, view } = progressFor(flags.quiet);
  const tally = new FilterTally();
  const started = performance.now();
  view?.start();
  try {
    for await (const record of filterImages(scan.files, options, { root: flags.images, events })) {
      tally.add(record);
      await out.write(`${JSON.stringify(record)}\n`);
    }
  } finally {
    view?.stop();
  }
  await out.flush();
  if (outStream !== process.stdout) await new Promise<void>((resolve, reject) => outStream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (!flags.quiet) {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const lines = [`mmif filter: ${tally.images} images: ${tally.kept} kept, ${tally.dropped} dropped (${seconds} s)`];
    if (tally.dropped > 0) lines.push(`  dropped for: ${tally.formatReasons()}`);
    if (tally.externalErrors > 0) {
      const fate = options.external?.required ? "dropped" : "kept with a note; --external-required drops them";
      lines.push(`  external scorer errors: ${tally.externalErrors} (${fate}); first: ${tally.firstExternalError}`);
    }
    process.stderr.write(`${lines.join("\n")}\n`);
  }
  return EXIT.OK;
}
