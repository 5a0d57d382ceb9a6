/**
 * Punkt sentence tokenizer, inference only, splitting exactly like NLTK 3.8's `nltk.sent_tokenize` (English).
 */
import { ENGLISH_PARAMS_DIR, loadPunktParameters } from "./params.js";
import { PunktSentenceTokenizer, type Span } from "./tokenizer.js";

export { PunktSentenceTokenizer, type Span } from "./tokenizer.js";
export {
  ENGLISH_PARAMS_DIR,
  loadPunktParameters,
  parsePunktParameters,
  type PunktParameters,
  type PunktParameterTexts,
} from "./params.js";
export { punktWords } from "./words.js";

let english: PunktSentenceTokenizer | undefined;

/** The English tokenizer; its parameters are read from `data/punkt/english/` on first use and cached. */
export function englishTokenizer(): PunktSentenceTokenizer {
  english ??= new PunktSentenceTokenizer(loadPunktParameters(ENGLISH_PARAMS_DIR));
  return english;
}

// Verify functions often split the same cleaned response more than once (count, then begin/end checks).
let lastText: string | undefined;
let lastSpans: readonly Span[] = [];

/** Sentence spans `[start, end)` in UTF-16 offsets (`span_tokenize`); read-only, the list may be shared. */
export function sentSpans(text: string): readonly Span[] {
  if (text !== lastText) {
    lastSpans = englishTokenizer().spanTokenize(text);
    lastText = text;
  }
  return lastSpans;
}

/** `nltk.sent_tokenize(text)`: the sentences of `text`. */
export function sentTokenize(text: string): string[] {
  return sentSpans(text).map(([start, end]) => text.slice(start, end));
}

/** `len(nltk.sent_tokenize(text))`, without building the sentence strings. */
export function sentCount(text: string): number {
  return sentSpans(text).length;
}
