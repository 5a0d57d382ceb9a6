// Our chat messages → the OpenAI wire format, reading and encoding images only now, at send time.
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { imageBudget, isPrepared, preparedImage, sourceBytes } from "./images.js";
import type { ChatMessage } from "./types.js";

/**
 * The source bytes of a request's images, as the image budget counts them. An image already kept prepared
 * counts nothing: its calls share bytes already in memory, so a judge call for an image the model was just
 * sent goes ahead of calls still waiting to read new images (and finds the image still kept).
 */
export async function imageBytesOf(messages: readonly ChatMessage[]): Promise<number> {
  let total = 0;
  for (const m of messages) {
    if (typeof m.content === "string") continue;
    for (const p of m.content) {
      if (p.type === "image" && !isPrepared(p.source, { maxSide: p.maxSide, maxPixels: p.maxPixels })) total += await sourceBytes(p.source);
    }
  }
  return total;
}

/**
 * Runs `send` with the request's images counted against the process's image budget from before they are read
 * until the reply is in, so the image bytes held by calls in flight stay bounded whatever the concurrency.
 */
export async function withImageBudget<T>(messages: readonly ChatMessage[], send: () => Promise<T>): Promise<T> {
  const bytes = await imageBytesOf(messages);
  if (bytes === 0) return send();
  const release = await imageBudget.acquire(bytes);
  try {
    return await send();
  } finally {
    release();
  }
}

/**
 * Our messages in the wire format with each image's data URL left out: in its place a marker string, and the
 * URL's bytes (shared with every call sending that image) in `images`, in the order JSON.stringify meets them.
 */
export interface WireDraft {
  messages: ChatCompletionMessageParam[];
  images: Buffer[];
  /** Marker `i` stands for `images[i]`. */
  marker: (i: number) => string;
  /** The image parts of `messages`, `imageParts[i]` holding marker `i`. */
  imageParts: Array<{ image_url: { url: string } }>;
}

export async function toWireDraft(messages: readonly ChatMessage[]): Promise<WireDraft> {
  const nonce = Math.random().toString(36).slice(2);
  const marker = (i: number) => `mmif-image-${nonce}-${i}`;
  const images: Buffer[] = [];
  const imageParts: WireDraft["imageParts"] = [];
  // Prepared first (concurrently), numbered after, so the numbering follows the messages' order.
  const prepared = await Promise.all(
    messages.map((m) =>
      typeof m.content === "string" ? [] : Promise.all(m.content.map((p) => (p.type === "image" ? preparedImage(p.source, { maxSide: p.maxSide, maxPixels: p.maxPixels }) : undefined))),
    ),
  );
  const wire = messages.map((m, mi): ChatCompletionMessageParam => {
    if (typeof m.content === "string") return { role: m.role, content: m.content } as ChatCompletionMessageParam;
    const parts = m.content.map((p, pi): ChatCompletionContentPart => {
      if (p.type === "text") return { type: "text", text: p.text };
      const url = marker(images.push(prepared[mi]![pi]!.url) - 1);
      const part = { type: "image_url" as const, image_url: p.detail === undefined ? { url } : { url, detail: p.detail } };
      imageParts.push(part);
      return part;
    });
    // Only user messages may carry images on the wire; system/assistant parts are text here by construction.
    return { role: m.role, content: parts } as ChatCompletionMessageParam;
  });
  return { messages: wire, images, marker, imageParts };
}

/** The wire messages with the images' data URLs in them as strings (a batch line; the public wire body). */
export async function toWireMessages(messages: readonly ChatMessage[]): Promise<ChatCompletionMessageParam[]> {
  const draft = await toWireDraft(messages);
  draft.imageParts.forEach((part, i) => (part.image_url.url = draft.images[i]!.toString("latin1")));
  return draft.messages;
}

/**
 * The request body as chunks of the UTF-8 bytes of its JSON — exactly what JSON.stringify of the body with the
 * images' URLs in place would write — with each image's URL bytes as a chunk of its own. The URLs are neither
 * copied nor scanned for characters to escape (base64 has none); fetch writes the chunks to the socket as they are.
 */
export function requestChunks(body: object, draft: Pick<WireDraft, "images" | "marker">): Buffer[] {
  const text = JSON.stringify(body);
  const chunks: Buffer[] = [];
  let at = 0;
  draft.images.forEach((image, i) => {
    const marker = draft.marker(i);
    const found = text.indexOf(marker, at);
    if (found < 0) throw new Error(`internal: image marker ${i} missing from the request body`);
    chunks.push(Buffer.from(text.slice(at, found)), image);
    at = found + marker.length;
  });
  chunks.push(Buffer.from(text.slice(at)));
  return chunks;
}

/** A body given as chunks, which fetch passes to the socket one by one without copying them. */
export async function* bodyStream(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}
