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

/**
 * For commands with no calls to finish (export, merge): Ctrl-C or SIGTERM quits at once with 130, through
 * process.exit so that "exit" handlers run — they remove the command's temporary files and release its locks (a
 * signal's default action kills the process without them). `advice` says what to do next; returns the detach.
 */
export function quitOnInterrupt(command: string, advice: string): () => void {
  const quit = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nmmif ${command}: ${signal === "SIGINT" ? "interrupted (Ctrl-C)" : `stopped by ${signal}`}; ${advice}\n`);
    process.exit(130);
  };
  for (const s of SIGNALS) process.on(s, quit);
  return () => {
    for (const s of SIGNALS) process.off(s, quit);
  };
}
