/**
 * Stage 3 up to a target count: the paper's distribution of constraints per item (Fig. 3) describes the FINAL
 * items, after constraints that clash with the task or each other were removed. So the count is a target for
 * what survives the compatibility check: write the sampled types, check them, and when some were dropped (or
 * never written) write replacement types not tried before and check them against the task and the constraints
 * already accepted (which are not judged again), for at most `replacementRounds` extra rounds. Whether the result is enough (`--min-constraints`) is the caller's call.
 *
 * Every random choice comes from one generator per item and task (`rngFor(seed, sha256, t, "types")`), used in
 * a fixed order, and every call goes through the ledger: a rerun replays the same rounds without paying again.
 */
import type { Rng } from "../common/random.js";
import { checkCompatibility } from "./compat.js";
import { DEFAULT_REPLACEMENT_ROUNDS, sampleConstraintCount, sampleTypes, type ConstraintCountOptions } from "./constraint-types.js";
import type { EngineClients } from "./clients.js";
import { writeConstraints, type WrittenConstraint } from "./integrate.js";
import type { EngineImage } from "./prompts.js";
import type { DroppedConstraint, TaskSource } from "./types.js";

export interface RoundsInput {
  image: EngineImage;
  task: string;
  source: TaskSource;
  seed: number;
  rng: Rng;
  counts: ConstraintCountOptions;
  /** The count to reach (default: one drawn from `rng`). */
  target?: number;
  /** Run the compatibility check (the `compat` stage). */
  compat: boolean;
}

export interface RoundsResult {
  target: number;
  constraints: WrittenConstraint[];
  dropped: DroppedConstraint[];
  /** Replacement rounds used (0: the first writing reached the target). */
  replacementRounds: number;
  notes: string[];
  /** Set when the first writing failed outright (nothing to check). */
  error?: string;
}

export async function constraintsToTarget(clients: Pick<EngineClients, "constraints" | "compat">, input: RoundsInput): Promise<RoundsResult> {
  const { rng, counts } = input;
  const target = input.target ?? sampleConstraintCount(rng, counts.distribution);
  const maxRounds = counts.replacementRounds ?? DEFAULT_REPLACEMENT_ROUNDS;
  let types = sampleTypes(rng, target, counts);
  const tried = new Set(types.map((t) => t.key));
  let kept: WrittenConstraint[] = [];
  const dropped: DroppedConstraint[] = [];
  const notes: string[] = [];
  let round = 0;
  for (;;) {
    const written = await writeConstraints(clients.constraints, { image: input.image, task: input.task, source: input.source, types, seed: input.seed });
    if ("error" in written) {
      if (round === 0) return { target, constraints: [], dropped, replacementRounds: 0, notes, error: written.error };
      notes.push(`constraints: replacement round ${round} failed (${written.error})`);
      break;
    }
    dropped.push(...written.dropped);
    let fresh = written.constraints;
    if (input.compat && fresh.length > 0) {
      const checked = await checkCompatibility(clients.compat, { task: input.task, constraints: fresh, accepted: kept });
      fresh = checked.kept;
      dropped.push(...checked.dropped);
      if (checked.note) notes.push(checked.note);
    }
    kept = [...kept, ...fresh];
    if (kept.length >= target || round >= maxRounds) break;
    types = sampleTypes(rng, target - kept.length, counts, tried);
    if (types.length === 0) {
      notes.push(`constraints: no untried type left for a replacement after round ${round}`);
      break;
    }
    for (const t of types) tried.add(t.key);
    round++;
  }
  return { target, constraints: kept, dropped, replacementRounds: round, notes };
}
