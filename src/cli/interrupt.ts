/**
 * Ctrl-C (SIGINT) and SIGTERM handling for long commands: the first signal stops taking new work (queued calls
 * are refused, calls in flight finish or time out and are recorded), the run writes its outputs with status
 * `incomplete`, and a rerun resumes where it stopped. A second signal of either kind quits at once with exit
 * code 130; the ledger still holds every call committed so far.
 */
export interface Stoppable {
  stop(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

export function onInterrupt(targets: readonly Stoppable[], log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): () => void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    const what = signal === "SIGINT" ? "interrupted (Ctrl-C)" : `stopped by ${signal}`;
    if (interrupted) {
      log(`mmif: ${what} again; quitting now. Rerun the same command to resume.`);
      process.exit(130);
    }
    interrupted = true;
    log(`mmif: ${what}; finishing the calls in flight (a second Ctrl-C or SIGTERM quits at once). Rerun the same command to resume.`);
    for (const t of targets) t.stop();
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
}
