// Usage and cost per model and stage, from the ledger's token totals and the configured prices.
import { BatchRecords } from "./batch/records.js";
import { costOf } from "./endpoint.js";
import type { Ledger, UsageTotal } from "./ledger.js";

export type Price = { input: number; output: number };

export interface UsageWithCost extends UsageTotal {
  /** USD; null when no price is known for the model. Calls answered by a batch count at the batch's price. */
  cost: number | null;
}

export function usageWithCost(ledger: Ledger, prices: Readonly<Record<string, Price | undefined>>): UsageWithCost[] {
  const batched = new BatchRecords(ledger).batchUsage();
  return ledger.usageTotals().map((t) => {
    const price = prices[t.model];
    if (!price) return { ...t, cost: null };
    // Full price for everything, less the discount on the tokens a batch answered.
    let cost = costOf(price, t.promptTokens, t.completionTokens);
    for (const b of batched) if (b.model === t.model && b.stage === t.stage) cost -= (1 - b.discount) * costOf(price, b.promptTokens, b.completionTokens);
    return { ...t, cost };
  });
}

/**
 * Prices per model name, from the endpoints of a run's clients: the ledger counts calls per model name, so one
 * name has one price. A client without a price does not erase another's (a judge sharing the model under test's
 * name costs what --price says); two different prices for one name are refused when the clients are made
 * ({@link pricesDiffer}).
 */
export function pricesByModel(endpoints: Iterable<{ model: string; price?: Price | undefined }>): Record<string, Price | undefined> {
  const prices: Record<string, Price | undefined> = {};
  for (const e of endpoints) prices[e.model] = prices[e.model] ?? e.price;
  return prices;
}

/** Whether both prices are given and differ. */
export function pricesDiffer(a: Price | undefined, b: Price | undefined): boolean {
  return a !== undefined && b !== undefined && (a.input !== b.input || a.output !== b.output);
}
