// `mmif score`: judge predictions made elsewhere (ours, or VLMEvalKit's prediction file) against MM-IFEval.
import type { Command } from "commander";
import { issueToProblem } from "../bench/check.js";
import { readPredictions } from "../bench/predictions.js";
import type { Prediction } from "../bench/run.js";
import { addJudgeFlags, type JudgeFlags } from "./bench-flags.js";
import { runBenchCommand } from "./bench-command.js";
import { withBatchWait } from "./batch-flags.js";

interface ScoreFlags extends JudgeFlags {
  predictions: string;
}

export function registerScore(program: Command): void {
  const cmd = program
    .command("score")
    .description("Judge existing predictions on MM-IFEval with the reference scorer's verdicts; no model under test is called.")
    .requiredOption("--predictions <file>", "our predictions.jsonl, or a VLMEvalKit prediction file (.xlsx, .tsv, .csv with index and prediction, rows in bench order)");
  addJudgeFlags(cmd).addHelpText(
    "after",
    [
      "",
      "An empty prediction cell is the string \"nan\", as in VLMEvalKit. Rows with no prediction, like every other problem of the",
      "bench or the predictions, are listed before any call (exit 2); --skip-bad-rows scores the other items instead.",
      "Outputs in --out: predictions.jsonl (each row's question and the prediction scored; not written when --predictions is that file),",
      "results.jsonl, summary.json, ledger.sqlite, report.html. Rerunning resumes without paying for judge calls twice.",
      "summary.json says how the run ended (complete, incomplete or unreliable; see mmif eval --help). Ctrl-C or SIGTERM finishes the calls in flight and stops (status incomplete); a second signal quits at once (exit 130).",
      "Exit codes: 0 complete; 1 incomplete, unreliable or failed; 2 bad usage or input (nothing sent), or a configuration error;",
      "75 incomplete with --batch: calls are out in batches (rerun the same command to continue).",
      "",
      "Example:",
      "  $ mmif score --bench MM-IFEval.tsv --predictions Qwen2-VL-7B_MM-IFEval.xlsx --judge gpt-4o-2024-11-20 --out runs/qwen-scored",
    ].join("\n"),
  );
  cmd.action(async (flags: ScoreFlags, c: Command) => {
    c.setOptionValue("exitCode", await withBatchWait("score", flags, () => runScore(flags)));
  });
}

export async function runScore(flags: ScoreFlags): Promise<number> {
  let predictions = new Map<string, string>();
  return runBenchCommand(flags, {
    command: "score",
    checkFlags: (checks) => checks.inFile(flags.predictions, "--predictions"),
    preflight: async (rows, limits, allRows) => {
      // Read against the whole benchmark: a full predictions file scored with --limit is not "rows not in the benchmark".
      const read = await readPredictions(flags.predictions, allRows, { ...limits, rows });
      predictions = read.predictions;
      const unanswered = rows.filter((r) => !predictions.has(r.index));
      const unit = read.format === "mmif-jsonl" ? "line" : "row";
      return { problems: read.issues.map((i) => issueToProblem(i, unit)), badIds: new Set(unanswered.map((r) => r.id)) };
    },
    setup: async (rows) => {
      const answers = async (row: (typeof rows)[number]): Promise<Prediction> => {
        const prediction = predictions.get(row.index);
        return prediction === undefined ? { row, prediction: null, error: `no prediction for row ${row.index} in ${flags.predictions}` } : { row, prediction };
      };
      return { answers, modelName: null, predictionsFile: flags.predictions };
    },
  });
}
