import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { DelimitedParser, parseDelimited, readDelimitedFile } from "../../../src/bench/load/delimited.js";
import { BenchFileError } from "../../../src/bench/load/errors.js";

const fields = (text: string, d = "\t") => parseDelimited(text, d).map((r) => r.fields);

describe("delimited parser (pandas read_csv defaults)", () => {
  test("plain rows, last line with or without a line break, CRLF and lone CR", () => {
    assert.deepEqual(fields("a\tb\n1\t2\n"), [["a", "b"], ["1", "2"]]);
    assert.deepEqual(fields("a\tb\n1\t2"), [["a", "b"], ["1", "2"]]);
    assert.deepEqual(fields("a\tb\r\n1\t2\r\n"), [["a", "b"], ["1", "2"]]);
    assert.deepEqual(fields("a\tb\r1\t2\r"), [["a", "b"], ["1", "2"]]);
    assert.deepEqual(fields("a\t\n\t\n"), [["a", ""], ["", ""]]);
  });

  test("quoted fields: tabs, line breaks and doubled quotes inside; text after the closing quote is kept", () => {
    assert.deepEqual(fields('"x\ty"\t"line1\nline2\r\nline3"\t"say ""hi"""\n'), [["x\ty", "line1\nline2\r\nline3", 'say "hi"']]);
    assert.deepEqual(fields('"ab"cd\tz\n'), [["abcd", "z"]]);
    // a quote that does not open the field is an ordinary character
    assert.deepEqual(fields('a"b\t5"\n'), [['a"b', '5"']]);
    assert.deepEqual(fields('""\t""\n'), [["", ""]]);
  });

  test("blank lines are skipped, a line holding only a quoted empty field is not", () => {
    const recs = parseDelimited("h\n\n   \n1\n\"\"\n", "\t");
    assert.deepEqual(recs.map((r) => r.fields), [["h"], ["1"], [""]]);
    assert.deepEqual(recs.map((r) => r.record), [1, 2, 3]);
  });

  test("a byte order mark is dropped; an unterminated quote flags the last record", () => {
    assert.deepEqual(fields("\ufeffindex\tx\n1\t2\n"), [["index", "x"], ["1", "2"]]);
    const recs = parseDelimited('h\n1\t"open\nstill open', "\t");
    assert.equal(recs.length, 2);
    assert.equal(recs[1]!.unterminatedQuote, true);
  });

  test("commas for CSV; tabs are then ordinary characters", () => {
    assert.deepEqual(fields('a,b\n"1,5",x\ty\n', ","), [["a", "b"], ["1,5", "x\ty"]]);
  });

  test("any chunking gives the same records as the whole text", () => {
    const alphabet = ["a", "b", '"', '""', "\t", ",", "\n", "\r\n", "\r", " "];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      let text = "";
      const len = rand(30);
      for (let i = 0; i < len; i++) text += alphabet[rand(alphabet.length)];
      const whole = parseDelimited(text, "\t");
      for (const size of [1, 2, 3, 7]) {
        const parser = new DelimitedParser("\t");
        const got = [];
        for (let i = 0; i < text.length; i += size) got.push(...parser.push(text.slice(i, i + size)));
        got.push(...parser.end());
        assert.deepEqual(got, whole, `chunk size ${size} on ${JSON.stringify(text)}`);
      }
      // A pieced column (the TSV's image) gives the same text in pieces, and the same records (blank lines too).
      const headed = `img\tq\n${text}`;
      for (const size of [1, 3, 7, 1000]) {
        const parser = new DelimitedParser("\t", undefined, new Set(["img"]));
        const got = [];
        for (let i = 0; i < headed.length; i += size) got.push(...parser.push(headed.slice(i, i + size)));
        got.push(...parser.end());
        const joined = got.map(({ pieces, ...r }) => ({ ...r, fields: r.fields.map((f, c) => (pieces?.has(c) ? pieces.get(c)!.join("") : f)) }));
        assert.deepEqual(joined, parseDelimited(headed, "\t"), `pieced, chunk size ${size} on ${JSON.stringify(headed)}`);
        assert.ok(got.slice(1).every((r) => r.fields[0] === ""), "the pieced column's field is empty, its text in pieces");
      }
    }
  });

  test("readDelimitedFile refuses a UTF-16 file (Excel's Unicode Text) saying to save it as UTF-8", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-delim-"));
    try {
      for (const [name, bytes] of [["le.tsv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("index\tprediction\r\n1\ta\r\n", "utf16le")])], ["be.tsv", Buffer.from([0xfe, 0xff, 0, 0x69])]] as const) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, bytes);
        await assert.rejects(
          (async () => {
            for await (const _ of readDelimitedFile(file, "\t"));
          })(),
          (e: unknown) => e instanceof BenchFileError && e.message === `${file}: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 (in Excel: CSV UTF-8, or Unicode Text re-saved as UTF-8)`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("readDelimitedFile streams a file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-delim-"));
    try {
      const file = path.join(dir, "t.tsv");
      const big = "x".repeat(3 << 20); // a field longer than the 1 MiB read size
      fs.writeFileSync(file, `a\tb\n"${big}"\t2\n3\t4\n`);
      const recs = [];
      for await (const r of readDelimitedFile(file, "\t")) recs.push(r);
      assert.equal(recs.length, 3);
      assert.equal(recs[1]!.fields[0]!.length, big.length);
      assert.deepEqual(recs[2]!.fields, ["3", "4"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("readDelimitedFile decodes UTF-8 cut by its 1 MiB reads as a whole-file decode does (ASCII reads are copied, not decoded)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-delim-"));
    const MiB = 1 << 20;
    // A file of ASCII with, at the end of each 1 MiB read, one of: a character cut in two, a truncated sequence
    // followed by ASCII, a stray continuation byte, a valid character; the next read is pure ASCII.
    const tails = [Buffer.from("€"), Buffer.from("😀"), Buffer.from([0xe2, 0x82]), Buffer.from([0x80]), Buffer.from([0xff]), Buffer.from("é")];
    try {
      for (const [t, tail] of tails.entries()) {
        for (const cut of [1, tail.length - 1, tail.length]) {
          if (cut < 1 || cut > tail.length) continue;
          const parts: Buffer[] = [Buffer.from("a\tb\n")];
          let size = parts[0]!.length;
          for (let read = 1; read <= 3; read++) {
            const filler = read * MiB - cut - size; // the tail's first `cut` bytes end this read
            parts.push(Buffer.from(`r${read}\t${"x".repeat(filler - `r${read}\t`.length)}`), tail, Buffer.from(`\t${read}\n`));
            size = parts.reduce((n, b) => n + b.length, 0);
          }
          const buf = Buffer.concat(parts);
          const file = path.join(dir, `t${t}-${cut}.tsv`);
          fs.writeFileSync(file, buf);
          const recs = [];
          for await (const r of readDelimitedFile(file, "\t")) recs.push(r.fields);
          assert.deepEqual(recs, fields(buf.toString("utf8")), `tail ${[...tail].map((b) => b.toString(16)).join(" ")} cut after ${cut} bytes`);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("delimited parser memory", () => {
  test("fields kept by the caller do not pin the chunks they were cut from", async () => {
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const parser = new DelimitedParser("\t");
    const kept: string[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    // 200 rows, each in its own 1 MiB chunk; only the short second field is kept, as a loaded row keeps its question.
    for (let i = 0; i < 200; i++) for (const r of parser.push(`i${i}\tquestion number ${i} about the picture\t${"x".repeat(1 << 20)}\n`)) kept.push(r.fields[1]!);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(kept.length, 200);
    assert.equal(kept[7], "question number 7 about the picture");
    assert.ok(grown < 20 * 2 ** 20, `heap grew by ${(grown / 2 ** 20).toFixed(0)} MiB holding 200 short fields`);
  });
});

describe("delimited parser field limit", () => {
  test("a field over the limit is dropped and its UTF-8 size kept; fields at the limit and other rows are whole", () => {
    const over = "é".repeat(6); // 6 units, 12 bytes
    const recs = parseDelimited(`a\tb\n${"x".repeat(10)}\t${over}\n"q""${"y".repeat(20)}"\tz\n1\t2\n`, "\t", { bytes: 10 });
    assert.deepEqual(recs.map((r) => r.fields), [["a", "b"], ["x".repeat(10), ""], ["", "z"], ["1", "2"]]);
    assert.deepEqual(recs.map((r) => r.oversized), [undefined, [{ column: 1, bytes: 12, limit: 10 }], [{ column: 0, bytes: 22, limit: 10 }], undefined]);
  });

  test("a column's own limit applies from the row after the header; a dropped lone field is not a blank line", () => {
    const limits = { bytes: 5, column: (name: string) => (name === "image" ? 8 : undefined) };
    const recs = parseDelimited("image\tq\n12345678\t12345\n123456789\t123456\n", "\t", limits);
    assert.deepEqual(recs.map((r) => r.oversized), [undefined, undefined, [{ column: 0, bytes: 9, limit: 8 }, { column: 1, bytes: 6, limit: 5 }]]);
    assert.deepEqual(parseDelimited("h\n     \n", "\t", { bytes: 2 }).map((r) => r.oversized), [undefined, [{ column: 0, bytes: 5, limit: 2 }]]);
  });

  test("a last row of one field over the limit, without a line break at the end, is still a record", () => {
    const recs = parseDelimited(`h\n${"x".repeat(30)}`, "\t", { bytes: 10 });
    assert.deepEqual(recs.map((r) => [r.record, r.oversized]), [[1, undefined], [2, [{ column: 0, bytes: 30, limit: 10 }]]]);
  });

  test("a field spread over many chunks is counted across them without being kept", () => {
    const parser = new DelimitedParser(",", { bytes: 1000 });
    const out = [...parser.push("id,text\n1,")];
    for (let i = 0; i < 50; i++) out.push(...parser.push("z".repeat(100)));
    out.push(...parser.push(",end\n2,ok\n"), ...parser.end());
    assert.deepEqual(out.map((r) => r.fields), [["id", "text"], ["1", "", "end"], ["2", "ok"]]);
    assert.deepEqual(out[1]!.oversized, [{ column: 1, bytes: 5000, limit: 1000 }]);
  });
});
