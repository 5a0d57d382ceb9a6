export * from "./params.js";
export * from "./verify-function.js";
export * from "./registry.js";
export * from "./taxonomy.js";
export * from "./schema.js";
export * from "./rule-verdict.js";
export * from "./verify-record.js";
