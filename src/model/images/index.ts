// Public face of the image module: user images (path, URL, bytes, base64) → OpenAI chat image parts.
export type { ImageDetail, ImageFormat, ImageOptions, ImagePart, ImagePartInfo, ImageSource } from "./types.js";
export { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from "./types.js";
export { ImageError } from "./errors.js";
export { MIME_TYPES, sniffImageFormat } from "./formats.js";
export { imageSource, loadImageBytes, sourceLabel } from "./load.js";
export { clearImageHashCache, imageContentHash, imageHashCacheStats, rememberFileHash } from "./hash.js";
export { isPrepared, preparedImage, preparedImageStats, toImagePart } from "./part.js";
export { ByteBudget, IMAGE_BYTES_IN_FLIGHT, imageBudget, sourceBytes } from "./budget.js";
