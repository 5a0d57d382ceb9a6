// The package as a library user meets it: each entry point imported by package name (`mm-ifengine`,
// `mm-ifengine/constraints`, `/model`, `/bench`) from a folder whose node_modules holds the package, in a child
// process. Checks the names against the README's export table, that `/constraints` loads nothing but its own
// pure modules (no native addon, no openai or zod), and typechecks a small consumer against dist/*.d.ts.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { before, describe, it } from "node:test";
import { tempDir } from "./helpers/cli.js";

const run = promisify(execFile);
const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const MODULE_LOG = new URL("./helpers/module-log/register.mjs", import.meta.url).pathname;
const README = readFileSync(join(REPO, "README.md"), "utf8");
const SUBPATHS = ["mm-ifengine/constraints", "mm-ifengine/model", "mm-ifengine/bench"] as const;
const ENTRY_POINTS = [...SUBPATHS, "mm-ifengine"] as const;
type EntryPoint = (typeof ENTRY_POINTS)[number];

interface Documented {
  values: string[];
  types: string[];
}

/** The README's export table (between `<!-- exports -->` markers): per entry point, its values and its types. */
function documentedExports(): Map<EntryPoint, Documented> {
  const start = README.indexOf("<!-- exports -->");
  assert.notEqual(start, -1, "README has no export table (<!-- exports -->)");
  const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const table = new Map<EntryPoint, Documented>();
  for (const line of README.slice(start, README.indexOf("<!-- /exports -->", start)).split("\n")) {
    if (!line.startsWith("| `")) continue;
    const [entry, values, types] = line.slice(2, -2).split(" | ");
    table.set(names(entry!)[0] as EntryPoint, { values: names(values!), types: names(types!) });
  }
  assert.deepEqual([...table.keys()].sort(), [...ENTRY_POINTS].sort());
  // The root row says "all of the above, and …".
  const root = table.get("mm-ifengine")!;
  for (const sub of SUBPATHS) {
    root.values.push(...table.get(sub)!.values);
    root.types.push(...table.get(sub)!.types);
  }
  return table;
}

interface Loaded {
  names: string[];
  /** Native addons (.node shared objects) in the process after the import. */
  addons: string[];
  /** Every module URL the import resolved. */
  modules: string[];
  /** For the root: the subpath exports that are the very same objects as the root's. */
  sameAsRoot?: number;
}

describe("the package's public API", () => {
  const consumer = tempDir("mmif-consumer-");
  const documented = documentedExports();
  const loaded = new Map<EntryPoint, Loaded>();

  before(async () => {
    // A user's project: node_modules/mm-ifengine is this package (its dist/, built by `npm test`'s pretest).
    mkdirSync(join(consumer, "node_modules"));
    symlinkSync(REPO, join(consumer, "node_modules", "mm-ifengine"), "dir");
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    writeFileSync(
      join(consumer, "load.mjs"),
      `const spec = process.argv[2];
const m = await import(spec);
const addons = process.report.getReport().sharedObjects.filter((s) => s.endsWith(".node"));
let sameAsRoot;
if (spec === "mm-ifengine") {
  sameAsRoot = 0;
  for (const sub of ${JSON.stringify(SUBPATHS)}) for (const [k, v] of Object.entries(await import(sub))) if (m[k] === v) sameAsRoot++;
}
console.log(JSON.stringify({ names: Object.keys(m), addons, sameAsRoot }));
`,
    );
    await Promise.all(
      ENTRY_POINTS.map(async (spec) => {
        const log = join(consumer, `${spec.replace("/", "_")}.modules`);
        const r = await run(process.execPath, ["--import", MODULE_LOG, "load.mjs", spec], { cwd: consumer, env: { ...process.env, MMIF_MODULE_LOG: log } });
        const modules = [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))];
        loaded.set(spec, { ...(JSON.parse(r.stdout) as Omit<Loaded, "modules">), modules });
      }),
    );
  });

  for (const spec of ENTRY_POINTS) {
    it(`${spec} exports exactly the functions, classes and constants the README lists`, () => {
      assert.deepEqual([...loaded.get(spec)!.names].sort(), [...documented.get(spec)!.values].sort());
    });
  }

  it("mm-ifengine re-exports the subpaths' very objects (one module each, not copies)", () => {
    const subValues = SUBPATHS.reduce((n, s) => n + documented.get(s)!.values.length, 0);
    assert.equal(loaded.get("mm-ifengine")!.sameAsRoot, subValues);
  });

  it("mm-ifengine/constraints loads only its own pure modules: no native addon, no openai, zod or SQLite", () => {
    const { addons, modules } = loaded.get("mm-ifengine/constraints")!;
    assert.deepEqual(addons, []);
    const ours = `file://${REPO}/dist/`;
    assert.ok(modules.some((m) => m === `${ours}constraints/index.js`), "the module log records the package's modules");
    const other = modules.filter((m) => !m.startsWith("node:") && !/\/load\.mjs$/.test(m) && !/^file:\/\/.*\/dist\/(constraints|text|common)\//.test(m));
    assert.deepEqual(other, [], "modules outside dist/constraints, dist/text and dist/common");
    assert.ok(modules.every((m) => m.startsWith("node:") || m.endsWith("/load.mjs") || m.startsWith(ours)), "every module comes from this package's dist/");
  });

  it("the whole package does load the heavy parts (so the check above can see them)", () => {
    const { addons, modules } = loaded.get("mm-ifengine")!;
    assert.ok(addons.some((a) => /sharp/.test(a)), `sharp's addon: ${addons.join(", ")}`);
    assert.ok(modules.some((m) => /\/node_modules\/zod\//.test(m)));
  });

  it("the published types import only the package's dependencies (no dev-only @types)", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = ["index", "constraints/index", "model/index", "bench/index"].map((f) => join(REPO, "dist", `${f}.d.ts`));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      for (const [, spec] of text.matchAll(/(?:from|import\()\s*"([^"]+)"/g)) {
        if (spec!.startsWith(".")) queue.push(join(dirname(file), spec!.replace(/\.js$/, ".d.ts")));
        else packages.add(spec!.startsWith("@") ? spec!.split("/").slice(0, 2).join("/") : spec!.split("/")[0]!);
      }
    }
    assert.ok(seen.size > 20, `walked ${seen.size} declaration files`);
    const imported = [...packages].filter((p) => !p.startsWith("node:") && !builtinModules.includes(p));
    assert.deepEqual(imported.filter((p) => !(p in pkg.dependencies)), [], "imported by the types but not a dependency");
    // A dependency without types of its own needs its @types package among the dependencies too.
    const shipsTypes = (p: string) => {
      const meta = JSON.parse(readFileSync(join(REPO, "node_modules", p, "package.json"), "utf8")) as Record<string, unknown>;
      return meta.types !== undefined || meta.typings !== undefined || JSON.stringify(meta.exports ?? {}).includes('"types"') || existsSync(join(REPO, "node_modules", p, "index.d.ts"));
    };
    assert.deepEqual(imported.filter((p) => !shipsTypes(p) && !(`@types/${p}` in pkg.dependencies)), [], "typed only by a dev-only @types package");
  });

  it("a TypeScript consumer typechecks against dist/*.d.ts with every documented name and typed calls", async () => {
    const imports = ENTRY_POINTS.map((spec, i) => {
      const d = documented.get(spec)!;
      return `import type { ${[...d.values, ...d.types].map((n) => `${n} as ${n}_${i}`).join(", ")} } from "${spec}";`;
    });
    writeFileSync(join(consumer, "consumer.ts"), `${imports.join("\n")}\n${TYPED_USE}`);
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [join(REPO, "node_modules", "@types")] },
        files: ["consumer.ts"],
      }),
    );
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    const r = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer }).catch((e: { stdout: string; stderr: string }) => e);
    assert.equal(r.stdout + r.stderr, "", "tsc reports no error");
  });
});

/** Calls as a user writes them, each result annotated with the type the README promises (never run, only typechecked). */
const TYPED_USE = `
import { verify, ruleVerdict, sentTokenize, SUBCATEGORIES, VERIFY_FUNCTIONS, getSubcategory, subcategoriesOf, VerifyFuncError, type RuleVerdict, type Subcategory, type JudgeMethod } from "mm-ifengine/constraints";
import { Ledger, ModelClient, ModelEvents, ProgressTracker, resolveEndpoint, type ChatResult, type StageSnapshot, type EndpointConfig, type Endpoint } from "mm-ifengine/model";
import { loadBench, modelAnswers, profileByName, ruleOnlyRows, runBench, summarize, formatTable, type ItemResult, type LoadedBench, type RunBenchOutput, type Summary } from "mm-ifengine/bench";
import * as root from "mm-ifengine";

const verdict: RuleVerdict = verify("One. Two.", [{ func: "check_whether_response_sentence_number_in_range", params: [2, 2] }]);
const passed: boolean = verdict.pass;
const each: Array<boolean | null> = ruleVerdict("x", []).results;
const sentences: string[] = sentTokenize("One. Two.");
const method: JudgeMethod | undefined = SUBCATEGORIES[0]?.method;
const sub: Subcategory | undefined = getSubcategory("sentence_number_limit");
const lengths: Subcategory[] = subcategoriesOf("text_length");
const funcNames: string[] = VERIFY_FUNCTIONS.map((f) => f.name);
const bad: Error = new VerifyFuncError("unknown verify function", "no_such_func");
const sameVerify: typeof verify = root.verify;

const config: EndpointConfig = { model: "gpt-4o-2024-11-20", apiKeyEnv: "OPENAI_API_KEY", concurrency: 4, params: { temperature: 0 } };
const endpoint: Endpoint = resolveEndpoint(config);

export async function ask(): Promise<string> {
  const events = new ModelEvents();
  const tracker = new ProgressTracker();
  tracker.attach(events);
  const client = new ModelClient(endpoint, { ledger: new Ledger("run/calls.sqlite"), events });
  const r: ChatResult = await client.chat({ messages: [{ role: "user", content: [{ type: "text", text: "Hi" }, { type: "image", source: { path: "cat.jpg" }, detail: "high" }] }] }, { stage: "demo" });
  const stages: StageSnapshot[] = tracker.snapshot();
  return r.content + stages.length;
}

export async function evaluate(client: ModelClient): Promise<string> {
  const bench: LoadedBench = await loadBench("MM-IFEval.tsv", { imageDir: "images" });
  const out: RunBenchOutput = await runBench({ rows: ruleOnlyRows(bench.rows), answers: modelAnswers(client, false), judges: null, profile: profileByName("vlmevalkit") });
  const first: ItemResult | undefined = out.results[0];
  const summary: Summary = summarize(out.results);
  return formatTable("my-model", summary) + String(first?.score);
}

export async function records(): Promise<number> {
  let kept = 0;
  for await (const line of root.readRecords("items.jsonl", "run/items.jsonl")) {
    if ("value" in line) {
      const item: root.EngineItem = line.value;
      if (item.kept) kept++;
    }
  }
  const summary: root.SummaryFile = root.readRecordFile("summary.json", "run/summary.json");
  const exported: root.ExportSummary = await root.runExport({ input: "run/items.jsonl", format: "llamafactory", outDir: "data" });
  const formats: readonly root.ExportFormat[] = root.EXPORT_FORMATS;
  const report: { path: string } = await root.writeReport("run");
  return kept + exported.exported + formats.length + report.path.length + String(summary).length;
}

export const used = [passed, each, sentences, method, sub, lengths, funcNames, bad, sameVerify];
`;
