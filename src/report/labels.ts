// Display names for category ids and judge methods shared by both reports.
import { CATEGORIES } from "../constraints/taxonomy.js";

const NAMES = new Map<string, string>([...CATEGORIES.map((c) => [c.id, c.name] as [string, string]), ["other", "Other"], ["perception", "Perception (P-Level)"]]);

/** "rhetoric_logic" → "Rhetoric & logic"; unknown ids are shown as they are. */
export function categoryLabel(id: string): string {
  return NAMES.get(id) ?? id;
}

/** Taxonomy order first, then the rest alphabetically. */
export function sortCategories(ids: Iterable<string>): string[] {
  const order = new Map<string, number>(CATEGORIES.map((c, i) => [c.id, i]));
  return [...new Set(ids)].sort((a, b) => (order.get(a) ?? 99) - (order.get(b) ?? 99) || a.localeCompare(b));
}

const METHODS: Record<string, string> = { rule_based: "rule-based", direct_gpt: "direct judge", cmp_gpt: "comparative judge" };

export function methodLabel(method: string): string {
  return METHODS[method] ?? method;
}
