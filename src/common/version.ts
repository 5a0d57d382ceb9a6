// The version of the mmif that runs, as package.json gives it: shown by --version, written into every summary.
import { readFileSync } from "node:fs";

/** The version in package.json (two levels above both src/common and dist/common). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
