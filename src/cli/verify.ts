// `mmif verify`: run rule-based verify functions over a JSONL stream.
import { createWriteStream, statSync } from "node:fs";
import type { Command } from "commander";
import { signature } from "../constraints/params.js";
import { VERIFY_FUNCTIONS } from "../constraints/registry.js";
import { verdictLine, verifyRecord } from "../constraints/verify-record.js";
import { UTF16_MESSAGE } from "../io/json-lines.js";
import { openInput, readLineBatches, startsWithUtf16Bom } from "../io/lines.js";
import { BufferedWriter } from "../io/writer.js";
import { DEFAULT_MAX_FIELD_BYTES, oversizedMessage } from "../io/field-limit.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { maxFieldBytes } from "./flag-values.js";
import { addMaxFieldBytes } from "./flags.js";
import { LineProgress } from "./line-progress.js";

interface VerifyOptions {
  in?: string;
  maxFieldBytes?: string;
  out?: string;
  list?: boolean;
  quiet?: boolean;
}

/** Errors printed one by one on stderr before only the count is kept. */
const SHOWN_ERRORS = 20;

export function listVerifyFunctions(): string {
  return VERIFY_FUNCTIONS.map((f) => `${signature(f.name, f.params)}\n    ${f.description}`).join("\n");
}

export function registerVerify(program: Command): void {
  const cmd = program
    .command("verify")
    .description("Check responses with MM-IFEval's rule-based verify functions, giving the reference scorer's exact verdicts.")
    .option("--in <file>", "input JSONL file, or - for standard input")
    .option("--out <file>", "write the output JSONL here instead of standard output")
    .option("--list", "list the verify functions with their parameters and exit")
    .option("-q, --quiet", "do not print the summary line on standard error");
  addMaxFieldBytes(cmd, "--in")
    .addHelpText(
      "after",
      [
        "",
        "Each input line is a JSON object with a string \"response\" and either",
        "  \"verify_funcs\": [{\"func\": NAME, \"params\": [...]}, ...]   positional params after the response, or",
        "  \"constraints\": [MM-IFEval constraint objects]          only judge.method == \"rule_based\" ones are checked",
        "                                                          (a JSON string, as in the benchmark TSV, is accepted).",
        "Each output line is the input object with every field kept, plus",
        "  \"results\": [true|false, ...]   one verdict per verify func, in order",
        "  \"pass\": true|false             whether all of them passed (an empty list passes)",
        "A line with bad JSON, an unknown function or bad params gets \"error\" (with its line number) instead;",
        "the other lines are still checked, and the exit code is 2. Blank lines are skipped. A line with a field",
        "over --max-field-bytes gets only {\"error\": ...} (naming the field and its size): it is never read whole.",
        "",
        "Exit codes: 0 all lines checked; 2 bad usage or at least one line with an error; 1 an I/O failure.",
        "",
        "Examples:",
        "  $ mmif verify --in answers.jsonl > verdicts.jsonl",
        "  $ echo '{\"response\":\"Hi.\",\"verify_funcs\":[{\"func\":\"check_whether_response_sentence_number_in_range\",\"params\":[1,1]}]}' | mmif verify --in -",
        "  $ mmif verify --list",
      ].join("\n"),
    )
    .action(async (opts: VerifyOptions, cmd: Command) => {
      cmd.setOptionValue("exitCode", await runVerify(opts));
    });
}

export async function runVerify(opts: VerifyOptions): Promise<number> {
  if (opts.list) {
    process.stdout.write(`${listVerifyFunctions()}\n`);
    return EXIT.OK;
  }
  if (!opts.in) throw new UsageError("verify needs --in FILE (or --in - for standard input); see mmif verify --help");
  const limit = opts.maxFieldBytes === undefined ? DEFAULT_MAX_FIELD_BYTES : maxFieldBytes(opts.maxFieldBytes);
  const totalBytes = opts.in === "-" ? undefined : fileSize(opts.in);
  const input = openInput(opts.in);
  const outStream = opts.out ? createWriteStream(opts.out) : process.stdout;
  const out = new BufferedWriter(outStream);
  const progress = new LineProgress("verify", totalBytes, opts.quiet ? undefined : process.stderr);
  const counts = { lines: 0, pass: 0, fail: 0, errors: 0 };
  const started = performance.now();
  let utf16 = false;
  // A chunk's lines are checked and written out together: one write per chunk, not per line.
  for await (const batch of readLineBatches(input, { maxFieldBytes: limit })) {
    const parts: Array<Buffer | string> = [];
    for (const { line, text, bytes, oversized } of batch) {
      if (line === 1 && startsWithUtf16Bom(bytes)) {
        // Every line of it would be garbage: one error, and the file is read no further.
        counts.lines++;
        parts.push(errorLine(counts, line, UTF16_MESSAGE));
        utf16 = true;
        break;
      }
      if (oversized) {
        progress.advance(oversized.lineBytes + 1);
        counts.lines++;
        parts.push(errorLine(counts, line, oversizedMessage(oversized, opts.in === "-" ? "standard input" : opts.in)));
        continue;
      }
      progress.advance(bytes.length + 1);
      if (text.trim() === "") continue;
      counts.lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        parts.push(errorLine(counts, line, `invalid JSON: ${(e as Error).message}`));
        continue;
      }
      const outcome = verifyRecord(parsed);
      if (!outcome.ok) {
        const fields = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : {};
        parts.push(errorLine(counts, line, outcome.error, fields));
        continue;
      }
      counts[outcome.pass ? "pass" : "fail"]++;
      parts.push(...verdictLine(bytes, parsed as Record<string, unknown>, outcome), "\n");
    }
    if (parts.length > 0) await out.write(Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))));
    if (utf16) break;
  }
  await out.flush();
  if (outStream !== process.stdout) await new Promise<void>((resolve, reject) => outStream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  progress.done();
  if (!opts.quiet) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `mmif verify: ${counts.lines} lines: ${counts.pass} pass, ${counts.fail} fail, ${counts.errors} with errors (${seconds.toFixed(2)} s)\n`,
    );
  }
  return counts.errors > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

function fileSize(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    throw new UsageError(`cannot read --in ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (!stat.isFile()) throw new UsageError(`--in ${path} is not a file`);
  return stat.size;
}

/** The output line of a line that could not be checked: its fields (when it had any) and the error. */
function errorLine(counts: { errors: number }, line: number, message: string, fields: object = {}): string {
  counts.errors++;
  const error = `line ${line}: ${message}`;
  if (counts.errors <= SHOWN_ERRORS) process.stderr.write(`mmif verify: ${error}\n`);
  else if (counts.errors === SHOWN_ERRORS + 1) process.stderr.write("mmif verify: more errors; see the \"error\" fields of the output\n");
  // The input's fields are kept, so the line can still be matched up; results/pass are left out.
  const { results: _r, pass: _p, ...rest } = fields as Record<string, unknown>;
  return `${JSON.stringify({ ...rest, error })}\n`;
}
