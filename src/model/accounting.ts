// Usage and cost per model and stage, from the ledger's token totals and the configured prices.
import { costOf } from "./endpoint.js";
import type { Ledger, UsageTotal } from "./ledger.js";

export type Price = { input: number; output: number };

export interface UsageWithCost extends UsageTotal {
  /** USD; null when no price is known for the model. */
  cost: number | null;
}

export function usageWithCost(ledger: Ledger, prices: Readonly<Record<string, Price | undefined>>): UsageWithCost[] {
  return ledger.usageTotals().map((t) => {
    const price = prices[t.model];
    return { ...t, cost: price ? costOf(price, t.promptTokens, t.completionTokens) : null };
  });
}
