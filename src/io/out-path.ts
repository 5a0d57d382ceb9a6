// Checks of an output path before any work (or any paid call) starts: each returns what is wrong, or undefined.
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nearest folder that exists on the way up from `path` (where a new folder would be created). */
function existingAncestor(path: string): { dir: string; stat: Stats } {
  let dir = resolve(path);
  for (;;) {
    const stat = statOrUndefined(dir);
    if (stat) return { dir, stat };
    const up = dirname(dir);
    if (up === dir) return { dir, stat: statSync(dir) };
    dir = up;
  }
}

/** Why `path` cannot be an output folder (created if missing): a file is in the way, or no write permission. */
export function outDirProblem(path: string): string | undefined {
  const stat = statOrUndefined(path);
  if (stat && !stat.isDirectory()) return `${path} is a file, not a folder; give a folder (it is created if missing)`;
  if (stat) return writable(path) ? undefined : `${path}: no permission to write in this folder`;
  const { dir, stat: up } = existingAncestor(path);
  if (!up.isDirectory()) return `${path} cannot be created: ${dir} is a file, not a folder`;
  return writable(dir) ? undefined : `${path} cannot be created: no permission to write in ${dir}`;
}

/** Why `path` cannot be an output file: it is a folder, its folder is missing, or not writable. */
export function outFileProblem(path: string): string | undefined {
  const stat = statOrUndefined(path);
  if (stat?.isDirectory()) return `${path} is a folder; give a file path`;
  const dir = dirname(resolve(path));
  const up = statOrUndefined(dir);
  if (!up) return `${path}: its folder ${dir} does not exist`;
  if (!up.isDirectory()) return `${path}: ${dir} is a file, not a folder`;
  return writable(dir) ? undefined : `${path}: no permission to write in ${dir}`;
}
