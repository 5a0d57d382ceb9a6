/**
 * NLTK's `PunktToken`: a word token with its normalised type and the annotations the two passes set.
 */
import { firstIsLower, firstIsUpper } from "../pythonic.js";

/** `_RE_NUMERIC` (`^-?[\.,]?\d[\d,\.-]*\.?$`, Unicode `\d`): such types become `##number##`. */
const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
/** `_RE_INITIAL` (`[^\W\d]\.$` with `match`): one non-digit word character, then a period. */
const RE_INITIAL = /^[\p{L}\p{Nl}\p{No}_]\.$/u;

export const NUMBER_TYPE = "##number##";

export interface PunktToken {
  readonly tok: string;
  /** Lower-cased token, numbers normalised to `##number##`. */
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak: boolean;
  abbr: boolean;
  ellipsis: boolean;
}

/** `_get_type`: `_RE_NUMERIC.sub("##number##", tok.lower())`. */
export function tokenType(tok: string): string {
  const lower = tok.toLowerCase();
  const c = lower.charCodeAt(0);
  // A numeric type starts with `-`, `.`, `,` or a digit; other ASCII starts skip the regex.
  if (c < 128 && c !== 0x2d && c !== 0x2e && c !== 0x2c && (c < 0x30 || c > 0x39)) return lower;
  return RE_NUMERIC.test(lower) ? NUMBER_TYPE : lower;
}

export function makeToken(tok: string): PunktToken {
  return {
    tok,
    type: tokenType(tok),
    periodFinal: tok.charCodeAt(tok.length - 1) === 0x2e,
    sentbreak: false,
    abbr: false,
    ellipsis: false,
  };
}

/** `type_no_period`: the type without a final period (a lone `.` stays). */
export function typeNoPeriod(t: PunktToken): string {
  const type = t.type;
  return type.length > 1 && type.charCodeAt(type.length - 1) === 0x2e ? type.slice(0, -1) : type;
}

/** `type_no_sentperiod`: the type without its final period if the token is a sentence break. */
export function typeNoSentperiod(t: PunktToken): string {
  return t.sentbreak ? typeNoPeriod(t) : t.type;
}

/** `is_ellipsis`: `\.\.+$` matched at the start, i.e. two or more periods and nothing else. */
export function isEllipsis(tok: string): boolean {
  if (tok.length < 2) return false;
  for (let i = 0; i < tok.length; i++) if (tok.charCodeAt(i) !== 0x2e) return false;
  return true;
}

/** `is_initial`: a single letter-like character followed by a period. */
export function isInitial(tok: string): boolean {
  return tok.length <= 3 && RE_INITIAL.test(tok);
}

/** `tok[0].isupper()` (ASCII fast path). */
export function firstUpper(tok: string): boolean {
  const c = tok.charCodeAt(0);
  return c < 128 ? c >= 0x41 && c <= 0x5a : firstIsUpper(tok);
}

/** `tok[0].islower()` (ASCII fast path). */
export function firstLower(tok: string): boolean {
  const c = tok.charCodeAt(0);
  return c < 128 ? c >= 0x61 && c <= 0x7a : firstIsLower(tok);
}
