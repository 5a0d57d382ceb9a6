// `mmif recipe llamafactory` as a user runs it: the YAML, the dataset check against an export, bad usage.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import { engineItem, makeImages, pair, writeJsonl } from "../export/fixtures.js";
import { parseFlatYaml } from "../export/mini-yaml.js";

describe("mmif recipe llamafactory", () => {
  const dir = tempDir();
  const data = join(dir, "data");
  before(async () => {
    await makeImages(dir);
    const items = writeJsonl(join(dir, "items.jsonl"), [engineItem("a", "pics/red.png")]);
    const pairs = writeJsonl(join(dir, "pairs.jsonl"), [pair("p1", "pics/red.png", "drop-all")]);
    for (const input of [items, pairs]) assert.equal((await runCli(["export", "--in", input, "--format", "llamafactory", "--out", data, "-q"])).code, 0);
  });

  it("writes an SFT recipe for the exported dataset with the paper's numbers", async () => {
    const file = join(dir, "sft.yaml");
    const r = await runCli(["recipe", "llamafactory", "--stage", "sft", "--model", "qwen2-vl-7b", "--dataset-dir", data, "--out", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /train with: llamafactory-cli train/);
    const y = parseFlatYaml(readFileSync(file, "utf8"));
    assert.deepEqual(
      [y.stage, y.finetuning_type, y.model_name_or_path, y.template, y.dataset, y.dataset_dir, y.learning_rate, y.per_device_train_batch_size, y.gradient_accumulation_steps],
      ["sft", "full", "Qwen/Qwen2-VL-7B-Instruct", "qwen2_vl", "mmif_sft", data, 1e-5, 1, 16],
    );
  });

  it("writes a DPO recipe to standard output, with the accumulation for the GPUs given", async () => {
    const r = await runCli(["recipe", "llamafactory", "--stage", "dpo", "--model", "qwen2.5-vl-7b", "--dataset-dir", data, "--gpus", "4"]);
    assert.equal(r.code, 0, r.stderr);
    const y = parseFlatYaml(r.stdout);
    assert.deepEqual([y.stage, y.dataset, y.learning_rate, y.pref_beta, y.gradient_accumulation_steps], ["dpo", "mmif_dpo", 5e-7, 0.1, 4]);
    assert.equal((y.per_device_train_batch_size as number) * (y.gradient_accumulation_steps as number) * 4, 16);
  });

  it("checks the dataset names against the export's dataset_info.json", async () => {
    const wrongKind = await runCli(["recipe", "llamafactory", "--stage", "dpo", "--model", "qwen2-vl-7b", "--dataset-dir", data, "--dataset", "mmif_sft"]);
    assert.equal(wrongKind.code, 2);
    assert.match(wrongKind.stderr, /dataset "mmif_sft" is not a preference set/);
    const unknown = await runCli(["recipe", "llamafactory", "--stage", "sft", "--model", "qwen2-vl-7b", "--dataset-dir", data, "--dataset", "other"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /declares no dataset "other" \(it has: mmif_sft, mmif_dpo\)/);
  });

  it("refuses bad usage with exit 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--stage", "sft", "--model", "mystery-vlm"], /unknown --model mystery-vlm/],
      [["--stage", "dpo", "--model", "qwen2-vl-7b", "--gpus", "3"], /cannot be split over 3 GPU/],
      [["--stage", "ppo", "--model", "qwen2-vl-7b"], /argument 'ppo' is invalid/],
      [["--stage", "sft", "--model", "qwen2-vl-7b", "--learning-rate", "fast"], /--learning-rate must be a number/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["recipe", "llamafactory", "--dataset-dir", data, ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    const trainer = await runCli(["recipe", "axolotl", "--stage", "sft", "--model", "qwen2-vl-7b"]);
    assert.equal(trainer.code, 2);
  });

  it("says in --help that training runs in LLaMA-Factory, and how the batch is split", async () => {
    const top = await runCli(["recipe", "--help"]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /llamafactory-cli train/);
    const r = await runCli(["recipe", "llamafactory", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /llamafactory-cli train/);
    assert.match(r.stdout, /mmif does\s+not\s+train/);
    assert.match(r.stdout, /Training runs in LLaMA-Factory, not in mmif/);
    assert.match(r.stdout, /1 × 16 × 8 = 128/);
  });
});
