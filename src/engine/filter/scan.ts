/**
 * Lists the image files of a folder, recursively, as sorted relative paths with "/" separators (sorted by UTF-16
 * code units, so the order, and with it which of two duplicates is kept, is the same on every machine).
 *
 * Files are picked by extension only, case-insensitively; what a file really is gets decided later from its
 * bytes, so a text file named .jpg becomes a dropped record that says so. Symbolic links to files are listed;
 * links to folders are not followed (no cycles). A sub-folder that cannot be listed is reported, not fatal.
 * Folders in `exclude` (absolute) are not entered: a run's own --out inside the image folder is not its input.
 */
import { readdir, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";

export const IMAGE_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif"];

export interface ScanResult {
  /** Relative paths ("a/b.jpg"), sorted. */
  files: string[];
  /** Sub-folders that could not be listed, with why. */
  problems: Array<{ path: string; problem: string }>;
}

function hasImageExtension(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every image file under `root`. Throws when `root` itself cannot be listed (missing, not a folder). */
export async function scanImageFolder(root: string, options: { exclude?: readonly string[] } = {}): Promise<ScanResult> {
  const exclude = new Set((options.exclude ?? []).map((dir) => resolve(dir)));
  const files: string[] = [];
  const problems: ScanResult["problems"] = [];
  const pending: string[] = [""];
  let first = true;
  while (pending.length > 0) {
    const rel = pending.pop()!;
    let entries;
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch (err) {
      if (first) throw err;
      problems.push({ path: rel, problem: (err as Error).message });
      continue;
    }
    first = false;
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!exclude.has(resolve(root, path))) pending.push(path);
      }
      else if (hasImageExtension(entry.name)) {
        if (entry.isFile()) files.push(path);
        else if (entry.isSymbolicLink()) {
          const target = await stat(join(root, path)).catch(() => undefined);
          // A dangling link is listed too: reading it then fails with a reason in its record.
          if (target === undefined || target.isFile()) files.push(path);
        }
      }
    }
  }
  files.sort(byCodeUnits);
  problems.sort((a, b) => byCodeUnits(a.path, b.path));
  return { files, problems };
}
