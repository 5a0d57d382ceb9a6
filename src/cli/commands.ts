// The table of `mmif` commands: name and one-line summary here, the code loaded only when the command runs, so
// `mmif --version`, `mmif --help` and `mmif verify` do not pay for the model layer, images, SQLite or Parquet.
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  /** The line `mmif --help` shows; also set on the loaded command. */
  summary: string;
  /** What follows the name in the `mmif --help` listing, as the loaded command shows it (a test keeps them equal). */
  usage: string;
  /** Imports the command's module and returns its register function. */
  load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "verify",
    summary: "check responses with MM-IFEval's 19 rule-based verify functions (JSONL in, JSONL out)",
    usage: "[options]",
    load: async () => (await import("./verify.js")).registerVerify,
  },
  {
    name: "eval",
    summary: "evaluate a model on MM-IFEval: answer every row, judge, score (resumable)",
    usage: "[options]",
    load: async () => (await import("./eval.js")).registerEval,
  },
  {
    name: "score",
    summary: "judge predictions made elsewhere (predictions.jsonl, or VLMEvalKit's .xlsx/.tsv/.csv)",
    usage: "[options]",
    load: async () => (await import("./score.js")).registerScore,
  },
  {
    name: "filter",
    summary: "filter a folder of images: decode, resolution, aspect, complexity, duplicates (JSONL records out)",
    usage: "[options]",
    load: async () => (await import("./filter.js")).registerFilter,
  },
  {
    name: "generate",
    summary: "run the MM-IFEngine pipeline: images → tasks → constraints → checks → verified answers (resumable)",
    usage: "[options]",
    load: async () => (await import("./generate.js")).registerGenerate,
  },
  {
    name: "export",
    summary: "turn items.jsonl (generate) or pairs.jsonl (dpo) into LLaMA-Factory, TRL, ShareGPT or Parquet training data",
    usage: "[options]",
    load: async () => (await import("./export.js")).registerExport,
  },
  {
    name: "recipe",
    summary: "write a training recipe for an existing trainer (LLaMA-Factory); training runs there, not here",
    usage: "",
    load: async () => (await import("./recipe.js")).registerRecipe,
  },
  {
    name: "dpo",
    summary: "make MM-IFDPO preference pairs: a weaker model answers degraded prompts of the kept items (resumable)",
    usage: "[options]",
    load: async () => (await import("./dpo.js")).registerDpo,
  },
  {
    name: "merge",
    summary: "combine the folders of a generate or dpo run split with --shard i/n into the folder one unsharded run writes",
    usage: "[options] <dir...>",
    load: async () => (await import("./merge.js")).registerMerge,
  },
  {
    name: "batch",
    summary: "batch inference for runs made with --batch: import an offline engine's output, list a run's batches",
    usage: "",
    load: async () => (await import("./batch.js")).registerBatch,
  },
  {
    name: "report",
    summary: "write report.html for a run folder (eval, score or generate): one self-contained file",
    usage: "[options] <dir>",
    load: async () => (await import("./report.js")).registerReport,
  },
  {
    name: "demo",
    summary: "the whole pipeline in a minute on shipped pictures against a built-in simulated model: no key, no network",
    usage: "[options]",
    load: async () => (await import("./demo.js")).registerDemo,
  },
  {
    name: "serve",
    summary: "reward server for RL (TRL, verl, OpenRLHF): MM-IFEval constraint rewards over HTTP",
    usage: "[options]",
    load: async () => (await import("./serve.js")).registerServe,
  },
];

/** The command a command line runs (`mmif CMD ...` or `mmif help CMD`), if it names one; top-level flags take no value. */
export function commandNamed(args: readonly string[]): CommandEntry | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}
