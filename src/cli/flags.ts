// The one flag vocabulary: every option that more than one command takes is declared here once (name, meaning,
// default), and commands add them through these helpers. Options only one command has are declared in that
// command. A test checks that every option of every command is documented in the README.
import { Option, type Command } from "commander";
import { UsageError } from "./exit-codes.js";
import { DEFAULT_MAX_FIELD_BYTES, MAX_FIELD_FLAG } from "../io/field-limit.js";

/** The rule every endpoint flag follows, quoted in --help and the README. */
export const ENDPOINT_DEFAULT = "default: $OPENAI_BASE_URL, then the OpenAI API";
/** The judge's endpoint never inherits the model's --base-url: it follows the same rule as every endpoint. */
export const JUDGE_ENDPOINT_DEFAULT = `${ENDPOINT_DEFAULT}; never --base-url`;

/** `--model`, `--base-url`, `--api-key-env`, `--concurrency`: the endpoint of the command's model. */
export interface ModelEndpointFlags {
  model: string;
  baseUrl?: string;
  /** Unset: OPENAI_API_KEY, which may be unset for a local server. Named: it must be set. */
  apiKeyEnv?: string;
  concurrency: string;
}

/** Adds the model-endpoint flags; `role` says what --model is in this command. */
export function addModelEndpointFlags(cmd: Command, role: { model: string; concurrency?: string }): Command {
  return cmd
    .requiredOption("--model <name>", role.model)
    .option("--base-url <url>", `its OpenAI-compatible endpoint (${ENDPOINT_DEFAULT})`)
    .option("--api-key-env <var>", "environment variable holding its API key (default: OPENAI_API_KEY, which local servers do not need; a variable named here must be set)")
    .option("--concurrency <n>", role.concurrency ?? "calls in flight per model", "16");
}

/** `--judge` (or its deprecated alias `--judge-model`), `--judge-base-url`, `--judge-api-key-env`. */
export interface JudgeEndpointFlags {
  judge?: string;
  /** Deprecated alias of --judge. */
  judgeModel?: string;
  judgeBaseUrl?: string;
  /** As --api-key-env: unset means OPENAI_API_KEY, possibly unset; named, it must be set. */
  judgeApiKeyEnv?: string;
}

/** Adds the judge-endpoint flags; --judge is checked by {@link judgeName} (commander cannot require one of two names). */
export function addJudgeEndpointFlags(cmd: Command, role: { judge: string }): Command {
  return cmd
    .option("--judge <name>", role.judge)
    .addOption(new Option("--judge-model <name>", "deprecated alias of --judge").hideHelp())
    .option("--judge-base-url <url>", `the judge's OpenAI-compatible endpoint (${JUDGE_ENDPOINT_DEFAULT})`)
    .option("--judge-api-key-env <var>", "environment variable holding the judge's API key (default: OPENAI_API_KEY; a variable named here must be set)");
}

/** The judge named by --judge or by the deprecated --judge-model (with a warning); undefined when neither is given. */
export function givenJudge(flags: JudgeEndpointFlags): string | undefined {
  if (flags.judgeModel !== undefined) {
    process.stderr.write("mmif: warning: --judge-model is deprecated; use --judge\n");
    if (flags.judge !== undefined && flags.judge !== flags.judgeModel) {
      throw new UsageError(`--judge ${flags.judge} and --judge-model ${flags.judgeModel} disagree; give only --judge`);
    }
  }
  return flags.judge ?? flags.judgeModel;
}

/**
 * The judge's model name. `fallback` is used when no judge is given (generate: --model); without one, a missing
 * judge is a usage error.
 */
export function judgeName(flags: JudgeEndpointFlags, fallback?: string): string {
  const name = givenJudge(flags) ?? fallback;
  if (name === undefined) throw new UsageError("required option '--judge <name>' not specified");
  return name;
}

/** The endpoint config's key part: a variable the user named must be set; the default one may be unset (local servers). */
export function keyVariable(name: string | undefined): { apiKeyEnv?: string; keyRequired?: boolean } {
  return name === undefined ? {} : { apiKeyEnv: name, keyRequired: true };
}

/** `-q, --quiet`. */
export function addQuietFlag(cmd: Command, description = "no progress display"): Command {
  return cmd.option("-q, --quiet", description);
}

/** `--image-max-side`, `--image-max-pixels`: how large the images a command sends may be. */
export interface ImageSizeFlags {
  imageMaxSide?: string;
  imageMaxPixels?: string;
}

/**
 * The longest side `generate` and `dpo` send by default: OpenAI's high-detail path fits every image into
 * 2048×2048 before it looks at it, so larger pixels only cost upload bytes.
 */
export const DEFAULT_IMAGE_MAX_SIDE = 2048;

/**
 * Adds the image-size flags. `downscale`: the command makes data (generate, dpo) and sends at most
 * {@link DEFAULT_IMAGE_MAX_SIDE} px by default; otherwise (eval, score, serve) originals are sent unless a flag
 * is given, as the MM-IFEval references do.
 */
export function addImageSizeFlags(cmd: Command, downscale: boolean): Command {
  const side = downscale
    ? `longest side in pixels of the images sent to the models (larger ones are downscaled once per run, aspect kept); none: send originals. The default fits OpenAI's high-detail path, which scales every image into 2048×2048 anyway`
    : "downscale images sent to the models to this longest side in pixels, once per run (default: originals, as the MM-IFEval references send)";
  cmd.option("--image-max-side <px>", side, ...(downscale ? [String(DEFAULT_IMAGE_MAX_SIDE)] : []));
  return cmd.option("--image-max-pixels <n>", "downscale images sent to the models to at most this many pixels (width × height, aspect kept), once per run (default: no pixel limit)");
}

/**
 * `--max-field-bytes`: a line or table row of `what` with a field larger than this is refused (reported with its
 * line, field and size; the other lines go on) without being read into memory. See src/io/field-limit.ts.
 */
export function addMaxFieldBytes(cmd: Command, what: string): Command {
  return cmd.option(
    `${MAX_FIELD_FLAG} <size>`,
    `refuse a line or row of ${what} with a field larger than this, in bytes or with K/M/G (1024-based); it is reported with its line or row, field and size, and the others are read`,
    `${DEFAULT_MAX_FIELD_BYTES / 1024 ** 2}M`,
  );
}
