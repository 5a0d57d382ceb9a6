// The library's public face: what `import { ... } from "mm-ifengine"` gives.
export * from "./constraints/index.js";
export * from "./text/pythonic.js";
export { sentTokenize } from "./text/punkt/index.js";
export * from "./model/index.js";
