// `--shard i/n` on generate and dpo: the flag, its value, and the settings a shard records for `mmif merge`.
import type { Command } from "commander";
import { InputError } from "../common/errors.js";
import { outputConfig, parseShard, type Shard } from "../run/shard.js";
import { UsageError } from "./exit-codes.js";

/** Flags that may differ from machine to machine without changing a run's outputs: not compared by the merge. */
const PER_MACHINE = ["images", "questions", "items", "baseUrl", "judgeBaseUrl", "apiKeyEnv", "judgeApiKeyEnv", "judgeModel", "concurrency", "imageConcurrency", "batch", "batchWait", "batchDiscount", "dryRun"];

export function addShardFlag(cmd: Command, what: string): Command {
  return cmd.option(
    "--shard <i/n>",
    `run only part i of n (0-based: 0/n … n-1/n), chosen by the content hash of ${what}; every shard writes its own --out, then \`mmif merge\` combines them`,
  );
}

/** The shard of `--shard`, or undefined; a UsageError saying what the flag takes. */
export function shardFlag(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  try {
    return parseShard(value);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
}

/** The shard and the settings that decide the command's outputs (see outputConfig), with the judge's resolved name. */
export function shardOption(part: Shard | undefined, flags: object, extra: Record<string, unknown> = {}): { part: Shard; config: Record<string, unknown> } | undefined {
  if (part === undefined) return undefined;
  return { part, config: { ...outputConfig(flags, PER_MACHINE), ...extra } };
}
