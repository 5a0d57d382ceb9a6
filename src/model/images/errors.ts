// One error type for every way an image can fail, so callers can tell "bad input image" from a crash.
import { InputError } from "../../common/errors.js";

export class ImageError extends InputError {
  /**
   * @param source the label of the input: a file path, a URL, `<bytes name>` or `<base64 name>`
   * @param problem what is wrong and what to do about it
   */
  constructor(
    readonly source: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${problem}`, options);
  }
}

/** Human-readable byte count for messages ("52.4 MB"). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}
