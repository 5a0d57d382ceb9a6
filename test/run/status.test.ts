import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideRunStatus, statusLabel } from "../../src/run/status.js";

describe("decideRunStatus", () => {
  const quiet = { interrupted: false, unansweredCalls: 0 };

  it("is complete when every call was answered and failures are within the share", () => {
    assert.deepEqual(decideRunStatus({ ...quiet, failedItems: { failed: 1, total: 20, maxShare: 0.05 } }), { status: "complete", status_reasons: [] });
    assert.deepEqual(decideRunStatus(quiet), { status: "complete", status_reasons: [] });
  });

  it("is unreliable when more items failed than the share allows", () => {
    const v = decideRunStatus({ ...quiet, failedItems: { failed: 2, total: 26, maxShare: 0.05 } });
    assert.equal(v.status, "unreliable");
    assert.match(v.status_reasons[0]!, /2 of 26 items \(7\.7%\) could not be judged, more than --max-failed-share 5\.0%/);
  });

  it("is incomplete when interrupted, stopped by a fault or left calls unanswered, whatever the failures", () => {
    const failed = { failed: 26, total: 26, maxShare: 0.05 };
    assert.equal(decideRunStatus({ ...quiet, interrupted: true, failedItems: failed }).status, "incomplete");
    const v = decideRunStatus({ interrupted: false, unansweredCalls: 3, fault: "the judge: connection refused", failedItems: failed });
    assert.equal(v.status, "incomplete");
    assert.equal(v.status_reasons.length, 2);
    assert.match(v.status_reasons[0]!, /configuration error: the judge: connection refused/);
    assert.match(v.status_reasons[1]!, /3 model call\(s\) got no answer/);
  });

  it("labels the non-complete statuses", () => {
    assert.equal(statusLabel("complete"), undefined);
    assert.equal(statusLabel("incomplete"), "INCOMPLETE");
    assert.equal(statusLabel("unreliable"), "UNRELIABLE");
  });
});
