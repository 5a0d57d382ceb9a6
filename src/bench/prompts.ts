/**
 * MM-IFEval's judge prompts, byte-exact. The templates live in `data/judge-prompts/` (attribution there);
 * `../../data/judge-prompts/` resolves from both `src/bench/` and `dist/bench/`.
 *
 * The reference builds each prompt with one f-string, so substituted text is never scanned again: a
 * prediction that contains `{constraint}` stays as it is. {@link fillTemplate} does one left-to-right pass
 * over the template and never looks into what it inserted.
 */
import { readFileSync } from "node:fs";
import { pyReprOfJson } from "./python-repr.js";

const TEMPLATE_DIR = new URL("../../data/judge-prompts/", import.meta.url);

export type TemplateName = "direct" | "compare" | "compare-authors" | "perception";

/** Which compare prompt: VLMEvalKit's, or the authors' (two trailing spaces on two lines). */
export type CompareVariant = "compare" | "compare-authors";

/** The placeholders each template must hold, exactly these. */
export const TEMPLATE_PLACEHOLDERS: Readonly<Record<TemplateName, readonly string[]>> = {
  direct: ["prediction", "constraint_list"],
  compare: ["constraint", "prediction", "prediction_without_constraint"],
  "compare-authors": ["constraint", "prediction", "prediction_without_constraint"],
  perception: ["question", "prediction", "ground_truth"],
};

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const cache = new Map<TemplateName, string>();

/** The template text, as the file holds it (the final newline is part of the prompt). */
export function loadTemplate(name: TemplateName): string {
  let text = cache.get(name);
  if (text === undefined) {
    const url = new URL(`${name}.txt`, TEMPLATE_DIR);
    text = readFileSync(url, "utf8");
    const found = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).sort();
    const expected = [...TEMPLATE_PLACEHOLDERS[name]].sort();
    if (found.join(",") !== expected.join(",")) {
      throw new Error(`judge prompt ${url.pathname}: placeholders {${found.join("}, {")}}, expected {${expected.join("}, {")}}`);
    }
    cache.set(name, text);
  }
  return text;
}

/**
 * Replaces every `{name}` of the template with `values[name]` in a single pass: inserted text is not
 * re-scanned. A placeholder without a value is an error (the templates are fixed; this is a bug guard).
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    if (!Object.hasOwn(values, name)) throw new Error(`judge prompt: no value for {${name}}`);
    return values[name]!;
  });
}

/** `Constraint_{i}: {value}` lines, i = 1.. over the given (direct_gpt) constraints, joined by `\n`. */
export function constraintList(values: readonly string[]): string {
  return values.map((v, i) => `Constraint_${i + 1}: ${v}`).join("\n");
}

/** The direct_gpt prompt (sent with the image): one call for all direct_gpt constraints of an item. */
export function directPrompt(prediction: string, constraintValues: readonly string[]): string {
  return fillTemplate(loadTemplate("direct"), { prediction, constraint_list: constraintList(constraintValues) });
}

/** The cmp_gpt prompt (text only): one call per cmp_gpt constraint. */
export function comparePrompt(
  constraint: string,
  prediction: string,
  predictionWithoutConstraint: string,
  variant: CompareVariant = "compare",
): string {
  return fillTemplate(loadTemplate(variant), {
    constraint,
    prediction,
    prediction_without_constraint: predictionWithoutConstraint,
  });
}

/** The P-Level prompt (text only). `groundTruth` is already rendered: see {@link groundTruthRepr}. */
export function perceptionPrompt(question: string, prediction: string, groundTruth: string): string {
  return fillTemplate(loadTemplate("perception"), { question, prediction, ground_truth: groundTruth });
}

/** `{ground_truth}`: Python's repr of `json.loads(answer)`. Throws `PyJsonError` for text that is not JSON. */
export function groundTruthRepr(answerJson: string): string {
  return pyReprOfJson(answerJson);
}
