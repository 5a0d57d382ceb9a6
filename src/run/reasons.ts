/**
 * Why an image was dropped, an item not kept, a constraint dropped or a pair not made, grouped by kind: the one
 * place that turns the reason strings our stages write into a few kinds, and the tally that stats.json and
 * dpo-stats.json carry (count and ≤ 3 examples per kind), so a report shows one bar per kind, not one per
 * distinct reason string (a near-duplicate names its image, a low score its value).
 */
import type { ReasonGroups } from "../records/summaries.js";

export type { ReasonGroups };

/** Examples kept per kind, and how much of each is kept. */
export const REASON_EXAMPLES = 3;
const EXAMPLE_CHARS = 240;

/**
 * First match wins. The patterns follow the texts written by src/engine/filter (images), src/engine/pipeline,
 * respond and the stages they call (items; a stage's own prefix, e.g. "tasks: ", comes first), integrate and compat
 * (dropped constraints) and src/dpo/pairs (pairs).
 */
const KINDS: ReadonlyArray<readonly [RegExp, string]> = [
  // A call that got no answer after its retries, or one still waiting for its batch, in any stage.
  [/waiting for a batch answer/, "waiting for batch"],
  [/^score: .*judge call failed/, "judge call failed"],
  [/^score: .*judge reply unusable/, "judge reply unusable"],
  [/^score: /, "judging failed"],
  [/^(\w[\w ]*: )*model call failed: |^answer: |^rejected answer: /, "model call failed"],
  [/^(\w[\w ]*: )*image: /, "unreadable image"],
  [/^image missing or unreadable/, "image missing or unreadable"],
  // Images (mmif filter and the filter stage of mmif generate).
  [/^duplicate of /, "duplicate"],
  [/^near-duplicate of /, "near-duplicate"],
  [/^resolution: /, "resolution"],
  [/^aspect: /, "aspect ratio"],
  [/^complexity: /, "complexity"],
  [/^decode: /, "corrupt image"],
  [/^read: /, "unreadable image"],
  [/^external scorer: /, "external scorer failed"],
  [/^external (score|tags): /, "external score"],
  // Items.
  [/^question: main task: /, "unusable model reply"],
  [/^question: /, "question rejected"],
  [/^constraints: no untried type left/, "no type left for replacement"],
  [/^tasks: tasks: none of the /, "no usable task"],
  [/^too few constraints|^constraints: none left/, "too few constraints"],
  [/^(tasks|constraints): /, "unusable model reply"],
  [/^compat: /, "compatibility check failed"],
  [/^score [\d.]+ < threshold /, "score below threshold"],
  // Constraints dropped on the way (integrate, compat).
  [/^incompatible: /, "incompatible constraints"],
  [/^unknown key: /, "unknown constraint type"],
  [/^duplicate: /, "duplicate constraint"],
  [/^empty value/, "empty constraint"],
  [/^rule: /, "exact word count"],
  [/^missing: /, "constraint not written"],
  // Pairs (mmif dpo).
  [/^the rejected answer passes every constraint/, "rejected answer passes"],
  [/^the rejected answer equals the chosen one/, "rejected equals chosen"],
  [/^margin unknown/, "margin unknown"],
  [/^margin below /, "margin below --min-margin"],
];

/** Every kind {@link reasonKind} gives besides "other", in the order they are tried (the README lists them all). */
export const REASON_KINDS: readonly string[] = [...new Set(KINDS.map(([, kind]) => kind))];

/** The kind of a reason; "other" for a text no stage is known to write. */
export function reasonKind(reason: string): string {
  for (const [pattern, kind] of KINDS) if (pattern.test(reason)) return kind;
  return "other";
}

function example(reason: string): string {
  return reason.length <= EXAMPLE_CHARS ? reason : `${reason.slice(0, EXAMPLE_CHARS - 1)}…`;
}

/**
 * Adds one reason under `kind` (its {@link reasonKind} unless given). The examples are the smallest distinct
 * reasons in string order, so they do not depend on the order concurrent work finished in.
 */
export function addReason(groups: ReasonGroups, reason: string, kind = reasonKind(reason)): void {
  const group = (groups[kind] ??= { count: 0, examples: [] });
  group.count++;
  const text = example(reason);
  const { examples } = group;
  if (examples.includes(text)) return;
  if (examples.length === REASON_EXAMPLES && text >= examples[REASON_EXAMPLES - 1]!) return;
  examples.push(text);
  examples.sort();
  if (examples.length > REASON_EXAMPLES) examples.pop();
}

/** "resolution 3, corrupt image 2, near-duplicate 1": most frequent first, then by name. */
export function formatReasonCounts(counts: Iterable<readonly [string, number]>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
}
