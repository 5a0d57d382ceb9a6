export { KNOWN_BENCHES, knownBench, type KnownBench } from "./catalog.js";
export { DownloadError, downloadVerified, type DownloadProgress } from "./download.js";
export { BenchNotFoundError, cacheDir, lmuDataDir, md5File, resolveNamedBench, type ResolveBenchOptions } from "./resolve.js";
