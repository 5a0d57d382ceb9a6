// The .xlsx reader streams its parts: text cut anywhere by the inflater reads the same, and a cell over the limit
// is measured, not kept.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { readXlsxFirstSheet, XlsxError } from "../../../src/bench/predictions/xlsx.js";
import { workbookParts, xlsx, zip } from "../../helpers/xlsx.js";

const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "mmif-xlsx-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe("readXlsxFirstSheet", () => {
  it("reads multi-byte text that the 64 KiB pieces cut mid-character, stored or deflated", async () => {
    const long = "é日😀 ".repeat(30_000); // 300,000 bytes of 1- to 4-byte characters
    for (const store of [true, false]) {
      const sheet = await readXlsxFirstSheet(write(`multibyte-${store}.xlsx`, xlsx([["index", "prediction"], [1, long], [2, { inline: long }]], { store })));
      assert.deepEqual(sheet.rows.slice(1), [[{ t: "num", v: "1" }, { t: "text", v: long }], [{ t: "num", v: "2" }, { t: "text", v: long }]], `store ${store}`);
    }
  });

  it("rich-text runs joined, phonetic runs left out, CDATA and entities decoded, a formula's text ignored", async () => {
    const sheetData =
      '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>in</t></r><r><t xml:space="preserve">line &amp; </t></r><rPh><t>x</t></rPh><t><![CDATA[<raw>]]></t></is></c>' +
      '<c r="C1" t="str"><f>CONCAT("a","b")</f><v>ab</v></c><c r="D1"><v>1.5</v><v>9</v></c></row></sheetData>';
    const sst = "<si><r><t>Rich </t></r><r><rPr><b/></rPr><t>text_x005F_x000D_</t></r><rPh sb=\"0\" eb=\"1\"><t>ignored</t></rPh></si>";
    const sheet = await readXlsxFirstSheet(write("rich.xlsx", zip(workbookParts(sheetData, sst))));
    assert.deepEqual(sheet.rows, [[{ t: "text", v: "Rich text_x000D_" }, { t: "text", v: "inline & <raw>" }, { t: "text", v: "ab" }, { t: "num", v: "1.5" }]]);
  });

  it("a shared string, an inline string or a value over maxCellBytes is measured and listed, not kept", async () => {
    const big = "ü".repeat(200_000); // 400,000 bytes
    const file = write("over.xlsx", xlsx([["index", "prediction"], [1, big], [2, "ok"], [3, { inline: big }], [4, 1e300]]));
    const sheet = await readXlsxFirstSheet(file, { maxCellBytes: 1000 });
    assert.deepEqual(sheet.oversized, [
      { row: 2, column: 1, ref: "B2", bytes: 400_000, limit: 1000 },
      { row: 4, column: 1, ref: "B4", bytes: 400_000, limit: 1000 },
    ]);
    assert.deepEqual(sheet.rows.map((r) => r[1]), [{ t: "text", v: "prediction" }, { t: "na" }, { t: "text", v: "ok" }, { t: "na" }, { t: "num", v: "1e+300" }]);
    const tight = await readXlsxFirstSheet(file, { maxCellBytes: 5 });
    assert.deepEqual(tight.oversized.map((o) => [o.ref, o.bytes]), [["B1", 10], ["B2", 400_000], ["B4", 400_000], ["B5", 6]]);
    const whole = await readXlsxFirstSheet(file);
    assert.deepEqual([whole.oversized, whole.rows[1]![1]], [[], { t: "text", v: big }]);
  });

  it("a corrupt archive is an XlsxError saying what is wrong", async () => {
    const good = xlsx([["index", "prediction"], [1, "a"]]);
    const badCrc = Buffer.from(good);
    // The sheet's CRC in the central directory (its name's last occurrence ends that record's 46-byte header): flip a bit.
    const cd = badCrc.lastIndexOf("xl/worksheets/sheet1.xml") - 46;
    badCrc.writeUInt32LE((badCrc.readUInt32LE(cd + 16) ^ 1) >>> 0, cd + 16);
    await assert.rejects(readXlsxFirstSheet(write("crc.xlsx", badCrc)), (e: unknown) => e instanceof XlsxError && /CRC mismatch/.test(e.message));
    // The sheet's deflated bytes overwritten (they follow its name in its local header).
    const badData = Buffer.from(good);
    const local = badData.indexOf("xl/worksheets/sheet1.xml") + "xl/worksheets/sheet1.xml".length;
    badData.fill(0xff, local + 2, local + 12);
    await assert.rejects(readXlsxFirstSheet(write("inflate.xlsx", badData)), (e: unknown) => e instanceof XlsxError && /xl\/worksheets\/sheet1\.xml: (cannot inflate|CRC mismatch|.* bytes, not the declared)/.test(e.message));
    await assert.rejects(readXlsxFirstSheet(write("short.xlsx", good.subarray(0, good.length - 30))), (e: unknown) => e instanceof XlsxError && /not a readable \.xlsx file/.test(e.message));
    const cutSheet = zip({ ...workbookParts("", ""), "xl/worksheets/sheet1.xml": '<worksheet><sheetData><row r="1"><c r="A1"' });
    await assert.rejects(readXlsxFirstSheet(write("cut.xlsx", cutSheet)), (e: unknown) => e instanceof XlsxError && /xl\/worksheets\/sheet1\.xml: the XML ends inside a tag/.test(e.message));
  });
});
