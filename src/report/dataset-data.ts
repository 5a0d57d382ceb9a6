/**
 * A generate run folder read for its report: stats.json, items.jsonl (the first `maxItems` for the browser),
 * images.jsonl (the dropped images, for their table). An item's image is read from the run's own copy
 * (`image.copy`), else its original path, else (runs older than `copy`) the run's images/ folder by sha256; an image
 * found nowhere or unreadable gets a placeholder, and the item is named in the run's image problems.
 */
import { existsSync, readdirSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { ExportImageError, ImagePlacer } from "../export/images.js";
import type { GenerateStats } from "../engine/stats.js";
import type { EngineItem, ImageRecord } from "../engine/types.js";
import type { ImageSource } from "../model/images.js";
import { PAGE_SIZE, type BrowserData, type Unit } from "./browser-data.js";
import { categoryLabel, sortCategories } from "./labels.js";
import { cut, readJsonObject, readJsonl, verdictOf } from "./read.js";
import { makeThumbnails } from "./thumbnails.js";

export interface DatasetItem {
  id: string;
  source: string;
  status: "kept" | "not_kept" | "unanswered";
  score: number | null;
  task?: string;
  prompt?: string;
  response?: string;
  img?: string;
  constraints: Array<{ key: string; cat: string; method: string; value?: string; assignment?: string; score: number | null; verdict: string; error?: string }>;
  dropped: Array<{ key: string; value?: string; reason: string }>;
  reasons: string[];
  aux: Array<{ key: string; text: string }>;
}

export interface DatasetReportOptions {
  maxItems?: number;
  maxThumbnails?: number;
  maxText?: number;
}

export interface DatasetRun {
  dir: string;
  stats: GenerateStats;
  droppedImages: ImageRecord[];
  droppedImagesTotal: number;
  browser: BrowserData<DatasetItem>;
  notes: string[];
  /** One line per item whose image is missing or unreadable (`item <id>: why`), in item order. */
  imageProblems: string[];
}

export const SHOWN_DROPPED_IMAGES = 100;

/** sha256 → file in the run's images/ folder (the kept items' images, named by hash). */
function imagesByHash(dir: string): Map<string, string> {
  const folder = join(dir, "images");
  const out = new Map<string, string>();
  if (!existsSync(folder)) return out;
  for (const name of readdirSync(folder)) out.set(name.slice(0, name.length - extname(name).length), join(folder, name));
  return out;
}

function statusOf(it: EngineItem): DatasetItem["status"] {
  if (it.kept) return "kept";
  return it.response === undefined ? "unanswered" : "not_kept";
}

export async function readDatasetRun(dir: string, options: DatasetReportOptions = {}): Promise<DatasetRun> {
  const stats = readJsonObject("stats.json", join(dir, "stats.json"));
  if (!stats) throw new Error(`${dir}: no stats.json`);
  const notes: string[] = [];
  const maxText = options.maxText ?? 20_000;
  const maxItems = options.maxItems ?? 5000;
  const items = await readJsonl("items.jsonl", join(dir, "items.jsonl"), maxItems);
  if (!items.exists) notes.push("items.jsonl is missing: no items to show.");
  if (items.bad > 0) notes.push(`items.jsonl: ${items.bad} unreadable line(s) skipped.`);
  if (items.more > 0) notes.push(`The item browser holds the first ${maxItems.toLocaleString("en-US")} of ${(maxItems + items.more).toLocaleString("en-US")} items (mmif report --max-items).`);
  const dropped = await readJsonl("images.jsonl", join(dir, "images.jsonl"), SHOWN_DROPPED_IMAGES, (r: ImageRecord) => r.kept === false);

  const byHash = imagesByHash(dir);
  const locator = new ImagePlacer(dir, "absolute");
  const thumbRequests: Array<{ key: string; source: ImageSource; itemId: string }> = [];
  const imageProblems: string[] = [];
  let unfound = 0;
  /** The item's image file: its copy, else its original path, else images/ by hash; undefined (a problem noted) when none. */
  const locate = async (it: EngineItem): Promise<string | undefined> => {
    const image = it.image;
    if (!image?.path) return undefined;
    try {
      return (await locator.place({ path: resolve(dir, image.path), sha256: image.sha256 ?? "", ...(image.copy ? { copy: resolve(dir, image.copy) } : {}) })).ref;
    } catch (e) {
      if (!(e instanceof ExportImageError)) throw e;
      const stored = image.copy === undefined ? byHash.get(image.sha256 ?? "") : undefined; // a run older than image.copy
      if (stored) return stored;
      imageProblems.push(`item ${it.id}: image missing or unreadable: ${e.message}`);
      return undefined;
    }
  };
  const browserItems: Array<DatasetItem & { units: Unit[] }> = [];
  for (const it of items.records) browserItems.push(await browserItem(it, await locate(it)));
  async function browserItem(it: EngineItem, path: string | undefined): Promise<DatasetItem & { units: Unit[] }> {
    // A verdict carries its constraint's position: no join by key.
    const verdicts = new Map((it.verdicts ?? []).map((v) => [v.index, v]));
    const constraints = it.constraints.map((c, i) => {
      const v = verdicts.get(i);
      return {
        key: c.key,
        cat: c.category,
        method: c.judge?.method ?? "",
        value: cut(c.value, maxText),
        assignment: c.assignment,
        score: v ? v.score : null,
        verdict: v ? verdictOf(v.score) : "",
        error: v?.error,
      };
    });
    const status = statusOf(it);
    let img: string | undefined;
    if (path) {
      img = it.image?.sha256 ? `sha:${it.image.sha256}` : `path:${path}`;
      thumbRequests.push({ key: img, source: { path }, itemId: String(it.id) });
    } else unfound++;
    return {
      id: String(it.id),
      source: it.source,
      status,
      score: it.score ?? null,
      task: cut(it.task, maxText),
      prompt: cut(it.prompt, maxText),
      response: cut(it.response, maxText),
      img,
      constraints,
      dropped: (it.dropped ?? []).map((d) => ({ key: d.key, value: cut(d.value, maxText), reason: d.reason })),
      reasons: it.reasons ?? [],
      aux: Object.entries(it.aux ?? {}).map(([key, text]) => ({ key, text: cut(text, maxText)! })),
      units: constraints.length > 0 ? constraints.map((c) => [status, c.cat] as Unit) : [[status, ""]],
    };
  }
  if (unfound > 0) notes.push(`${unfound} item image(s) were missing or unreadable (moved since the run?): shown as placeholders; e.g. ${imageProblems[0]}`);
  const thumbs = await makeThumbnails(thumbRequests, { limit: options.maxThumbnails ?? 1000 });
  if (thumbs.overLimit > 0) notes.push(`${thumbs.overLimit} image(s) past the thumbnail limit are shown as placeholders (mmif report --max-thumbnails).`);
  const undecodable = thumbRequests.filter((r) => thumbs.failed.has(r.key));
  for (const r of undecodable) imageProblems.push(`item ${r.itemId}: image unreadable: ${thumbs.failed.get(r.key)}`);
  if (undecodable.length > 0) notes.push(`${thumbs.failed.size} image(s) could not be made into thumbnails (shown as placeholders), e.g. ${imageProblems[imageProblems.length - undecodable.length]}`);

  const categories = sortCategories(browserItems.flatMap((it) => it.units.map((u) => u[1])).filter((c) => c !== ""));
  return {
    dir,
    stats,
    imageProblems,
    droppedImages: dropped.records,
    droppedImagesTotal: dropped.records.length + dropped.more,
    notes,
    browser: {
      kind: "dataset",
      pageSize: PAGE_SIZE,
      statusLabel: "Status",
      statusOptions: [
        ["kept", "kept"],
        ["not_kept", "not kept"],
        ["unanswered", "not answered"],
      ],
      categoryOptions: categories.map((c) => [c, categoryLabel(c)]),
      items: browserItems,
      total: items.records.length + items.more,
      thumbs: Object.fromEntries(thumbs.urls),
    },
  };
}
