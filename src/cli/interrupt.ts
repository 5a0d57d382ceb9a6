/**
 * Ctrl-C handling for long commands: the first SIGINT stops taking new work (queued calls are refused, calls in
 * flight finish or time out and are recorded), so a rerun resumes where this run stopped. A second SIGINT quits
 * at once; the ledger still holds every call committed so far.
 */
export interface Stoppable {
  stop(): void;
}

export function onInterrupt(targets: readonly Stoppable[], log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): () => void {
  let interrupted = false;
  const handler = () => {
    if (interrupted) {
      log("mmif: interrupted again; quitting now. Rerun the same command to resume.");
      process.exit(130);
    }
    interrupted = true;
    log("mmif: interrupted; finishing the calls in flight (Ctrl-C again to quit now). Rerun the same command to resume.");
    for (const t of targets) t.stop();
  };
  process.on("SIGINT", handler);
  return () => process.off("SIGINT", handler);
}
