// The public shapes of the image module, kept apart so every other file can import them without cycles.

/** Where an image comes from. A `data:` URL goes in `base64`; `name` only labels error messages. */
export type ImageSource =
  | { path: string }
  | { url: string }
  | { bytes: Uint8Array; name?: string }
  | { base64: string; name?: string };

export type ImageDetail = "auto" | "low" | "high";

/** Formats recognised from their magic numbers. */
export type ImageFormat = "png" | "jpeg" | "gif" | "webp" | "bmp" | "tiff" | "avif";

export interface ImageOptions {
  /** Copied into the part; the image bytes do not depend on it. */
  detail?: ImageDetail;
  /** Longest side in pixels; larger images are downscaled. Undefined: never resized (MM-IFEval's judges need that). */
  maxSide?: number;
  /** Most pixels (width × height); larger images are downscaled, keeping their aspect. Undefined: no limit. */
  maxPixels?: number;
  /** URL downloads only: the whole request, headers and body, must finish within this. Default 30 s. */
  timeoutMs?: number;
  /** No source may be larger than this many bytes (URLs are cut off while streaming). Default 50 MiB. */
  maxBytes?: number;
}

export interface ImagePart {
  type: "image_url";
  image_url: { url: string; detail?: ImageDetail };
}

export interface ImagePartInfo {
  /** Format of the bytes sent (the data URL's media type). */
  format: ImageFormat;
  /** Format of the original bytes; differs from `format` after a conversion (bmp → png, ...). */
  sourceFormat: ImageFormat;
  /** Pixel size of the image sent, as displayed (EXIF orientation applied). */
  width: number;
  height: number;
  /** Length of the bytes sent (before base64). */
  bytes: number;
  /** True when the image was downscaled for `maxSide`. */
  resized: boolean;
  /** `imageContentHash(source, options)`: the original bytes plus the options that change them. */
  sha256: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
