// Our chat messages → the OpenAI wire format, reading and encoding images only now, at send time.
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { toImagePart } from "./images.js";
import type { ChatMessage } from "./types.js";

export async function toWireMessages(messages: readonly ChatMessage[]): Promise<ChatCompletionMessageParam[]> {
  return Promise.all(
    messages.map(async (m): Promise<ChatCompletionMessageParam> => {
      if (typeof m.content === "string") return { role: m.role, content: m.content } as ChatCompletionMessageParam;
      const parts: ChatCompletionContentPart[] = await Promise.all(
        m.content.map(async (p): Promise<ChatCompletionContentPart> =>
          p.type === "text" ? { type: "text", text: p.text } : (await toImagePart(p.source, { detail: p.detail, maxSide: p.maxSide })).part,
        ),
      );
      // Only user messages may carry images on the wire; system/assistant parts are text here by construction.
      return { role: m.role, content: parts } as ChatCompletionMessageParam;
    }),
  );
}
