// Where the Markdown renderer (arena/web/markdown.js) finds TeX math for typeset.js to draw:
// pandoc's dollar rule (prices stay prices), escaped dollars, code spans and code blocks
// left alone, inline and displayed math, and hostile dollars staying linear.
// Run from the repository root: node --test tests/web/

import assert from "node:assert/strict";
import { test } from "node:test";

import { installDocument } from "./dom.mjs";

installDocument();
const { mathAt, renderMarkdown } = await import("../../arena/web/markdown.js");

function html(src) {
  const box = document.createElement("div");
  box.append(renderMarkdown(src));
  return box.innerHTML;
}

const inline = (src, tex) => `<span class="math math-inline" data-tex="${tex}">${src}</span>`;
const display = (src, tex) => `<span class="math math-display" data-tex="${tex}">${src}</span>`;

test("inline and displayed math are found, with their TeX kept as written", () => {
  assert.equal(html("Energy: $E=mc^2$."), `<p>Energy: ${inline("$E=mc^2$", "E=mc^2")}.</p>`);
  assert.equal(html("$$\\int_0^1 x\\,dx$$"),
    `<p>${display("$$\\int_0^1 x\\,dx$$", "\\int_0^1 x\\,dx")}</p>`);
  assert.equal(html("\\(a^2\\) and \\[b_1 * c_2\\]"),
    `<p>${inline("\\(a^2\\)", "a^2")} and ${display("\\[b_1 * c_2\\]", "b_1 * c_2")}</p>`);
});

test("Markdown inside math is not Markdown: stars, underscores and escapes stay TeX", () => {
  assert.equal(html("$a*b*c$ and $x_1 + y_1$"),
    `<p>${inline("$a*b*c$", "a*b*c")} and ${inline("$x_1 + y_1$", "x_1 + y_1")}</p>`);
  assert.equal(html("$\\{x\\} \\, \\$$"), `<p>${inline("$\\{x\\} \\, \\$$", "\\{x\\} \\, \\$")}</p>`);
});

test("displayed math may span the lines of a paragraph, and takes no line breaks with it", () => {
  assert.equal(html("Sum:\n$$\n\\sum_i x_i \\\\\ny\n$$\nso"),
    `<p>Sum:${display("$$\n\\sum_i x_i \\\\\ny\n$$", "\\sum_i x_i \\\\\ny")}so</p>`);
});

test("prices are not math (pandoc's rule for $)", () => {
  for (const src of ["It costs $5 and $10 later", "from $5-$10 a month", "$5, $6 and $7",
    "I paid $ 5 and 6 $", "a $$ b", "$20/$30", "between $1.50 and $2", "$x$5 is no closer",
    "costs $5 and\n$10 later", "$ x$", "$x $", "US$ and $"]) {
    assert.ok(!html(src).includes("math"), src);
  }
  assert.equal(html("It costs $5 and $10 later"), "<p>It costs $5 and $10 later</p>");
  assert.equal(html("costs $5, and $x$ is a variable"),
    `<p>costs $5, and ${inline("$x$", "x")} is a variable</p>`);
});

test("an escaped dollar is a literal dollar", () => {
  assert.equal(html("\\$5 and \\$x\\$"), "<p>$5 and $x$</p>");
  assert.equal(html("\\$x$ y"), "<p>$x$ y</p>");
  assert.equal(html("\\$5 and $y$"), `<p>$5 and ${inline("$y$", "y")}</p>`);
  assert.equal(html("\\\\(a\\\\)"), "<p>\\(a\\)</p>"); // an escaped backslash is no \(
});

test("code spans and code blocks are never math", () => {
  assert.equal(html("`$x$` and `\\(y\\)`"), "<p><code>$x$</code> and <code>\\(y\\)</code></p>");
  assert.equal(html("$x `y$` z"), "<p>$x <code>y$</code> z</p>");
  assert.equal(html("`$x$` then $y$"), `<p><code>$x$</code> then ${inline("$y$", "y")}</p>`);
  const block = html("```bash\necho \"$HOME $x$\"\n$$ y $$\n```");
  assert.ok(!block.includes("math"), block);
  assert.ok(block.includes('<code class="language-bash">echo "$HOME $x$"\n$$ y $$</code>'), block);
});

test("math in headings, lists, quotes and tables", () => {
  assert.equal(html("# About $\\pi$"), `<h3 class="md-h1">About ${inline("$\\pi$", "\\pi")}</h3>`);
  assert.ok(html("- item $a+b$").includes(inline("$a+b$", "a+b")));
  assert.ok(html("> $q$").includes(inline("$q$", "q")));
  assert.ok(html("| x |\n|---|\n| $y$ |").includes(inline("$y$", "y")));
});

test("a streamed prefix with unclosed math shows the text until the closer arrives", () => {
  const src = "Energy $E=mc^2$ and $$\\frac{a}{b}$$ done";
  const htmls = [...src].map((_, n) => html(src.slice(0, n + 1)));
  const beforeClose = htmls[src.indexOf("^2") + 1];
  assert.ok(!beforeClose.includes("math"), beforeClose);
  assert.ok(beforeClose.includes("$E=mc^2"), beforeClose);
  assert.ok(htmls.at(-1).includes(display("$$\\frac{a}{b}$$", "\\frac{a}{b}")), htmls.at(-1));
});

test("mathAt: the delimiters, and no math without a closer", () => {
  assert.deepEqual(mathAt("$x$", 0), { tex: "x", display: false, end: 3 });
  assert.deepEqual(mathAt("$$ x $$", 0), { tex: "x", display: true, end: 7 });
  assert.deepEqual(mathAt("\\[x\\]", 0), { tex: "x", display: true, end: 5 });
  assert.equal(mathAt("$$ $$", 0), null);
  assert.equal(mathAt("\\(x", 0), null);
  assert.equal(mathAt("$x", 0), null);
});

// Each opener that finds no closer marks how far none can (mathAt's stops and unclosed), so
// these stay linear; a quadratic scan would make this test run for minutes, not milliseconds.
test("hostile dollars render without math, the scan bounded", () => {
  assert.equal(html("$".repeat(100000)), `<p>${"$".repeat(100000)}</p>`);
  assert.ok(!html("$a ".repeat(40000)).includes("math"));
  assert.ok(!html(("$$" + "x".repeat(4001)).repeat(50)).includes("math")); // each too long
  assert.ok(!html("\\(".repeat(40000)).includes("math"));
  assert.ok(!html("\\[a".repeat(40000)).includes("math"));
  assert.equal((html("$a$".repeat(20000)).match(/math-inline/g) || []).length, 20000);
  assert.ok(!html("$" + "x".repeat(5000) + "$").includes("math")); // longer than MAX_MATH
});
