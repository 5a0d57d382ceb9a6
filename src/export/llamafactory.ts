/**
 * LLaMA-Factory datasets (ShareGPT style, as its data/README documents for multimodal SFT):
 *   {"messages": [{"role": "user", "content": "<image>prompt"}, {"role": "assistant", "content": "answer"}], "images": ["path"]}
 * declared in dataset_info.json with `formatting: sharegpt` and the messages/images columns and role tags.
 * Image paths are relative to the dataset folder (LLaMA-Factory's default media_dir), so the folder can move
 * together with the images it points at.
 */
import { relative } from "node:path";

/** LLaMA-Factory's placeholder marking where the image goes in the user turn. */
export const IMAGE_TOKEN = "<image>";

export interface SftExample {
  messages: Array<{ role: "user" | "assistant"; content: string }>;
  images: string[];
}

/** One SFT example: the image token, then the prompt, answered by `response`. */
export function sftExample(prompt: string, response: string, imagePath: string, datasetDir: string): SftExample {
  return {
    messages: [
      { role: "user", content: `${IMAGE_TOKEN}${prompt}` },
      { role: "assistant", content: response },
    ],
    images: [relative(datasetDir, imagePath)],
  };
}

/** The dataset_info.json entry for a ShareGPT-style multimodal SFT file. */
export function sftDatasetInfo(fileName: string): Record<string, unknown> {
  return {
    file_name: fileName,
    formatting: "sharegpt",
    columns: { messages: "messages", images: "images" },
    tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" },
  };
}

/**
 * One preference pair in LLaMA-Factory's ShareGPT preference format (data/README.md, "Preference Dataset" of the
 * sharegpt format, with the images column of "Multimodal Image Dataset"): the conversation up to the user turn,
 * then the chosen and the rejected assistant message. One `<image>` token per image, before the prompt.
 */
export interface PreferenceExample {
  conversations: Array<{ from: "human"; value: string }>;
  chosen: { from: "gpt"; value: string };
  rejected: { from: "gpt"; value: string };
  images: string[];
}

export function preferenceExample(prompt: string, chosen: string, rejected: string, images: string[]): PreferenceExample {
  return {
    conversations: [{ from: "human", value: `${IMAGE_TOKEN.repeat(images.length)}${prompt}` }],
    chosen: { from: "gpt", value: chosen },
    rejected: { from: "gpt", value: rejected },
    images,
  };
}

/** The dataset_info.json entry of a preference file: `ranking: true` makes LLaMA-Factory read chosen/rejected. */
export function preferenceDatasetInfo(fileName: string): Record<string, unknown> {
  return {
    file_name: fileName,
    formatting: "sharegpt",
    ranking: true,
    columns: { messages: "conversations", chosen: "chosen", rejected: "rejected", images: "images" },
  };
}
