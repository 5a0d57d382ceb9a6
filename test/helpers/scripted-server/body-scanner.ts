// A streaming scan of a JSON request body that keeps nothing but the top-level `model` and `stream`.
//
// Used when `keepBodies` is false: the body is never buffered nor parsed, yet the server still learns the
// top-level `model` and `stream`, counts the bytes, and rejects what is plainly not a JSON object. The walking is
// the project's own top-level JSON walker (src/io/json-top-level.ts, which also measures over-long input lines),
// so a 1 MB base64 image costs about one pass over memory.
import { TopLevelJson } from "../../../src/io/json-top-level.js";

export class TopLevelScanner {
  bytes = 0;
  model: string | undefined;
  stream: boolean | undefined;
  private readonly walker = new TopLevelJson((member) => {
    if (member.key === "model" && member.string !== undefined) this.model = member.string;
    else if (member.key === "stream" && member.literal !== undefined) this.stream = member.literal === "true";
  });

  /** True when the body looked like one JSON object. */
  get valid(): boolean {
    return this.walker.valid;
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.walker.feed(chunk);
  }
}
