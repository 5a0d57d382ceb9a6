// zod's complaint about a record as users read it: the field's path and what is wrong.
import type { z } from "zod";

/** The first issue as "constraints[2].judge.method: expected string, received undefined" (and how many more). */
export function zodMessage(field: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `${field}: invalid`;
  const path = first.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const where = `${field}${path}`.replace(/^\./, "") || "(record)";
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? "s" : ""})` : "";
  return `${where}: ${first.message}${more}`;
}
