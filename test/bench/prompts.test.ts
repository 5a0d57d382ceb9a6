// Judge prompts: the templates are byte-exact, and filling them gives what the reference f-strings give.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  comparePrompt,
  constraintList,
  directPrompt,
  fillTemplate,
  groundTruthRepr,
  loadTemplate,
  perceptionPrompt,
  type TemplateName,
} from "../../src/bench/prompts.js";

const DATA = new URL("../../data/judge-prompts/", import.meta.url);
const SHARED = new URL("../../../shared/reference/judge-prompts/", import.meta.url);

const PREDICTION = "Answer with {constraint} and {prediction} and $& $1 $$ \\n {{x}}\nline 2 \u2014 \u00fcn\u00efcode";
const AUX = "Without: {prediction_without_constraint} {ground_truth}";
const CONSTRAINTS = ["Use {prediction} exactly once.", "End with \"Done.\""];
const QUESTION = "Q {question}?";
const ANSWER_JSON = "[\"it's\", \"a\\nb\", 1.0]";

/** The reference f-strings' output for these inputs (VLMEvalKit a039b67; the authors' for compare-authors), from CPython 3.11.7. */
const EXPECTED = {
  direct: "Your task is to evaluate whether the response from an AI assistant adheres to all of the given constraints. Please follow the requirements below to make the judgment:\n1. Be strict and consistent in your assessment.\n2. You should refer to the content of image to make the judgment.\n3. For each constraint, if the response fails to fully meet the constraint, give it a score of 0. Otherwise, give it a score of 1.\n\n<start of response>\nAnswer with {constraint} and {prediction} and $& $1 $$ \\n {{x}}\nline 2 \u2014 \u00fcn\u00efcode\n<end of response>\n\n<start of constraint list>\nConstraint_1: Use {prediction} exactly once.\nConstraint_2: End with \"Done.\"\n<end of constraint list>\n\nYou must evaluate and provide an explanation for each constraint listed, ensuring no constraint is omitted. At the end, summarize the scores for all constraints in one sentence.\n\nYour output should strictly follow the format below:\nJudgement: ...\nSummary: Score of constraint_1: x/1, Score of constraint_2: x/1, Score of constraint_3: x/1, ..., Score of constraint_n: x/1.\n",
  compare: "You are an expert in judging whether the respone follow the given constraint. Your task is to assess whether the model's response satisfies the given constraint and return True or False. I will provide you with the constraint and the model's response under this constraint. To assist with your evaluation, I will also provide you with the model's response to the same question without the constraint.\n\n<start of constraint>\nUse {prediction} exactly once.\n<end of constraint>\n\n<start of response under the constraint>\nAnswer with {constraint} and {prediction} and $& $1 $$ \\n {{x}}\nline 2 \u2014 \u00fcn\u00efcode\n<end of response under the constraint>\n\n<start of response without the constraint>\nWithout: {prediction_without_constraint} {ground_truth}\n<end of response without the constraint>\n\n**Please follow the steps below to evaluate**:\nStep 1. Compare the model's response under the constraint with its response without the constraint. If you believe these two answers are very similar, it means the model has not fully considered the impact of the constraint on the answer. Please return False.\nStep 2. Compare the model's response under the constraint with the content of the constraint. If you believe the model's response does not meet the requirements specified in the constraint, return False. Otherwise, if the response effectively satisfies the constraint, return True.\n\nStart by briefly explaining your reasoning based on the above steps. At the end, provide a one-sentence summary of your evaluation.\n\nYour output must strictly follow this format:\nReasoning: ...\nSummary: \"True\" / \"False\".\n",
  compare_authors: "You are an expert in judging whether the respone follow the given constraint. Your task is to assess whether the model's response satisfies the given constraint and return True or False. I will provide you with the constraint and the model's response under this constraint. To assist with your evaluation, I will also provide you with the model's response to the same question without the constraint.\n\n<start of constraint>\nUse {prediction} exactly once.\n<end of constraint>\n\n<start of response under the constraint>\nAnswer with {constraint} and {prediction} and $& $1 $$ \\n {{x}}\nline 2 \u2014 \u00fcn\u00efcode\n<end of response under the constraint>\n\n<start of response without the constraint>\nWithout: {prediction_without_constraint} {ground_truth}\n<end of response without the constraint>\n\n**Please follow the steps below to evaluate**:\nStep 1. Compare the model's response under the constraint with its response without the constraint. If you believe these two answers are very similar, it means the model has not fully considered the impact of the constraint on the answer. Please return False.\nStep 2. Compare the model's response under the constraint with the content of the constraint. If you believe the model's response does not meet the requirements specified in the constraint, return False. Otherwise, if the response effectively satisfies the constraint, return True.\n\nStart by briefly explaining your reasoning based on the above steps. At the end, provide a one-sentence summary of your evaluation.\n\nYour output must strictly follow this format:  \nReasoning: ...  \nSummary: \"True\" / \"False\".\n",
  perception: "You are an expert evaluator. Your task is to extract the answer from the model output and compare it with the ground truth list to determine whether the model answer covers all the points in the ground truth list. The ground truth list is provided as a JSON array of strings, and the model answer is a text string. An answer is considered correct if every element from the ground truth list appears in the model answer (substring matching is acceptable). The order does not matter. \nYour response should only be 'right' if the model answer fully covers the ground truth, or 'wrong' if it does not. Do not provide any additional commentary.\n\nQuestion: Q {question}?\nResponse from the model: Answer with {constraint} and {prediction} and $& $1 $$ \\n {{x}}\nline 2 \u2014 \u00fcn\u00efcode\nGround Truth List: [\"it's\", 'a\\nb', 1.0]\n",
};

const SHA256: Record<TemplateName, string> = {
  direct: "2cbf6de5755b43b4c7961f0f44340d8e9c8dae55cd935416d849e38ac74f892f",
  compare: "eb60a51efe022e317cd3ed088caecbde5835445afd756b98dc2357375d1a2871",
  "compare-authors": "0a59e1ec76267596d2d96589f7e77bec0b618e4900bfd39935d79fe114c84687",
  perception: "c74524511b321d4c2bf4c9046ee80ea9e201491df4de51ba2a403c0df03c072c",
};

const raw = (name: string): Buffer => readFileSync(new URL(`${name}.txt`, DATA));

describe("template files", () => {
  for (const [name, sha] of Object.entries(SHA256)) {
    test(`${name}.txt is byte-exact`, () => {
      assert.equal(createHash("sha256").update(raw(name)).digest("hex"), sha);
      assert.equal(loadTemplate(name as TemplateName), raw(name).toString("utf8"));
      // One final newline, part of the prompt.
      assert.ok(loadTemplate(name as TemplateName).endsWith("\n") && !loadTemplate(name as TemplateName).endsWith("\n\n"));
    });
  }
  test("identical to the team's reference copies", { skip: !existsSync(SHARED) }, () => {
    for (const name of ["direct", "compare", "perception"]) {
      assert.deepEqual(raw(name), readFileSync(new URL(`${name}.txt`, SHARED)));
    }
  });
  test("compare-authors differs from compare only by two trailing spaces on two lines", () => {
    const a = loadTemplate("compare").split("\n");
    const b = loadTemplate("compare-authors").split("\n");
    assert.equal(a.length, b.length);
    const differing = a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]]]));
    assert.deepEqual(differing, [
      ["Your output must strictly follow this format:", "Your output must strictly follow this format:  "],
      ["Reasoning: ...", "Reasoning: ...  "],
    ]);
  });
  test("quirks kept: the typo 'respone', the trailing space in the perception prompt", () => {
    assert.match(loadTemplate("compare"), /whether the respone follow/);
    assert.match(loadTemplate("perception"), /The order does not matter\. \nYour response/);
  });
});

describe("filled prompts equal the reference f-strings' output", () => {
  test("direct", () => assert.equal(directPrompt(PREDICTION, CONSTRAINTS), EXPECTED.direct));
  test("compare (VLMEvalKit)", () => assert.equal(comparePrompt(CONSTRAINTS[0]!, PREDICTION, AUX), EXPECTED.compare));
  test("compare (authors)", () => assert.equal(comparePrompt(CONSTRAINTS[0]!, PREDICTION, AUX, "compare-authors"), EXPECTED.compare_authors));
  test("perception", () => assert.equal(perceptionPrompt(QUESTION, PREDICTION, groundTruthRepr(ANSWER_JSON)), EXPECTED.perception));
});

describe("filled prompts, rebuilt from the template text", () => {
  test("direct: Constraint_i lines over the given constraints only", () => {
    assert.equal(constraintList(["a", "b", "c"]), "Constraint_1: a\nConstraint_2: b\nConstraint_3: c");
    assert.equal(constraintList([]), "");
    const t = loadTemplate("direct");
    const [before, rest] = t.split("{prediction}") as [string, string];
    const [middle, after] = rest.split("{constraint_list}") as [string, string];
    assert.equal(directPrompt("P", ["x", "y"]), `${before}P${middle}Constraint_1: x\nConstraint_2: y${after}`);
  });
  test("perception with a Python repr ground truth", () => {
    const expected = loadTemplate("perception")
      .replace("{question}", () => "What animals?")
      .replace("{prediction}", () => "A cat.")
      .replace("{ground_truth}", () => "['cat', 'dog']");
    assert.equal(perceptionPrompt("What animals?", "A cat.", groundTruthRepr('["cat", "dog"]')), expected);
    assert.ok(expected.endsWith("Ground Truth List: ['cat', 'dog']\n"));
  });
  test("substituted text is not scanned again, and `$` patterns are literal", () => {
    const p = comparePrompt("{prediction}", "{constraint} $& $' $`", "{prediction_without_constraint}");
    assert.ok(p.includes("<start of constraint>\n{prediction}\n<end of constraint>"));
    assert.ok(p.includes("<start of response under the constraint>\n{constraint} $& $' $`\n<end of response under the constraint>"));
    assert.ok(p.includes("<start of response without the constraint>\n{prediction_without_constraint}\n<end of"));
  });
  test("a missing value is an error", () => {
    assert.throws(() => fillTemplate("a {x} b", {}), /no value for \{x\}/);
    assert.equal(fillTemplate("a {x} {y}", { x: "{y}", y: "1" }), "a {y} 1");
  });
});
