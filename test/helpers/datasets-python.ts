// Where the Hugging Face `datasets` consumer test finds a Python with datasets, pyarrow and pillow, and whether it
// may skip when there is none: on a developer's machine a missing one skips it with the commands that create it;
// under CI=true (.ci/run creates .venv-test first) it fails the run.
import { existsSync } from "node:fs";

const REPO = new URL("../..", import.meta.url).pathname;

export const DATASETS_PYTHON = process.env.MMIF_DATASETS_PYTHON ?? `${REPO}.venv-test/bin/python`;

const CREATE = "python3 -m venv .venv-test && .venv-test/bin/pip install datasets pyarrow pillow";

export function datasetsPythonMissingMessage(): string {
  return `No Python with Hugging Face datasets at ${DATASETS_PYTHON}: the datasets consumer test needs one (in the repository: ${CREATE}; .ci/run creates it), or MMIF_DATASETS_PYTHON=/path/to/python.`;
}

/** A skip reason for `describe(name, { skip })`: false when the Python is there or under CI (where `before` then fails). */
export function datasetsPythonSkip(): string | false {
  if (existsSync(DATASETS_PYTHON) || process.env.CI === "true") return false;
  return `${datasetsPythonMissingMessage()} Skipped; under CI=true this fails.`;
}
