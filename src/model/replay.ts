/**
 * A dry run's walk through the ledger: the real stages run with clients that answer from the ledger only; a call
 * the ledger lacks is counted and refused with CallPendingError (as in a batch pass, the unit of work stops
 * there), never sent. Per unit of work (an item, a pair) it says which calls the ledger held and whether the
 * unit reached its end on recorded answers alone: then those are exactly the calls a real run makes for it, all
 * of them already paid for.
 */
import type { BatchCaller } from "./batch/queue.js";
import type { CallDeferrer } from "./client.js";
import { CallPendingError } from "./errors.js";
import type { ModelEvents } from "./progress.js";
import type { CallContext, ChatRequest } from "./types.js";

/** A call answered from the ledger, with the tokens it was billed for when it was made. */
export interface RecordedCall {
  model: string;
  stage: string;
  promptTokens: number;
  completionTokens: number;
}

export interface UnitReplay {
  /** No call was missing: the unit ran to its end on recorded answers. */
  complete: boolean;
  recorded: RecordedCall[];
}

export class LedgerReplay implements CallDeferrer {
  private recorded: RecordedCall[] = [];
  private missed = 0;

  /** `events`: the bus the run's clients report to (a ledger answer is a "cached" call there). */
  constructor(events: ModelEvents) {
    events.on((e) => {
      if (e.type === "call" && e.outcome === "cached") this.recorded.push({ model: e.model, stage: e.stage, promptTokens: e.usage.promptTokens, completionTokens: e.usage.completionTokens });
    });
  }

  async defer(caller: BatchCaller, key: string, _canonicalJson: string, _request: ChatRequest, context: CallContext): Promise<never> {
    this.missed++;
    throw new CallPendingError(caller.endpoint.model, context.stage, key);
  }

  /** Runs one unit of work. Units run one after another, so the calls seen meanwhile are the unit's. */
  async unit(work: () => Promise<unknown>): Promise<UnitReplay> {
    this.recorded = [];
    this.missed = 0;
    await work();
    // A unit that stopped at a missing call may leave sibling look-ups (Promise.all) in flight: let them land
    // here rather than in the next unit (one still reading an image may land late: the next unit then counts
    // it, and if it was a missing call, that unit is estimated instead of replayed).
    for (let quiet = 0, seen = -1; this.missed > 0 && quiet < 3; ) {
      const now = this.recorded.length + this.missed;
      quiet = now === seen ? quiet + 1 : 0;
      seen = now;
      await new Promise((r) => setImmediate(r));
    }
    return { complete: this.missed === 0, recorded: this.recorded };
  }
}
