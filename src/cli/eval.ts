// `mmif eval`: answer MM-IFEval with a model, judge the answers, write predictions, results and a summary.
import type { Command } from "commander";
import { profileByName } from "../bench/profiles.js";
import { DEFAULT_ANSWER_MAX_TOKENS, MODEL_PROMPTS, modelPromptByName, type ModelPrompt } from "../bench/model-prompts.js";
import { UsageError } from "./exit-codes.js";
import { modelAnswers } from "../bench/run.js";
import { addJudgeFlags, type JudgeFlags } from "./bench-flags.js";
import { runBenchCommand } from "./bench-command.js";
import { withBatchWait } from "./batch-flags.js";
import { imageLimits, numberIn, parsePrice, positiveInt } from "./flag-values.js";
import { addModelEndpointFlags, keyVariable, type ModelEndpointFlags } from "./flags.js";

interface EvalFlags extends JudgeFlags, ModelEndpointFlags {
  imageFirst?: boolean;
  temperature: string;
  maxTokens: string;
  modelPrompt: string;
  modelPrice?: string;
}

export function registerEval(program: Command): void {
  const cmd = program
    .command("eval")
    .description(
      "Evaluate a vision-language model on MM-IFEval with the reference scorer's verdicts: the model under test answers every " +
        "main and aux row, then each item is judged (rule-based checks, direct judge with the image, comparative judge, perception judge).",
    );
  addModelEndpointFlags(cmd, { model: "model under test, as its server names it", concurrency: "model calls in flight at once" })
    .option("--image-first", "send the image before the text (default: as --model-prompt, else as the profile's reference does: VLMEvalKit text first, the authors image first)")
    .option("--model-prompt <name>", `a model wrapper's prompt in VLMEvalKit a039b67: ${Object.values(MODEL_PROMPTS).map((p) => `${p.name} (${p.description})`).join("; ")}`, "none")
    .option("--temperature <t>", "sampling temperature of the model under test", "0")
    .option("--max-tokens <n|server>", "answer length limit of the model under test (VLMEvalKit's default for Qwen2-VL and API models; server: leave it to the server)", String(DEFAULT_ANSWER_MAX_TOKENS))
    .option("--model-price <in,out>", "its price in USD per million input,output tokens, for the cost report");
  addJudgeFlags(cmd).addHelpText(
    "after",
    [
      "",
      "Outputs in --out: predictions.jsonl, results.jsonl, summary.json (formats in the README), ledger.sqlite (every model call;",
      "the resume record), images/ (images decoded from a TSV). Rerunning the same command resumes: recorded calls are not paid again.",
      "Ctrl-C or SIGTERM finishes the calls in flight and stops (status incomplete); a second signal quits at once (exit 130).",
      "One run per --out: a second run on the same folder refuses (exit 2).",
      "Before any call, the options, --out, the whole bench and its constraints are checked: every problem is listed (file, row,",
      "field) and the run stops with exit 2 having sent nothing; --skip-bad-rows scores the other items instead.",
      "summary.json says how the run ended: status complete, incomplete (interrupted, or calls never answered: rerun to finish) or",
      "unreliable (more failed items than --max-failed-share). A configuration error (refused connection, 401/403/404) stops the run at once.",
      "Exit codes: 0 complete; 1 incomplete, unreliable or failed; 2 bad usage or input (nothing sent), or a configuration error;",
      "75 incomplete with --batch: calls are out in batches (rerun the same command to continue).",
      "",
      "Example:",
      "  $ mmif eval --bench MM-IFEval.tsv --model Qwen2-VL-7B-Instruct --base-url http://localhost:8000/v1 \\",
      "      --judge gpt-4o-2024-11-20 --out runs/qwen2-vl-7b",
    ].join("\n"),
  );
  cmd.action(async (flags: EvalFlags, c: Command) => {
    c.setOptionValue("exitCode", await withBatchWait("eval", flags, () => runEval(flags)));
  });
}

export async function runEval(flags: EvalFlags): Promise<number> {
  let temperature = 0;
  let maxTokens: number | undefined;
  let concurrency: number | undefined;
  let price: { input: number; output: number } | undefined;
  let prompt: ModelPrompt = MODEL_PROMPTS.none!;
  return runBenchCommand(flags, {
    checkFlags: (checks) => {
      temperature = checks.value(() => numberIn(flags.temperature, "--temperature", 0, 2));
      maxTokens = flags.maxTokens === "server" ? undefined : checks.value(() => positiveInt(flags.maxTokens, "--max-tokens"));
      concurrency = checks.value(() => positiveInt(flags.concurrency, "--concurrency"));
      price = checks.value(() => parsePrice(flags.modelPrice, "--model-price"));
      prompt = checks.value(() => {
        try {
          return modelPromptByName(flags.modelPrompt);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }) ?? prompt;
    },
    command: "eval",
    setup: async (_rows, run) => {
      const model = run.client(
        {
          model: flags.model,
          baseURL: flags.baseUrl,
          ...keyVariable(flags.apiKeyEnv),
          concurrency,
          params: { temperature, ...(maxTokens ? { max_tokens: maxTokens } : {}) },
          price,
          images: imageLimits(flags),
        },
        "model under test",
      );
      const imageFirst = flags.imageFirst ?? prompt.imageFirst ?? profileByName(flags.profile).answerImageFirst;
      return { answers: modelAnswers(model, imageFirst, prompt.suffix), model, modelName: flags.model };
    },
  });
}
