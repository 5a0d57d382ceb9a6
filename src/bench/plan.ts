/**
 * `--dry-run` of `mmif eval` / `mmif score`: the calls a run will make, per model and stage, with estimated tokens
 * and cost, and no model call. Counts follow score.ts's first round (a retry round after an unparseable reply is
 * extra): one answer per row; per C-Level item one direct call when it has direct_gpt constraints and one compare
 * call per cmp_gpt constraint; per P-Level item one perception call; none for rule_based.
 * Tokens: text is about 4 characters a token; an image follows OpenAI's high-detail rule (fit in 2048², shorter
 * side to 768, 170 per 512-px tile + 85); outputs use --max-tokens or typical lengths (TYPICAL_OUTPUT).
 */
import sharp from "sharp";
import { loadImageBytes, type ImageSource } from "../model/images/index.js";
import { loadTemplate } from "./prompts.js";
import type { BenchRow } from "./types.js";

export interface PlannedStage {
  model: string;
  stage: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Of `calls`, those the ledger already holds (answers only: judge prompts depend on answers not yet given). */
  inLedger: number;
  cost: number | null;
}

/** Typical reply lengths in tokens, when no --max-tokens bounds them (MM-IFEval answers; the judges' formats). */
export const TYPICAL_OUTPUT = { answer: 300, direct: 250, cmp: 150, perception: 5 } as const;

const textTokens = (s: string) => Math.ceil(s.length / 4);

/** OpenAI's image tokens at detail high. */
export function openaiImageTokens(width: number, height: number): number {
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 768 / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return 170 * Math.ceil(w / 512) * Math.ceil(h / 512) + 85;
}

async function imageTokens(source: ImageSource, cache: Map<string, number>): Promise<number> {
  const key = "path" in source ? source.path : "url" in source ? source.url : "";
  if (key && cache.has(key)) return cache.get(key)!;
  let tokens = 765; // a 1024 × 1024 image, when the size cannot be read
  try {
    const meta = await sharp(await loadImageBytes(source)).metadata();
    if (meta.width && meta.height) tokens = openaiImageTokens(meta.width, meta.height);
  } catch {
    // keep the default; the real run reports unreadable images
  }
  if (key) cache.set(key, tokens);
  return tokens;
}

export interface PlanOptions {
  /** The model under test (eval); absent for score. */
  answerModel?: { name: string; maxTokens?: number; inLedger: (row: BenchRow) => Promise<boolean> };
  /** Null for --judge none. */
  judge: string | null;
  perceptionJudge?: string;
  prices: Record<string, { input: number; output: number } | undefined>;
}

export async function planBench(rows: readonly BenchRow[], options: PlanOptions): Promise<PlannedStage[]> {
  const stages = new Map<string, PlannedStage>();
  const add = (model: string, stage: string, input: number, output: number, cached = false) => {
    const k = `${model}\u0000${stage}`;
    const s = stages.get(k) ?? { model, stage, calls: 0, inputTokens: 0, outputTokens: 0, inLedger: 0, cost: null };
    s.calls++;
    s.inputTokens += input;
    s.outputTokens += output;
    if (cached) s.inLedger++;
    stages.set(k, s);
  };
  const images = new Map<string, number>();
  const answerLength = options.answerModel?.maxTokens ?? TYPICAL_OUTPUT.answer;
  for (const row of rows) {
    const image = await imageTokens(row.image, images);
    const a = options.answerModel;
    if (a) add(a.name, "answer", textTokens(row.question) + image, answerLength, await a.inLedger(row));
    if (options.judge === null || row.inferType !== "main") continue;
    const answerChars = answerLength * 4;
    if (row.tag === "P-Level") {
      add(options.perceptionJudge ?? options.judge, "judge:perception", textTokens(loadTemplate("perception") + row.question + (row.answer ?? "")) + answerLength, TYPICAL_OUTPUT.perception);
      continue;
    }
    const constraints = row.constraints ?? [];
    const direct = constraints.filter((c) => c.judge.method === "direct_gpt");
    if (direct.length > 0) {
      add(options.judge, "judge:direct", textTokens(loadTemplate("direct") + direct.map((c) => c.value).join("\n")) + answerLength + image, TYPICAL_OUTPUT.direct);
    }
    for (const c of constraints.filter((k) => k.judge.method === "cmp_gpt")) {
      add(options.judge, "judge:cmp", textTokens(loadTemplate("compare") + c.value) + Math.ceil((2 * answerChars) / 4), TYPICAL_OUTPUT.cmp);
    }
  }
  return [...stages.values()].map((s) => {
    const price = options.prices[s.model];
    const paid = s.calls === 0 ? 0 : (s.calls - s.inLedger) / s.calls;
    return { ...s, cost: price ? (paid * (s.inputTokens * price.input + s.outputTokens * price.output)) / 1e6 : null };
  });
}

/** The dry run's table: calls, tokens and cost per model and stage, and a total. */
export function formatPlan(plan: readonly PlannedStage[]): string {
  const lines = ["model | stage | calls | already in the ledger | est. input tokens | est. output tokens | est. cost (USD)"];
  for (const s of plan) lines.push(`${s.model} | ${s.stage} | ${s.calls} | ${s.inLedger} | ${s.inputTokens} | ${s.outputTokens} | ${s.cost === null ? "no price given" : s.cost.toFixed(4)}`);
  const priced = plan.filter((s) => s.cost !== null);
  const total = plan.reduce((n, s) => n + s.calls, 0);
  const cached = plan.reduce((n, s) => n + s.inLedger, 0);
  lines.push(`total | | ${total} | ${cached} | | | ${priced.length === 0 ? "no price given" : priced.reduce((n, s) => n + s.cost!, 0).toFixed(4)}`);
  return lines.join("\n");
}
