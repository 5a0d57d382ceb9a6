// The files mmif writes and reads: a zod schema per kind, the TypeScript types derived from them, one reader per kind.
export * from "./format.js";
export * from "./verdict.js";
export * from "./images.js";
export * from "./constraint.js";
export * from "./items.js";
export * from "./pairs.js";
export * from "./eval-files.js";
export * from "./summaries.js";
export * from "./read.js";
export { zodMessage } from "./zod-message.js";
