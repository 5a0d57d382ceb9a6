// Module resolve hook (runs on the loader thread): appends each resolved URL to $MMIF_MODULE_LOG.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.MMIF_MODULE_LOG) appendFileSync(process.env.MMIF_MODULE_LOG, `${result.url}\n`);
  return result;
}
