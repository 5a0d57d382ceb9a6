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
