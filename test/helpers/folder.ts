// What a folder holds, file by file: to show that a command (a dry run) left it exactly as it was.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Every file under `dir` (hidden ones included) → sha256 of its bytes; undefined when `dir` does not exist. */
export function folderSnapshot(dir: string): Record<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const files: Record<string, string> = {};
  const walk = (folder: string, prefix: string) => {
    for (const e of readdirSync(folder, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(folder, e.name), `${prefix}${e.name}/`);
      else files[prefix + e.name] = createHash("sha256").update(readFileSync(join(folder, e.name))).digest("hex");
    }
  };
  walk(dir, "");
  return files;
}
