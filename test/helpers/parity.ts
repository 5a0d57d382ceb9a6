// Loads the parity vectors produced by the reference Python, shipped in test/fixtures/parity/ (origin in its README).
import { readFileSync } from "node:fs";

const PARITY_DIR = new URL("../fixtures/parity/", import.meta.url);

export interface RuleVector {
  func: string;
  response: string;
  params: unknown[];
  result: boolean;
}

export interface CorpusCase {
  id: string;
  response: string;
  verify_funcs: Array<{ func: string; params: unknown[] }>;
  expected_each: boolean[];
  expected: boolean;
}

export function parityPath(name: string): string {
  return new URL(name, PARITY_DIR).pathname;
}

const NAN_MARK = "\u0000NaN\u0000";

/** Python's json.dump writes a bare `NaN` for float('nan'); JSON.parse rejects it, so it is mapped back here. */
function parsePythonJson(text: string): unknown {
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|\bNaN\b/g, (m) => (m === "NaN" ? JSON.stringify(NAN_MARK) : m));
  return JSON.parse(marked, (_k, v) => (v === NAN_MARK ? Number.NaN : v));
}

export function referenceVectors(): Record<string, unknown[]> & { rule_based: RuleVector[] } {
  return parsePythonJson(readFileSync(parityPath("reference-vectors.json"), "utf8")) as Record<string, unknown[]> & { rule_based: RuleVector[] };
}

export function verifyCorpus(): CorpusCase[] {
  return readFileSync(parityPath("verify-corpus.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as CorpusCase);
}
