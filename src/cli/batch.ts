// `mmif batch import` and `mmif batch status`: the offline half of `--batch file`, and a look at a run's batches.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { BatchQueue } from "../model/batch/queue.js";
import { costOf } from "../model/endpoint.js";
import { Ledger } from "../model/ledger.js";
import { acquireRunLock } from "../io/run-lock.js";
import { openInput, readLines } from "../io/lines.js";
import { parsePrice } from "./flag-values.js";
import { EXIT, UsageError } from "./exit-codes.js";

/** A run's ledger.sqlite; a UsageError when the folder has none. */
function runLedgerPath(run: string): string {
  const path = join(resolve(run), "ledger.sqlite");
  if (!existsSync(path)) throw new UsageError(`${run}: no ledger.sqlite here; give the --out folder of a run made with --batch`);
  return path;
}

export function registerBatch(program: Command): void {
  const batch = program
    .command("batch")
    .description("Batch inference for runs made with --batch: import an offline engine's output, list a run's batches.")
    .addHelpText(
      "after",
      [
        "",
        "The vLLM loop (--batch file):",
        "  $ mmif generate --images photos/ --model Qwen2-VL-7B-Instruct --out run --batch file   # exits 75, writes run/batch/wave-001-*.jsonl",
        "  $ python -m vllm.entrypoints.openai.run_batch -i run/batch/wave-001-Qwen2-VL-7B-Instruct-1.jsonl -o out-1.jsonl --model Qwen2-VL-7B-Instruct",
        "  $ mmif batch import out-1.jsonl --out run",
        "  $ mmif generate ... --batch file        # same command again: goes further, writes the next wave; repeat until it exits 0",
      ].join("\n"),
    );
  const done = (code: number) => batch.setOptionValue("exitCode", code);

  batch
    .command("import")
    .description("Read a batch output file (OpenAI or vLLM run_batch format: {custom_id, response: {status_code, body}, error}) into a run's ledger.")
    .argument("<output.jsonl>", "the engine's output file (or an OpenAI batch's output/error file)")
    .requiredOption("--out <dir>", "the run folder (the --out of the command run with --batch file)")
    .addHelpText(
      "after",
      [
        "",
        "Answers land under their custom_id (the call's ledger key); failed lines are recorded and sent again by the next wave.",
        "Importing a file twice changes nothing (a line imported before is skipped). A line whose custom_id is no call this",
        "run sent in a batch (another run's output) is refused.",
        "Exit codes: 0 imported; 2 no such file or run, a run working in the folder, unreadable lines, or lines of another run",
        "(the other lines are imported).",
      ].join("\n"),
    )
    .action(async (file: string, flags: { out: string }) => {
      if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
      const path = runLedgerPath(flags.out);
      // A writer of the run's ledger like a pass of the run itself: not while a run works in the folder.
      const lock = acquireRunLock(resolve(flags.out), "batch import");
      let ledger: Ledger | undefined;
      try {
        ledger = new Ledger(path);
        const queue = new BatchQueue(ledger, { mode: "file", dir: resolve(flags.out), discount: 1 });
        const r = await queue.importLines(readLines(openInput(file)));
        for (const b of r.bad.slice(0, 20)) process.stderr.write(`mmif: ${file} line ${b.line}: ${b.error}\n`);
        for (const f of r.foreign.slice(0, 20)) {
          process.stderr.write(`mmif: ${file} line ${f.line}: custom_id ${f.customId.slice(0, 12)}… is no call this run sent in a batch (not imported)\n`);
        }
        const lines = r.answered + r.failed + r.unknown + r.repeated + r.foreign.length;
        if (r.foreign.length > 0 && r.foreign.length === lines) {
          process.stderr.write(`mmif: none of the ${lines} line(s) belongs to this run: is ${file} the output of another run's batch file? Nothing was imported into ${flags.out}.\n`);
        } else if (r.foreign.length > 0) {
          process.stderr.write(`mmif: ${r.foreign.length} line(s) of ${file} are not this run's; check that the file is the output of ${flags.out}/batch/ input files\n`);
        }
        const skipped = [
          r.repeated ? `${r.repeated} line(s) already imported (skipped)` : "",
          r.unknown ? `${r.unknown} line(s) for calls already answered (ignored)` : "",
          r.foreign.length ? `${r.foreign.length} line(s) of another run (refused)` : "",
        ].filter(Boolean);
        process.stdout.write(
          `imported ${r.answered} answer(s), ${r.failed} failed line(s)${skipped.map((x) => `, ${x}`).join("")}; ${queue.records.waitingKeys().size} call(s) still waiting\n`,
        );
        done(r.bad.length > 0 || r.foreign.length > 0 ? EXIT.BAD_INPUT : EXIT.OK);
      } finally {
        ledger?.close();
        lock.release();
      }
    });

  batch
    .command("status")
    .description("List a run's batches: mode, wave, status, requests, answered, failed, tokens and cost; and the latest failures.")
    .argument("<run>", "the run folder")
    .option("--price <in,out>", "USD per million input,output tokens at the online price, for the cost column (the batch's discount applies)")
    .option("--json", "print JSON instead of a table")
    .action((run: string, flags: { price?: string; json?: boolean }) => {
      const price = parsePrice(flags.price, "--price");
      const ledger = new Ledger(runLedgerPath(run));
      try {
        const queue = new BatchQueue(ledger, { mode: "file", dir: resolve(run), discount: 1 });
        const tokens = queue.records.tokensByBatch();
        const batches = queue.records.batches().map((b) => {
          const t = tokens.get(b.id) ?? { promptTokens: 0, completionTokens: 0 };
          return {
            id: b.id, mode: b.mode, wave: b.wave, status: b.status, requests: b.requests, answered: b.answered, failed: b.failed,
            waiting: queue.records.waitingIn(b.id), bytes: b.bytes, prompt_tokens: t.promptTokens, completion_tokens: t.completionTokens,
            cost: price ? b.discount * costOf(price, t.promptTokens, t.completionTokens) : null, created_at: b.created_at,
          };
        });
        const failures = queue.records.failedCalls(20);
        const waiting = queue.records.waitingKeys().size;
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ batches, waiting, failures }, null, 2)}\n`);
        } else {
          for (const b of batches) {
            process.stdout.write(
              `${b.id}  ${b.mode} wave ${b.wave}  ${b.status}  ${b.requests} requests: ${b.answered} answered, ${b.failed} failed, ${b.waiting} waiting  ` +
                `${b.prompt_tokens}+${b.completion_tokens} tokens${b.cost !== null ? `  $${b.cost.toFixed(4)}` : ""}\n`,
            );
          }
          const cost = batches.reduce((s, b) => s + (b.cost ?? 0), 0);
          process.stdout.write(`${batches.length} batch(es), ${waiting} call(s) waiting${price ? `, cost $${cost.toFixed(4)}` : ""}\n`);
          for (const f of failures) {
            process.stdout.write(`failed: ${f.stage} ${f.model} ${f.key.slice(0, 12)} in ${f.batch_id}: ${f.error ?? "no answer"}${f.answered_later ? " (answered later)" : ""}\n`);
          }
        }
        done(EXIT.OK);
      } finally {
        ledger.close();
      }
    });
}
