// The reward server's public face: `mmif serve` and library users start it from here.
export * from "./types.js";
export { createRewardServer, type ServerOptions } from "./http.js";
export { rewardItem, asSent, type RewardOptions } from "./reward.js";
export { rewardBatch, type BatchOptions } from "./batch.js";
export { RuleWorkers } from "./rule-workers.js";
export { parseRewardRequest, parseItem, parseConstraints } from "./request.js";
export { parseOpenRlhfRequest, openRlhfAnswer, responseOf } from "./openrlhf.js";
