// Preload (`node --import`) that logs every module the process loads to the file in $MMIF_MODULE_LOG, one URL a line.
import { register } from "node:module";

register(new URL("./hooks.mjs", import.meta.url));
