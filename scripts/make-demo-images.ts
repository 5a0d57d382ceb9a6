// Draws the three small pictures `mmif demo` ships in data/demo/images/ (ours; no third-party content):
// `node --import tsx scripts/make-demo-images.ts`. Deterministic: the same files every time.
import { mkdirSync } from "node:fs";
import sharp from "sharp";

const OUT = new URL("../data/demo/images/", import.meta.url).pathname;
const W = 320;
const H = 240;

/** Pseudo-random but fixed positions, so the pictures have the detail the filter asks for. */
function* points(seed: number, n: number): Generator<[number, number, number]> {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const a = x % W;
    x = (x * 1103515245 + 12345) % 2147483648;
    const b = x % H;
    x = (x * 1103515245 + 12345) % 2147483648;
    yield [a, b, 2 + (x % 9)];
  }
}

const harbor = () => `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <rect width="${W}" height="130" fill="#f4a261"/><circle cx="240" cy="110" r="28" fill="#e76f51"/>
  <rect y="130" width="${W}" height="110" fill="#264653"/>
  ${[...points(1, 40)].map(([x, y]) => `<line x1="${x}" y1="${135 + (y % 100)}" x2="${x + 18}" y2="${135 + (y % 100)}" stroke="#8ab" stroke-width="2"/>`).join("")}
  ${[40, 120, 190].map((x, i) => `<polygon points="${x},150 ${x + 50},150 ${x + 40},170 ${x + 10},170" fill="#e9c46a"/><line x1="${x + 25}" y1="150" x2="${x + 25}" y2="${100 + i * 8}" stroke="#333" stroke-width="3"/><polygon points="${x + 27},${104 + i * 8} ${x + 27},145 ${x + 48},145" fill="#fff"/>`).join("")}
</svg>`;

const garden = () => `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <rect width="${W}" height="${H}" fill="#8ecae6"/><rect y="120" width="${W}" height="120" fill="#2a9d8f"/>
  ${[...points(2, 60)].map(([x, y, r]) => `<circle cx="${x}" cy="${125 + (y % 110)}" r="${r}" fill="${["#ffb703", "#fb8500", "#e63946", "#fff"][r % 4]}"/>`).join("")}
  <rect x="150" y="60" width="14" height="90" fill="#6d4c41"/><circle cx="157" cy="55" r="40" fill="#2d6a4f"/>
</svg>`;

const city = () => `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <rect width="${W}" height="${H}" fill="#1d3557"/>
  ${[0, 45, 85, 140, 190, 250].map((x, i) => `<rect x="${x}" y="${60 + (i % 3) * 30}" width="${40 + (i % 2) * 15}" height="${H}" fill="${["#457b9d", "#a8dadc", "#6c757d"][i % 3]}"/>`).join("")}
  ${[...points(3, 90)].map(([x, y]) => `<rect x="${x}" y="${90 + (y % 140)}" width="5" height="7" fill="#ffd166"/>`).join("")}
  <circle cx="60" cy="35" r="16" fill="#f1faee"/>
</svg>`;

mkdirSync(OUT, { recursive: true });
for (const [name, svg] of [["harbor", harbor()], ["garden", garden()], ["city", city()]] as const) {
  await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(`${OUT}${name}.jpg`);
}
