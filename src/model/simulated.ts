// Models served by `mmif demo`'s built-in simulated endpoint carry this prefix, so every output that names a model
// (summary.json, stats.json, items, the ledger) says the numbers came from a simulation, and reports can say so.
export const SIMULATED_MODEL_PREFIX = "simulated-";

export function isSimulatedModel(name: string | null | undefined): boolean {
  return typeof name === "string" && name.startsWith(SIMULATED_MODEL_PREFIX);
}

export const SIMULATED_BANNER = "Simulated model: these outputs come from mmif demo's built-in simulated endpoint, not from a real model. The numbers show the pipeline working, nothing about any model.";
