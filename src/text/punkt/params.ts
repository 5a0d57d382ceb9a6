/**
 * Punkt model parameters (NLTK's `PunktParameters`) and the loader for the `punkt_tab` text format.
 */
import { readFileSync } from "node:fs";

/** Orthographic-context flags (NLTK `_ORTHO_*`): where a type was seen and with which first-letter case. */
export const ORTHO_BEG_UC = 1 << 1;
export const ORTHO_MID_UC = 1 << 2;
export const ORTHO_UNK_UC = 1 << 3;
export const ORTHO_BEG_LC = 1 << 4;
export const ORTHO_MID_LC = 1 << 5;
export const ORTHO_UNK_LC = 1 << 6;
export const ORTHO_UC = ORTHO_BEG_UC | ORTHO_MID_UC | ORTHO_UNK_UC;
export const ORTHO_LC = ORTHO_BEG_LC | ORTHO_MID_LC | ORTHO_UNK_LC;

export interface PunktParameters {
  /** Known abbreviation types (lower case, without the final period). */
  readonly abbrevTypes: ReadonlySet<string>;
  /** Collocations `(type ending in a period, next type)`: first type → set of second types. */
  readonly collocations: ReadonlyMap<string, ReadonlySet<string>>;
  /** Frequent sentence starters. */
  readonly sentStarters: ReadonlySet<string>;
  /** Type → orthographic flags; a missing type reads as 0 (NLTK's `defaultdict(int)`). */
  readonly orthoContext: ReadonlyMap<string, number>;
}

/** The four files' contents, as `punkt_tab` stores them. */
export interface PunktParameterTexts {
  abbrevTypes: string;
  collocations: string;
  sentStarters: string;
  orthoContext: string;
}

/** Lines of a `\n`-separated file; no trimming, because the abbreviation `". . "` ends in a space. */
function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  // Tolerate one trailing newline (the shipped files have none).
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

function tabFields(line: string, file: string, lineNo: number): [string, string] {
  const tab = line.indexOf("\t");
  if (tab < 0 || line.indexOf("\t", tab + 1) >= 0) {
    throw new Error(`${file}:${lineNo}: expected exactly two TAB-separated fields`);
  }
  return [line.slice(0, tab), line.slice(tab + 1)];
}

/** Builds parameters from the files' texts. */
export function parsePunktParameters(texts: PunktParameterTexts): PunktParameters {
  const collocations = new Map<string, Set<string>>();
  lines(texts.collocations).forEach((line, i) => {
    const [first, second] = tabFields(line, "collocations.tab", i + 1);
    let seconds = collocations.get(first);
    if (seconds === undefined) collocations.set(first, (seconds = new Set()));
    seconds.add(second);
  });
  const orthoContext = new Map<string, number>();
  lines(texts.orthoContext).forEach((line, i) => {
    const [type, flags] = tabFields(line, "ortho_context.tab", i + 1);
    if (!/^\d+$/.test(flags)) throw new Error(`ortho_context.tab:${i + 1}: flags must be a decimal integer`);
    orthoContext.set(type, Number(flags));
  });
  return {
    abbrevTypes: new Set(lines(texts.abbrevTypes)),
    collocations,
    sentStarters: new Set(lines(texts.sentStarters)),
    orthoContext,
  };
}

/** Reads `abbrev_types.txt`, `collocations.tab`, `sent_starters.txt` and `ortho_context.tab` from `dir`. */
export function loadPunktParameters(dir: string | URL): PunktParameters {
  const base = typeof dir === "string" ? (dir.endsWith("/") ? dir : `${dir}/`) : dir.href.endsWith("/") ? dir : new URL(`${dir.href}/`);
  const read = (name: string): string => readFileSync(typeof base === "string" ? `${base}${name}` : new URL(name, base), "utf8");
  return parsePunktParameters({
    abbrevTypes: read("abbrev_types.txt"),
    collocations: read("collocations.tab"),
    sentStarters: read("sent_starters.txt"),
    orthoContext: read("ortho_context.tab"),
  });
}

/**
 * The shipped English parameters. Both `src/text/punkt/` (tsx) and `dist/text/punkt/` (compiled) sit three
 * levels below the package root, so one relative URL serves both layouts.
 */
export const ENGLISH_PARAMS_DIR = new URL("../../../data/punkt/english/", import.meta.url);
