// Training data and recipes for existing trainers: `mmif export` (LLaMA-Factory, TRL, ShareGPT, Parquet) and
// `mmif recipe` (LLaMA-Factory training YAML with the paper's hyperparameters).
export { IMAGE_TOKEN, preferenceDatasetInfo, preferenceExample, sftDatasetInfo, sftExample, type PreferenceExample, type SftExample } from "./llamafactory.js";
export { EXPORT_FORMATS, ExportSetupError, FORMAT_IMAGE_MODES, openFormat, tableColumns, type ExportFormat, type FormatWriter } from "./formats.js";
export { IMAGE_MODES, IMAGES_DIR, ExportImageError, ImagePlacer, type ImageMode, type PlacedImage } from "./images.js";
export { ParquetSink, hfFeatures, parquetSchema, type ColType, type ColumnSpec, type ImageCell } from "./parquet.js";
export { detectKind, readExportRecords, sourceImage, toRecord, type ExportRecord, type InputKind, type PreferenceRecord, type SftRecord } from "./records.js";
export { DEFAULT_NAMES, runExport, type ExportOptions, type ExportProblem, type ExportSummary } from "./run.js";
export { SHAREGPT_IMAGE_TOKEN, shareGptPreference, shareGptSft } from "./sharegpt.js";
export { trlColumns, trlPreference, trlSft, type TrlMessage, type TrlPart } from "./trl.js";
export * from "./recipes.js";
