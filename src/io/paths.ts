// Keeping paths a file names (a benchmark's images, a question file's, a reward request's) inside the folder they may name.
//
// The check is lexical (path.resolve + path.relative): `..` segments and absolute paths that land outside the
// root are refused; symbolic links inside the root are followed like any file, on purpose (a root whose images
// are links to a shared store is a normal set-up).
import { statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export type InsideResult = { ok: true; path: string } | { ok: false; message: string };

/** True when `abs` (absolute, normalised) is `root` itself or below it. */
export function isInside(root: string, abs: string): boolean {
  const rel = relative(root, abs);
  if (rel === "") return true;
  if (isAbsolute(rel)) return false; // another drive on Windows
  return !(rel === ".." || rel.startsWith(`..${sep}`));
}

/**
 * Resolves `value` (relative to `root`, or absolute, or a `file://` URL) and checks that it stays inside `root`.
 * Does not touch the disk.
 */
export function resolveInside(root: string, value: string): InsideResult {
  if (value.includes("\0")) return { ok: false, message: "the path contains a NUL character" };
  let p = value;
  if (/^file:\/\//i.test(p)) {
    try {
      p = fileURLToPath(p);
    } catch (err) {
      return { ok: false, message: `not a usable file URL: ${(err as Error).message}` };
    }
  }
  const absRoot = resolve(root);
  const abs = resolve(absRoot, p);
  if (!isInside(absRoot, abs)) {
    return { ok: false, message: `${JSON.stringify(value)} is outside the image root ${absRoot}; image paths must stay inside it` };
  }
  return { ok: true, path: abs };
}

/** What is at `path`: a regular file, something else, or nothing. */
export async function fileKind(path: string): Promise<"file" | "other" | "missing"> {
  try {
    return (await stat(path)).isFile() ? "file" : "other";
  } catch {
    return "missing";
  }
}

/** True when `path` is a directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** True when `a` and `b` name the same existing file (the same inode: links and `..` detours included). */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // one of them does not exist: not the same file
  }
}
