// `mm-ifengine/bench`: MM-IFEval as a library — load a benchmark, answer and judge it through the model layer,
// score one item, summarise. `mmif eval` and `mmif score` are these calls plus flags and output files.
export { BenchFileError, detectBenchFormat, loadBench, type BenchFormat, type LoadBenchOptions } from "./load/index.js";
export { BenchNotFoundError, resolveNamedBench, type ResolveBenchOptions } from "./named/resolve.js";
export { modelAnswers, runBench, type AnswerSource, type JudgeClients, type Prediction, type RunOptions as RunBenchOptions, type RunOutput as RunBenchOutput } from "./run.js";
export { scoreItem, type ConstraintVerdict, type ItemInput, type ItemResult, type JudgeCall, type JudgeCallKind, type JudgeFn } from "./score.js";
export { formatTable, summarize, type Summary } from "./summary.js";
export { ruleOnlyRows, summarizeRuleOnly } from "./rule-only.js";
export { AUTHORS, PROFILES, VLMEVALKIT, profileByName, type Profile, type ProfileName } from "./profiles.js";
export { readPredictions, type PredictionFormat, type ReadPredictions } from "./predictions.js";
export type { BenchRow, LoadedBench, RowIssue, Tag } from "./types.js";
