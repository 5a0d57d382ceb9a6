/**
 * Run folders without leftovers. Every atomic writer writes `<file>.tmp-<pid>` (or `.tmp-<pid>-<n>`) and renames it
 * into place; a process killed or failing between the two leaves that file behind. The next run removes the
 * temporary files of processes that are gone (and its own, on an error exit); a live process's are left alone,
 * so two commands writing beside each other never break each other's files.
 */
import { readdirSync, rmSync, unlinkSync, type Dirent } from "node:fs";
import { join } from "node:path";

const TEMP = /\.tmp-(\d+)(?:-\d+)?$/;

let counter = 0;

/** The temporary name an atomic writer of `path` uses: `<path>.tmp-<pid>`, or with a sequence number when `unique`. */
export function tempPath(path: string, unique = false): string {
  return unique ? `${path}.tmp-${process.pid}-${++counter}` : `${path}.tmp-${process.pid}`;
}

/** Whether a process of this id is running (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A writer whose temporary files may go: a process that is gone, or this one. */
function gone(pid: number): boolean {
  return pid === process.pid || !processAlive(pid);
}

function entries(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch {
    return []; // no such folder (yet)
  }
}

/**
 * Removes the temporary files of gone processes (and of this one) from `dir` and its immediate subfolders (images/);
 * returns their paths relative to `dir`. Synchronous, so it can run in an "exit" handler.
 */
export function removeLeftoverTemps(dir: string): string[] {
  const removed: string[] = [];
  const sweep = (folder: string, prefix: string, descend: boolean) => {
    for (const entry of entries(folder)) {
      if (entry.isDirectory()) {
        if (descend) sweep(join(folder, entry.name), `${prefix}${entry.name}/`, false);
        continue;
      }
      const m = TEMP.exec(entry.name);
      if (!m || !gone(Number(m[1]))) continue;
      try {
        unlinkSync(join(folder, entry.name));
        removed.push(prefix + entry.name);
      } catch {
        // removed meanwhile
      }
    }
  };
  sweep(dir, "", true);
  return removed;
}

/**
 * Keeps `folder` to exactly the files named in `keep` (temporary files of live processes aside); returns how many
 * were removed.
 */
export function keepOnlyFiles(folder: string, keep: ReadonlySet<string>): number {
  let removed = 0;
  for (const { name } of entries(folder)) {
    if (keep.has(name)) continue;
    const m = TEMP.exec(name);
    if (m && !gone(Number(m[1]))) continue;
    rmSync(join(folder, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Removes this process's leftovers from `dir` on any exit (a second Ctrl-C included); call the result to stop. */
export function tidyOnExit(dir: string): () => void {
  const tidy = () => {
    removeLeftoverTemps(dir);
  };
  process.on("exit", tidy);
  return () => {
    process.off("exit", tidy);
    tidy();
  };
}
