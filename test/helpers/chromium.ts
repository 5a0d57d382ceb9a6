// Where the report browser tests find Chromium, and whether they may skip when it is missing: on a developer's
// machine a missing Chromium skips them with the command that installs it; under CI=true it fails the run.
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.MMIF_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const INSTALL = "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium";

export function chromiumMissingMessage(): string {
  return `Chromium not found at ${CHROMIUM}: the report browser tests need Debian's chromium (${INSTALL}; .ci/run installs it), or MMIF_CHROMIUM=/path/to/chromium.`;
}

/** A skip reason for `describe(name, { skip })`: false when Chromium is there or under CI (where `before` then fails). */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env.CI === "true") return false;
  return `${chromiumMissingMessage()} Skipped; under CI=true this fails.`;
}
