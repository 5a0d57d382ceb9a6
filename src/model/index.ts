// The model layer's public face: endpoints, the client, the ledger, the scheduler, structured output, progress.
export * from "./types.js";
export * from "./endpoint.js";
export * from "./ledger.js";
export * from "./scheduler.js";
export * from "./client.js";
export * from "./structured.js";
export * from "./progress.js";
export { classifyError, retryAfterMs, ModelResponseError } from "./classify.js";
export { canonicalRequest, requestKey, stableStringify } from "./canonical.js";
export * from "./images.js";
export * from "./accounting.js";
export * from "./session.js";
