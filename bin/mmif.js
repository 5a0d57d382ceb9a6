#!/usr/bin/env node
// Entry point of the `mmif` command: runs the compiled CLI in dist/ (built by `npm ci` through `prepare`).
import { once } from "node:events";
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("mmif: the compiled CLI (dist/) is missing; run `npm run build` in the package folder.\n");
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv);
// Exit explicitly: a command that stopped early must not hang on a still-open standard input.
if (process.stdout.writableLength > 0) await once(process.stdout, "drain");
process.exit(code);
