import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestBody } from "../../src/model/messages.js";

describe("requestBody", () => {
  it("writes the UTF-8 bytes of exactly what JSON.stringify writes, large image data URLs included", () => {
    const big = `data:image/png;base64,${Buffer.alloc(3000, 7).toString("base64")}`;
    const other = `data:image/jpeg;base64,${Buffer.alloc(2000, 200).toString("base64")}`;
    const body = {
      model: "m",
      messages: [
        { role: "user", content: [{ type: "text", text: 'say "mmif-image-x-0" and é \u2028 \n' }, { type: "image_url", image_url: { url: big, detail: "high" } }] },
        { role: "assistant", content: "ok" },
        { role: "user", content: [{ type: "image_url", image_url: { url: other } }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }, { type: "image_url", image_url: { url: big } }] },
      ],
      temperature: 0,
      stream: false,
    };
    assert.equal(requestBody(body).toString("utf8"), JSON.stringify(body));
    assert.equal(requestBody(body).length, Buffer.byteLength(JSON.stringify(body)));
    assert.equal(requestBody({ model: "m", messages: [] }).toString("utf8"), JSON.stringify({ model: "m", messages: [] }));
  });
});
