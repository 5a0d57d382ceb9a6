import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ByteBudget, sourceBytes } from "../../../src/model/images/budget.js";
import { tempDir } from "../../helpers/cli.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("ByteBudget", () => {
  it("lets callers through while their bytes fit, then first come first served", async () => {
    const budget = new ByteBudget(10);
    const order: string[] = [];
    const a = await budget.acquire(6);
    const b = budget.acquire(6).then((release) => (order.push("b"), release));
    const c = budget.acquire(1).then((release) => (order.push("c"), release));
    await tick();
    assert.deepEqual(order, [], "c waits behind b although it would fit: no starving a large call");
    assert.equal(budget.inUse, 6);
    a();
    a(); // a second release changes nothing
    const releaseB = await b;
    const releaseC = await c;
    assert.deepEqual(order, ["b", "c"]);
    assert.equal(budget.inUse, 7);
    releaseB();
    releaseC();
    assert.equal(budget.inUse, 0);
  });

  it("lets one item larger than the whole budget go alone", async () => {
    const budget = new ByteBudget(10);
    const big = await budget.acquire(50);
    assert.equal(budget.inUse, 10);
    let small = false;
    const next = budget.acquire(1).then((r) => ((small = true), r));
    await tick();
    assert.equal(small, false);
    big();
    (await next)();
    assert.equal(budget.inUse, 0);
  });

  it("counts a file by its size, bytes and base64 by their decoded length", async () => {
    const file = join(tempDir(), "x.bin");
    writeFileSync(file, Buffer.alloc(1234));
    assert.equal(await sourceBytes({ path: file }), 1234);
    assert.equal(await sourceBytes({ path: `${file}.missing` }), 0);
    assert.equal(await sourceBytes({ bytes: new Uint8Array(7) }), 7);
    assert.equal(await sourceBytes({ base64: "AAAA" }), 3);
  });
});
