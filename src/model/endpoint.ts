/**
 * Model endpoints: which model, where, with which key and settings. Validated once (zod) when a command starts.
 * The API key itself is read from the environment variable the config *names*, and is kept out of every record,
 * log and error message.
 */
import { z } from "zod";
import { InputError } from "../common/errors.js";

export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

export const generationParamsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
});

export const priceSchema = z.strictObject({
  /** USD per million prompt tokens. */
  input: z.number().nonnegative(),
  /** USD per million completion tokens. */
  output: z.number().nonnegative(),
});

export const endpointConfigSchema = z.strictObject({
  /** The model name sent to the server; also the model's identity in the call ledger. */
  model: z.string().min(1),
  /** Defaults to $OPENAI_BASE_URL, then the OpenAI API. */
  baseURL: z.url().optional(),
  /** Name of the environment variable holding the API key. */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").default("OPENAI_API_KEY"),
  /** The user named the key variable, so the endpoint needs a key: an unset variable is an error before any call. */
  keyRequired: z.boolean().default(false),
  params: generationParamsSchema.default({}),
  concurrency: z.number().int().min(1).max(4096).default(8),
  requestsPerMinute: z.number().positive().optional(),
  tokensPerMinute: z.number().positive().optional(),
  /** Per-attempt timeout. */
  timeoutMs: z.number().int().positive().default(300_000),
  maxAttempts: z.number().int().min(1).max(50).default(6),
  baseDelayMs: z.number().nonnegative().default(500),
  maxDelayMs: z.number().nonnegative().default(30_000),
  /** How to ask for JSON: the json_schema response format, json_object, or instructions in the prompt only. */
  structuredOutput: z.enum(["json_schema", "json_object", "prompt"]).default("json_schema"),
  price: priceSchema.optional(),
  /**
   * Limits on the images sent: larger ones are downscaled (once per run) to a longest side of `maxSide` and at
   * most `maxPixels` pixels. An image part's own limits win. Part of each call's ledger key, so changing them
   * makes new calls. Unset: images go as they are.
   */
  images: z.strictObject({ maxSide: z.number().int().positive().optional(), maxPixels: z.number().int().positive().optional() }).default({}),
});

export type EndpointConfig = z.input<typeof endpointConfigSchema>;

export interface Endpoint extends Omit<z.output<typeof endpointConfigSchema>, "baseURL"> {
  baseURL: string;
  /** Whether the key variable was set (the key itself is never exposed this way). */
  hasKey: boolean;
  /** The key's value; never serialised (see toJSON). */
  readonly apiKey: string;
}

/** Raised for a configuration the user must fix. */
export class EndpointConfigError extends InputError {}

function isOpenAIHost(url: string): boolean {
  return new URL(url).hostname === "api.openai.com";
}

/**
 * Validates a config and resolves its base URL and key from `env`. Local servers (vLLM, SGLang, Ollama) need no
 * key, so a missing variable is an error only for the OpenAI API itself and for a variable the user named.
 */
export function resolveEndpoint(config: EndpointConfig, env: NodeJS.ProcessEnv = process.env): Endpoint {
  const parsed = endpointConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`).join("; ");
    throw new EndpointConfigError(`model "${String((config as { model?: unknown }).model)}": ${issues}`);
  }
  const c = parsed.data;
  const baseURL = (c.baseURL ?? env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  try {
    new URL(baseURL);
  } catch {
    throw new EndpointConfigError(`model "${c.model}": base URL "${baseURL}" is not a URL`);
  }
  const key = env[c.apiKeyEnv];
  const hasKey = key !== undefined && key !== "";
  if (!hasKey && (isOpenAIHost(baseURL) || c.keyRequired)) {
    throw new EndpointConfigError(`model "${c.model}" at ${baseURL}: the API key variable ${c.apiKeyEnv} is not set; set it in the environment (or name another variable with --api-key-env)`);
  }
  const endpoint = { ...c, baseURL, hasKey } as Endpoint;
  // Non-enumerable and excluded from JSON, so spreading or logging an endpoint never leaks the key.
  Object.defineProperty(endpoint, "apiKey", { value: key || "not-needed", enumerable: false });
  Object.defineProperty(endpoint, "toJSON", { value: () => ({ ...endpoint }), enumerable: false });
  return endpoint;
}

/** Cost in USD of the given usage at the endpoint's price (0 when no price is configured). */
export function costOf(price: z.infer<typeof priceSchema> | undefined, promptTokens: number, completionTokens: number): number {
  return price ? (promptTokens * price.input + completionTokens * price.output) / 1e6 : 0;
}
