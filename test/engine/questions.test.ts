import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { extractMainTask, QUESTION_RULES, screenQuestion } from "../../src/engine/questions.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

/** For every rule: questions it must reject (and that no earlier rule catches), and near misses it must let pass. */
const CASES: Record<string, { reject: string[]; pass: string[] }> = {
  too_short: { reject: ["Describe.", "   Why?   ", ""], pass: ["Describe it!"] },
  too_long: { reject: ["Describe the image. ".repeat(60)], pass: ["Describe the image in detail. ".repeat(30)] },
  numbered_example: {
    reject: ["Example 1: a red car. Now describe the picture in the same way.", "Describe the photo like in example #2. ...", "Demonstration 3) The sky is blue. Describe this image."],
    pass: ["Describe the image, for example its colors and the mood it conveys.", "There are 2 examples of modern architecture here; describe them."],
  },
  example_heading: {
    reject: ["Write a caption for the image.\nExamples:\n- A dog running on a beach.", "Write a caption for this photo. Here is an example: a cat asleep on a chair.", "**Example:** a quiet street at dusk. Write one for this image."],
    pass: ["Write a caption that could serve as an example for other photographers."],
  },
  qa_pair: {
    reject: ["Q: What color is the car? A: Red. Q: What is the man holding?", "Question: how many birds are there?\nAnswer: three.\nQuestion: what are they doing?"],
    pass: ["Question: What is the man in the picture doing, and why?\nAnswer:", "What is the main subject of the image? Please answer in detail."],
  },
  input_output_pair: {
    reject: ["Input: a photo of a beach. Output: Sunny day at the shore. Now do the same for this image.", "INPUT 1: image of a cat\nOUTPUT 1: cute cat"],
    pass: ["Describe the input devices visible in this photo of a computer desk."],
  },
  dialogue_demonstration: {
    reject: ["User: What is in this picture?\nAssistant: A tree in a field.\nUser: Describe the second picture."],
    pass: ["As a user of this park, describe what you would enjoy most about it."],
  },
  example_with_answer: {
    reject: ["Count the objects; for example, if there are three apples, the answer is: 3 apples. How many cups are there?"],
    pass: ["Explain what the people are doing, for example whether they are working or resting."],
  },
  options_heading: {
    reject: ["What is the weather like in the image? Options: sunny, rainy, snowy.", "Which season is shown?\nChoices:\nspring\nsummer"],
    pass: ["Discuss the options the hiker in the image has for continuing the trip."],
  },
  letter_options: {
    reject: ["What animal is shown? A. cat B. dog C. horse", "What is the man doing?\nA) running\nB) sitting\nC) sleeping", "Where is this? (A) Paris (B) London"],
    pass: ["A dog sits by the door. Describe what it might be waiting for.", "Describe Building A and explain its purpose."],
  },
  lowercase_paren_options: {
    reject: ["What is the main color? (a) red (b) blue (c) green"],
    pass: ["Describe the scene (as a whole) and its atmosphere."],
  },
  choice_instruction: {
    reject: [
      "Which of the following best describes the image: a market or a station?",
      "Look at the chart and choose the correct answer about the trend in sales.",
      "Select one of the following moods for the photo: joyful, calm, tense.",
      "Answer with the option's letter from the given choices directly, please.",
    ],
    pass: ["Select one object in the image and describe its history in detail.", "Choose a title for this photograph and explain your choice."],
  },
};

describe("screenQuestion", () => {
  it("covers every rule with cases, and every rule has a description", () => {
    assert.deepEqual(Object.keys(CASES).sort(), QUESTION_RULES.map((r) => r.name).sort());
    assert.equal(new Set(QUESTION_RULES.map((r) => r.name)).size, QUESTION_RULES.length);
    for (const r of QUESTION_RULES) assert.ok(r.description.length > 10, r.name);
    assert.ok(QUESTION_RULES.filter((r) => r.pattern).length >= 8);
  });

  for (const [name, { reject, pass }] of Object.entries(CASES)) {
    it(`${name}: rejects its examples, passes the near misses`, () => {
      for (const q of reject) {
        const r = screenQuestion(q);
        assert.equal(r.ok, false, `should reject: ${JSON.stringify(q)}`);
        if (!r.ok) {
          assert.equal(r.rule, name, `${JSON.stringify(q)} was caught by ${r.rule}`);
          assert.ok(r.reason.startsWith(`${name}: `), r.reason);
        }
      }
      for (const q of pass) assert.deepEqual(screenQuestion(q), { ok: true }, `should pass: ${JSON.stringify(q)}`);
    });
  }

  it("keeps ordinary open questions", () => {
    for (const q of [
      "Describe this image in detail.",
      "What emotions does the person in the photo seem to feel, and what makes you think so?",
      "Write a short story inspired by this picture.",
      "Explain the trend shown in the chart and what might cause it.",
      "¿Qué está pasando en esta imagen?",
    ]) {
      assert.deepEqual(screenQuestion(q), { ok: true }, q);
    }
  });

  it("takes its length limits from the options, counting code points", () => {
    assert.equal(screenQuestion("Describe it.", { minChars: 20 }).ok, false);
    assert.equal(screenQuestion("Describe the image.", { maxChars: 10 }).ok, false);
    assert.deepEqual(screenQuestion("🙂🙂🙂🙂🙂", { minChars: 5 }), { ok: true });
    const r = screenQuestion("x".repeat(1001));
    assert.deepEqual(r, { ok: false, rule: "too_long", reason: "too_long: 1001 characters > 1000" });
  });
});

describe("extractMainTask", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (/broken/.test(JSON.stringify(req.body.messages))) return replies.text("I cannot do that");
        if (/Rewrite it as its main task only/.test(text)) return replies.json({ task: "Describe the street market in the image." });
        return replies.badRequest("unexpected");
      },
    });
  });
  after(() => server.close());

  it("returns the main task, asked as the questions stage", async () => {
    const client = testClient(server);
    const r = await extractMainTask(client, "Hi! Please describe the street market in the image, in under 50 words, thanks!");
    assert.deepEqual(r, { task: "Describe the street market in the image." });
    const last = server.chatRequests().at(-1)!;
    assert.match(lastUserText(last.body), /Hi! Please describe the street market/);
    assert.match(lastUserText(last.body), /Return JSON: \{"task"/);
  });

  it("reports an unusable reply with the raw text", async () => {
    const client = testClient(server);
    const r = await extractMainTask(client, "broken question about the image");
    assert.ok("error" in r);
    if ("error" in r) {
      assert.match(r.error, /^main task: /);
      assert.equal(r.raw, "I cannot do that");
    }
  });
});
