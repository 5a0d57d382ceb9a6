/**
 * `mmif merge`: the folders of one run's shards (`--shard i/n`) back into one folder with the outputs an unsharded
 * run with the same settings writes: each line file interleaved in input order (by the places listed in each
 * shard.json), images/ de-duplicated, the call ledgers merged, the exports and the summary recomputed from the
 * merged records by the code a run uses. Shards are only read; rerunning the merge rewrites the same files.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../common/errors.js";
import { DpoStatsCollector, DROPPED_FILE, PAIRS_FILE } from "../dpo/stats.js";
import { exportKeptItems } from "../engine/exports.js";
import { ExportImageError, IMAGES_DIR, ImagePlacer } from "../export/index.js";
import { finishGenerateStats, type GenerateSummarySettings } from "../engine/generate.js";
import { StatsCollector } from "../engine/stats.js";
import type { EngineItem, ImageRecord } from "../engine/types.js";
import { readJsonObjects, type JsonObjectLine } from "../io/json-lines.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import { acquireRunLock, type RunLock } from "../io/run-lock.js";
import { keepOnlyFiles, removeLeftoverTemps, tidyOnExit } from "../io/tidy.js";
import { BatchRecords } from "../model/batch/records.js";
import { Ledger } from "../model/ledger.js";
import type { DpoStats, GenerateStats } from "../records/index.js";
import { formatShard, readShardManifest, type ShardKind, type ShardManifest } from "./shard.js";
import type { RunVerdict } from "./status.js";

interface ShardDir {
  dir: string;
  manifest: ShardManifest;
}

export interface MergeResult {
  kind: ShardKind;
  shards: number;
  summary: GenerateStats | DpoStats;
}

const SUMMARY_FILE: Record<ShardKind, string> = { generate: "stats.json", dpo: "dpo-stats.json" };

/** What a merge folder was made from, so that a rerun may overwrite it and a merge of another run may not. */
export const MERGE_FILE = "merge.json";

/** The run the shards belong to, as merge.json records it. */
function runIdentity(m: ShardManifest): Record<string, unknown> {
  return { kind: m.kind, shards: m.shard.count, seed: m.seed, config: m.config };
}

/** --out must be new, empty, or an earlier merge of the same run (its ledger is merged into, never mixed). */
function checkOut(out: string, shards: ShardDir[]): void {
  if (!existsSync(out)) return;
  const marker = join(out, MERGE_FILE);
  const identity = JSON.stringify(runIdentity(shards[0]!.manifest));
  if (existsSync(marker)) {
    let earlier: unknown;
    try {
      earlier = (JSON.parse(readFileSync(marker, "utf8")) as { run?: unknown }).run;
    } catch {
      earlier = undefined;
    }
    if (JSON.stringify(earlier) !== identity) throw new InputError(`--out ${out} holds the merge of another run (${MERGE_FILE} differs): choose a new folder`);
    return;
  }
  const files = readdirSync(out).filter((f) => !f.startsWith("."));
  if (files.length > 0) throw new InputError(`--out ${out} already holds files (${files.slice(0, 3).join(", ")}${files.length > 3 ? ", …" : ""}) and is not an earlier merge of these shards: choose a new folder`);
}

/** "--tasks-per-image" for the config key tasksPerImage; "the content of --items (sha256)" for items_sha256. */
function flagName(key: string): string {
  const content = /^(\w+)_sha256$/.exec(key);
  if (content) return `the content of --${content[1]} (sha256)`;
  return key.includes("_") ? key : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The shards in index order; an InputError naming the first way they do not belong to one run. */
function checkShards(shards: ShardDir[], out: string): ShardDir[] {
  const [first] = shards;
  if (first === undefined) throw new InputError("merge needs the folders of a run's shards: mmif merge DIR... --out DIR");
  for (const s of shards) if (s.dir === out) throw new InputError(`--out ${out} is one of the shard folders: merge into a new folder`);
  const a = first.manifest;
  const name = (s: ShardDir) => `${s.dir} (shard ${formatShard(s.manifest.shard)})`;
  for (const s of shards.slice(1)) {
    const b = s.manifest;
    const mismatch = (what: string, x: unknown, y: unknown) =>
      new InputError(`cannot merge: ${what} differs: ${JSON.stringify(x)} in ${name(first)}, ${JSON.stringify(y)} in ${name(s)}; the shards of one run come from the same command, apart from --shard, --out, endpoints, keys and concurrency`);
    if (b.kind !== a.kind) throw new InputError(`cannot merge a ${a.kind} shard (${name(first)}) with a ${b.kind} shard (${name(s)})`);
    if (b.shard.count !== a.shard.count) throw mismatch("the number of shards", a.shard.count, b.shard.count);
    if (b.seed !== a.seed) throw mismatch("--seed", a.seed, b.seed);
    if (b.mmif_version !== a.mmif_version) throw mismatch("the mmif version", a.mmif_version, b.mmif_version);
    if (b.format_version !== a.format_version) throw mismatch("the shard.json format_version", a.format_version, b.format_version);
    for (const key of new Set([...Object.keys(a.config), ...Object.keys(b.config)])) {
      if (JSON.stringify(a.config[key]) !== JSON.stringify(b.config[key])) throw mismatch(flagName(key), a.config[key] ?? null, b.config[key] ?? null);
    }
  }
  const byIndex = new Map<number, ShardDir>();
  for (const s of shards) {
    const twin = byIndex.get(s.manifest.shard.index);
    if (twin) throw new InputError(`shard ${formatShard(s.manifest.shard)} is given twice: ${twin.dir} and ${s.dir}`);
    byIndex.set(s.manifest.shard.index, s);
  }
  const count = a.shard.count;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new InputError(`missing shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")}: give the --out folder of every shard 0/${count} … ${count - 1}/${count}`);
  }
  return [...byIndex.values()].sort((x, y) => x.manifest.shard.index - y.manifest.shard.index);
}

/** Every input of the run in order: which shard took it and its number there. */
function inputOrder(shards: ShardDir[]): Array<{ shard: number; local: number }> {
  const all = shards.flatMap((s, shard) => s.manifest.positions.map((position, local) => ({ position, shard, local })));
  all.sort((x, y) => x.position - y.position);
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.position === all[i - 1]!.position) {
      throw new InputError(`${shards[all[i]!.shard]!.dir} and ${shards[all[i - 1]!.shard]!.dir} both took input ${all[i]!.position}: they were not made from the same input; rerun them with the same input`);
    }
  }
  return all;
}

/** Interleaves one line file of every shard in input order into `out`, handing each record to `fold`. */
async function interleave(shards: ShardDir[], order: ReturnType<typeof inputOrder>, file: string, out: string, fold: (record: Record<string, unknown>) => void): Promise<number> {
  const readers = shards.map((s) => readJsonObjects(createReadStream(join(s.dir, file))));
  const sink = new JsonlSink(join(out, file));
  const changed = (s: ShardDir, how: string) => new InputError(`${join(s.dir, file)} ${how} than its shard.json says: the folder changed after that shard ran; rerun it`);
  try {
    for (const { shard, local } of order) {
      const s = shards[shard]!;
      for (let n = s.manifest.lines[file]![local]!; n > 0; n--) {
        const next = await readers[shard]!.next();
        if (next.done) throw changed(s, "has fewer lines");
        const line: JsonObjectLine = next.value;
        if ("error" in line) throw new InputError(`${join(s.dir, file)} line ${line.line}: ${line.error}; rerun that shard`);
        fold(line.value);
        await sink.write(line.value);
      }
    }
    for (const [i, r] of readers.entries()) if (!(await r.next()).done) throw changed(shards[i]!, "has more lines");
    await sink.close();
    return sink.rows;
  } catch (e) {
    await sink.abort();
    throw e;
  } finally {
    for (const r of readers) await r.return(undefined);
  }
}

function fileHash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Every shard filtered the whole image folder, so their images.jsonl must agree; it is written once, folded. */
async function mergeImageRecords(shards: ShardDir[], out: string, fold: (r: ImageRecord) => void): Promise<void> {
  const present = shards.filter((s) => existsSync(join(s.dir, "images.jsonl")));
  if (present.length === 0) return;
  if (present.length !== shards.length) throw new InputError(`${present[0]!.dir} has an images.jsonl and ${shards.find((s) => !present.includes(s))!.dir} has none: were they run on the same --images folder?`);
  const hash = fileHash(join(shards[0]!.dir, "images.jsonl"));
  for (const s of shards.slice(1)) {
    if (fileHash(join(s.dir, "images.jsonl")) !== hash) {
      throw new InputError(`${join(s.dir, "images.jsonl")} differs from ${join(shards[0]!.dir, "images.jsonl")}: every shard filters the whole --images folder, so they saw different images or filter settings; rerun the shards on the same images`);
    }
  }
  const sink = new JsonlSink(join(out, "images.jsonl"));
  for await (const line of readJsonObjects(createReadStream(join(shards[0]!.dir, "images.jsonl")))) {
    if ("error" in line) throw new InputError(`${join(shards[0]!.dir, "images.jsonl")} line ${line.line}: ${line.error}`);
    fold(line.value as unknown as ImageRecord);
    await sink.write(line.value);
  }
  await sink.close();
}

/** A file a run placed in images/: `<sha256>.<ext>` (not a temporary file a killed run left). */
const IMAGE_NAME = /^([0-9a-f]{64})\.[a-z0-9]+$/;

/**
 * images/ of every shard (the images of its kept items or pairs) into out/images/ by the placer a run uses (hard
 * links where possible, written under a temporary name), each file once: names are content hashes. The folder then
 * holds exactly these, also when an earlier merge into it left others.
 */
async function mergeImageFolders(shards: ShardDir[], out: string): Promise<void> {
  const placer = new ImagePlacer(out, "link");
  const names = new Set<string>();
  for (const s of shards) {
    const from = join(s.dir, IMAGES_DIR);
    for (const name of existsSync(from) ? readdirSync(from) : []) {
      const hash = IMAGE_NAME.exec(name)?.[1];
      if (hash === undefined) continue;
      try {
        names.add((await placer.place({ path: join(from, name), sha256: hash })).name);
      } catch (e) {
        if (e instanceof ExportImageError) throw new InputError(`${join(from, name)}: ${e.message}; the shard's images/ changed after it ran: delete that file and rerun the shard`);
        throw e;
      }
    }
  }
  keepOnlyFiles(join(out, IMAGES_DIR), names);
}

/** Complete when every shard is; otherwise incomplete, with each shard's reasons. */
function mergedVerdict(shards: ShardDir[], kind: ShardKind): RunVerdict {
  const reasons: string[] = [];
  for (const s of shards) {
    const path = join(s.dir, SUMMARY_FILE[kind]);
    let summary: Partial<RunVerdict>;
    try {
      summary = JSON.parse(readFileSync(path, "utf8")) as Partial<RunVerdict>;
    } catch {
      reasons.push(`shard ${formatShard(s.manifest.shard)} (${s.dir}) has no readable ${SUMMARY_FILE[kind]}; rerun it`);
      continue;
    }
    if (summary.status !== "complete") {
      const why = summary.status_reasons?.length ? summary.status_reasons.join("; ") : `status ${String(summary.status)}`;
      reasons.push(`shard ${formatShard(s.manifest.shard)} (${s.dir}) is not complete: ${why}; rerun it, then merge again`);
    }
  }
  return reasons.length === 0 ? { status: "complete", status_reasons: [] } : { status: "incomplete", status_reasons: reasons };
}

function mergeLedgers(shards: ShardDir[], ledger: Ledger): void {
  const batches = new BatchRecords(ledger);
  for (const s of shards) {
    const path = join(s.dir, "ledger.sqlite");
    if (!existsSync(path)) throw new InputError(`${s.dir} has no ledger.sqlite: it is not the --out folder of a finished shard`);
    ledger.importFrom(path, (alias) => batches.importFrom(alias));
  }
}

export async function mergeShards(dirs: readonly string[], outDir: string): Promise<MergeResult> {
  const out = resolve(outDir);
  const shards = checkShards(
    dirs.map((d) => ({ dir: resolve(d), manifest: readShardManifest(resolve(d)) })),
    out,
  );
  const { kind, seed } = shards[0]!.manifest;
  checkOut(out, shards);
  const locks: RunLock[] = [];
  try {
    // A shard still running would change under us; the merge's own folder is one run's, like any --out.
    for (const s of shards) locks.push(acquireRunLock(s.dir, "merge (reading this shard)"));
    locks.push(acquireRunLock(out, "merge"));
    // Holding the lock, --out is ours: what a killed merge half-wrote goes now, ours on any exit.
    removeLeftoverTemps(out);
    locks.push({ release: tidyOnExit(out) });
    const order = inputOrder(shards);
    writeJsonFile(join(out, MERGE_FILE), { run: runIdentity(shards[0]!.manifest), shards: shards.map((s) => s.dir) });
    const ledger = new Ledger(join(out, "ledger.sqlite"));
    try {
      mergeLedgers(shards, ledger);
      const verdict = mergedVerdict(shards, kind);
      let summary: GenerateStats | DpoStats;
      if (kind === "generate") {
        const settings = shards[0]!.manifest.settings as unknown as GenerateSummarySettings;
        const stats = new StatsCollector(settings.distribution);
        await mergeImageRecords(shards, out, (r) => stats.image(r));
        await interleave(shards, order, "items.jsonl", out, (r) => stats.item(r as unknown as EngineItem));
        await mergeImageFolders(shards, out);
        const exported = await exportKeptItems(join(out, "items.jsonl"), out);
        summary = finishGenerateStats(stats, ledger, { ...settings, seed }, verdict, { bench: exported.bench, sft: exported.sft.exported, problems: exported.problems });
      } else {
        const stats = new DpoStatsCollector();
        await mergeImageFolders(shards, out);
        for (const file of [PAIRS_FILE, DROPPED_FILE] as const) await interleave(shards, order, file, out, (r) => stats.line(file, r));
        const itemsRead = shards[0]!.manifest.settings.items_read;
        summary = stats.finish({ items_read: typeof itemsRead === "number" ? itemsRead : 0, items_used: order.length }, verdict);
      }
      writeJsonFile(join(out, SUMMARY_FILE[kind]), summary);
      return { kind, shards: shards.length, summary };
    } finally {
      ledger.close();
    }
  } finally {
    for (const l of locks.reverse()) l.release();
  }
}
