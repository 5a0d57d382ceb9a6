// The records that flow through the MM-IFEngine pipeline are the records of images.jsonl and items.jsonl: their
// schemas and types live in records/, one shape from the engine to the report.
export type { ImageRecord, EngineConstraint, DroppedConstraint, EngineItem, TaskSource, Verdict } from "../records/index.js";
