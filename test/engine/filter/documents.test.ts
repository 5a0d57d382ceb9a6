// The filter's default --min-complexity keeps documents (text-on-white slides, charts, UI screenshots: the paper
// draws on MultiUI and ChartQA) and drops flat and blank images. The images are drawn here with sharp from SVG.
// Text is drawn as glyph boxes (one stroked box per letter, words and lines spaced as text is) rather than with a
// font, so the test measures the same pixels on a machine without fonts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { measureImage } from "../../../src/engine/filter/measure.js";
import { filterOptionsSchema } from "../../../src/engine/filter/options.js";

function glyphs(x: number, y: number, text: string, size: number, colour = "black"): string {
  const w = size * 0.55;
  const stroke = Math.max(1.5, size / 9);
  let out = "";
  let at = x;
  for (const ch of text) {
    if (ch !== " ") out += `<rect x="${at}" y="${y - size * 0.7}" width="${w * 0.8}" height="${size * 0.7}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`;
    at += w;
  }
  return out;
}

function page(width: number, height: number, body: string, background = "white"): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${background}"/>${body}</svg>`);
}

const bars = [120, 260, 180, 330, 90, 240];
const DOCUMENTS: Record<string, Buffer> = {
  "slide: title and two bullets (1920x1080)": page(1920, 1080, glyphs(120, 200, "Project overview", 64) + glyphs(160, 400, "- Goals for this year", 40) + glyphs(160, 480, "- Team and budget", 40)),
  "slide: title only (1920x1080)": page(1920, 1080, glyphs(600, 540, "Introduction", 80)),
  "slide: closing words (1280x720)": page(1280, 720, glyphs(80, 340, "Thank you!", 72)),
  "slide: title and four bullets": page(1280, 720, glyphs(80, 120, "Quarterly results", 56) + ["Revenue grew 12% year over year", "Three new markets opened", "Costs held flat", "Next steps: hiring"].map((l, i) => glyphs(110, 240 + i * 70, `- ${l}`, 32)).join("")),
  "bar chart": page(1280, 720, `<line x1="100" y1="620" x2="1200" y2="620" stroke="black" stroke-width="2"/><line x1="100" y1="80" x2="100" y2="620" stroke="black" stroke-width="2"/>` + bars.map((b, i) => `<rect x="${160 + i * 170}" y="${620 - b * 1.5}" width="100" height="${b * 1.5}" fill="#4472c4"/>` + glyphs(170 + i * 170, 665, `Q${i + 1}`, 24)).join("") + glyphs(500, 60, "Sales by quarter", 32)),
  "line chart": page(1280, 720, `<polyline fill="none" stroke="#c00" stroke-width="3" points="${Array.from({ length: 30 }, (_, i) => `${100 + i * 37},${400 - 200 * Math.sin(i / 4)}`).join(" ")}"/><line x1="100" y1="650" x2="1200" y2="650" stroke="black"/><line x1="100" y1="80" x2="100" y2="650" stroke="black"/>` + glyphs(500, 60, "Temperature", 28)),
  "settings screenshot": page(1280, 720, `<rect width="1280" height="60" fill="#2b579a"/>` + glyphs(20, 42, "Settings", 26, "white") + `<rect x="0" y="60" width="260" height="660" fill="#f3f3f3"/>` + ["General", "Account", "Privacy", "Display"].map((t, i) => glyphs(30, 115 + i * 50, t, 22)).join("") + ["Dark mode", "Show previews", "Auto-update"].map((t, i) => glyphs(300, 135 + i * 70, t, 24) + `<rect x="1100" y="${105 + i * 70}" width="60" height="30" rx="15" fill="${i % 2 ? "#ccc" : "#2b579a"}"/>`).join("")),
};

const FLAT: Record<string, Buffer> = {
  "blank white": page(1280, 720, ""),
  "single colour": page(1280, 720, "", "#3a7bd5"),
  "smooth gradient": Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720"><defs><linearGradient id="g"><stop offset="0" stop-color="#123"/><stop offset="1" stop-color="#9cf"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`),
  "white with a dot": page(1280, 720, `<circle cx="640" cy="360" r="6" fill="black"/>`),
  "white with a small logo": page(1280, 720, `<circle cx="640" cy="360" r="40" fill="#c33"/>`),
};

async function complexity(svg: Buffer, format: "png" | "jpeg"): Promise<number> {
  const bytes = format === "png" ? await sharp(svg).png().toBuffer() : await sharp(svg).jpeg({ quality: 85 }).toBuffer();
  return (await measureImage(bytes, "drawn")).complexity;
}

describe("default --min-complexity and documents", () => {
  const threshold = filterOptionsSchema.parse({}).minComplexity;

  it("keeps text-on-white slides, charts and screenshots, as PNG and as JPEG", async () => {
    for (const [name, svg] of Object.entries(DOCUMENTS)) {
      for (const format of ["png", "jpeg"] as const) {
        const c = await complexity(svg, format);
        assert.ok(c >= threshold + 0.015, `${name} (${format}): complexity ${c.toFixed(3)} must clear the default ${threshold} with a margin`);
      }
    }
  });

  it("drops blank, single-colour, gradient and nearly empty images", async () => {
    for (const [name, svg] of Object.entries(FLAT)) {
      for (const format of ["png", "jpeg"] as const) {
        const c = await complexity(svg, format);
        assert.ok(c < threshold, `${name} (${format}): complexity ${c.toFixed(3)} must stay below the default ${threshold}`);
      }
    }
  });
});
