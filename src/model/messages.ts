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
