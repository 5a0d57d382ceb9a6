import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallFailedError, Scheduler, SchedulerStoppedError, type RetryDecision } from "../../src/model/scheduler.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Fault extends Error {
  constructor(readonly decision: RetryDecision) {
    super(decision.message);
  }
}
const classify = (e: unknown): RetryDecision => (e instanceof Fault ? e.decision : { retry: false, kind: "internal", message: String(e) });
const transient: RetryDecision = { retry: true, kind: "server", status: 500, message: "boom" };
const permanent: RetryDecision = { retry: false, kind: "client", status: 400, message: "bad" };

describe("Scheduler", () => {
  it("never runs more than `concurrency` attempts at once and runs everything", async () => {
    const s = new Scheduler({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(5);
          running--;
          return i;
        }, { classify }),
      ),
    );
    assert.deepEqual(results.map((r) => r.value), Array.from({ length: 20 }, (_, i) => i));
    assert.equal(peak, 3);
    assert.equal(s.stats.peakInFlight, 3);
  });

  it("settles a success (the client records it) before the slot is freed; a settle that throws fails that call only", async () => {
    const s = new Scheduler({ concurrency: 2 });
    let running = 0; // attempts under way
    let unsettled = 0; // attempts done whose settle has not finished
    let peak = 0;
    const calls = Array.from({ length: 12 }, (_, i) =>
      s.run(
        async () => {
          running++;
          peak = Math.max(peak, running + unsettled);
          await sleep(2);
          running--;
          unsettled++;
          return i;
        },
        {
          classify,
          settle: async (value, attempts) => {
            assert.equal(attempts, 1);
            await sleep(5); // a slow commit
            unsettled--;
            if (value === 5) throw new Error("disk full");
          },
        },
      ),
    );
    const results = await Promise.allSettled(calls);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 11);
    assert.match(String((results[5] as PromiseRejectedResult).reason), /disk full/);
    assert.equal(peak, 2, "calls in flight plus answered-but-unrecorded ones stay within the concurrency");
    assert.equal(s.stats.inFlight, 0);
  });

  it("retries transient faults with backoff, within the attempt bound", async () => {
    const s = new Scheduler({ concurrency: 2, maxAttempts: 4, baseDelayMs: 10, random: () => 0 });
    let calls = 0;
    const errors: number[] = [];
    const r = await s.run(async () => {
      if (++calls < 3) throw new Fault(transient);
      return "ok";
    }, { classify, onAttemptError: (n) => errors.push(n) });
    assert.deepEqual(r, { value: "ok", attempts: 3 });
    assert.deepEqual(errors, [1, 2]);

    let always = 0;
    await assert.rejects(
      s.run(async () => {
        always++;
        throw new Fault(transient);
      }, { classify }),
      (e: unknown) => e instanceof CallFailedError && e.attempts === 4 && /boom \(server 500, 4 attempts\)/.test(e.message),
    );
    assert.equal(always, 4);
  });

  it("does not retry a permanent error", async () => {
    const s = new Scheduler({ concurrency: 1, baseDelayMs: 1 });
    let calls = 0;
    await assert.rejects(
      s.run(async () => {
        calls++;
        throw new Fault(permanent);
      }, { classify }),
      (e: unknown) => e instanceof CallFailedError && e.attempts === 1,
    );
    assert.equal(calls, 1);
  });

  it("honours Retry-After and pauses the whole endpoint", async () => {
    const s = new Scheduler({ concurrency: 4, baseDelayMs: 1 });
    const starts: number[] = [];
    let first = true;
    const t0 = performance.now();
    const a = s.run(async () => {
      starts.push(performance.now() - t0);
      if (first) {
        first = false;
        throw new Fault({ retry: true, kind: "rate-limit", status: 429, retryAfterMs: 300, message: "slow down" });
      }
      return "a";
    }, { classify });
    await sleep(20);
    // Queued after the 429: must wait for the pause too.
    const b = s.run(async () => {
      starts.push(performance.now() - t0);
      return "b";
    }, { classify });
    await Promise.all([a, b]);
    assert.equal(starts.length, 3);
    assert.ok(starts[1]! >= 290 && starts[2]! >= 290, `starts ${starts.map(Math.round)}`);
  });

  it("halves concurrency once per rate-limit episode and grows it back on success", async () => {
    const s = new Scheduler({ concurrency: 8, baseDelayMs: 1 });
    let limited = 8;
    let lowest = Infinity;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        s.run(async () => {
          await sleep(5);
          if (limited-- > 0) throw new Fault({ retry: true, kind: "rate-limit", status: 429, retryAfterMs: 20, message: "429" });
          return 1;
        }, { classify, onAttemptError: () => (lowest = Math.min(lowest, s.stats.limit)) }),
      ),
    );
    // The limit is read before each 429 is applied, so the lowest seen after the episode is the halved one.
    assert.equal(s.stats.limit < 8, true);
    assert.equal(Math.min(lowest, s.stats.limit), 4, "eight simultaneous 429s halve the limit once");
    await Promise.all(Array.from({ length: 40 }, () => s.run(async () => 1, { classify })));
    assert.equal(s.stats.limit, 8, "successes grow it back to the cap");
  });

  it("keeps to a requests-per-minute budget", async () => {
    // 600/min = 10/s with bursts of 100: the 101st..110th requests must wait about 100 ms each.
    const s = new Scheduler({ concurrency: 50, requestsPerMinute: 600 });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 103 }, () => s.run(async () => 1, { classify })));
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 250, `103 calls at 10/s after a burst of 100 took ${Math.round(elapsed)} ms`);
  });

  it("keeps to a tokens-per-minute budget, corrected by actual usage", async () => {
    // 60,000 tokens/min = 1,000/s, bursts of 10,000: 3 calls estimated at 5,000 need about 5 s of budget, but
    // each really used 100, so the refunds let them all through at once.
    const s = new Scheduler({ concurrency: 10, tokensPerMinute: 60_000 });
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) await s.run(async () => 100, { classify, estimatedTokens: 5_000, actualTokens: (v) => v });
    assert.ok(performance.now() - t0 < 200, "refunded budget is reused");
    const u = new Scheduler({ concurrency: 10, tokensPerMinute: 60_000 });
    const t1 = performance.now();
    await Promise.all(Array.from({ length: 3 }, () => u.run(async () => 1, { classify, estimatedTokens: 5_000 })));
    const waited = performance.now() - t1;
    assert.ok(waited >= 4_500, `15,000 tokens with a 10,000 burst at 1,000/s waited ${Math.round(waited)} ms`);
  });

  it("stop() refuses queued calls and lets in-flight ones finish", async () => {
    const s = new Scheduler({ concurrency: 2 });
    let finished = 0;
    const runs = Array.from({ length: 6 }, () =>
      s.run(async () => {
        await sleep(30);
        finished++;
        return 1;
      }, { classify }),
    );
    await sleep(5);
    s.stop();
    const settled = await Promise.allSettled(runs);
    assert.equal(settled.filter((r) => r.status === "fulfilled").length, 2);
    assert.ok(settled.slice(2).every((r) => r.status === "rejected" && r.reason instanceof SchedulerStoppedError));
    assert.equal(finished, 2);
    await assert.rejects(s.run(async () => 1, { classify }), SchedulerStoppedError);
  });
});
