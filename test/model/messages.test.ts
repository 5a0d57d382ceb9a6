import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import sharp from "sharp";
import { preparedImage } from "../../src/model/images.js";
import { requestChunks, toWireDraft, toWireMessages } from "../../src/model/messages.js";
import type { ChatMessage } from "../../src/model/types.js";

const dir = mkdtempSync(join(tmpdir(), "mmif-messages-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function pngFile(name: string, width: number): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await sharp({ create: { width, height: 20, channels: 3, background: { r: width % 256, g: 3, b: 9 } } }).png().toBuffer());
  return path;
}

describe("wire messages and request chunks", async () => {
  const a = await pngFile("a.png", 300);
  const b = await pngFile("b.png", 40);
  const messages: ChatMessage[] = [
    { role: "system", content: "be brief" },
    {
      role: "user",
      content: [
        { type: "text", text: 'say "mmif-image-x-0" and é \u2028 \n' },
        { type: "image", source: { path: a }, detail: "high" },
      ],
    },
    { role: "assistant", content: "ok" },
    { role: "user", content: [{ type: "image", source: { path: b } }, { type: "image", source: { path: a }, maxSide: 100 }, { type: "image", source: { path: a } }] },
  ];

  it("wire messages carry each image's data URL, detail only where it was given", async () => {
    const wire = await toWireMessages(messages);
    const url = async (path: string, maxSide?: number) => (await preparedImage({ path }, { maxSide })).url.toString("latin1");
    assert.deepEqual(wire, [
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: 'say "mmif-image-x-0" and é \u2028 \n' }, { type: "image_url", image_url: { url: await url(a), detail: "high" } }] },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "image_url", image_url: { url: await url(b) } }, { type: "image_url", image_url: { url: await url(a, 100) } }, { type: "image_url", image_url: { url: await url(a) } }] },
    ]);
    assert.match(await url(a), /^data:image\/png;base64,/);
    assert.notEqual(await url(a, 100), await url(a), "the side limit gives another image");
  });

  it("the chunks are exactly the UTF-8 bytes JSON.stringify writes for the full body, each image's URL a shared chunk", async () => {
    const draft = await toWireDraft(messages);
    const body = { model: "m", messages: draft.messages, temperature: 0, stream: false };
    const chunks = requestChunks(body, draft);
    const full = { ...body, messages: await toWireMessages(messages) };
    assert.equal(Buffer.concat(chunks).toString("utf8"), JSON.stringify(full));
    assert.equal(chunks.length, 2 * draft.images.length + 1);
    // Not copies: the very bytes every call sending the image shares.
    assert.equal(chunks[1], (await preparedImage({ path: a })).url);
    assert.equal(chunks[3], (await preparedImage({ path: b })).url);
    const textOnly = await toWireDraft([{ role: "user", content: "hi" }]);
    assert.deepEqual(requestChunks({ model: "m", messages: textOnly.messages }, textOnly).map(String), [JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] })]);
  });
});
