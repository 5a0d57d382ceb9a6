// Our chat messages → the OpenAI wire format, reading and encoding images only now, at send time.
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { imageBudget, sourceBytes, toImagePart } from "./images.js";
import type { ChatMessage } from "./types.js";

/** The source bytes of a request's images, as the image budget counts them. */
export async function imageBytesOf(messages: readonly ChatMessage[]): Promise<number> {
  let total = 0;
  for (const m of messages) {
    if (typeof m.content === "string") continue;
    for (const p of m.content) if (p.type === "image") total += await sourceBytes(p.source);
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

export async function toWireMessages(messages: readonly ChatMessage[]): Promise<ChatCompletionMessageParam[]> {
  return Promise.all(
    messages.map(async (m): Promise<ChatCompletionMessageParam> => {
      if (typeof m.content === "string") return { role: m.role, content: m.content } as ChatCompletionMessageParam;
      const parts: ChatCompletionContentPart[] = await Promise.all(
        m.content.map(async (p): Promise<ChatCompletionContentPart> =>
          p.type === "text" ? { type: "text", text: p.text } : (await toImagePart(p.source, { detail: p.detail, maxSide: p.maxSide, maxPixels: p.maxPixels })).part,
        ),
      );
      // Only user messages may carry images on the wire; system/assistant parts are text here by construction.
      return { role: m.role, content: parts } as ChatCompletionMessageParam;
    }),
  );
}

// Data URLs as toImagePart makes them: a media type and base64, none of which JSON escapes.
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/;

/**
 * The request body as the UTF-8 bytes of its JSON, exactly what `JSON.stringify` writes. Image data URLs are
 * copied in as they are instead of going through JSON.stringify (which spends ~9 ms scanning each 1.4 MB URL for
 * characters to escape that base64 never has) and then through a UTF-8 encoder (base64 is ASCII: a plain copy).
 * Bytes rather than text also spare fetch its own encoding of the string: a 1 MB image costs one copy here.
 */
export function requestBody(body: object): Buffer {
  const urls: string[] = [];
  const nonce = Math.random().toString(36).slice(2);
  const text = JSON.stringify(body, (key, value: unknown) => {
    if (key === "url" && typeof value === "string" && value.length > 1024 && DATA_URL.test(value)) {
      urls.push(value);
      return `mmif-image-${nonce}-${urls.length - 1}`;
    }
    return value;
  });
  if (urls.length === 0) return Buffer.from(text);
  const pieces: string[] = []; // text, url, text, url, ..., text
  let at = 0;
  urls.forEach((url, i) => {
    const marker = `mmif-image-${nonce}-${i}`;
    const found = text.indexOf(marker, at);
    pieces.push(text.slice(at, found), url);
    at = found + marker.length;
  });
  pieces.push(text.slice(at));
  let size = 0;
  for (let i = 0; i < pieces.length; i++) size += i % 2 === 0 ? Buffer.byteLength(pieces[i]!) : pieces[i]!.length;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) offset += out.write(pieces[i]!, offset, i % 2 === 0 ? "utf8" : "latin1");
  return out;
}

/** A body as a stream of one chunk, which fetch passes to the socket without copying it. */
export async function* oneChunk(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}
