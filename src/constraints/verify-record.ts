/**
 * Checks one input record of `mmif verify`: `{response, verify_funcs}` or `{response, constraints}` (only the
 * rule_based constraints are checked, each through the one rule verdict, so a record gets the verdict `mmif eval`
 * gives). Pure: errors come back as values with the field they concern.
 */
import { VerifyFuncError } from "./params.js";
import { ruleVerdict, type RuleVerdict } from "./rule-verdict.js";

/** The verdicts of one record: one per verify func, in order (null: not run), and the rule verdict. */
export interface Verdicts {
  results: Array<boolean | null>;
  pass: boolean;
}

export type RecordOutcome = ({ ok: true } & Verdicts) | { ok: false; error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(error: string): RecordOutcome {
  return { ok: false, error };
}

/** The rule verdict of one verify_funcs list, or an error naming the field (`<field>[j]` for one func). */
function decide(response: string, funcs: unknown, field: string): RuleVerdict | { error: string } {
  try {
    return ruleVerdict(response, funcs);
  } catch (e) {
    if (!(e instanceof VerifyFuncError)) throw e;
    const where = e.index === undefined ? field : `${field}[${e.index}]`;
    const raised = e.raises === undefined ? "" : ` (the reference raises ${"key" in e.raises ? `KeyError: '${e.raises.key}'` : e.raises.type})`;
    return { error: `${where}: ${e.message}${raised}` };
  }
}

/** The verdicts of the rule_based constraints, in list order. */
function constraintVerdicts(response: string, raw: unknown): RuleVerdict | { error: string } {
  let constraints = raw;
  // Benchmark TSVs carry constraints as a JSON string.
  if (typeof constraints === "string") {
    try {
      constraints = JSON.parse(constraints);
    } catch (e) {
      return { error: `field "constraints" is a string but not valid JSON: ${(e as Error).message}` };
    }
  }
  if (!Array.isArray(constraints)) return { error: 'field "constraints" must be a list of constraint objects' };
  const results: Array<boolean | null> = [];
  let pass = true;
  for (const [i, c] of constraints.entries()) {
    if (!isObject(c) || !isObject(c.judge)) return { error: `constraints[${i}] must be an object with a "judge" object` };
    if (c.judge.method !== "rule_based") continue;
    const verdict = decide(response, c.judge.verify_funcs, `constraints[${i}].judge.verify_funcs`);
    if ("error" in verdict) return verdict;
    results.push(...verdict.results);
    pass &&= verdict.pass;
  }
  return { results, pass };
}

export function verifyRecord(record: unknown): RecordOutcome {
  if (!isObject(record)) return fail("line must be a JSON object");
  if (typeof record.response !== "string") {
    return fail(record.response === undefined ? 'missing field "response"' : 'field "response" must be a string');
  }
  let verdict: RuleVerdict | { error: string };
  if (record.verify_funcs !== undefined) verdict = decide(record.response, record.verify_funcs, "verify_funcs");
  else if (record.constraints !== undefined) verdict = constraintVerdicts(record.response, record.constraints);
  else return fail('needs a "verify_funcs" list or a "constraints" list');
  if ("error" in verdict) return fail(verdict.error);
  return { ok: true, results: verdict.results, pass: verdict.pass };
}

const isJsonSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACE = 0x7b;

/**
 * The output line of a verified record (without its newline): the input line's own bytes with `"results"` and
 * `"pass"` added before its closing brace, so the fields passed through are not parsed back into text. A record
 * that already has either field gets them replaced, in place, by re-serialising it.
 */
export function verdictLine(lineBytes: Buffer, record: Record<string, unknown>, verdicts: Verdicts): Array<Buffer | string> {
  const fields = { results: verdicts.results, pass: verdicts.pass };
  if (Object.hasOwn(record, "results") || Object.hasOwn(record, "pass")) return [JSON.stringify({ ...record, ...fields })];
  let close = lineBytes.length - 1;
  while (isJsonSpace(lineBytes[close])) close--;
  if (lineBytes[close] !== CLOSE_BRACE) return [JSON.stringify({ ...record, ...fields })]; // not the line it parsed from
  let before = close - 1;
  while (isJsonSpace(lineBytes[before])) before--;
  const added = `"results":${JSON.stringify(verdicts.results)},"pass":${verdicts.pass}}`;
  return [lineBytes.subarray(0, close), lineBytes[before] === OPEN_BRACE ? added : `,${added}`];
}
