// The page's Markdown renderer (arena/web/markdown.js) under node: every case of
// markdown_cases.json (shared with the browser test, which runs them in Chromium), the
// prefixes of a streamed answer, and hostile input that must stay bounded.
// Run from the repository root: node --test tests/web/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { installDocument } from "./dom.mjs";

installDocument();
const { renderInline, renderMarkdown, safeUrl } = await import("../../arena/web/markdown.js");

const CASES = JSON.parse(readFileSync(new URL("./markdown_cases.json", import.meta.url), "utf8"));

function html(src) {
  const box = document.createElement("div");
  box.append(renderMarkdown(src));
  return box.innerHTML;
}

for (const { src, html: want } of CASES) {
  test(`renders ${JSON.stringify(src)}`, () => {
    assert.equal(html(src), want);
  });
}

test("every prefix of a streamed answer renders sensibly", () => {
  const src = "Intro\n\n```python\ndef f():\n    return 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
  const htmls = [...src].map((_, n) => html(src.slice(0, n + 1)));
  const openFence = htmls[src.indexOf("def") + 3];
  assert.ok(openFence.includes('<div class="code-block open">'), openFence);
  assert.ok(openFence.includes('<code class="language-python">def'), openFence);
  assert.ok(htmls.at(-1).includes("<table>"), htmls.at(-1));
  assert.ok(htmls.every((h) => !h.includes("<script")));
});

test("hostile input renders without overflowing the stack", () => {
  const inputs = [">".repeat(20000) + " deep", "*".repeat(100000), "[".repeat(50000),
    "*a ".repeat(30000), "_x ".repeat(30000), "`".repeat(20000) + "x",
    "- ".repeat(5000) + "item", ("| a ".repeat(200) + "|\n") + ("|---".repeat(200) + "|\n"),
    "[x](" + "(".repeat(50000)];
  for (const s of inputs) {
    const out = html(s);
    assert.ok(!out.includes("<script"), s.slice(0, 20));
  }
});

test("only absolute http(s) and mailto URLs are linked", () => {
  assert.equal(safeUrl("HTTPS://Example.org"), "https://example.org/");
  assert.equal(safeUrl(" https://example.org/x "), "https://example.org/x");
  assert.equal(safeUrl("mailto:a@example.org"), "mailto:a@example.org");
  for (const bad of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "java\nscript:x", "//evil.org",
    "/relative", "data:text/html,<script>x()</script>", "vbscript:x", "http:/one-slash"]) {
    assert.equal(safeUrl(bad), null, bad);
  }
});

test("renderInline keeps a notice to one line of inline Markdown", () => {
  const box = document.createElement("div");
  box.append(renderInline("set `ARENA_MODELS` — see **the README**\n# not a heading"));
  assert.equal(box.innerHTML, "set <code>ARENA_MODELS</code> — see <strong>the README</strong>"
    + "<br># not a heading");
});
