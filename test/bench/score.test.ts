// Per-item judging (score.ts) under both profiles: the reference's whole-item vectors (VLMEvalKit a039b67),
// then each failure path of each profile.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Constraint } from "../../src/constraints/schema.js";
import { AUTHORS, profileByName, VLMEVALKIT } from "../../src/bench/profiles.js";
import { comparePrompt, directPrompt, groundTruthRepr, perceptionPrompt } from "../../src/bench/prompts.js";
import { scoreItem, type ItemInput, type JudgeCall, type JudgeFn } from "../../src/bench/score.js";
import { referenceVectors } from "../helpers/parity.js";

type Reply = string | Error | ((call: JudgeCall) => string);

/** A judge that answers from a script, in call order, and records every call. */
function scripted(replies: Reply[]): { judge: JudgeFn; calls: JudgeCall[] } {
  const calls: JudgeCall[] = [];
  const judge: JudgeFn = async (call) => {
    calls.push(call);
    const r = replies[calls.length - 1];
    if (r === undefined) throw new Error(`unexpected judge call #${calls.length} (${call.kind})`);
    if (r instanceof Error) throw r;
    return typeof r === "function" ? r(call) : r;
  };
  return { judge, calls };
}

/** A judge whose reply depends on the call (kind, round, key). */
function byCall(fn: (call: JudgeCall) => string | Error): { judge: JudgeFn; calls: JudgeCall[] } {
  const calls: JudgeCall[] = [];
  return {
    calls,
    judge: async (call) => {
      calls.push(call);
      const r = fn(call);
      if (r instanceof Error) throw r;
      return r;
    },
  };
}

const PRED = "First paragraph here.\n\nSecond paragraph here.";
const direct = (key: string, value = `value of ${key}`): Constraint => ({ key, value, judge: { method: "direct_gpt" } });
const cmp = (key: string, value = `value of ${key}`): Constraint => ({ key, value, judge: { method: "cmp_gpt" } });
const rule = (key: string, lo: number, hi = lo): Constraint => ({
  key,
  value: `value of ${key}`,
  judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [lo, hi] }] },
});
const cItem = (constraints: Constraint[], aux: Record<string, string> = {}, prediction = PRED): ItemInput => ({
  id: "7",
  tag: "C-Level",
  question: "Describe the image.",
  prediction,
  constraints,
  aux,
});
const pItem = (answer = '["cat", "dog"]'): ItemInput => ({
  id: "9",
  tag: "P-Level",
  question: "What animals?",
  prediction: "A cat and a dog.",
  answer,
  aux: {},
});

const OK_DIRECT_2 = "Summary: Score of constraint_1: 1/1, Score of constraint_2: 0/1.";
const NO_SCORES = "I cannot judge this.";

// ---------------------------------------------------------------------------------------------------------

interface ItemVector {
  name: string;
  item: { id: number; tag: "C-Level" | "P-Level"; prediction: unknown; question?: string; constraints?: string; answer?: string };
  aux_data_dict: Record<string, Record<string, string>>;
  judge_calls: Array<"direct" | "cmp" | "plevel">;
  result: unknown;
}

/**
 * The vectors record the calls and the result; the replies of successful calls are in the result
 * (`gpt_resp_direct_gpt`, `gpt_resp_cmp_gpt_<key>`, `gpt_resp`). Failed calls' replies are not recorded:
 * these stand in for them, as each vector's name describes.
 */
const UNRECORDED: Record<string, Partial<Record<"direct" | "cmp" | "plevel", string>>> = {
  cmp_parse_fail_drops_constraint: { cmp: "Reasoning: the answer is fine, no verdict given." },
  direct_missing_constraint_2_fails_after_3_tries: { direct: "Summary: Score of constraint_1: 1/1." },
  only_cmp_and_parse_fail_zero_division: { cmp: "Reasoning: unclear." },
  p_level_unparseable_fails: { plevel: "Correct" },
};

function replyFor(v: ItemVector, kind: "direct" | "cmp" | "plevel", cmpKey: string | undefined): string {
  if (Array.isArray(v.result) && v.result[0] === 0) {
    const dict = v.result[2] as Record<string, unknown>;
    const recorded = kind === "direct" ? dict.gpt_resp_direct_gpt : kind === "cmp" ? dict[`gpt_resp_cmp_gpt_${cmpKey}`] : dict.gpt_resp;
    if (typeof recorded === "string") return recorded;
  }
  const stand = UNRECORDED[v.name]?.[kind];
  if (stand === undefined) throw new Error(`${v.name}: no reply for a ${kind} call`);
  return stand;
}

describe("judge_one_item_vlmevalkit_a039b67 parity vectors", () => {
  const vectors = referenceVectors().judge_one_item_vlmevalkit_a039b67 as unknown as ItemVector[];
  test("has the parity cases", () => assert.ok(vectors.length >= 10));
  for (const v of vectors) {
    test(v.name, async () => {
      const it = v.item;
      const prediction = typeof it.prediction === "number" && Number.isNaN(it.prediction) ? "nan" : String(it.prediction);
      const input: ItemInput = {
        id: String(it.id),
        tag: it.tag,
        question: it.question ?? "",
        prediction,
        constraints: it.constraints === undefined ? undefined : (JSON.parse(it.constraints) as Constraint[]),
        answer: it.answer,
        aux: v.aux_data_dict[String(it.id)] ?? {},
      };
      const calls: JudgeCall[] = [];
      const judge: JudgeFn = async (call) => {
        calls.push(call);
        const kind = call.kind === "perception" ? "plevel" : call.kind;
        return replyFor(v, kind, call.constraintKey);
      };
      const r = await scoreItem(input, judge, VLMEVALKIT);

      assert.deepEqual(
        calls.map((c) => (c.kind === "perception" ? "plevel" : c.kind)),
        v.judge_calls,
      );
      // Each call carries the reference's prompt and image flag.
      for (const c of calls) {
        const cons = input.constraints ?? [];
        if (c.kind === "direct") {
          assert.equal(c.withImage, true);
          const values = cons.filter((x) => x.judge.method === "direct_gpt").map((x) => x.value);
          assert.equal(c.prompt, directPrompt(prediction, values));
        } else if (c.kind === "cmp") {
          assert.equal(c.withImage, false);
          const con = cons.find((x) => x.key === c.constraintKey)!;
          assert.equal(c.prompt, comparePrompt(con.value, prediction, input.aux[con.key]!, "compare"));
        } else {
          assert.equal(c.withImage, false);
          assert.equal(c.prompt, perceptionPrompt(input.question, prediction, groundTruthRepr(input.answer!)));
        }
      }
      // Rounds count up from 0 on each retry.
      if (v.judge_calls.length === 3 && v.judge_calls.every((k) => k === v.judge_calls[0])) {
        assert.deepEqual(calls.map((c) => c.round), [0, 1, 2]);
      }

      if (typeof v.result === "string") {
        assert.match(v.result, /^EXCEPTION /);
        assert.equal(r.status, "failed");
        assert.equal(r.reference, v.result);
        assert.ok(r.error && r.error.length > 0);
        assert.ok(r.referenceCrash?.includes(v.result.slice("EXCEPTION ".length)));
        assert.equal(r.score, 0);
      } else {
        assert.deepEqual(r.reference, v.result);
        const [code, , dict] = v.result as [number, string, Record<string, number>];
        if (code === 0) {
          assert.equal(r.status, "scored");
          assert.equal(r.score, dict.total_score);
        } else {
          assert.equal(r.status, "failed");
          assert.equal(r.score, 0);
          assert.equal(r.rounds, 3);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------

describe("profiles", () => {
  test("profileByName", () => {
    assert.equal(profileByName("vlmevalkit"), VLMEVALKIT);
    assert.equal(profileByName("authors"), AUTHORS);
    assert.throws(() => profileByName("nope"), /unknown scoring profile "nope"; known: vlmevalkit, authors/);
  });
  test("settings", () => {
    assert.equal(VLMEVALKIT.maxRounds, 3);
    assert.equal(AUTHORS.maxRounds, 10);
    assert.equal(VLMEVALKIT.failedItemScore("C-Level"), 0);
    assert.equal(VLMEVALKIT.failedItemScore("P-Level"), 0);
    assert.equal(AUTHORS.failedItemScore("C-Level"), null);
    assert.equal(VLMEVALKIT.pLevelJudge, "same");
    assert.equal(AUTHORS.pLevelJudge, "separate");
    assert.deepEqual(AUTHORS.defaultJudgeModels, { cLevel: "gpt-4o-2024-11-20", pLevel: "gpt-4o-mini" });
    assert.equal(VLMEVALKIT.judgeImageFirst, false);
    assert.equal(AUTHORS.judgeImageFirst, false);
    assert.equal(VLMEVALKIT.answerImageFirst, false);
    assert.equal(AUTHORS.answerImageFirst, true);
  });
  test("predictionText: pandas' NA strings become 'nan' under vlmevalkit only", () => {
    for (const s of ["", "NA", "None", "null", "nan", "N/A"]) assert.equal(VLMEVALKIT.predictionText(s), "nan");
    for (const s of [" ", "none", "NA.", "0"]) assert.equal(VLMEVALKIT.predictionText(s), s);
    assert.equal(AUTHORS.predictionText(""), "");
  });
});

describe("direct_gpt failing every round", () => {
  const item = cItem([direct("d1"), direct("d2"), rule("r1", 2)]);

  test("vlmevalkit: 3 rounds, then [1, 'C-Level, fail in judge', {}], scored 0", async () => {
    const { judge, calls } = byCall(() => NO_SCORES);
    const r = await scoreItem(item, judge, VLMEVALKIT);
    assert.deepEqual(calls.map((c) => [c.kind, c.round, c.withImage]), [["direct", 0, true], ["direct", 1, true], ["direct", 2, true]]);
    assert.equal(r.status, "failed");
    assert.equal(r.score, 0);
    assert.equal(r.rounds, 3);
    assert.deepEqual(r.reference, [1, "C-Level, fail in judge", {}]);
    assert.match(r.error!, /direct judge reply unusable: ValueError: raw_score format is incorrect.*all 3 rounds/);
    assert.equal(r.referenceCrash, undefined);
    assert.deepEqual(r.replies, { direct: NO_SCORES });
    assert.match(r.constraints[0]!.error!, /direct judge reply unusable/);
    assert.match(r.constraints[2]!.error!, /not judged/);
    assert.ok(r.constraints.every((c) => c.score === null && !c.counted));
  });

  test("authors: 10 rounds, then excluded (score null) with the authors' message", async () => {
    const { judge, calls } = byCall(() => NO_SCORES);
    const r = await scoreItem(item, judge, AUTHORS);
    assert.deepEqual(calls.map((c) => c.round), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(r.status, "failed");
    assert.equal(r.score, null);
    assert.equal(r.rounds, 10);
    assert.deepEqual(r.reference, [1, "None vision data, direct_gpt, fail in extract score", {}]);
  });

  test("a missing constraint_i fails the round", async () => {
    const { judge } = byCall(() => "Summary: Score of constraint_1: 1/1, Score of constraint_3: 1/1.");
    const r = await scoreItem(item, judge, VLMEVALKIT);
    assert.match(r.error!, /KeyError: 'constraint_2'/);
  });

  test("a later round that succeeds scores the item; every call of the item is asked again", async () => {
    const { judge, calls } = byCall((c) => (c.kind === "direct" ? (c.round < 4 ? NO_SCORES : OK_DIRECT_2) : "Summary: True"));
    const r = await scoreItem(cItem([direct("d1"), direct("d2"), cmp("c1")], { c1: "plain" }), judge, AUTHORS);
    assert.equal(r.status, "scored");
    assert.equal(r.rounds, 5);
    assert.deepEqual(calls.map((c) => `${c.kind}@${c.round}`), ["direct@0", "direct@1", "direct@2", "direct@3", "direct@4", "cmp@4"]);
    assert.equal(r.score, 2 / 3);

    const v = byCall((c) => (c.kind === "direct" ? (c.round < 2 ? NO_SCORES : OK_DIRECT_2) : "Summary: True"));
    const rv = await scoreItem(cItem([direct("d1"), direct("d2")]), v.judge, VLMEVALKIT);
    assert.equal(rv.rounds, 3);
    assert.equal(rv.score, 0.5);
  });

  test("x/0 in the reply is a parse failure", async () => {
    const { judge } = byCall(() => "Score of constraint_1: 1/0, Score of constraint_2: 1/1");
    const r = await scoreItem(item, judge, VLMEVALKIT);
    assert.match(r.error!, /ZeroDivisionError: division by zero/);
  });
});

describe("cmp_gpt reply that cannot be parsed", () => {
  const item = cItem([rule("r1", 2), cmp("c1"), cmp("c2")], { c1: "no constraint 1", c2: "no constraint 2" });

  test("vlmevalkit: the constraint is dropped, the round succeeds", async () => {
    const { judge, calls } = scripted(["Reasoning only.", "Summary: False"]);
    const r = await scoreItem(item, judge, VLMEVALKIT);
    assert.deepEqual(calls.map((c) => [c.kind, c.constraintKey, c.round]), [["cmp", "c1", 0], ["cmp", "c2", 0]]);
    assert.equal(r.status, "scored");
    assert.equal(r.score, 0.5); // r1 = 1, c2 = 0; c1 dropped
    assert.equal(r.rounds, 1);
    assert.deepEqual(r.constraints.map((c) => [c.key, c.score, c.counted ?? false]), [["r1", 1, true], ["c1", null, false], ["c2", 0, true]]);
    assert.match(r.constraints[1]!.error!, /No 'summary' found.*dropped/);
    assert.deepEqual(r.reference, [0, "success", { r1: 1, c2: 0, gpt_resp_cmp_gpt_c2: "Summary: False", total_score: 0.5 }]);
    assert.deepEqual(r.replies, { "cmp:c1": "Reasoning only.", "cmp:c2": "Summary: False" });
  });

  test("authors: the item fails the round and is re-judged; later cmp calls of that round are not made", async () => {
    const { judge, calls } = byCall((c) => (c.round === 0 && c.constraintKey === "c1" ? "Reasoning only." : "Summary: true"));
    const r = await scoreItem(item, judge, AUTHORS);
    assert.deepEqual(calls.map((c) => `${c.constraintKey}@${c.round}`), ["c1@0", "c1@1", "c2@1"]);
    assert.equal(r.status, "scored");
    assert.equal(r.score, 1);
    assert.equal(r.rounds, 2);
  });

  test("authors: never parseable → excluded with 'cmp_gpt, fail in extract score'", async () => {
    const { judge, calls } = byCall(() => "Reasoning only.");
    const r = await scoreItem(item, judge, AUTHORS);
    assert.equal(calls.length, 10);
    assert.equal(r.score, null);
    assert.deepEqual(r.reference, [1, "None vision data, cmp_gpt, fail in extract score", {}]);
    assert.equal(r.constraints[0]!.score, 1); // computed in the last round, not counted
    assert.equal(r.constraints[0]!.counted ?? false, false);
    assert.match(r.constraints[2]!.error!, /not judged/);
  });

  test("the compare template follows the profile", async () => {
    const a = scripted(["Summary: True", "Summary: True"]);
    await scoreItem(item, a.judge, AUTHORS);
    assert.equal(a.calls[0]!.prompt, comparePrompt("value of c1", PRED, "no constraint 1", "compare-authors"));
    assert.match(a.calls[0]!.prompt, /format: {2}\nReasoning: \.\.\. {2}\n/);
    const v = scripted(["Summary: True", "Summary: True"]);
    await scoreItem(item, v.judge, VLMEVALKIT);
    assert.equal(v.calls[0]!.prompt, comparePrompt("value of c1", PRED, "no constraint 1", "compare"));
  });
});

describe("no scored constraint (the reference's ZeroDivisionError)", () => {
  for (const profile of [VLMEVALKIT, AUTHORS]) {
    test(`${profile.name}: failed at once, flagged`, async () => {
      const { judge, calls } = scripted([]);
      const r = await scoreItem(cItem([{ key: "u", value: "v", judge: { method: "other" } }]), judge, profile);
      assert.equal(calls.length, 0);
      assert.equal(r.status, "failed");
      assert.equal(r.score, profile.failedItemScore("C-Level"));
      assert.equal(r.rounds, 1);
      assert.equal(r.reference, "EXCEPTION ZeroDivisionError: float division by zero");
      assert.match(r.error!, /no constraint could be scored/);
      assert.match(r.constraints[0]!.note!, /not scored by the reference/);
    });
  }
  test("an empty constraint list too", async () => {
    const r = await scoreItem(cItem([]), scripted([]).judge, VLMEVALKIT);
    assert.equal(r.reference, "EXCEPTION ZeroDivisionError: float division by zero");
  });
  test("vlmevalkit: every cmp dropped → not retried", async () => {
    const { judge, calls } = byCall(() => "nothing");
    const r = await scoreItem(cItem([cmp("c1")], { c1: "x" }), judge, VLMEVALKIT);
    assert.equal(calls.length, 1);
    assert.equal(r.status, "failed");
    assert.equal(r.reference, "EXCEPTION ZeroDivisionError: float division by zero");
  });
});

describe("rule_based errors and the reference's short-circuit", () => {
  const unknown: Constraint = {
    key: "r9",
    value: "v",
    judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_rang", params: [1, 1] }] },
  };
  test("an unknown verify function fails the item, after the direct call of that round", async () => {
    const { judge, calls } = scripted([OK_DIRECT_2]);
    const r = await scoreItem(cItem([direct("d1"), direct("d2"), unknown]), judge, VLMEVALKIT);
    assert.equal(calls.length, 1);
    assert.equal(r.status, "failed");
    assert.equal(r.score, 0);
    assert.equal(r.reference, "EXCEPTION KeyError: 'check_whether_response_paragraph_number_in_rang'");
    assert.match(r.error!, /unknown verify function "check_whether_response_paragraph_number_in_rang" \(did you mean "check_whether_response_paragraph_number_in_range"\?\)/);
    const a = await scoreItem(cItem([unknown]), scripted([]).judge, AUTHORS);
    assert.equal(a.score, null);
    assert.equal(a.rounds, 1);
  });
  test("a function that fails before the unknown one stops the loop first: no error", async () => {
    const c: Constraint = {
      key: "r",
      value: "v",
      judge: {
        method: "rule_based",
        verify_funcs: [
          { func: "check_whether_response_paragraph_number_in_range", params: [5, 5] },
          { func: "no_such_function", params: [] },
        ],
      },
    };
    const r = await scoreItem(cItem([c]), scripted([]).judge, VLMEVALKIT);
    assert.equal(r.status, "scored");
    assert.equal(r.score, 0);
  });
  test("missing params / verify_funcs are KeyErrors, as in the reference", async () => {
    const noParams: Constraint = { key: "r", value: "v", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_has_no_arabic_number_in_response" }] } };
    const r1 = await scoreItem(cItem([noParams]), scripted([]).judge, VLMEVALKIT);
    assert.equal(r1.reference, "EXCEPTION KeyError: 'params'");
    const noFuncs: Constraint = { key: "r", value: "v", judge: { method: "rule_based" } };
    const r2 = await scoreItem(cItem([noFuncs]), scripted([]).judge, VLMEVALKIT);
    assert.equal(r2.reference, "EXCEPTION KeyError: 'verify_funcs'");
  });
  test("rule checks see the prediction as the reference does ('' → 'nan' under vlmevalkit)", async () => {
    const c: Constraint = {
      key: "r",
      value: "v",
      judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_word_count_in_range", params: [1, 1] }] },
    };
    assert.equal((await scoreItem(cItem([c], {}, ""), scripted([]).judge, VLMEVALKIT)).score, 1);
    assert.equal((await scoreItem(cItem([c], {}, ""), scripted([]).judge, AUTHORS)).score, 0);
  });
});

describe("a judge call that throws", () => {
  test("vlmevalkit: like an unusable reply (direct → next round, cmp → dropped)", async () => {
    const { judge, calls } = byCall((c) => (c.kind === "direct" && c.round === 0 ? new Error("HTTP 500") : c.kind === "direct" ? OK_DIRECT_2 : new Error("timeout")));
    const r = await scoreItem(cItem([direct("d1"), direct("d2"), cmp("c1")], { c1: "x" }), judge, VLMEVALKIT);
    assert.deepEqual(calls.map((c) => `${c.kind}@${c.round}`), ["direct@0", "direct@1", "cmp@1"]);
    assert.equal(r.status, "scored");
    assert.equal(r.score, 0.5);
    assert.match(r.constraints[2]!.error!, /compare judge call failed: timeout.*dropped/);
    assert.deepEqual(Object.keys(r.replies), ["direct"]);
  });
  test("authors: the round fails with 'fail in get gpt_resp'", async () => {
    const { judge } = byCall(() => new Error("HTTP 500"));
    const r = await scoreItem(cItem([direct("d1")]), judge, AUTHORS);
    assert.deepEqual(r.reference, [1, "None vision data, direct_gpt, fail in get gpt_resp", {}]);
    assert.match(r.error!, /direct judge call failed: HTTP 500/);
    const c = await scoreItem(cItem([cmp("c1")], { c1: "x" }), byCall(() => new Error("boom")).judge, AUTHORS);
    assert.deepEqual(c.reference, [1, "None vision data, cmp_gpt, fail in get gpt_resp", {}]);
    const p = await scoreItem(pItem(), byCall(() => new Error("boom")).judge, AUTHORS);
    assert.deepEqual(p.reference, [1, "Vision data, fail in get gpt_resp", {}]);
  });
});

describe("P-Level", () => {
  test("one text-only call with the repr'd ground truth", async () => {
    const { judge, calls } = scripted(["not right"]);
    const r = await scoreItem(pItem('["it\'s", 1.0]'), judge, VLMEVALKIT);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.withImage, false);
    assert.ok(calls[0]!.prompt.endsWith(`Ground Truth List: ["it's", 1.0]\n`));
    assert.equal(r.score, 1);
    assert.deepEqual(r.reference, [0, "success", { total_score: 1, gpt_resp: "not right" }]);
    assert.deepEqual(r.constraints, []);
    assert.deepEqual(r.replies, { perception: "not right" });
  });
  test("vlmevalkit: a failed P-Level item scores 0 and is flagged (the reference's aggregation crashes)", async () => {
    const { judge, calls } = byCall(() => "Correct");
    const r = await scoreItem(pItem(), judge, VLMEVALKIT);
    assert.equal(calls.length, 3);
    assert.equal(r.score, 0);
    assert.deepEqual(r.reference, [1, "C-Level, fail in judge", {}]);
    assert.match(r.referenceCrash!, /KeyError: 'total_score'/);
  });
  test("authors: excluded after 10 rounds", async () => {
    const { judge, calls } = byCall(() => "Correct");
    const r = await scoreItem(pItem(), judge, AUTHORS);
    assert.equal(calls.length, 10);
    assert.equal(r.score, null);
    assert.deepEqual(r.reference, [1, "Vision data, fail in extract score", {}]);
    assert.equal(r.referenceCrash, undefined);
  });
  test("an answer that is not JSON fails the item without a judge call", async () => {
    const { judge, calls } = scripted([]);
    const r = await scoreItem(pItem("['cat']"), judge, VLMEVALKIT);
    assert.equal(calls.length, 0);
    assert.equal(r.status, "failed");
    assert.equal(r.reference, "EXCEPTION JSONDecodeError: Expecting value: line 1 column 2 (char 1)");
  });
});

describe("C-Level details", () => {
  test("direct constraints are numbered among themselves, in list order, and scores are not clamped", async () => {
    const { judge, calls } = scripted(["Score of constraint_1: 3/1, Score of constraint_2: 1/2"]);
    const r = await scoreItem(cItem([rule("r1", 2), direct("d1", "first"), rule("r2", 3), direct("d2", "second")]), judge, VLMEVALKIT);
    assert.ok(calls[0]!.prompt.includes("<start of constraint list>\nConstraint_1: first\nConstraint_2: second\n<end of constraint list>"));
    assert.equal(r.score, (3 + 0.5 + 1 + 0) / 4);
    assert.deepEqual(r.constraints.map((c) => c.score), [1, 3, 0, 0.5]);
  });
  test("a missing aux prediction fails the item (KeyError)", async () => {
    const r = await scoreItem(cItem([rule("r1", 2), cmp("c1")], {}), scripted([]).judge, VLMEVALKIT);
    assert.equal(r.status, "failed");
    assert.equal(r.reference, "EXCEPTION KeyError: 'c1'");
    assert.match(r.error!, /no aux prediction/);
  });
  test("repeated keys: one score, the later assignment in the order direct → rule → cmp", async () => {
    const { judge } = scripted(["Score of constraint_1: 0/1", "Summary: True"]);
    const r = await scoreItem(cItem([cmp("k"), rule("k", 2), direct("k")], { k: "x" }), judge, VLMEVALKIT);
    // direct sets k=0, rule sets k=1, cmp sets k=1: one key, score 1.
    assert.equal(r.score, 1);
    assert.deepEqual(r.reference, [0, "success", { gpt_resp_direct_gpt: "Score of constraint_1: 0/1", k: 1, gpt_resp_cmp_gpt_k: "Summary: True", total_score: 1 }]);
    assert.deepEqual(r.constraints.map((c) => c.counted ?? false), [true, false, false]);
    assert.match(r.constraints[2]!.note!, /repeated/);
  });
  test("a key starting with gpt_resp_ is left out of the mean, as in the reference", async () => {
    const r = await scoreItem(cItem([rule("gpt_resp_x", 2), rule("r", 3)]), scripted([]).judge, VLMEVALKIT);
    assert.equal(r.score, 0);
    assert.match(r.constraints[0]!.note!, /gpt_resp_/);
  });
  test("vlmevalkit sees an empty aux prediction as 'nan' in the compare prompt", async () => {
    const { judge, calls } = scripted(["Summary: False"]);
    await scoreItem(cItem([cmp("c1")], { c1: "" }), judge, VLMEVALKIT);
    assert.ok(calls[0]!.prompt.includes("<start of response without the constraint>\nnan\n<end of response without the constraint>"));
  });
});
