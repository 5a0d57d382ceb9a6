// `--bench MM-IFEval` on the command line: the library finds or downloads the file (bench/named); here the
// download draws a progress bar on standard error and the errors get their exit codes.
import { BenchNotFoundError, resolveNamedBench, type DownloadProgress } from "../bench/named/index.js";
import { FailedWorkError, UsageError } from "./exit-codes.js";

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A bar redrawn in place on a terminal; in a log, one line per 10 % (or per 10 MiB when the size is unknown). */
function progressBar(stream: NodeJS.WriteStream): { draw: (p: DownloadProgress) => void; end: () => void } {
  let lastStep = -1;
  let drawn = false;
  const text = (p: DownloadProgress): string => {
    if (p.total === undefined) return `${mib(p.received)}`;
    const share = Math.min(p.received / p.total, 1);
    const width = 30;
    const full = Math.round(share * width);
    return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${(share * 100).toFixed(0).padStart(3)}% ${mib(p.received)} / ${mib(p.total)}`;
  };
  return {
    draw(p) {
      const step = p.total === undefined ? Math.floor(p.received / (10 * 2 ** 20)) : Math.floor((10 * p.received) / p.total);
      if (step === lastStep) return;
      lastStep = step;
      drawn = true;
      stream.write(stream.isTTY ? `\rmmif: downloading ${text(p)}\x1b[K` : `mmif: downloading ${text(p)}\n`);
    },
    end() {
      if (drawn && stream.isTTY) stream.write("\n");
    },
  };
}

/** The file `--bench` names: the path itself, or a known benchmark's local (possibly just downloaded) file. */
export async function benchFile(bench: string, quiet = false): Promise<string> {
  const bar = quiet ? undefined : progressBar(process.stderr);
  try {
    const found = await resolveNamedBench(bench, {
      warn: (m) => process.stderr.write(`mmif: warning: ${m}\n`),
      onDownloadStart: (url, dest) => process.stderr.write(`mmif: ${bench} not found locally; downloading ${url} to ${dest}\n`),
      onProgress: bar?.draw,
    });
    return found ?? bench;
  } catch (e) {
    // Nothing could be fetched: the user must put the file in place (bad input). A refused download is failed work.
    if (e instanceof BenchNotFoundError) throw e.refused ? new FailedWorkError(e.message) : new UsageError(e.message);
    throw e;
  } finally {
    bar?.end();
  }
}
