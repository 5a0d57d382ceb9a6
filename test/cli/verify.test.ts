import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parityPath } from "../helpers/parity.js";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";

const SENTENCES = { func: "check_whether_response_sentence_number_in_range", params: [2, 2] };
const NO_DIGITS = { func: "check_whether_has_no_arabic_number_in_response", params: [] };

function jsonl(rows: unknown[]): string {
  return rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";
}

function parseLines(text: string): Array<Record<string, unknown>> {
  return text.trimEnd().split("\n").map((l) => JSON.parse(l));
}

describe("mmif verify", () => {
  const dir = tempDir();

  it("--help documents every flag, the formats and exit codes", async () => {
    const r = await runCli(["verify", "--help"]);
    assert.equal(r.code, 0);
    for (const flag of ["--in <file>", "--out <file>", "--list", "--quiet"]) assert.ok(r.stdout.includes(flag), flag);
    assert.match(r.stdout, /"verify_funcs"/);
    assert.match(r.stdout, /"constraints"/);
    assert.match(r.stdout, /Exit codes/);
  });

  it("--list shows all 19 functions with their signatures", async () => {
    const r = await runCli(["verify", "--list"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.match(/^check_\w+\(response/gm)?.length, 19);
    assert.match(r.stdout, /check_whether_each_keyword_in_list_metioned_in_range\(response, keywords: list\[str\], lower_bound: int, upper_bound: int\)/);
  });

  it("reproduces every reference verdict of the parity corpus from a real file, in order", async () => {
    const r = await runCli(["verify", "--in", parityPath("verify-corpus.jsonl")]);
    assert.equal(r.code, 0, r.stderr);
    const input = readFileSync(parityPath("verify-corpus.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    const output = parseLines(r.stdout);
    assert.equal(output.length, input.length);
    output.forEach((o, i) => {
      const { results, pass, ...rest } = o;
      assert.deepEqual(rest, input[i], `line ${i + 1} passes every input field through`);
      assert.deepEqual(results, input[i].expected_each, `line ${i + 1} (${input[i].id})`);
      assert.equal(pass, input[i].expected);
    });
    assert.match(r.stderr, /mmif verify: 2949 lines: \d+ pass, \d+ fail, 0 with errors/);
  });

  it("reads standard input with --in - and checks rule_based constraints", async () => {
    const constraints = [
      { key: "s", value: "Two sentences.", judge: { method: "rule_based", verify_funcs: [SENTENCES] } },
      { key: "t", value: "Cheerful.", judge: { method: "cmp_gpt" } },
      { key: "n", value: "No digits.", judge: { method: "rule_based", verify_funcs: [NO_DIGITS] } },
    ];
    const r = await runCli(["verify", "--in", "-", "--quiet"], {
      input: jsonl([{ id: "a", response: "One. Two.", constraints }, { id: "b", response: "Only 1 left.", constraints: JSON.stringify(constraints) }]),
    });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    const [a, b] = parseLines(r.stdout);
    assert.deepEqual([a!.id, a!.results, a!.pass], ["a", [true, true], true]);
    assert.deepEqual([b!.id, b!.results, b!.pass], ["b", [false, false], false]);
  });

  it("marks bad lines with an error naming the line and function, checks the rest, exits 2", async () => {
    const file = join(dir, "mixed.jsonl");
    writeFileSync(
      file,
      jsonl([
        { id: 1, response: "One. Two.", verify_funcs: [SENTENCES] },
        "{not json",
        { id: 3, response: "x", verify_funcs: [{ func: "check_whether_each_keyword_in_list_mentioned_in_range", params: [["x"], 1, 1] }] },
        "",
        { id: 5, response: "x", verify_funcs: [{ func: "check_whether_response_word_count_in_range", params: [1] }] },
        { id: 6, response: "A 1 b.", verify_funcs: [NO_DIGITS] },
      ]),
    );
    const out = join(dir, "mixed.out.jsonl");
    const r = await runCli(["verify", "--in", file, "--out", out]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    const lines = parseLines(readFileSync(out, "utf8"));
    assert.equal(lines.length, 5, "one output line per non-blank input line");
    assert.deepEqual([lines[0]!.id, lines[0]!.pass], [1, true]);
    assert.match(String(lines[1]!.error), /^line 2: invalid JSON/);
    assert.equal(lines[2]!.id, 3);
    assert.match(String(lines[2]!.error), /^line 3: verify_funcs\[0\]: unknown verify function "check_whether_each_keyword_in_list_mentioned_in_range" \(did you mean "check_whether_each_keyword_in_list_metioned_in_range"\?\)/);
    assert.equal(lines[2]!.results, undefined);
    assert.match(String(lines[3]!.error), /^line 5: verify_funcs\[0\]: check_whether_response_word_count_in_range: takes 2 parameter\(s\).*lower_bound: int, upper_bound: int/);
    assert.deepEqual([lines[4]!.id, lines[4]!.pass], [6, false]);
    assert.match(r.stderr, /line 2: invalid JSON/);
    assert.match(r.stderr, /5 lines: 1 pass, 1 fail, 3 with errors/);
  });

  it("reads a file saved with a byte order mark and CRLF line ends, whose last line has no line break", async () => {
    const file = join(dir, "windows.jsonl");
    const rows = [{ id: 1, response: "One. Two.", verify_funcs: [SENTENCES] }, { id: 2, response: "A 1 b.", verify_funcs: [NO_DIGITS] }];
    writeFileSync(file, `\ufeff${rows.map((r) => JSON.stringify(r)).join("\r\n")}`);
    const r = await runCli(["verify", "--in", file, "--quiet"]);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(parseLines(r.stdout).map((l) => [l.id, l.pass]), [[1, true], [2, false]]);
  });

  it("a UTF-16 file is one error saying to save it as UTF-8, not an invalid-JSON error per line", async () => {
    const file = join(dir, "utf16.jsonl");
    const rows = [{ id: 1, response: "One. Two.", verify_funcs: [SENTENCES] }, { id: 2, response: "A.", verify_funcs: [] }];
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jsonl(rows), "utf16le")]));
    const r = await runCli(["verify", "--in", file]);
    assert.equal(r.code, 2);
    assert.deepEqual(parseLines(r.stdout), [{ error: "line 1: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8" }]);
    assert.match(r.stderr, /1 lines: 0 pass, 0 fail, 1 with errors/);
  });

  it("exits 2 with a clear message for a missing --in or file", async () => {
    const a = await runCli(["verify"]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /verify needs --in FILE/);
    const b = await runCli(["verify", "--in", join(dir, "nope.jsonl")]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /cannot read --in .*nope\.jsonl: no such file/);
    const c = await runCli(["verify", "--in", dir]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /is not a file/);
  });

  it("streams: answers each line while the input is still open", async () => {
    const child = spawn(process.execPath, [MMIF, "verify", "--in", "-", "--quiet"]);
    child.stdout.setEncoding("utf8");
    let seen = "";
    const firstLine = new Promise<string>((resolve) => {
      child.stdout.on("data", (d: string) => {
        seen += d;
        if (seen.includes("\n")) resolve(seen);
      });
    });
    child.stdin.write(`${JSON.stringify({ id: "first", response: "One. Two.", verify_funcs: [SENTENCES] })}\n`);
    const got = JSON.parse((await firstLine).split("\n")[0]!);
    assert.equal(got.id, "first");
    child.stdin.end(`${JSON.stringify({ id: "second", response: "One.", verify_funcs: [SENTENCES] })}\n`);
    const [code] = await once(child, "close");
    assert.equal(code, 0);
    assert.equal(parseLines(seen).length, 2);
  });

  it("streams a file far larger than its heap allows", async () => {
    // ~120 MB of input through a process with a 48 MB old-space heap: it only works if nothing holds the file.
    const file = join(dir, "big.jsonl");
    const stream = createWriteStream(file);
    const line = `${JSON.stringify({ response: `${"word ".repeat(2000)}end.`, verify_funcs: [NO_DIGITS, { func: "check_whether_whole_response_end_with_certain_substring", params: ["end."] }] })}\n`;
    const copies = Math.ceil((120 * 1024 * 1024) / line.length);
    for (let i = 0; i < copies; i++) if (!stream.write(line)) await once(stream, "drain");
    stream.end();
    await once(stream, "finish");
    const out = join(dir, "big.out.jsonl");
    const r = await runCli(["verify", "--in", file, "--out", out], { nodeArgs: ["--max-old-space-size=48"] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${copies} lines: ${copies} pass, 0 fail, 0 with errors`));
  });
});
