/**
 * NLTK's `PunktLanguageVars` for English, as character predicates over UTF-16 code units.
 *
 * Every class in NLTK's regexes is ASCII except `\s`/`\S`, and every Python whitespace character is in the BMP,
 * so scanning code units gives the same decisions as Python scanning code points.
 */
import { isPySpaceCode } from "../pythonic.js";

function asciiTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

const NON_WORD = asciiTable("?!)\";}]*:@'({[");
/** `_re_non_word_chars`: characters that cannot appear within words. */
export function isNonWordCode(c: number): boolean {
  return c < 128 && NON_WORD[c] === 1;
}

const NOT_WORD_START = asciiTable("(\"`{[:;&#*@)}]-,");
/** `_re_word_start`: may this character start a word token (the caller also requires non-whitespace)? */
export function isWordStartCode(c: number): boolean {
  return c >= 128 || NOT_WORD_START[c] === 0;
}

const CLOSER = asciiTable("\"')]}");
/** The closing punctuation class of `re_boundary_realignment`. */
export function isCloserCode(c: number): boolean {
  return c < 128 && CLOSER[c] === 1;
}

/** Python's `string.whitespace` (ASCII only), which `_get_last_whitespace_index` tests against. */
export function isAsciiWhitespaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Python `\s` for str patterns. */
export const isSpaceCode = isPySpaceCode;

/** `_ortho_heuristic`'s `PUNCTUATION = tuple(";:,.!?")`: tokens that never start a sentence. */
export function isOrthoPunctuation(tok: string): boolean {
  if (tok.length !== 1) return false;
  const c = tok.charCodeAt(0);
  return c === 0x3b || c === 0x3a || c === 0x2c || c === 0x2e || c === 0x21 || c === 0x3f;
}
