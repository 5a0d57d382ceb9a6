// The streaming XML tokenizer behind the .xlsx reader: the same events however the text is cut into chunks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { XmlError, XmlTokenizer, type XmlHandler } from "../../../src/bench/predictions/xml-stream.js";

/** Collects events; adjacent text pieces are joined, since one text node may come in several pieces. */
function collect(chunks: string[], wants: (open: string[]) => boolean = () => true): string[] {
  const events: string[] = [];
  const open: string[] = [];
  const handler: XmlHandler = {
    open(name, attrs) {
      open.push(name);
      events.push(`<${name}${attrs.trimEnd()}>`);
    },
    close(name) {
      assert.equal(open.pop(), name);
      events.push(`</${name}>`);
    },
    get wantsText() {
      return wants(open);
    },
    text(piece) {
      const last = events.length - 1;
      if (last >= 0 && events[last]!.startsWith("text:")) events[last] += piece;
      else events.push(`text:${piece}`);
    },
  };
  const t = new XmlTokenizer(handler);
  for (const c of chunks) t.push(c);
  t.end();
  return events;
}

function cut(text: string, size: number): string[] {
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe("XmlTokenizer", () => {
  const doc =
    '\ufeff<?xml version="1.0" encoding="UTF-8"?><!-- a -- comment > --><x:sst xmlns:x="ns" a=\'1>2\'><si><t xml:space="preserve">A &amp; B &lt;c&gt; &#233;&#x1F600;\r\nline\rend</t></si>' +
    '<si><t><![CDATA[raw <b> &amp;\r\n]] ]]></t><rPh sb="0"><t>phon</t></rPh></si><empty/><!DOCTYPE nothing></x:sst>';
  const expected = [
    "<sst xmlns:x=\"ns\" a='1>2'>",
    "<si>",
    '<t xml:space="preserve">',
    "text:A & B <c> é😀\nline\nend",
    "</t>",
    "</si>",
    "<si>",
    "<t>",
    "text:raw <b> &amp;\n]] ",
    "</t>",
    '<rPh sb="0">',
    "<t>",
    "text:phon",
    "</t>",
    "</rPh>",
    "</si>",
    "<empty>",
    "</empty>",
    "</sst>",
  ];

  it("gives the same events whatever the chunk size, entities, CDATA, comments and \\r\\n cut anywhere", () => {
    for (const size of [1, 2, 3, 5, 7, 11, 64, doc.length]) assert.deepEqual(collect(cut(doc, size)), expected, `chunks of ${size}`);
  });

  it("a bare & is kept as text, however the chunks cut it", () => {
    for (const size of [1, 3, 100]) assert.deepEqual(collect(cut("<t>fish & chips; A&B</t>", size)), ["<t>", "text:fish & chips; A&B", "</t>"], `chunks of ${size}`);
  });

  it("skips text that is not wanted without handing it on", () => {
    const events = collect(cut("<c><f>SUM(A1)</f><v>3</v></c>", 2), (open) => open.at(-1) === "v");
    assert.deepEqual(events, ["<c>", "<f>", "</f>", "<v>", "text:3", "</v>", "</c>"]);
  });

  it("a part cut off inside markup is an error", () => {
    for (const doc of ["<a><b", "<a><![CDATA[x", "<a><!-- x"]) assert.throws(() => collect([doc]), XmlError, doc);
  });
});
