// The published MM-IFEval leaderboard (paper Table 3, spec mm-ifeval.md §5): C / P / Overall, one decimal.
/** The full MM-IFEval the leaderboard was scored on: 300 C-Level and 100 P-Level items. */
export const FULL_BENCH = { c_items: 300, p_items: 100 } as const;

/** Why a run's numbers are not comparable with the leaderboard (a partial or different bench), or undefined. */
export function notComparableReason(summary: { counts: { c_items: number; p_items: number }; not_comparable?: string }): string | undefined {
  if (summary.not_comparable) return summary.not_comparable;
  const { c_items, p_items } = summary.counts;
  if (c_items !== FULL_BENCH.c_items || p_items !== FULL_BENCH.p_items) {
    return `this run scored ${c_items} C-Level and ${p_items} P-Level items, not the full MM-IFEval (${FULL_BENCH.c_items} and ${FULL_BENCH.p_items}): the comparison is indicative only`;
  }
  return undefined;
}

export interface LeaderboardRow {
  model: string;
  c: number;
  p: number;
  overall: number;
}

export const LEADERBOARD: readonly LeaderboardRow[] = [
  { model: "GPT-4o (2024-08-06)", c: 71.5, p: 44.0, overall: 64.6 },
  { model: "GPT-4o-mini", c: 70.4, p: 40.0, overall: 62.8 },
  { model: "Claude-3.5V-Sonnet", c: 67.5, p: 44.0, overall: 61.7 },
  { model: "Qwen2-VL-72B-Instruct", c: 53.4, p: 43.0, overall: 50.8 },
  { model: "InternVL2.5-26B", c: 53.5, p: 32.0, overall: 48.1 },
  { model: "InternVL2.5-8B", c: 49.6, p: 36.0, overall: 46.2 },
  { model: "InternVL2-40B", c: 48.0, p: 36.0, overall: 45.0 },
  { model: "InternVL2-8B", c: 45.2, p: 32.0, overall: 41.9 },
  { model: "Qwen2-VL-7B-Instruct", c: 42.7, p: 40.0, overall: 42.0 },
  { model: "Qwen2-VL-7B-Instruct + MM-IFDPO-23k", c: 55.2, p: 43.0, overall: 52.2 },
  { model: "LLaVA-NeXT-Llama3-8B", c: 45.9, p: 21.0, overall: 39.7 },
  { model: "LLaVA-NeXT-Llama3-8B + MM-IFDPO-23k", c: 58.7, p: 21.0, overall: 49.3 },
  { model: "MiniCPM-V-2.6", c: 39.2, p: 32.0, overall: 37.4 },
  { model: "LLaVA-OneVision-Qwen2-7B-OV", c: 37.4, p: 24.0, overall: 34.0 },
  { model: "LLaVA-NeXT-7B", c: 36.8, p: 16.0, overall: 31.6 },
];
