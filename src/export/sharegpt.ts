/**
 * The classic ShareGPT layout (as LLaVA's instruction data has it): `conversations` turns with `from:
 * human|gpt` and `value`, the image marked by `<image>` and a newline at the start of the human turn (one per
 * image), plus an `images` list of paths. A preference pair keeps the human turn in `conversations` and puts the
 * two answers in `chosen` and `rejected` gpt turns (the layout LLaMA-Factory reads with `ranking: true`).
 */
export const SHAREGPT_IMAGE_TOKEN = "<image>\n";

export interface ShareGptTurn {
  from: "human" | "gpt";
  value: string;
}

function humanTurn(prompt: string, imageCount: number): ShareGptTurn {
  return { from: "human", value: `${SHAREGPT_IMAGE_TOKEN.repeat(imageCount)}${prompt}` };
}

export function shareGptSft(id: string, prompt: string, response: string, images: string[]) {
  return { id, conversations: [humanTurn(prompt, images.length), { from: "gpt", value: response }], images };
}

export function shareGptPreference(id: string, prompt: string, chosen: string, rejected: string, images: string[]) {
  return {
    id,
    conversations: [humanTurn(prompt, images.length)],
    chosen: { from: "gpt", value: chosen } satisfies ShareGptTurn,
    rejected: { from: "gpt", value: rejected } satisfies ShareGptTurn,
    images,
  };
}
