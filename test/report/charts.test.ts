// The inline SVG charts: shapes, scales, escaped labels.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { arcPath, barChart, clip, columnBars, funnel, histogram, niceScale, sunburst } from "../../src/report/charts.js";

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const HOSTILE = `<script>window.__pwned=1</script>`;

/** Every tag is closed or self-closing, in order: a cheap well-formedness check without an XML parser. */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, self] = m;
    if (self) continue;
    if (closing) assert.equal(stack.pop(), name, `closing </${name}> at ${m.index}`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, []);
}

describe("charts", () => {
  it("bar chart: one bar per valued row, a whisker for an interval, labels escaped", () => {
    const svg = barChart(
      [
        { label: "GPT-4o", value: 64.6 },
        { label: HOSTILE, value: 42, low: 38.5, high: 45.5, highlight: true },
        { label: "missing", value: null },
      ],
      { title: "t", max: 100 },
    ).value;
    assertBalanced(svg);
    assert.equal(count(svg, /<rect /g), 2);
    assert.equal(count(svg, /class="whisker"/g), 3);
    assert.equal(count(svg, /class="bar hl"/g), 1);
    assert.ok(!svg.includes("<script>") && svg.includes("&lt;script&gt;"));
    assert.match(svg, />42\.0</);
    assert.match(svg, /\[38\.5, 45\.5\]/);
  });

  it("bar chart scale: 100 for percentages, a round maximum for counts", () => {
    assert.deepEqual(niceScale(31), { max: 40, step: 10 });
    assert.deepEqual(niceScale(3), { max: 3, step: 1 });
    assert.deepEqual(niceScale(116), { max: 150, step: 50 });
    assert.deepEqual(niceScale(0), { max: 1, step: 1 });
    const svg = barChart([{ label: "a", value: 31 }], { title: "t", width: 400, labelWidth: 100, valueWidth: 50 }).value;
    assert.deepEqual([...svg.matchAll(/class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]), ["0", "10", "20", "30", "40"]);
    assert.match(svg, /width="193\.8"/, "31/40 of the 250 px plot");
  });

  it("leaderboard columns: one bar per finite value, whiskers on the highlighted row", () => {
    const svg = columnBars(
      [
        { label: "A", values: [71.5, 44, 64.6] },
        { label: "this run", values: [50, null, 40], intervals: [{ low: 45, high: 55 }, null, { low: 35, high: 45 }], highlight: true },
      ],
      ["C", "P", "Avg"],
      { title: "t" },
    ).value;
    assertBalanced(svg);
    assert.equal(count(svg, /<rect x="[\d.]+" y="[\d.]+" width/g), 5);
    assert.equal(count(svg, /class="whisker"/g), 6);
    assert.equal(count(svg, /class="row-hl"/g), 1);
  });

  it("funnel: shares of the stage before, except where the unit changes", () => {
    const svg = funnel(
      [
        { label: "Images", value: 200 },
        { label: "Kept", value: 150 },
        { label: "Items", value: 300, share: false },
        { label: "Kept items", value: 120 },
      ],
      { title: "f" },
    ).value;
    assertBalanced(svg);
    assert.match(svg, />150 \(75\.0%\)</);
    assert.match(svg, />300</);
    assert.match(svg, />120 \(40\.0%\)</);
  });

  it("sunburst: an inner arc per group and an outer arc per child, sized by value", () => {
    const svg = sunburst(
      [
        { label: "Format", value: 3, children: [{ label: "List", value: 2 }, { label: "Title", value: 1 }] },
        { label: HOSTILE, value: 1, children: [{ label: "x", value: 1 }] },
      ],
      { title: "s" },
    ).value;
    assertBalanced(svg);
    assert.equal(count(svg, /class="arc inner"/g), 2);
    assert.equal(count(svg, /class="arc outer"/g), 3);
    assert.match(svg, /Format: 3 \(75\.0%\)/);
    assert.ok(!svg.includes("<script>"));
    assert.match(sunburst([], { title: "empty" }).value, /no constraints/);
  });

  it("arc paths: a quarter from 12 to 3 o'clock, and a whole ring still drawn", () => {
    assert.equal(arcPath(100, 100, 50, 100, 0, Math.PI / 2), "M100 0A100 100 0 0 1 200 100L150 100A50 50 0 0 0 100 50Z");
    assert.match(arcPath(100, 100, 50, 100, 0, 2 * Math.PI), /A100 100 0 1 1 /);
  });

  it("histogram: a bar and a count per bin", () => {
    const svg = histogram(
      [
        { label: "3", value: 5 },
        { label: "4", value: 10 },
      ],
      { title: "h", xLabel: "constraints" },
    ).value;
    assertBalanced(svg);
    assert.equal(count(svg, /<rect /g), 2);
    assert.match(svg, />10</);
    assert.equal(clip("abcdefgh", 5), "abcd…");
  });
});
