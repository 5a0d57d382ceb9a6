/**
 * The second task source of stage 2: items that already carry a question (e.g. ALLaVA). A question is kept only
 * when it asks one thing openly: no few-shot demonstrations, no multiple-choice options, and a sane length
 * (paper §3). `screenQuestion` is pure and checks {@link QUESTION_RULES} in order; the first rule that matches
 * gives the reason. `extractMainTask` is the optional LLM step that strips a kept question down to its main task.
 */
import { z } from "zod";
import type { ModelClient } from "../model/client.js";
import { chatStructured } from "../model/structured.js";
import { callFailure, mainTaskPrompt, type StageError } from "./prompts.js";

export interface QuestionRule {
  name: string;
  description: string;
  /** Matches a question the rule rejects; absent for the length rules, which compare numbers. */
  pattern?: RegExp;
}

export const DEFAULT_MIN_CHARS = 10;
export const DEFAULT_MAX_CHARS = 1000;

/**
 * Every rule, in the order they are checked. Patterns look for the shape of a demonstration or an option list,
 * not for single words: "for example" in prose passes, "for example, ... the answer is:" does not.
 */
export const QUESTION_RULES: readonly QuestionRule[] = [
  {
    name: "too_short",
    description: `fewer than the minimum number of characters after trimming (default ${DEFAULT_MIN_CHARS})`,
  },
  {
    name: "too_long",
    description: `more than the maximum number of characters after trimming (default ${DEFAULT_MAX_CHARS}); long prompts are mostly templates with demonstrations or pasted context`,
  },
  {
    name: "numbered_example",
    description: 'a numbered demonstration label: "Example 1:", "Example #2.", "Demonstration 3)", "Sample 1:", "Shot 2:"',
    pattern: /\b(?:examples?|demonstrations?|exemplars?|samples?|shots?)\s*#?\s*\d+\s*[:.)\]：]/i,
  },
  {
    name: "example_heading",
    description: 'a line or sentence that opens demonstrations: "Examples:", "Example:", "Here is an example:", "Demonstrations:"',
    pattern: /(?:^|\n|[.!?]\s+)\s*(?:#+\s*|\*\*)?(?:here (?:is|are) (?:an |some )?)?(?:examples?|demonstrations?|exemplars?)\s*(?:\*\*)?\s*[:：]/i,
  },
  {
    name: "qa_pair",
    description: 'a question followed by a filled-in answer: "Q: ... A: ...", "Question: ... Answer: ..." (an empty trailing "Answer:" slot is allowed)',
    pattern: /(?:^|[\s(])(?:Q|[Qq]uestion|QUESTION)\s*\d*\s*[:：][\s\S]*?(?:^|[\s(])(?:A|[Aa]nswer|ANSWER)\s*\d*\s*[:：][ \t]*[^\s]/,
  },
  {
    name: "input_output_pair",
    description: 'an input/output demonstration: "Input: ... Output: ..."',
    pattern: /\binput\s*\d*\s*[:：][\s\S]*?\boutput\s*\d*\s*[:：]/i,
  },
  {
    name: "dialogue_demonstration",
    description: 'a scripted exchange with a reply: "User: ... Assistant: ...", "Human: ... AI: ..."',
    pattern: /\b(?:User|Human)\s*[:：][\s\S]*?\b(?:Assistant|AI|Bot|GPT)\s*[:：][ \t]*[^\s]/,
  },
  {
    name: "example_with_answer",
    description: 'an inline demonstration: "for example, ... answer: ...", "e.g. ... the output would be: ..."',
    pattern: /\b(?:for example|for instance|e\.g\.)[\s\S]{0,400}?\b(?:answer|response|output|reply)\s*(?:is|would be|should be)?\s*[:：]/i,
  },
  {
    name: "options_heading",
    description: 'an option list heading: "Options:", "Choices:", "Answer choices:", "Candidates:"',
    pattern: /\b(?:options|choices|answer choices|candidates|candidate answers)\s*[:：]/i,
  },
  {
    name: "letter_options",
    description: 'lettered options: "A. ... B. ...", "A) ... B) ... C)", "(A) ... (B) ..." (capital letters, A then B)',
    pattern: /(?:^|[\s?:;,])\(?A[.)：:]\s*\S[\s\S]*?[\s,;]\(?B[.)：:]\s*\S/,
  },
  {
    name: "lowercase_paren_options",
    description: 'lower-case options in parentheses: "(a) ... (b) ..."',
    pattern: /\(a\)\s*\S[\s\S]*?\(b\)/,
  },
  {
    name: "choice_instruction",
    description: 'an instruction to pick among given answers: "Which of the following", "choose the correct answer", "select one of the following", "answer with the option\'s letter"',
    pattern: /\bwhich of the following\b|\b(?:choose|select|pick)\s+(?:the\s+)?(?:correct|best|right)\s+(?:answer|option|choice)s?\b|\b(?:choose|select|pick)\s+(?:only\s+)?one\s+(?:of|from)\s+(?:the\s+)?(?:following|options|choices|answers)\b|\b(?:option|choice)'?s?\s+letter\b|\bletter of (?:the|your) (?:correct )?(?:option|choice|answer)\b/i,
  },
];

export interface ScreenOptions {
  /** Minimum length in characters (code points) after trimming; default 10. */
  minChars?: number;
  /** Maximum length in characters (code points) after trimming; default 1,000. */
  maxChars?: number;
}

export type ScreenResult = { ok: true } | { ok: false; rule: string; reason: string };

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

const RULE_NAMES = new Set(QUESTION_RULES.map((r) => r.name));

/**
 * The screening rule that rejected a question-source item, from its `question: ...` reason (the question itself, or
 * its main task after extraction); undefined for anything else under that prefix — a failed call, an unusable reply,
 * a batch still out — which is no rejection of the question.
 */
export function rejectingRule(reason: string): string | undefined {
  const m = /^question: (?:main task rejected: )?([a-z_]+):/.exec(reason);
  return m && RULE_NAMES.has(m[1]!) ? m[1] : undefined;
}

/** Keeps a question only without demonstrations and options and within the length limits. Pure. */
export function screenQuestion(question: string, options: ScreenOptions = {}): ScreenResult {
  const min = options.minChars ?? DEFAULT_MIN_CHARS;
  const max = options.maxChars ?? DEFAULT_MAX_CHARS;
  const text = typeof question === "string" ? question.trim() : "";
  const length = [...text].length;
  if (length < min) return { ok: false, rule: "too_short", reason: `too_short: ${length} characters < ${min}` };
  if (length > max) return { ok: false, rule: "too_long", reason: `too_long: ${length} characters > ${max}` };
  for (const rule of QUESTION_RULES) {
    if (!rule.pattern) continue;
    const m = rule.pattern.exec(text);
    if (m) return { ok: false, rule: rule.name, reason: `${rule.name}: "${excerpt(m[0])}"` };
  }
  return { ok: true };
}

const MainTask = z.object({ task: z.string().trim().min(1) });

/**
 * The optional LLM step: the question reduced to its main task (greetings, format and length instructions
 * removed; constraints are added by stage 3). The result is screened again with the same rules.
 */
export async function extractMainTask(client: ModelClient, question: string, options: ScreenOptions = {}): Promise<{ task: string } | StageError> {
  try {
    const r = await chatStructured(client, { messages: [{ role: "user", content: mainTaskPrompt(question) }] }, { stage: "questions" }, { schema: MainTask, name: "main_task" });
    if (!r.ok) return { error: `main task: ${r.error}`, raw: r.raw };
    const task = r.value.task.trim();
    const screened = screenQuestion(task, options);
    if (!screened.ok) return { error: `main task rejected: ${screened.reason}`, raw: r.raw };
    return { task };
  } catch (e) {
    return callFailure(e);
  }
}
