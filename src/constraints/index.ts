// `mm-ifengine/constraints`: the rule verdict, the verify-function registry, the taxonomy and the sentence
// tokenizer they count with. Pure TypeScript: importing it loads no native addon, model, schema or SQLite code
// (test/index.test.ts checks the loaded modules).
export { verify, ruleVerdict, type RuleVerdict } from "./rule-verdict.js";
export { VERIFY_FUNCTIONS, bindVerifyFunc, getVerifyFunction, type BoundVerifyFunc, type VerifyFuncCall } from "./registry.js";
export type { VerifierFamily, VerifyFunction } from "./verify-function.js";
export { VerifyFuncError, type ParamSpec, type ParamType, type ParamValue, type PyRaise } from "./params.js";
export { CATEGORIES, JUDGE_METHODS, SUBCATEGORIES, getSubcategory, subcategoriesOf, type Category, type CategoryId, type JudgeMethod, type Subcategory } from "./taxonomy.js";
export { sentTokenize } from "../text/punkt/index.js";
