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
export * from "./errors.js";
export { BatchQueue, type BatchQueueOptions, type SubmitReport, type ImportReport } from "./batch/queue.js";
export { BatchRecords, type BatchMode, type BatchRow } from "./batch/records.js";
