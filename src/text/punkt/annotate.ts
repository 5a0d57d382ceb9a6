/**
 * Punkt's two annotation passes (NLTK `_first_pass_annotation`, `_second_pass_annotation`, `_ortho_heuristic`)
 * and `text_contains_sentbreak`, which is all the tokenizer asks of them.
 */
import { isOrthoPunctuation, isSpaceCode } from "./language-vars.js";
import { ORTHO_BEG_LC, ORTHO_LC, ORTHO_MID_UC, ORTHO_UC, type PunktParameters } from "./params.js";
import {
  NUMBER_TYPE,
  firstLower,
  firstUpper,
  isEllipsis,
  isInitial,
  makeToken,
  typeNoPeriod,
  typeNoSentperiod,
  type PunktToken,
} from "./token.js";
import { lineEnd, tokenEnd } from "./words.js";

/** Type-based decisions: `.`/`?`/`!` break, `..+` is an ellipsis, other period-final tokens are abbreviations or breaks. */
export function firstPass(t: PunktToken, params: PunktParameters): void {
  const tok = t.tok;
  if (tok === "." || tok === "?" || tok === "!") {
    t.sentbreak = true;
  } else if (isEllipsis(tok)) {
    t.ellipsis = true;
  } else if (t.periodFinal && !tok.endsWith("..")) {
    const word = tok.slice(0, -1).toLowerCase();
    // NLTK also tries the part after the last hyphen (`split("-")[-1]`).
    if (params.abbrevTypes.has(word) || params.abbrevTypes.has(word.slice(word.lastIndexOf("-") + 1))) {
      t.abbr = true;
    } else {
      t.sentbreak = true;
    }
  }
}

/** NLTK's tri-state orthographic verdict on whether `t` starts a sentence. */
export type OrthoVerdict = true | false | "unknown";

export function orthoHeuristic(t: PunktToken, params: PunktParameters): OrthoVerdict {
  // Sentences don't start with punctuation marks.
  if (isOrthoPunctuation(t.tok)) return false;
  const ortho = params.orthoContext.get(typeNoSentperiod(t)) ?? 0;
  const upper = firstUpper(t.tok);
  // Capitalised, seen lower-case somewhere, never capitalised mid-sentence: a sentence starter.
  if (upper && (ortho & ORTHO_LC) !== 0 && (ortho & ORTHO_MID_UC) === 0) return true;
  // Lower-case and either seen capitalised or never seen lower-case at a sentence start: not a starter.
  if (firstLower(t.tok) && ((ortho & ORTHO_UC) !== 0 || (ortho & ORTHO_BEG_LC) === 0)) return false;
  return "unknown";
}

/** Token-context decisions for `t1`, given the first-pass annotation of the token after it. */
export function secondPass(t1: PunktToken, t2: PunktToken, params: PunktParameters): void {
  // Only words ending in a period are reconsidered.
  if (!t1.periodFinal) return;
  const typ = typeNoPeriod(t1);
  const nextTyp = typeNoSentperiod(t2);
  const tokIsInitial = isInitial(t1.tok);

  // Collocation heuristic: a known (word, next word) pair means abbreviation, not a break.
  if (params.collocations.get(typ)?.has(nextTyp) === true) {
    t1.sentbreak = false;
    t1.abbr = true;
    return;
  }

  // An abbreviation or ellipsis may still end a sentence if the next word looks like a starter.
  if ((t1.abbr || t1.ellipsis) && !tokIsInitial) {
    if (orthoHeuristic(t2, params) === true) {
      t1.sentbreak = true;
      return;
    }
    if (firstUpper(t2.tok) && params.sentStarters.has(nextTyp)) {
      t1.sentbreak = true;
      return;
    }
  }

  // Initials and ordinals that looked like breaks become abbreviations on orthographic evidence.
  if (tokIsInitial || typ === NUMBER_TYPE) {
    const verdict = orthoHeuristic(t2, params);
    if (verdict === false) {
      t1.sentbreak = false;
      t1.abbr = true;
      return;
    }
    // Unknown, but the next word is never seen lower-case (e.g. "J. Bach"): still an abbreviation.
    if (
      verdict === "unknown" &&
      tokIsInitial &&
      firstUpper(t2.tok) &&
      ((params.orthoContext.get(nextTyp) ?? 0) & ORTHO_LC) === 0
    ) {
      t1.sentbreak = false;
      t1.abbr = true;
    }
  }
}

/**
 * Whether a first-pass break keeps its break whatever token follows: the second pass can only remove a break
 * through a collocation or the initial/number rule, and only adds breaks to abbreviations and ellipses.
 */
export function breaksWhateverFollows(t: PunktToken, params: PunktParameters): boolean {
  if (!t.sentbreak) return false;
  if (!t.periodFinal) return true;
  const typ = typeNoPeriod(t);
  return typ !== NUMBER_TYPE && !params.collocations.has(typ) && !isInitial(t.tok);
}

const PLAIN = 0;
const BREAK = 1;
const PERIOD = 2;
/** A period-final token whose break no following token can undo. */
const PERIOD_BREAK = 3;

/**
 * `text_contains_sentbreak(text[start:end])`: true when some token other than the last is a sentence break
 * after both passes. A token's final verdict depends only on itself and the next token's first pass, so the
 * scan stops at the first confirmed break, and only period-final tokens and their successors are built.
 */
export function containsSentbreak(text: string, start: number, end: number, params: PunktParameters): boolean {
  let prevKind = -1;
  let prev: PunktToken | null = null;
  for (let ls = start; ls <= end; ) {
    const le = lineEnd(text, ls, end);
    for (let p = ls; p < le; ) {
      if (isSpaceCode(text.charCodeAt(p))) {
        p++;
        continue;
      }
      // A token starts here, which confirms a previous `?`/`!` (the second pass only revisits period-final
      // tokens) or a break no successor can undo.
      if (prevKind === BREAK || prevKind === PERIOD_BREAK) return true;
      const q = tokenEnd(text, p, le);
      const last = text.charCodeAt(q - 1);
      const kind = last === 0x2e ? PERIOD : q - p === 1 && (last === 0x3f || last === 0x21) ? BREAK : PLAIN;
      if (prevKind === PERIOD || kind === PERIOD) {
        const t = makeToken(text.slice(p, q));
        firstPass(t, params);
        if (prev !== null && prevKind === PERIOD) {
          secondPass(prev, t, params);
          if (prev.sentbreak) return true;
        }
        prev = t;
        // Most period-final words are plain breaks: decide them without building the next token.
        if (kind === PERIOD && breaksWhateverFollows(t, params)) {
          prevKind = PERIOD_BREAK;
          p = q;
          continue;
        }
      }
      prevKind = kind;
      p = q;
    }
    ls = le + 1;
  }
  return false;
}
