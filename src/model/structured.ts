/**
 * Structured output: ask for JSON matching a zod schema (the json_schema response format where the server
 * supports it, instructions in the prompt otherwise), repair obvious damage, re-ask with the validation error a
 * bounded number of times, and keep the raw reply when it still fails. A reply cut off at max_tokens, or one whose
 * repair left out keys the schema asks for, is re-asked too, never used: repairing a truncated reply closes its
 * brackets, so it can validate while missing what came after the cut. Every ask is an ordinary ledgered call, so
 * re-asks are cached and resumable too.
 */
import { jsonrepair } from "jsonrepair";
import { z } from "zod";
import { ModelCallError, type ModelClient } from "./client.js";
import type { CallContext, ChatMessage, ChatRequest, ResponseFormat } from "./types.js";

export type StructuredMode = "json_schema" | "json_object" | "prompt";

export interface StructuredOptions<T> {
  schema: z.ZodType<T>;
  /** Schema name for the response format (letters, digits, _ and -). */
  name: string;
  /** Extra asks after the first when the reply does not validate. */
  maxReasks?: number;
}

export type StructuredResult<T> =
  | { ok: true; value: T; raw: string; calls: number; repaired: boolean }
  | { ok: false; raw: string; error: string; calls: number };

/** Clients whose server refused the json_schema response format: asked with instructions from then on. */
const downgraded = new WeakSet<ModelClient>();

/** Finds the JSON in a reply: inside a ``` fence if there is one, else from the first { or [ to the last } or ]. */
export function extractJson(raw: string): string {
  const fenced = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(raw);
  const text = (fenced ? fenced[1]! : raw).trim();
  const start = text.search(/[[{]/);
  if (start < 0) return text;
  const end = Math.max(text.lastIndexOf("}"), text.lastIndexOf("]"));
  return end > start ? text.slice(start, end + 1) : text.slice(start);
}

/** Parses a reply, repairing it (trailing commas, single quotes, missing brackets, ...) when plain parsing fails. */
export function parseJsonReply(raw: string): { value: unknown; repaired: boolean } | { error: string } {
  const text = extractJson(raw);
  try {
    return { value: JSON.parse(text), repaired: false };
  } catch (e) {
    try {
      return { value: JSON.parse(jsonrepair(text)), repaired: true };
    } catch {
      return { error: `not JSON: ${(e as Error).message}` };
    }
  }
}

type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; items?: JsonSchemaNode };

/** Paths of keys the JSON schema names (required or not) that `value` lacks, checked through objects and arrays. */
export function missingRequestedKeys(value: unknown, schema: JsonSchemaNode, path = ""): string[] {
  if (Array.isArray(value)) return schema.items ? value.flatMap((v, i) => missingRequestedKeys(v, schema.items!, `${path}[${i}]`)) : [];
  if (typeof value !== "object" || value === null || !schema.properties) return [];
  const record = value as Record<string, unknown>;
  return Object.entries(schema.properties).flatMap(([key, sub]) => {
    const at = path ? `${path}.${key}` : key;
    return key in record ? missingRequestedKeys(record[key], sub, at) : [at];
  });
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

function instructions(jsonSchema: unknown): string {
  return `\n\nReply with only a JSON value (no prose, no code fences) that matches this JSON Schema:\n${JSON.stringify(jsonSchema)}`;
}

/** The request with the JSON request added, in the way `mode` asks for it. */
function withFormat(request: ChatRequest, mode: StructuredMode, name: string, jsonSchema: Record<string, unknown>): ChatRequest {
  if (mode === "json_schema") {
    const responseFormat: ResponseFormat = { type: "json_schema", json_schema: { name, schema: jsonSchema, strict: false } };
    return { ...request, responseFormat };
  }
  const messages = request.messages.map((m) => ({ ...m }));
  const last = messages.findLastIndex((m) => m.role === "user");
  if (last >= 0) {
    const m = messages[last]!;
    m.content = typeof m.content === "string" ? m.content + instructions(jsonSchema) : [...m.content, { type: "text", text: instructions(jsonSchema) }];
  }
  return { ...request, messages, ...(mode === "json_object" ? { responseFormat: { type: "json_object" } as const } : {}) };
}

function isFormatRejection(e: unknown): boolean {
  return e instanceof ModelCallError && e.kind === "client" && (e.status === 400 || e.status === 422) && /response_format|json_schema|schema/i.test(e.message);
}

export async function chatStructured<T>(client: ModelClient, request: ChatRequest, context: CallContext, options: StructuredOptions<T>): Promise<StructuredResult<T>> {
  const jsonSchema = z.toJSONSchema(options.schema) as Record<string, unknown>;
  let mode: StructuredMode = downgraded.has(client) && client.endpoint.structuredOutput === "json_schema" ? "prompt" : client.endpoint.structuredOutput;
  const maxReasks = options.maxReasks ?? 2;
  let messages: ChatMessage[] = request.messages;
  let calls = 0;
  let raw = "";
  let error = "";
  for (let ask = 0; ask <= maxReasks; ask++) {
    let reply;
    try {
      reply = await client.chat(withFormat({ ...request, messages }, mode, options.name, jsonSchema), context);
    } catch (e) {
      if (mode !== "json_schema" || !isFormatRejection(e)) throw e;
      // The server does not know the json_schema response format: ask with instructions instead, from now on.
      downgraded.add(client);
      mode = "prompt";
      ask--;
      continue;
    } finally {
      calls++;
    }
    raw = reply.content;
    const cut = reply.finishReason === "length";
    const parsed = parseJsonReply(raw);
    if ("error" in parsed) {
      error = parsed.error;
    } else {
      const checked = options.schema.safeParse(parsed.value);
      const missing = checked.success && parsed.repaired ? missingRequestedKeys(parsed.value, jsonSchema as JsonSchemaNode) : [];
      if (checked.success && !cut && missing.length === 0) return { ok: true, value: checked.data, raw, calls, repaired: parsed.repaired };
      error = !checked.success
        ? `does not match the schema: ${describeIssues(checked.error)}`
        : missing.length > 0
          ? `the reply is incomplete: it lacks ${missing.slice(0, 10).join(", ")}`
          : "the reply is incomplete";
    }
    if (cut) error += " (the reply was cut off at max_tokens)";
    messages = [
      ...messages,
      { role: "assistant", content: raw },
      { role: "user", content: `Your reply could not be used: ${error}. Reply again with only the ${cut ? "complete JSON, shorter if need be" : "corrected JSON"}.` },
    ];
  }
  return { ok: false, raw, error, calls };
}
