/**
 * TRL's conversational vision format (TRL docs, "Dataset formats", section "Vision datasets"): an `images`
 * column, and messages whose `content` is a list of typed parts, `{"type": "image"}` where the image goes and
 * `{"type": "text", "text": ...}`. TRL recommends it for vision-language models because each model marks images in
 * its own way: the trainer's processor applies the model's chat template and puts the model's own image
 * placeholder where the image part is. Preference pairs are the explicit-prompt preference type DPOTrainer
 * expects (`prompt` / `chosen` / `rejected`); SFT items are the conversational language-modeling type
 * SFTTrainer takes (`messages`).
 */
import type { ColType, ColumnSpec } from "./parquet.js";

export type TrlPart = { type: "image" } | { type: "text"; text: string };

export interface TrlMessage {
  role: "user" | "assistant";
  content: TrlPart[];
}

function userTurn(prompt: string, imageCount: number): TrlMessage {
  return { role: "user", content: [...Array.from({ length: imageCount }, () => ({ type: "image" }) as const), { type: "text", text: prompt }] };
}

function assistantTurn(text: string): TrlMessage {
  return { role: "assistant", content: [{ type: "text", text }] };
}

/** `images` is a list of paths in JSON, of Image cells (or paths) in Parquet. */
export function trlSft<I>(id: string, prompt: string, response: string, images: I[]) {
  return { id, images, messages: [userTurn(prompt, images.length), assistantTurn(response)] };
}

export function trlPreference<I>(id: string, prompt: string, chosen: string, rejected: string, images: I[]) {
  return { id, images, prompt: [userTurn(prompt, images.length)], chosen: [assistantTurn(chosen)], rejected: [assistantTurn(rejected)] };
}

const MESSAGES: ColType = { list: { struct: [["role", "string"], ["content", { list: { struct: [["type", "string"], ["text", "string"]] } }]] } };

/** The Parquet columns of the TRL files; images embedded (the `datasets` Image layout) or as path strings. */
export function trlColumns(kind: "sft" | "preference", embed: boolean): ColumnSpec[] {
  const images: ColumnSpec = { name: "images", type: { list: embed ? "image" : "string" } };
  const id: ColumnSpec = { name: "id", type: "string" };
  if (kind === "sft") return [id, images, { name: "messages", type: MESSAGES }];
  return [id, images, { name: "prompt", type: MESSAGES }, { name: "chosen", type: MESSAGES }, { name: "rejected", type: MESSAGES }];
}
