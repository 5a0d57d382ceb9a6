// LLaMA-Factory recipes: the YAML parses (as PyYAML would read it) and holds the paper's numbers.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { RECIPE_MODELS, RecipeError, llamaFactoryRecipe, yamlFloat } from "../../src/export/recipes.js";
import { parseFlatYaml } from "./mini-yaml.js";

const SPEC = new URL("../../../shared/spec/mm-ifengine.md", import.meta.url);
const SPEC_COPY = new URL("../fixtures/spec/authors-sft-configs.md", import.meta.url);
const base = { datasets: ["mmif_sft"], datasetDir: "/data/mmif" };

describe("yamlFloat", () => {
  it("writes floats PyYAML reads as floats", () => {
    assert.equal(yamlFloat(1e-5), "1.0e-5");
    assert.equal(yamlFloat(5e-7), "5.0e-7");
    assert.equal(yamlFloat(2.5e-6), "2.5e-6");
    assert.equal(yamlFloat(0.1), "0.1");
    assert.equal(yamlFloat(1), "1.0");
    for (const x of [1e-5, 5e-7, 2.5e-6, 0.1, 1, 3]) assert.equal(parseFlatYaml(`x: ${yamlFloat(x)}`).x, x);
    assert.equal(parseFlatYaml("x: 1e-5").x, "1e-5"); // why the decimal point matters
  });
});

describe("llamaFactoryRecipe", () => {
  it("SFT: effective batch 128 = 1 per device × 16 steps × 8 GPUs, lr 1e-5, full fine-tuning", () => {
    const recipe = llamaFactoryRecipe({ ...base, stage: "sft", model: "qwen2-vl-7b" });
    const y = parseFlatYaml(recipe.yaml);
    assert.equal(y.model_name_or_path, "Qwen/Qwen2-VL-7B-Instruct");
    assert.equal(y.template, "qwen2_vl");
    assert.equal(y.stage, "sft");
    assert.equal(y.do_train, true);
    assert.equal(y.finetuning_type, "full");
    assert.equal(y.dataset, "mmif_sft");
    assert.equal(y.dataset_dir, "/data/mmif");
    assert.equal(y.per_device_train_batch_size, 1);
    assert.equal(y.gradient_accumulation_steps, 16);
    assert.equal((y.per_device_train_batch_size as number) * (y.gradient_accumulation_steps as number) * 8, 128);
    assert.equal(y.learning_rate, 1e-5);
    assert.equal(y.num_train_epochs, 1);
    assert.equal(y.bf16, true);
    assert.equal(y.cutoff_len, 2048);
    assert.equal(y.output_dir, "saves/qwen2-vl-7b/full/sft");
    assert.equal(y.deepspeed, "examples/deepspeed/ds_z3_config.json");
    assert.equal("pref_beta" in y, false);
    assert.match(recipe.yaml, /llamafactory-cli train/);
    assert.match(recipe.yaml, /1 × 16 × 8 = 128/);
    assert.deepEqual(Object.fromEntries(recipe.values), y);
  });

  it("DPO: effective batch 16, lr 5e-7, pref_beta 0.1 with the sigmoid (DPO) loss", () => {
    const y = parseFlatYaml(llamaFactoryRecipe({ ...base, datasets: ["mmif_dpo"], stage: "dpo", model: "qwen2.5-vl-7b" }).yaml);
    assert.equal(y.model_name_or_path, "Qwen/Qwen2.5-VL-7B-Instruct");
    assert.equal(y.template, "qwen2_vl");
    assert.equal(y.stage, "dpo");
    assert.equal(y.dataset, "mmif_dpo");
    assert.equal(y.gradient_accumulation_steps, 2);
    assert.equal(y.learning_rate, 5e-7);
    assert.equal(y.pref_beta, 0.1);
    assert.equal(y.pref_loss, "sigmoid");
    assert.equal(y.finetuning_type, "full");
  });

  it("derives the accumulation steps from the GPU count and refuses a batch that does not divide", () => {
    const four = parseFlatYaml(llamaFactoryRecipe({ ...base, stage: "sft", model: "llava-next-8b", gpus: 4, perDeviceBatch: 2 }).yaml);
    assert.equal(four.gradient_accumulation_steps, 16); // 2 × 16 × 4 = 128
    assert.equal(four.template, "llava_next_llama3");
    assert.equal(four.model_name_or_path, "llava-hf/llama3-llava-next-8b-hf");
    const one = parseFlatYaml(llamaFactoryRecipe({ ...base, stage: "dpo", model: "qwen2-vl-7b", gpus: 1 }).yaml);
    assert.equal(one.gradient_accumulation_steps, 16);
    assert.throws(() => llamaFactoryRecipe({ ...base, stage: "dpo", model: "qwen2-vl-7b", gpus: 3 }), (e) => e instanceof RecipeError && /16 \/ \(1 × 3\)/.test(e.message));
    assert.throws(() => llamaFactoryRecipe({ ...base, stage: "sft", model: "qwen2-vl-7b", gpus: 0 }), /--gpus must be a whole number/);
  });

  it("takes any model id with --template, and refuses an unknown model without one", () => {
    const y = parseFlatYaml(llamaFactoryRecipe({ ...base, stage: "sft", model: "OpenGVLab/InternVL3-8B-hf", template: "intern_vl", deepspeed: null }).yaml);
    assert.equal(y.model_name_or_path, "OpenGVLab/InternVL3-8B-hf");
    assert.equal(y.template, "intern_vl");
    assert.equal(y.output_dir, "saves/internvl3-8b-hf/full/sft");
    assert.equal("deepspeed" in y, false);
    assert.throws(() => llamaFactoryRecipe({ ...base, stage: "sft", model: "someone/unknown-vlm" }), /unknown --model someone\/unknown-vlm/);
  });

  it("quotes values YAML would misread, and lists several datasets", () => {
    const y = parseFlatYaml(llamaFactoryRecipe({ ...base, datasets: ["mmif_sft", "more"], datasetDir: "/data/my data: v2", stage: "sft", model: "qwen2-vl-2b", outputDir: "true" }).yaml);
    assert.equal(y.dataset, "mmif_sft,more");
    assert.equal(y.dataset_dir, "/data/my data: v2");
    assert.equal(y.output_dir, "true");
  });

  it("SFT holds every value of the authors' released configs as the spec lists them, and says so", () => {
    // The spec's paragraph on the released configs (a copy ships with the tests; checked against the team's
    // spec when it sits beside the repository), its `key: value` pairs taken as they are written there.
    const paragraph = /- \*\*The authors' released LLaMA-Factory SFT configs\*\*[\s\S]*/.exec(readFileSync(SPEC_COPY, "utf8"))?.[0].trimEnd();
    assert.ok(paragraph, "the spec's paragraph on the released configs");
    if (existsSync(SPEC)) assert.ok(readFileSync(SPEC, "utf8").includes(paragraph), "test/fixtures/spec/authors-sft-configs.md is the spec's paragraph");
    const listed = [...paragraph.matchAll(/`([a-z_]+): ([^`]+)`/g)].map((m) => [m[1]!, parseFlatYaml(`x: ${m[2]!}`).x] as const);
    assert.ok(listed.length >= 9, `found ${listed.length} key: value pairs`);
    for (const model of ["qwen2-vl-7b", "qwen2.5-vl-7b"]) {
      const recipe = llamaFactoryRecipe({ ...base, stage: "sft", model });
      const y = parseFlatYaml(recipe.yaml);
      for (const [key, value] of listed) {
        assert.equal(y[key], value, `${model}: ${key}`);
        assert.match(recipe.yaml, new RegExp(`^${key}: .*# authors' SFT config`, "m"), `${key} is marked as the authors'`);
      }
      assert.equal(y.eval_strategy, "steps");
      assert.equal((y.per_device_train_batch_size as number) * (y.gradient_accumulation_steps as number) * 8, 128);
      assert.equal(y.num_train_epochs, 1);
      assert.equal(y.lr_scheduler_type, "cosine");
    }
    // The spec's learning rates: 1.0e-5 for Qwen2-VL-7B, 5.0e-6 for Qwen2.5-VL-7B.
    assert.match(paragraph, /lr 1\.0e-5 for Qwen2-VL-7B, 5\.0e-6 for Qwen2\.5-VL-7B/);
    assert.equal(parseFlatYaml(llamaFactoryRecipe({ ...base, stage: "sft", model: "qwen2-vl-7b" }).yaml).learning_rate, 1e-5);
    assert.equal(parseFlatYaml(llamaFactoryRecipe({ ...base, stage: "sft", model: "qwen2.5-vl-7b" }).yaml).learning_rate, 5e-6);
    assert.equal(parseFlatYaml(llamaFactoryRecipe({ ...base, stage: "sft", model: "llava-next-8b" }).yaml).learning_rate, 1e-5);
  });

  it("DPO marks everything but batch and learning rate as ours", () => {
    const yaml = llamaFactoryRecipe({ ...base, datasets: ["mmif_dpo"], stage: "dpo", model: "qwen2-vl-7b" }).yaml;
    assert.doesNotMatch(yaml, /# authors' SFT config/);
    assert.match(yaml, /^learning_rate: 5\.0e-7 +# paper/m);
    assert.match(yaml, /^gradient_accumulation_steps: 2 +# .*paper: 16/m);
    for (const key of ["pref_beta", "cutoff_len", "image_max_pixels", "freeze_multi_modal_projector", "num_train_epochs"]) {
      assert.match(yaml, new RegExp(`^${key}: .*# ours`, "m"), key);
    }
  });

  it("knows each listed model's LLaMA-Factory template", () => {
    const templates = Object.fromEntries(RECIPE_MODELS.map((m) => [m.key, m.template]));
    assert.equal(templates["qwen2-vl-7b"], "qwen2_vl");
    assert.equal(templates["qwen2.5-vl-7b"], "qwen2_vl");
    assert.equal(templates["llava-next-8b"], "llava_next_llama3");
    assert.equal(templates["llava-1.5-7b"], "llava");
  });
});
