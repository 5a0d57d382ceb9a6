// The model roles of the engine. One client per role; roles may share a model (and then its ledger entries).
import type { JudgeClients } from "../bench/run.js";
import type { ModelClient } from "../model/client.js";

export interface EngineClients {
  /** Proposes tasks for an image, reduces questions to their main task. */
  tasks: ModelClient;
  /** Writes constraint sentences (and selects types for questions). */
  constraints: ModelClient;
  /** Checks constraints against the task and each other. */
  compat: ModelClient;
  /** Chooses verify functions and parameters. */
  assign: ModelClient;
  /** Answers the constrained prompts (paper: a strong VLM). */
  responder: ModelClient;
  /** Score the answers, as in `mmif eval`. */
  judges: JudgeClients;
}

export function allClients(c: EngineClients): ModelClient[] {
  return [...new Set([c.tasks, c.constraints, c.compat, c.assign, c.responder, c.judges.judge, ...(c.judges.perception ? [c.judges.perception] : [])])];
}
