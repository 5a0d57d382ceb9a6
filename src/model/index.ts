// `mm-ifengine/model`: the one model layer as a library user drives it — endpoint config, client, ledger,
// session, structured output, progress events, batch queue and the errors a caller catches. The scheduler,
// canonical request keys and image preparation stay internal (the client uses them).
export { DEFAULT_BASE_URL, EndpointConfigError, resolveEndpoint, type Endpoint, type EndpointConfig } from "./endpoint.js";
export { ModelClient, type CallObserver, type ModelClientOptions } from "./client.js";
export { Ledger, type LedgerEntry, type UsageTotal } from "./ledger.js";
export { EndpointFaultError, ModelSession } from "./session.js";
export { chatStructured, type StructuredMode, type StructuredOptions, type StructuredResult } from "./structured.js";
export { ModelEvents, ProgressTracker, type ModelEvent, type OverallSnapshot, type ProgressEvent, type ProgressListener, type StageSnapshot } from "./progress.js";
export { usageWithCost, type Price, type UsageWithCost } from "./accounting.js";
export { CallPendingError, ModelCallError, type ModelCallFailure } from "./errors.js";
export { ImageError, type ImageDetail, type ImageSource } from "./images.js";
export { BatchQueue, type BatchQueueOptions, type ImportReport, type SubmitReport } from "./batch/queue.js";
export type { BatchMode } from "./batch/records.js";
export type { CallContext, ChatMessage, ChatRequest, ChatResult, ContentPart, GenerationParams, ResponseFormat, TokenUsage } from "./types.js";
