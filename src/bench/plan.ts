/**
 * `--dry-run`: the calls a run will make, per model and stage, with estimated tokens and cost, and no model call.
 * One accumulator ({@link CallPlan}) and one table ({@link formatPlan}) for every command: eval and score plan
 * their items here (planBench), generate and dpo their units (engine/plan.ts, dpo/plan.ts); each unit is first
 * replayed through the ledger (model/replay.ts), and only what the ledger lacks is estimated.
 * Estimates for a bench item follow score.ts's first round (a retry round after an unparseable reply is extra):
 * one answer per row; per C-Level item one direct call when it has direct_gpt constraints and one compare call per
 * cmp_gpt constraint; per P-Level item one perception call; none for rule_based.
 * Tokens: text is about 4 characters a token; an image follows OpenAI's high-detail rule (fit in 2048², shorter
 * side to 768, 170 per 512-px tile + 85; 85 at detail low), after the downscale the request asks for; outputs
 * use --max-tokens or typical lengths (TYPICAL_OUTPUT).
 */
import sharp from "sharp";
import { loadImageBytes, type ImageSource } from "../model/images/index.js";
import { fittedSize } from "../model/images/part.js";
import type { LedgerReplay, UnitReplay } from "../model/replay.js";
import type { ChatRequest } from "../model/types.js";
import { loadTemplate } from "./prompts.js";
import type { BenchRow } from "./types.js";

export interface PlannedStage {
  model: string;
  stage: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Of `calls`, those the ledger already holds. */
  inLedger: number;
  /** What the calls not in the ledger will cost; null without a price for the model. */
  cost: number | null;
}

/** One call a run is expected to make. */
export interface PlannedCall {
  model: string;
  stage: string;
  inputTokens: number;
  outputTokens: number;
  /** The ledger holds its answer: already paid for. */
  inLedger?: boolean;
}

/**
 * Typical reply lengths in tokens, when no --max-tokens bounds them: MM-IFEval answers and the judges' formats;
 * generate's stages per thing asked for (a proposed task, a constraint type, a constraint); dpo's rejected answer.
 */
export const TYPICAL_OUTPUT = {
  answer: 300,
  direct: 250,
  cmp: 150,
  perception: 5,
  perTask: 40,
  mainTask: 40,
  perTypeSelected: 10,
  perConstraint: 35,
  perVerdict: 25,
  assign: 60,
} as const;

/** Text a model writes that a dry run cannot know yet (a proposed task, a constraint sentence): its typical size. */
export const TYPICAL_TEXT = { task: "x".repeat(100), constraint: "x".repeat(100) } as const;

export const textTokens = (s: string) => Math.ceil(s.length / 4);

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

const LOW_DETAIL_TOKENS = 85;

/** Image sizes read once per source (the header only: sharp's metadata). */
export class ImageSizes {
  private readonly sizes = new Map<string, Promise<{ width: number; height: number } | undefined>>();

  /** The image's tokens as sent (after a downscale to `maxSide` / `maxPixels`); a 1024² image's when unreadable. */
  async tokens(source: ImageSource, resize: ImageLimits & { detail?: string } = {}): Promise<number> {
    if (resize.detail === "low") return LOW_DETAIL_TOKENS;
    const size = await this.size(source);
    if (!size) return 765; // a 1024 × 1024 image; the real run reports the unreadable image
    const sent = fittedSize(size.width, size.height, resize.maxSide, resize.maxPixels) ?? size;
    return openaiImageTokens(sent.width, sent.height);
  }

  private size(source: ImageSource): Promise<{ width: number; height: number } | undefined> {
    const key = "path" in source ? source.path : "url" in source ? source.url : "";
    const known = key ? this.sizes.get(key) : undefined;
    if (known) return known;
    const reading = (async () => {
      try {
        const meta = await sharp(await loadImageBytes(source)).metadata();
        return meta.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
      } catch {
        return undefined;
      }
    })();
    if (key) this.sizes.set(key, reading);
    return reading;
  }

  /** A request's input tokens: its text, and each image as sent. */
  async requestTokens(request: ChatRequest): Promise<number> {
    let tokens = 0;
    for (const m of request.messages) {
      if (typeof m.content === "string") tokens += textTokens(m.content);
      else for (const p of m.content) tokens += p.type === "text" ? textTokens(p.text) : await this.tokens(p.source, p);
    }
    return tokens;
  }
}

/** The order stages are listed in (the order a run reaches them); others follow. */
const STAGE_ORDER = ["tasks", "questions", "constraints", "compat", "assign", "answer", "dpo:rejected", "judge:direct", "judge:cmp", "judge:perception"];

/** The calls of a plan, summed per model and stage. */
export class CallPlan {
  private readonly stages = new Map<string, { model: string; stage: string; calls: number; inputTokens: number; outputTokens: number; inLedger: number; dueInput: number; dueOutput: number }>();

  add(call: PlannedCall, calls = 1): void {
    const k = `${call.model}\u0000${call.stage}`;
    const s = this.stages.get(k) ?? { model: call.model, stage: call.stage, calls: 0, inputTokens: 0, outputTokens: 0, inLedger: 0, dueInput: 0, dueOutput: 0 };
    s.calls += calls;
    s.inputTokens += call.inputTokens * calls;
    s.outputTokens += call.outputTokens * calls;
    if (call.inLedger) s.inLedger += calls;
    else {
      s.dueInput += call.inputTokens * calls;
      s.dueOutput += call.outputTokens * calls;
    }
    this.stages.set(k, s);
  }

  /**
   * One unit of work (an item, a pair). Replayed to its end from the ledger: its recorded calls, with the tokens
   * they were billed, all paid. Otherwise the estimate, where per stage the calls the ledger gave the unit count
   * as paid (and a stage shows at least as many calls as the ledger gave it: re-asks, extra rounds).
   */
  addUnit(estimate: readonly PlannedCall[], replay: UnitReplay): void {
    const recorded = (r: UnitReplay["recorded"][number]) => ({ model: r.model, stage: r.stage, inputTokens: r.promptTokens, outputTokens: r.completionTokens, inLedger: true });
    if (replay.complete) {
      for (const r of replay.recorded) this.add(recorded(r));
      return;
    }
    const held = new Map<string, number>();
    for (const r of replay.recorded) {
      const k = `${r.model}\u0000${r.stage}`;
      held.set(k, (held.get(k) ?? 0) + 1);
      this.add(recorded(r));
    }
    for (const call of estimate) {
      const k = `${call.model}\u0000${call.stage}`;
      const paid = held.get(k) ?? 0;
      if (paid > 0) held.set(k, paid - 1);
      else this.add(call);
    }
  }

  /** The stages in pipeline order, with the cost of what is still to pay at `prices` (USD per million input, output tokens). */
  priced(prices: Readonly<Record<string, { input: number; output: number } | undefined>>): PlannedStage[] {
    const place = (stage: string) => (STAGE_ORDER.indexOf(stage) + STAGE_ORDER.length + 1) % (STAGE_ORDER.length + 1);
    const stages = [...this.stages.values()].sort((a, b) => place(a.stage) - place(b.stage));
    return stages.map(({ dueInput, dueOutput, ...s }) => {
      const price = prices[s.model];
      return { ...s, cost: price ? (dueInput * price.input + dueOutput * price.output) / 1e6 : null };
    });
  }
}

/** What judging one item needs: its level, question, constraints and the answer's length (reference or given). */
export interface JudgedItem {
  tag: "C-Level" | "P-Level";
  question: string;
  referenceAnswer?: string;
  constraints: ReadonlyArray<{ value: string; judge: { method: string } }>;
}

/** The judge calls of one item in score.ts's first round; `image`: the image's tokens (the direct judge sees it). */
export function judgeCalls(item: JudgedItem, judges: { judge: string; perception?: string }, answerLength: number, image: number): PlannedCall[] {
  if (item.tag === "P-Level") {
    const input = textTokens(loadTemplate("perception") + item.question + (item.referenceAnswer ?? "")) + answerLength;
    return [{ model: judges.perception ?? judges.judge, stage: "judge:perception", inputTokens: input, outputTokens: TYPICAL_OUTPUT.perception }];
  }
  const calls: PlannedCall[] = [];
  const direct = item.constraints.filter((c) => c.judge.method === "direct_gpt");
  if (direct.length > 0) {
    const input = textTokens(loadTemplate("direct") + direct.map((c) => c.value).join("\n")) + answerLength + image;
    calls.push({ model: judges.judge, stage: "judge:direct", inputTokens: input, outputTokens: TYPICAL_OUTPUT.direct });
  }
  for (const c of item.constraints.filter((k) => k.judge.method === "cmp_gpt")) {
    calls.push({ model: judges.judge, stage: "judge:cmp", inputTokens: textTokens(loadTemplate("compare") + c.value) + 2 * answerLength, outputTokens: TYPICAL_OUTPUT.cmp });
  }
  return calls;
}

/** The downscale an endpoint applies to the images it sends (--image-max-side, --image-max-pixels). */
export type ImageLimits = { maxSide?: number; maxPixels?: number };

export interface PlanOptions {
  /** The model under test (eval); absent for score. */
  answerModel?: { name: string; maxTokens?: number; images?: ImageLimits };
  /** Null for --judge none. */
  judge: string | null;
  judgeImages?: ImageLimits;
  perceptionJudge?: string;
  prices: Record<string, { input: number; output: number } | undefined>;
}

/** The rows of each item (a main row and its aux rows, which share its id), in bench order. */
function itemsOf(rows: readonly BenchRow[]): BenchRow[][] {
  const items = new Map<string, BenchRow[]>();
  for (const row of rows) items.set(row.id, [...(items.get(row.id) ?? []), row]);
  return [...items.values()];
}

/** The calls of one item when the ledger holds none of them: its answers (eval), then score.ts's first judging round. */
async function estimateItem(rows: readonly BenchRow[], options: PlanOptions, images: ImageSizes): Promise<PlannedCall[]> {
  const calls: PlannedCall[] = [];
  const answerLength = options.answerModel?.maxTokens ?? TYPICAL_OUTPUT.answer;
  for (const row of rows) {
    const a = options.answerModel;
    if (a) calls.push({ model: a.name, stage: "answer", inputTokens: textTokens(row.question) + (await images.tokens(row.image, a.images)), outputTokens: answerLength });
    if (options.judge === null || row.inferType !== "main") continue;
    const image = await images.tokens(row.image, options.judgeImages);
    const item = { tag: row.tag, question: row.question, ...(row.answer !== undefined ? { referenceAnswer: row.answer } : {}), constraints: row.constraints ?? [] };
    calls.push(...judgeCalls(item, { judge: options.judge, ...(options.perceptionJudge ? { perception: options.perceptionJudge } : {}) }, answerLength, image));
  }
  return calls;
}

/**
 * The plan of an eval or score run. Each item is first replayed by `run` (the real answer and judge loop, with
 * clients made while `replay` is the session's, so they answer from the ledger only): an item the ledger answers
 * to its end counts exactly the calls it made, all paid (judge retry rounds included); any other item counts its
 * estimate, less the calls per stage the ledger gave it.
 */
export async function planBench(rows: readonly BenchRow[], options: PlanOptions, replay: LedgerReplay, run: (itemRows: BenchRow[]) => Promise<unknown>): Promise<PlannedStage[]> {
  const plan = new CallPlan();
  const images = new ImageSizes();
  for (const item of itemsOf(rows)) {
    const replayed = await replay.unit(() => run(item));
    plan.addUnit(replayed.complete ? [] : await estimateItem(item, options, images), replayed);
  }
  return plan.priced(options.prices);
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
