/**
 * Shards (`--shard i/n` on generate and dpo): a run takes the inputs whose content hash falls in its part, so n
 * machines can share one job and `mmif merge` can put their folders back together as if one run had done it.
 *
 * Which part an input belongs to depends only on its content (the image's sha256 for generate, the item's for dpo),
 * never on file order, paths or the machine. Every shard still reads the whole input in order, so it knows each of
 * its inputs' place in the unsharded run: `shard.json` lists those places and how many lines each input wrote to
 * each output file, which is all the merge needs to interleave the shards' files in input order.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../common/errors.js";
import { writeJsonFile } from "../io/jsonl-file.js";
import { writtenBy, type WrittenBy } from "../records/format.js";

export const SHARD_FILE = "shard.json";

export interface Shard {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX and Slurm's SLURM_ARRAY_TASK_ID with --array=0-(n-1). */
  index: number;
  count: number;
}

export type ShardKind = "generate" | "dpo";

/** "2/8" → {index: 2, count: 8}; a usage error (exit 2) saying what --shard takes otherwise. */
export function parseShard(text: string, flag = "--shard"): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const takes = `${flag} takes i/n, the 0-based index of this shard and the number of shards (like 0/4 … 3/4, or $JOB_COMPLETION_INDEX/4)`;
  if (!m) throw new InputError(`${takes}; got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new InputError(`${takes}; the number of shards must be at least 1, got "${text}"`);
  if (!Number.isSafeInteger(index) || index >= count) throw new InputError(`${takes}; the index must be below ${count} (0 to ${count - 1}), got "${text}"`);
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard a sha256 (hex) belongs to: its first 48 bits modulo the number of shards. */
export function shardOfHash(sha256: string, count: number): number {
  if (!/^[0-9a-f]{12}/i.test(sha256)) throw new RangeError(`a shard is chosen by a sha256 in hex, got ${JSON.stringify(sha256.slice(0, 20))}`);
  return parseInt(sha256.slice(0, 12), 16) % count;
}

/** sha256 (hex) of a text, for inputs that are records rather than files (a dpo item's JSON). */
export function sha256Text(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** True when the input with this content hash is this shard's (always, without a shard). */
export function inShard(shard: Shard | undefined, sha256: string): boolean {
  return shard === undefined || shard.count === 1 || shardOfHash(sha256, shard.count) === shard.index;
}

export interface ShardManifest extends WrittenBy {
  kind: ShardKind;
  shard: Shard;
  seed: number;
  /** The command's settings that decide its outputs (not --out, --shard, endpoints, keys or concurrency): shards merge only when these agree. */
  config: Record<string, unknown>;
  /** What the merge needs to recompute the summary (generate: the constraint count distribution, stages, prices). */
  settings: Record<string, unknown>;
  /** Place in the unsharded run of each input this shard took, in the order it wrote them. */
  positions: number[];
  /** Per output file, how many lines each of those inputs wrote to it (same order as positions). */
  lines: Record<string, number[]>;
}

/** Collects, while a sharded run writes its outputs, where its inputs stand in the whole run and what they wrote. */
export class ShardRecorder {
  readonly positions: number[] = [];
  readonly lines: Record<string, number[]>;

  constructor(files: readonly string[]) {
    this.lines = Object.fromEntries(files.map((f) => [f, []]));
  }

  /** The shard's next input (the order inputs are taken in) stands at `position` in the unsharded run. */
  took(position: number): void {
    this.positions.push(position);
  }

  /** Input number `local` of this shard (0-based, in the order taken) wrote `counts[file]` lines to each file. */
  wrote(local: number, counts: Readonly<Record<string, number>>): void {
    for (const [file, list] of Object.entries(this.lines)) list[local] = counts[file] ?? 0;
  }

  write(dir: string, head: Pick<ShardManifest, "kind" | "shard" | "seed" | "config" | "settings">): void {
    const manifest: ShardManifest = { ...writtenBy(), ...head, positions: this.positions, lines: this.lines };
    writeJsonFile(join(dir, SHARD_FILE), manifest);
  }
}

/**
 * The settings that decide a command's outputs, for the shard manifest: every flag but the ones that may differ
 * from machine to machine (`perMachine`: --out, --shard, endpoints, key variables, concurrency, batching...),
 * with undefined ones left out, in name order.
 */
export function outputConfig(flags: object, perMachine: readonly string[]): Record<string, unknown> {
  const skip = new Set(["out", "shard", "quiet", ...perMachine]);
  return Object.fromEntries(
    Object.entries(flags)
      .filter(([k, v]) => !skip.has(k) && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/**
 * Why a run without --shard must not work in `dir`, or undefined: the folder holds a shard of a sharded run. The run
 * would do every shard's work (and pay for it) on one machine, and leave a shard.json that no longer describes the
 * folder's outputs. (A rerun with another --shard rewrites shard.json.)
 */
export function unshardedRunProblem(dir: string): string | undefined {
  let recorded: Partial<ShardManifest>;
  try {
    recorded = JSON.parse(readFileSync(join(dir, SHARD_FILE), "utf8")) as Partial<ShardManifest>;
  } catch {
    return undefined; // none (or unreadable: then no shard we could name)
  }
  const spec = recorded.shard ? formatShard(recorded.shard) : "i/n";
  return `${dir} holds shard ${spec} of a sharded run (${SHARD_FILE}); rerun with --shard ${spec} to continue that shard, or give another --out (without --shard this run would do every shard's work here)`;
}

/** Reads `<dir>/shard.json`; an InputError naming the folder when it is missing or not a shard manifest. */
export function readShardManifest(dir: string): ShardManifest {
  const path = join(dir, SHARD_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError(`${dir} is not a shard folder (no ${SHARD_FILE}): give the --out folders of runs made with --shard i/n, after they finished`);
  }
  let m: Partial<ShardManifest>;
  try {
    m = JSON.parse(text) as Partial<ShardManifest>;
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}); rerun that shard to rewrite it`);
  }
  const ok =
    (m.kind === "generate" || m.kind === "dpo") &&
    typeof m.shard?.index === "number" &&
    typeof m.shard?.count === "number" &&
    typeof m.seed === "number" &&
    Array.isArray(m.positions) &&
    typeof m.lines === "object" &&
    m.lines !== null &&
    Object.values(m.lines).every((l) => Array.isArray(l) && l.length === m.positions!.length);
  if (!ok) throw new InputError(`${path} is not a shard manifest of mmif generate or dpo (kind, shard, seed, positions, lines); rerun that shard to rewrite it`);
  return m as ShardManifest;
}

/** sha256 (hex) of a file's bytes, read as a stream (a dpo shard records its items file's, so that a merge refuses shards of different files). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
