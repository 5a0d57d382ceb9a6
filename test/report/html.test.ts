// Escaping, JSON embedding and the page frame (CSP hashes) of the HTML reports.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { CLIENT_SCRIPT } from "../../src/report/assets/client.js";
import { STYLE } from "../../src/report/assets/style.js";
import { escapeHtml, fmt1, html, jsonForScript, page, SafeHtml, trusted } from "../../src/report/html.js";

const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert(2)"> & 'quoted' </script><!--`;

describe("escaping", () => {
  it("escapes the five HTML metacharacters", () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  });

  it("html`` escapes every interpolated value, in text and in attributes", () => {
    const out = html`<p title="${HOSTILE}">${HOSTILE}</p>`.value;
    assert.ok(!out.includes("<script>") && !out.includes("<img"), out);
    assert.equal((out.match(/"/g) ?? []).length, 2, "only the template's own quotes");
    assert.ok(out.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  });

  it("keeps SafeHtml, joins arrays, drops null, undefined and false, prints numbers", () => {
    const inner = html`<b>${"<i>"}</b>`;
    assert.equal(html`${inner}${["<", inner]}${null}${undefined}${false}${0}${1.5}`.value, "<b>&lt;i&gt;</b>&lt;<b>&lt;i&gt;</b>01.5");
    assert.ok(trusted("<br>") instanceof SafeHtml);
  });

  it("formats numbers to one decimal, with a dash for missing ones", () => {
    assert.equal(fmt1(42.6999), "42.7");
    assert.equal(fmt1(null), "–");
    assert.equal(fmt1(Number.NaN), "–");
  });
});

describe("JSON inside a script element", () => {
  it("has no '<' at all, so neither </script> nor <!-- can appear, and parses back to the same data", () => {
    const data = { text: HOSTILE, line: "a\u2028b\u2029c", nested: [{ s: "</SCRIPT >" }] };
    const embedded = jsonForScript(data);
    assert.ok(!embedded.includes("<"));
    assert.ok(!/[\u2028\u2029]/.test(embedded));
    assert.deepEqual(JSON.parse(embedded), data);
  });
});

describe("page", () => {
  const doc = page({ title: HOSTILE, css: STYLE, script: CLIENT_SCRIPT, body: html`<main>${HOSTILE}</main>`, data: { x: HOSTILE } });

  it("has exactly our two script elements and one style element", () => {
    assert.equal((doc.match(/<script/gi) ?? []).length, 2);
    assert.equal((doc.match(/<\/script/gi) ?? []).length, 2);
    assert.equal((doc.match(/<style/gi) ?? []).length, 1);
    assert.ok(!doc.includes("<img"));
  });

  it("allows only our script and style by hash, images from data: URLs, and no network", () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(doc)?.[1];
    assert.ok(csp);
    const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
    assert.ok(csp.includes(`script-src ${hash(CLIENT_SCRIPT)}`), csp);
    assert.ok(csp.includes(`style-src ${hash(STYLE)}`), csp);
    assert.ok(csp.includes("default-src 'none'") && csp.includes("img-src data:"), csp);
    assert.ok(doc.includes(`<script>${CLIENT_SCRIPT}</script>`), "the hashed text is the script text exactly");
  });

  it("the client script and the stylesheet are valid and cannot close their own elements", () => {
    assert.doesNotThrow(() => new Function(CLIENT_SCRIPT));
    assert.ok(!/<\/script/i.test(CLIENT_SCRIPT) && !/<\/style/i.test(STYLE));
    assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/.test(CLIENT_SCRIPT), "the client never parses markup");
  });
});
