// Cross-checks the hand-compiled scanners against a literal port of NLTK 3.8's regex-driven code paths
// (`_word_tokenize_fmt` + findall, `_period_context_fmt` + finditer, `_match_potential_end_contexts` with string
// concatenation, `re_boundary_realignment`), on the corpus responses and on random strings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { firstPass, secondPass } from "../../src/text/punkt/annotate.js";
import { englishTokenizer, punktWords } from "../../src/text/punkt/index.js";
import { makeToken, type PunktToken } from "../../src/text/punkt/token.js";
import { PY_NOT_S, PY_S, cleanLines, paragraphs, pyRstrip, pyStrip } from "../../src/text/pythonic.js";
import { verifyCorpus } from "../helpers/parity.js";

// ---- literal port -------------------------------------------------------------------------------------------
const NON_WORD = `(?:[?!)";}\\]*:@'({\\[])`;
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${PY_S}){2,}\\.)`;
const WORD_START = "[^(\"`{\\[:;&#*@)}\\]\\-,]";
// Lines never contain `\n`, so Python's non-MULTILINE `$` is JS's `$`.
const WORD_RE = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${PY_NOT_S}+?(?=${PY_S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${PY_S}|${NON_WORD}|${MULTI_CHAR}))|${PY_NOT_S}`,
  "gu",
);
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(?<after>${NON_WORD}|${PY_S}+(?<next>${PY_NOT_S}+)))`, "gu");
// Python MULTILINE `$`: end of string or before `\n`.
const REALIGN_RE = new RegExp(`^["')\\]}]+?(?:${PY_S}+|(?=--)|(?=\\n)|$)`, "u");
const STRING_WHITESPACE = " \t\n\r\v\f";

function literalWords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (pyStrip(line) === "") continue;
    for (const m of line.matchAll(WORD_RE)) out.push(m[0]);
  }
  return out;
}

function literalContainsSentbreak(context: string): boolean {
  const params = englishTokenizer().params;
  const toks: PunktToken[] = literalWords(context).map((w) => {
    const t = makeToken(w);
    firstPass(t, params);
    return t;
  });
  let found = false;
  for (let i = 0; i < toks.length; i++) {
    if (found) return true;
    if (i + 1 < toks.length) secondPass(toks[i]!, toks[i + 1]!, params);
    if (toks[i]!.sentbreak) found = true;
  }
  return false;
}

function literalTokenize(text: string): string[] {
  // _match_potential_end_contexts
  const contexts: Array<[RegExpMatchArray, string]> = [];
  let prevSlice: [number, number] = [0, 0];
  let prevMatch: RegExpMatchArray | null = null;
  for (const m of text.matchAll(PERIOD_CONTEXT_RE)) {
    const before = text.slice(prevSlice[1], m.index);
    let idx = 0;
    for (let i = before.length - 1; i >= 0; i--) {
      if (STRING_WHITESPACE.includes(before[i]!)) {
        idx = i;
        break;
      }
    }
    const start = idx ? prevSlice[1] + idx + 1 : prevSlice[0];
    const wordSlice: [number, number] = [start, m.index!];
    if (prevMatch && prevSlice[1] <= wordSlice[0]) {
      contexts.push([prevMatch, text.slice(prevSlice[0], prevSlice[1]) + prevMatch[0] + prevMatch.groups!.after!]);
    }
    prevMatch = m;
    prevSlice = wordSlice;
  }
  if (prevMatch) contexts.push([prevMatch, text.slice(prevSlice[0], prevSlice[1]) + prevMatch[0] + prevMatch.groups!.after!]);
  // _slices_from_text
  const slices: Array<[number, number]> = [];
  let lastBreak = 0;
  for (const [m, context] of contexts) {
    if (literalContainsSentbreak(context)) {
      const end = m.index! + m[0].length;
      slices.push([lastBreak, end]);
      lastBreak = m.groups!.next ? m.index! + 1 + m.groups!.after!.length - m.groups!.next.length : end;
    }
  }
  slices.push([lastBreak, pyRstrip(text).length]);
  // _realign_boundaries
  const out: string[] = [];
  let realign = 0;
  for (let i = 0; i < slices.length; i++) {
    const s1: [number, number] = [slices[i]![0] + realign, slices[i]![1]];
    const s2 = slices[i + 1];
    if (s2 === undefined) {
      if (text.slice(s1[0], s1[1])) out.push(text.slice(s1[0], s1[1]));
      continue;
    }
    const m = REALIGN_RE.exec(text.slice(s2[0], s2[1]));
    if (m) {
      out.push(text.slice(s1[0], s2[0] + pyRstrip(m[0]).length));
      realign = m[0].length;
    } else {
      realign = 0;
      if (text.slice(s1[0], s1[1])) out.push(text.slice(s1[0], s1[1]));
    }
  }
  return out;
}

// ---- inputs -------------------------------------------------------------------------------------------------
function corpusTexts(): string[] {
  const seen = new Set<string>();
  for (const c of verifyCorpus()) {
    seen.add(c.response);
    seen.add(cleanLines(c.response));
    for (const p of paragraphs(c.response)) seen.add(p);
  }
  return [...seen];
}

const PIECES = [
  "a", "b", "Z", "x", "I", "i", "J", "Mr", "mr", "Dr", "U.S", "e.g", "p.m", "No", "The", "the", "However", "he",
  "Smith", "Bach", "3", "42", "1.5", "-2", ",5", "##number##", "Ă", "é", "É", "ß", "Σ", "ǅ", "😀", "中", "二", "²", "Ⅷ", "_",
  " ", " ", " ", "  ", "\n", "\n\n", "\t", "\r", "\r\n", "\u00a0", "\u2028", "\u3000", "\u001c", "\u0085", "\ufeff", "\u000b",
  ".", ".", ".", "..", "...", ". . .", ". . ", "?", "!", "?!", ",", ";", ":", "-", "--", "---", "\"", "'", "`",
  "(", ")", "[", "]", "{", "}", "*", "**", "@", "#", "&", "%", "$", "/", "…", "“", "”",
];

/** Deterministic xorshift so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function randomTexts(count: number, seed: number): string[] {
  const next = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(next() * 40);
    let s = "";
    for (let j = 0; j < len; j++) s += PIECES[Math.floor(next() * PIECES.length)]!;
    out.push(s);
  }
  return out;
}

// ---- tests --------------------------------------------------------------------------------------------------
test("word scanner equals NLTK's word regex (corpus + random)", () => {
  for (const text of [...corpusTexts(), ...randomTexts(20000, 7)]) {
    assert.deepEqual(punktWords(text), literalWords(text), JSON.stringify(text));
  }
});

test("tokenizer equals the literal regex port (corpus)", () => {
  const tok = englishTokenizer();
  for (const text of corpusTexts()) assert.deepEqual(tok.tokenize(text), literalTokenize(text), JSON.stringify(text));
});

test("tokenizer equals the literal regex port (random strings)", () => {
  const tok = englishTokenizer();
  for (const text of randomTexts(30000, 12345)) {
    assert.deepEqual(tok.tokenize(text), literalTokenize(text), JSON.stringify(text));
  }
});
