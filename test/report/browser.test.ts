// The reports in a real browser: Debian's chromium driven by playwright-core opens report.html from a file://
// URL (no network), with no console or page errors; the headline numbers are summary.json's; the filters and the
// pager work; hostile answers and judge replies render as text and run nothing. With UPDATE_SCREENSHOTS=1 it also
// writes docs/report-eval.png and docs/report-dataset.png.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { categoryOf } from "../../src/constraints/taxonomy.js";
import { writeReport } from "../../src/report/index.js";
import { CHROMIUM, CHROMIUM_ARGS as ARGS, chromiumMissingMessage, chromiumSkip } from "../helpers/chromium.js";
import { tempDir } from "../helpers/cli.js";
import { DATASET_HOSTILE_ID, DATASET_ITEMS, EVAL_C_ITEMS, EVAL_P_ITEMS, HOSTILE_ID, IMG_PAYLOAD, makeDatasetRun, makeEvalRun, PAYLOAD, SCRIPT_PAYLOAD, type DatasetFixture, type EvalFixture } from "./fixtures.js";

const DOCS = new URL("../../docs/", import.meta.url).pathname;

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

describe("reports in chromium", { skip: chromiumSkip() }, () => {
  let context: BrowserContext;
  let profile: string;
  let evalRun: EvalFixture;
  let dataset: DatasetFixture;
  let evalUrl: string;
  let datasetUrl: string;
  const root = tempDir("mmif-browser-");

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(chromiumMissingMessage());
    }
    mkdirSync(join(root, "eval"));
    mkdirSync(join(root, "dataset"));
    evalRun = await makeEvalRun(join(root, "eval"));
    dataset = await makeDatasetRun(join(root, "dataset"));
    evalUrl = pathToFileURL((await writeReport(evalRun.dir)).path).href;
    datasetUrl = pathToFileURL((await writeReport(dataset.dir)).path).href;
    profile = mkdtempSync(join(tmpdir(), "mmif-chromium-profile-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 }, offline: true });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Opened> {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(url);
    await page.waitForSelector("#items article");
    return { page, errors, requests };
  }

  const ids = (page: Page) => page.$$eval("#items article", (els) => els.map((e) => e.getAttribute("data-id")));
  const matchCount = (page: Page) => page.textContent("#match-count");
  const pwned = (page: Page) => page.evaluate("window.__pwned");

  async function choose(page: Page, select: "#f-status" | "#f-category", value: string): Promise<void> {
    await page.selectOption(select, value);
  }

  async function search(page: Page, text: string): Promise<void> {
    await page.fill("#f-search", text);
    // The list is redrawn after a short pause in typing; the count says which query it shows.
    await page.waitForSelector(`#match-count[data-query=${JSON.stringify(text.trim().toLowerCase())}]`, { state: "attached" });
  }

  it("the eval report opens from disk with no errors and no network, showing summary.json's numbers", async () => {
    const { page, errors, requests } = await open(evalUrl);
    const s = evalRun.summary;
    for (const k of ["c_level", "p_level", "overall", "strict"] as const) {
      assert.equal(await page.textContent(`[data-metric="${k}"]`), s[k]!.toFixed(1), k);
    }
    for (const k of ["c_level", "p_level", "overall"] as const) {
      const ci = s.ci95[k]!;
      assert.equal(await page.textContent(`[data-ci="${k}"]`), `[${ci.low.toFixed(1)}, ${ci.high.toFixed(1)}]`, k);
    }
    assert.equal(await page.textContent('[data-metric="failed_items"]'), String(s.counts.failed_items));
    assert.equal(await page.textContent('[data-metric="failed_constraints"]'), String(s.counts.failed_constraints));
    assert.equal(await page.textContent("#leaderboard svg .bar.hl .label"), `${s.model} (this run)`);
    assert.deepEqual(requests, [evalUrl], "only the file itself is loaded");
    assert.deepEqual(errors, []);
    assert.equal(await pwned(page), undefined);
    await page.close();
  });

  it("hostile answers and judge replies render as literal text and run nothing", async () => {
    const { page, errors } = await open(evalUrl);
    await search(page, "sure!");
    assert.deepEqual(await ids(page), [HOSTILE_ID]);
    const item = `#items article[data-id="${HOSTILE_ID}"]`;
    const texts = await page.$$eval(`${item} pre.text`, (els) => els.map((e) => e.textContent));
    assert.ok(texts.includes(PAYLOAD), "the answer, character for character");
    await page.click(`${item} details.reply summary`);
    const reply = await page.textContent(`${item} details.reply pre`);
    assert.ok(reply?.includes(PAYLOAD), reply ?? "");
    assert.ok((await page.textContent(item))!.includes(SCRIPT_PAYLOAD));
    assert.ok((await page.textContent(item))!.includes(IMG_PAYLOAD));
    assert.equal(await page.locator('img[src="x"]').count(), 0, "no element made from the payload");
    assert.equal(await page.evaluate("document.scripts.length"), 2, "only the data block and our script");
    assert.equal(await pwned(page), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the eval item browser pages and filters by verdict, category and text", async () => {
    const { page, errors } = await open(evalUrl);
    const total = EVAL_C_ITEMS + EVAL_P_ITEMS;
    assert.equal(await matchCount(page), `${total} of ${total} items match`);
    assert.equal((await ids(page)).length, 50);
    assert.equal(await page.textContent('[data-pager="top"] .page-info'), "items 1–50 · page 1 of 2");
    assert.equal(await page.isDisabled('[data-pager="top"] .prev'), true);
    await page.click('[data-pager="bottom"] .next');
    assert.equal((await ids(page)).length, total - 50);
    assert.equal(await page.textContent('[data-pager="top"] .page-info'), `items 51–${total} · page 2 of 2`);
    assert.equal(await page.isDisabled('[data-pager="top"] .next'), true);
    await page.click('[data-pager="top"] .prev');
    assert.equal((await ids(page))[0], "c-0");

    // Expected sets from the fixture's results, independently of the report's code.
    const verdict = (score: number | null) => (score === null ? "failed" : score >= 1 ? "pass" : "fail");
    const units = (r: EvalFixture["results"][number]): Array<[string, string]> =>
      r.tag === "P-Level" ? [[r.status === "failed" ? "failed" : verdict(r.score), "perception"]] : r.constraints.map((c) => [verdict(c.score), categoryOf(c.key)]);
    // The verdict filter selects by the item's own verdict; the category filter by any of its constraints.
    const own = (r: EvalFixture["results"][number]) => (r.status === "failed" ? "failed" : verdict(r.score));
    const expect = (status: string, category: string) =>
      evalRun.results.filter((r) => (!status || own(r) === status) && (!category || units(r).some(([, c]) => c === category))).map((r) => r.id);

    await choose(page, "#f-status", "failed");
    assert.deepEqual(await ids(page), expect("failed", ""));
    // c-9 has a constraint that failed judging but its own verdict is scored: the filter leaves it out.
    assert.deepEqual(await ids(page), ["c-5"]);
    assert.equal(await page.textContent('[data-pager="top"] .page-info'), "items 1–1 · page 1 of 1");
    await choose(page, "#f-status", "pass");
    assert.deepEqual(await ids(page), expect("pass", "").slice(0, 50));
    assert.ok(
      evalRun.results.some((r) => own(r) === "fail" && units(r).some(([v]) => v === "pass")),
      "the fixture has failing items with a passing constraint, which the pass filter must leave out",
    );
    await choose(page, "#f-category", "perception");
    assert.deepEqual(await ids(page), ["p-0", "p-2", "p-4"]);
    await choose(page, "#f-status", "");
    await choose(page, "#f-category", "keyword");
    const keyword = expect("", "keyword");
    assert.equal(await matchCount(page), `${keyword.length} of ${total} items match`);
    assert.deepEqual(await ids(page), keyword.slice(0, 50));
    const highlighted = await page.$$eval("#items tr.match td:nth-child(3)", (els) => [...new Set(els.map((e) => e.textContent))]);
    assert.deepEqual(highlighted, ["Keyword"]);
    await choose(page, "#f-status", "fail");
    assert.deepEqual(await ids(page), expect("fail", "keyword"));
    await choose(page, "#f-status", "");
    await choose(page, "#f-category", "");
    await search(page, "picture 42.");
    assert.deepEqual(await ids(page), ["c-42"]);
    await search(page, "no such text anywhere");
    assert.deepEqual(await ids(page), []);
    assert.equal(await page.textContent("#items .hint"), "No item matches the filters.");
    await search(page, "");
    assert.equal((await ids(page)).length, 50);

    assert.equal(await page.locator('#items article[data-id="c-0"] .thumb img').count(), 1, "a thumbnail");
    const src = await page.getAttribute('#items article[data-id="c-0"] .thumb img', "src");
    assert.match(src ?? "", /^data:image\/jpeg;base64,/);
    assert.equal(await page.$eval('#items article[data-id="c-0"] .thumb img', (img) => (img as unknown as { naturalWidth: number }).naturalWidth), 160);
    assert.equal(await page.textContent('#items article[data-id="c-7"] .placeholder'), "no thumbnail");
    assert.equal(await pwned(page), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the dataset report opens with no errors, shows stats.json's numbers, and filters its items", async () => {
    const { page, errors, requests } = await open(datasetUrl);
    const stats = (await import("node:fs")).readFileSync(join(dataset.dir, "stats.json"), "utf8");
    const s = JSON.parse(stats) as { items: { kept_rate: number; kept: number; total: number } };
    assert.equal(await page.textContent('[data-metric="kept_rate"]'), (100 * s.items.kept_rate).toFixed(1));
    assert.equal(await page.textContent('[data-metric="kept"]'), String(s.items.kept));
    assert.equal(await page.textContent('[data-metric="items"]'), String(s.items.total));
    assert.equal(await page.locator("#constraints svg .arc.inner").count(), 6, "the sunburst's six categories");

    assert.equal(await matchCount(page), `${DATASET_ITEMS} of ${DATASET_ITEMS} items match`);
    assert.equal((await ids(page)).length, 50);
    await page.click('[data-pager="top"] .next');
    assert.equal((await ids(page)).length, DATASET_ITEMS - 50);
    await choose(page, "#f-status", "kept");
    const kept = dataset.items.filter((it) => it.kept).map((it) => it.id);
    assert.deepEqual(await ids(page), kept, "back on page 1 after a filter change");
    await choose(page, "#f-status", "unanswered");
    assert.deepEqual(await ids(page), dataset.items.filter((it) => it.response === undefined).map((it) => it.id));
    await choose(page, "#f-status", "kept");
    await choose(page, "#f-category", "math");
    assert.deepEqual(await ids(page), dataset.items.filter((it) => it.kept && it.constraints.some((c) => c.category === "math")).map((it) => it.id));
    await choose(page, "#f-status", "");
    await choose(page, "#f-category", "");

    const item = `#items article[data-id="${DATASET_HOSTILE_ID}"]`;
    assert.ok((await page.$$eval(`${item} pre.text`, (els) => els.map((e) => e.textContent))).includes(PAYLOAD));
    assert.equal(await page.textContent('#items article[data-id="item-4"] .placeholder'), "image not found");
    assert.equal(await page.locator('#items article[data-id="item-1"] .thumb img').count(), 1, "found in images/ by hash");
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await pwned(page), undefined);
    assert.deepEqual(requests, [datasetUrl]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("screenshots of both reports (written to docs/ with UPDATE_SCREENSHOTS=1)", async () => {
    for (const [url, name] of [
      [evalUrl, "report-eval.png"],
      [datasetUrl, "report-dataset.png"],
    ] as const) {
      const { page, errors } = await open(url);
      // The page from its top to the end of the first item of the browser.
      const box = await page.locator("#items article").first().boundingBox();
      const scrollY = (await page.evaluate("window.scrollY")) as number;
      const bottom = Math.ceil(box!.y + box!.height + scrollY + 16);
      const png = await page.screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 1280, height: bottom } });
      assert.ok(png.length > 10_000);
      assert.deepEqual(errors, []);
      if (process.env.UPDATE_SCREENSHOTS === "1") {
        mkdirSync(DOCS, { recursive: true });
        writeFileSync(join(DOCS, name), png);
      }
      await page.close();
    }
  });
});
