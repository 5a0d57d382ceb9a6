// `mmif score`: judge predictions made elsewhere (ours, or VLMEvalKit's prediction file) against MM-IFEval.
import type { Command } from "commander";
import { readPredictions } from "../bench/predictions.js";
import type { Prediction } from "../bench/run.js";
import { addJudgeFlags, type JudgeFlags } from "./bench-flags.js";
import { runBenchCommand } from "./bench-command.js";

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
      "An empty prediction cell is the string \"nan\", as in VLMEvalKit. Rows with no prediction are reported and judged as failed.",
      "Outputs in --out: results.jsonl, summary.json, ledger.sqlite. Rerunning resumes without paying for judge calls twice.",
      "Exit codes: 0 done; 1 interrupted or failed; 2 bad usage, bad rows or missing predictions.",
      "",
      "Example:",
      "  $ mmif score --bench MM-IFEval.tsv --predictions Qwen2-VL-7B_MM-IFEval.xlsx --judge gpt-4o-2024-11-20 --out runs/qwen-scored",
    ].join("\n"),
  );
  cmd.action(async (flags: ScoreFlags, c: Command) => {
    c.setOptionValue("exitCode", await runScore(flags));
  });
}

export async function runScore(flags: ScoreFlags): Promise<number> {
  return runBenchCommand(flags, async (rows) => {
    const { predictions, issues } = await readPredictions(flags.predictions, rows);
    const problems = issues.map((i) => `${i.file} row ${i.row}${i.field ? ` field "${i.field}"` : ""}: ${i.message}`);
    const answers = async (row: (typeof rows)[number]): Promise<Prediction> => {
      const prediction = predictions.get(row.index);
      return prediction === undefined ? { row, prediction: null, error: `no prediction for row ${row.index} in ${flags.predictions}` } : { row, prediction };
    };
    return { answers, modelName: null, problems };
  });
}
