import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXIT, InputError, MmifError, WorkError } from "../../src/common/errors.js";
import { BenchFileError } from "../../src/bench/load/errors.js";
import { ExportImageError } from "../../src/export/images.js";
import { ModelCallError } from "../../src/model/client.js";
import { EndpointConfigError } from "../../src/model/endpoint.js";
import { ImageError } from "../../src/model/images/errors.js";
import { CallFailedError } from "../../src/model/scheduler.js";
import { describeError } from "../../src/cli/main.js";

describe("the error root", () => {
  it("input errors exit 2, failed work exits 1, and each class keeps its own name", () => {
    const bench = new BenchFileError("b.tsv", "missing column index");
    assert.ok(bench instanceof InputError && bench instanceof MmifError);
    assert.equal(bench.exitCode, EXIT.BAD_INPUT);
    assert.equal(bench.name, "BenchFileError");
    assert.equal(new EndpointConfigError("x").exitCode, 2);
    const call = new ModelCallError("m: refused", { model: "m", stage: "answer", key: "k", kind: "client", attempts: 1, status: 401 });
    assert.ok(call instanceof WorkError);
    assert.equal(call.exitCode, EXIT.FAILURE);
    assert.deepEqual([call.model, call.stage, call.key, call.kind, call.attempts, call.status], ["m", "answer", "k", "client", 1, 401]);
  });

  it("the two image errors have distinct names", () => {
    assert.equal(new ImageError("a.png", "corrupt").name, "ImageError");
    assert.equal(new ExportImageError("missing").name, "ExportImageError");
    assert.notEqual(ImageError.name, ExportImageError.name);
  });

  it("CallFailedError carries its decision, attempts and cause by name", () => {
    const cause = new Error("ECONNREFUSED");
    const e = new CallFailedError({ decision: { retry: false, kind: "connection", message: "connection failed" }, attempts: 3, cause });
    assert.equal(e.attempts, 3);
    assert.equal(e.cause, cause);
    assert.match(e.message, /connection failed \(connection, 3 attempts\)/);
  });
});

describe("describeError (the one place errors become exit codes)", () => {
  it("uses our errors' exit codes and messages, without a stack", () => {
    assert.deepEqual(describeError(new InputError("--limit must be a whole number")), { message: "--limit must be a whole number", exitCode: 2 });
    assert.deepEqual(describeError(new WorkError("the judge never answered")), { message: "the judge never answered", exitCode: 1 });
  });

  it("turns a file-system refusal into one line naming the path", () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/x/y'"), { code: "EACCES", path: "/x/y", syscall: "open" });
    assert.deepEqual(describeError(e), { message: "cannot open /x/y: permission denied", exitCode: 2 });
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", path: "/x/y", syscall: "write" });
    assert.equal(describeError(full).exitCode, 1);
    assert.doesNotMatch(describeError(full).message, /\n\s+at /);
  });

  it("prints a stack only for a bug", () => {
    const d = describeError(new TypeError("x is undefined"));
    assert.equal(d.exitCode, 1);
    assert.match(d.message, /TypeError: x is undefined\n\s+at /);
  });
});
