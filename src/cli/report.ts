// `mmif report DIR`: (re)write the self-contained HTML report of an eval, score or generate run folder.
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeReport, type ReportOptions } from "../report/index.js";
import { outFileProblem } from "../io/out-path.js";
import { positiveInt } from "./flag-values.js";
import { benchFile } from "./bench-name.js";
import { EXIT, UsageError } from "./exit-codes.js";

interface ReportFlags {
  out?: string;
  bench?: string;
  imageRoot?: string;
  maxItems?: string;
  maxThumbnails?: string;
  quiet?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "Write the HTML report of a run folder: for an eval or score run (summary.json) the headline C / P / Avg with 95% intervals " +
        "beside the published leaderboard, accuracy per category and judge method, the strict score, failures and an item browser; " +
        "for a generate run (stats.json) the funnel with drop reasons, the constraint distribution, kept rate, tokens and cost, and an " +
        "item browser. One file with inline script, styles, charts and thumbnails; it opens from disk and loads nothing from the network. " +
        "mmif eval, score and generate write it at the end of a run; this command writes it again.",
    )
    .argument("<dir>", "the run folder (the --out of mmif eval, score or generate)")
    .option("--out <file>", "write here instead of <dir>/report.html")
    .option("--bench <file|name>", "eval runs: read images, verify funcs and P-Level ground truths from this bench, a file or the name MM-IFEval as in mmif eval (default: the bench named in summary.json)")
    .option("--image-root <dir>", "eval runs on the authors' layout: the folder their image paths are relative to (as mmif eval --image-root)")
    .option("--max-items <n>", "items carried by the item browser (the first N)", "5000")
    .option("--max-thumbnails <n>", "distinct images given a thumbnail (the others show a placeholder)", "1000")
    .option("-q, --quiet", "do not print the report's path")
    .addHelpText(
      "after",
      [
        "",
        "Everything from the run (answers, judge replies, prompts) is shown as text: it is escaped, never executed.",
        "Exit codes: 0 written; 1 failed; 2 not a run folder.",
        "",
        "Example:",
        "  $ mmif report runs/qwen2-vl-7b            # writes runs/qwen2-vl-7b/report.html",
      ].join("\n"),
    )
    .action(async (dir: string, flags: ReportFlags, c: Command) => {
      c.setOptionValue("exitCode", await runReport(dir, flags));
    });
}

export async function runReport(dir: string, flags: ReportFlags): Promise<number> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const outProblem = flags.out === undefined ? undefined : outFileProblem(flags.out);
  if (outProblem) throw new UsageError(`--out ${outProblem}`);
  const bench = flags.bench === undefined ? undefined : await benchFile(flags.bench, flags.quiet);
  if (bench !== undefined && !existsSync(bench)) throw new UsageError(`--bench ${bench}: no such file or folder`);
  const options: ReportOptions = {
    out: flags.out,
    bench,
    imageRoot: flags.imageRoot,
    maxItems: positiveInt(flags.maxItems, "--max-items"),
    maxThumbnails: positiveInt(flags.maxThumbnails, "--max-thumbnails"),
  };
  const written = await writeReport(dir, options);
  tellProblems(dir, written.problems);
  if (!flags.quiet) process.stdout.write(`${written.path}\n`);
  return EXIT.OK;
}

/** Problems printed one by one before only their count is given. */
const SHOWN_PROBLEMS = 20;

/** Items shown with a placeholder because their image is missing or unreadable: named on stderr, never fatal. */
function tellProblems(dir: string, problems: readonly string[]): void {
  const where = join(dir, "items.jsonl");
  for (const p of problems.slice(0, SHOWN_PROBLEMS)) process.stderr.write(`mmif report: ${where}: ${p} (shown as a placeholder)\n`);
  if (problems.length > SHOWN_PROBLEMS) process.stderr.write(`mmif report: ${problems.length - SHOWN_PROBLEMS} more item image(s) missing or unreadable\n`);
}

/** The report at the end of a run: a failure is a warning, never the run's failure. */
export async function reportAfterRun(dir: string, options: ReportOptions = {}, quiet = false): Promise<void> {
  try {
    const written = await writeReport(dir, options);
    tellProblems(dir, written.problems);
    if (!quiet) process.stderr.write(`mmif: report: ${written.path}\n`);
  } catch (e) {
    process.stderr.write(`mmif: warning: the HTML report could not be written (${e instanceof Error ? e.message : String(e)}); run \`mmif report ${dir}\` to try again\n`);
  }
}
