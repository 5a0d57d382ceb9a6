// `--bench MM-IFEval`: a benchmark by name is looked for in $LMUData (VLMEvalKit's folder, default ~/LMUData), then
// in our cache, and downloaded into the cache when it is in neither. A local file with another md5 is used with a
// warning (it may be a newer release); a downloaded one is refused (downloadVerified).
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { knownBench, type KnownBench } from "./catalog.js";
import { downloadVerified, DownloadError, type DownloadProgress } from "./download.js";

export interface ResolveBenchOptions {
  env?: NodeJS.ProcessEnv;
  /** The benchmarks known by name (default KNOWN_BENCHES; tests pass their own md5). */
  catalog?: readonly KnownBench[];
  warn?: (message: string) => void;
  /** Told before a download starts, with the URL and destination. */
  onDownloadStart?: (url: string, dest: string) => void;
  onProgress?: (p: DownloadProgress) => void;
}

export class BenchNotFoundError extends Error {
  override name = "BenchNotFoundError";
  constructor(
    message: string,
    /** The download was made and refused (md5), as opposed to: nothing could be fetched. */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/** VLMEvalKit's data folder: $LMUData, else ~/LMUData. */
export function lmuDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LMUData && env.LMUData !== "" ? env.LMUData : join(homedir(), "LMUData");
}

/** Our download cache: $MMIF_CACHE_DIR, else $XDG_CACHE_HOME/mm-ifengine, else ~/.cache/mm-ifengine. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MMIF_CACHE_DIR) return env.MMIF_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mm-ifengine");
}

export async function md5File(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Where `bench` names a known benchmark and is not itself an existing path, its local file; else undefined. */
export async function resolveNamedBench(bench: string, options: ResolveBenchOptions = {}): Promise<string | undefined> {
  const known = knownBench(bench, options.catalog);
  if (known === undefined || existsSync(bench)) return undefined;
  const env = options.env ?? process.env;
  const candidates = [join(lmuDataDir(env), known.file), join(cacheDir(env), known.file)];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const md5 = await md5File(path);
    if (md5 !== known.md5) options.warn?.(`${path} has md5 ${md5}, not ${known.md5} (the release VLMEvalKit knows): using it anyway; it may be a newer release, and scores may then differ from published ones`);
    return path;
  }
  return download(known, candidates, env, options);
}

async function download(known: KnownBench, candidates: string[], env: NodeJS.ProcessEnv, options: ResolveBenchOptions): Promise<string> {
  const url = env[known.urlEnv] || known.url;
  const dest = candidates[1]!;
  options.onDownloadStart?.(url, dest);
  try {
    await downloadVerified(url, dest, known.md5, options.onProgress);
    return dest;
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    const where = `Download it yourself (${url}) and put it at ${candidates[0]} (the folder is $LMUData, default ~/LMUData) or ${candidates[1]}, or pass --bench /path/to/${known.file}`;
    throw new BenchNotFoundError(`${known.name}: ${known.file} is not in ${candidates.join(" or ")}, and ${e.message}. ${where}.`, e.refused);
  }
}
