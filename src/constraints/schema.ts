// Zod schemas for MM-IFEval constraint objects as benchmark files and generated items carry them.
import { z } from "zod";

export const verifyFuncCallSchema = z.object({
  func: z.string(),
  // Positional arguments after the response, as Python's `*params` takes them: a list as benchmark files write it;
  // anything else is left to the one rule verdict, which decides it as the reference does (rule-verdict.ts).
  params: z.unknown().optional(),
});

export const judgeSchema = z.looseObject({
  method: z.string(),
  verify_funcs: z.array(verifyFuncCallSchema).optional(),
});

export const constraintSchema = z.looseObject({
  key: z.string(),
  value: z.string(),
  judge: judgeSchema,
});

export type Constraint = z.infer<typeof constraintSchema>;

/** The verify funcs of a list of constraints' rule_based members, in list order (others are judged by models). */
export function ruleBasedCalls(constraints: readonly Constraint[]): Array<{ key: string; calls: z.infer<typeof verifyFuncCallSchema>[] }> {
  return constraints.filter((c) => c.judge.method === "rule_based").map((c) => ({ key: c.key, calls: c.judge.verify_funcs ?? [] }));
}
