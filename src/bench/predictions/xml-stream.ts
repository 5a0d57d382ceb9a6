// A streaming XML tokenizer for the parts of an .xlsx: text is pushed in chunks of any size and comes out as
// open/close/text events, so a sheet of hundreds of MB (or one 50 MB cell) is never held whole. Only a tag being
// read is buffered (a tag is refused past 1 MiB); text, CDATA and comments pass through in pieces.
//
// It reads what spreadsheet writers produce, not every XML document: no DTD (a DOCTYPE is skipped), and only the
// predefined entities and character references are decoded. Text keeps XML's rules: entities decoded, CDATA
// verbatim, line ends (\r\n, \r) normalised to \n.

export interface XmlHandler {
  /** An element starts: its local name (namespace prefix dropped) and its raw attribute text. */
  open(name: string, attrs: string): void;
  /** An element ends (right after `open` for `<name/>`). */
  close(name: string): void;
  /** Whether the text at this point is wanted; when not, it is skipped without being decoded. */
  readonly wantsText: boolean;
  /** A piece of decoded text; one text node may come in several pieces. */
  text(piece: string): void;
}

export class XmlError extends Error {}

const MAX_TAG = 1 << 20;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Character data → text: entities and character references decoded, line ends normalised. */
export function decodeXmlText(s: string): string {
  const lines = s.includes("\r") ? s.replace(/\r\n?/g, "\n") : s;
  if (!lines.includes("&")) return lines;
  return lines.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] !== "#") return ENTITIES[e]!;
    const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
  });
}

const enum Mode {
  Text,
  /** Inside `<![CDATA[ ... ]]>`. */
  CData,
  /** Inside `<!-- ... -->`. */
  Comment,
  /** Inside `<? ... ?>`. */
  Instruction,
}

const TERMINATOR = { [Mode.CData]: "]]>", [Mode.Comment]: "-->", [Mode.Instruction]: "?>" } as const;

export class XmlTokenizer {
  private buf = "";
  private mode = Mode.Text;
  private started = false;

  constructor(private readonly handler: XmlHandler) {}

  push(chunk: string): void {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.buf = this.buf === "" ? chunk : this.buf + chunk;
    this.buf = this.buf.slice(this.run(false));
  }

  /** The input ended: flushes the last text; throws when it ended inside markup (a truncated part). */
  end(): void {
    const at = this.run(true);
    if (at < this.buf.length || this.mode !== Mode.Text) throw new XmlError("the XML ends inside a tag, comment or CDATA section (the part is truncated)");
    this.buf = "";
  }

  /** Consumes what it can of `buf`; returns where the unconsumed rest starts. */
  private run(final: boolean): number {
    const s = this.buf;
    const n = s.length;
    let i = 0;
    while (i < n) {
      if (this.mode !== Mode.Text) {
        const term = TERMINATOR[this.mode];
        const at = s.indexOf(term, i);
        // Without the terminator, all but its length - 1 last characters are consumed (they may start it).
        const stop = at >= 0 ? at : Math.max(i, n - (term.length - 1));
        if (this.mode === Mode.CData && stop > i && this.handler.wantsText) {
          // A \r at the end of a piece may be the first half of \r\n: keep it for the next one.
          const cut = at < 0 && s.charCodeAt(stop - 1) === 0x0d ? stop - 1 : stop;
          if (cut > i) this.handler.text(normaliseLines(s.slice(i, cut)));
          if (at < 0) return cut;
        }
        if (at < 0) return stop;
        this.mode = Mode.Text;
        i = at + term.length;
        continue;
      }
      const lt = s.indexOf("<", i);
      if (lt !== i) {
        const end = lt < 0 ? n : lt;
        if (!this.handler.wantsText) {
          i = end;
          continue;
        }
        // Keep back an entity or a \r the chunk may have cut, unless the text ends here.
        const cut = lt >= 0 || final ? end : safeTextEnd(s, i, end);
        if (cut > i) this.handler.text(decodeXmlText(s.slice(i, cut)));
        if (cut < end) return cut;
        i = end;
        continue;
      }
      const markup = this.markup(s, i);
      if (markup < 0) return i; // incomplete: wait for more input
      i = markup;
    }
    return n;
  }

  /** Reads the markup starting at `s[i] === "<"`; returns the index after it, or -1 when more input is needed. */
  private markup(s: string, i: number): number {
    const next = s[i + 1];
    if (next === undefined) return -1;
    if (next === "!") {
      if (s.length < i + 9 && ("<![CDATA[".startsWith(s.slice(i)) || "<!--".startsWith(s.slice(i)))) return -1;
      if (s.startsWith("<![CDATA[", i)) {
        this.mode = Mode.CData;
        return i + 9;
      }
      if (s.startsWith("<!--", i)) {
        this.mode = Mode.Comment;
        return i + 4;
      }
      return this.tagEnd(s, i, () => undefined); // a DOCTYPE or other declaration: skipped
    }
    if (next === "?") {
      this.mode = Mode.Instruction;
      return i + 2;
    }
    return this.tagEnd(s, i, (tag) => {
      if (tag[1] === "/") {
        this.handler.close(localName(tag.slice(2, -1).trim()));
        return;
      }
      const selfClosing = tag[tag.length - 2] === "/";
      const body = tag.slice(1, selfClosing ? -2 : -1);
      const m = /^[^\s/>]+/.exec(body);
      const name = localName(m ? m[0] : "");
      this.handler.open(name, body.slice(m ? m[0].length : 0));
      if (selfClosing) this.handler.close(name);
    });
  }

  /** Finds the `>` ending the tag at `i` (outside quoted attribute values) and hands the tag on. */
  private tagEnd(s: string, i: number, take: (tag: string) => void): number {
    let quote = "";
    for (let j = i + 1; j < s.length; j++) {
      const c = s[j]!;
      if (quote !== "") {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ">") {
        take(s.slice(i, j + 1));
        return j + 1;
      }
    }
    if (s.length - i > MAX_TAG) throw new XmlError(`a tag longer than ${MAX_TAG} characters (${JSON.stringify(s.slice(i, i + 40))}...)`);
    return -1;
  }
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(":");
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

function normaliseLines(s: string): string {
  return s.includes("\r") ? s.replace(/\r\n?/g, "\n") : s;
}

/** The end of the text in `s[from, end)` that can be decoded now: before a trailing `&...` without its `;` or a trailing \r. */
function safeTextEnd(s: string, from: number, end: number): number {
  let cut = end;
  // The longest reference is 10 characters (&#x10FFFF;): an earlier & without a ; is a bare &, not a cut entity.
  const amp = s.lastIndexOf("&", end - 1);
  if (amp >= from && amp > end - 10 && s.indexOf(";", amp) < 0) cut = amp;
  if (cut > from && s.charCodeAt(cut - 1) === 0x0d) cut--;
  return cut;
}
