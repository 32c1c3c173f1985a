// Math and code in a rendered answer: KaTeX draws the math spans markdown.js found, and
// highlight.js colours the fenced code blocks that name a language.
//
// Both libraries are vendored, unmodified, under vendor/ (scripts/vendor-web.sh) and loaded
// by index.html as classic scripts from our own origin, so the page's CSP stays
// "script-src 'self'". They are read from globalThis when an answer is typeset: without
// them (a page that does not load them, node's tests) an answer keeps its plain Markdown
// rendering, math shown as the source the model wrote.
//
// What may reach the page: KaTeX builds its output with createElement and CSSOM styles
// (trust:false, so no \href, \url or \html… commands; maxSize and maxExpand bound what an
// answer can draw); a few of its SVG and MathML nodes carry a style *attribute*, which the
// CSP would refuse, so those are moved to CSSOM before the nodes are made. highlight.js
// escapes every character of the code and wraps tokens in <span class="hljs-…">; that HTML
// is the one innerHTML the answers get, on a <code> element whose text is the code.
//
// While an answer streams, the page renders its whole text again on every delta. Drawn math
// is slow to lay out (a formula is dozens of positioned spans), so showAnswer keeps the
// blocks that did not change since the last render (most of them: a stream appends) and
// only the new or changed ones are typeset and laid out; a formula drawn before is cloned
// from a bounded cache rather than run through KaTeX again (benchmarks/render.py).

const KATEX_OPTIONS = Object.freeze({
  throwOnError: false, // a formula KaTeX cannot parse is shown in red as its source
  trust: false,
  strict: "ignore",
  maxSize: 8, // em: no \rule, \kern or \hspace larger than a few words
  maxExpand: 1000,
  output: "htmlAndMathml", // MathML for screen readers
});
const MAX_CACHE = 500;
const MAX_CODE = 100_000; // longer code blocks stay plain (highlighting them would stall)
const cache = new Map(); // "d" or "i" + TeX → the drawn element, cloned for every use

const SOURCE = Symbol("rendered as"); // a shown block's HTML before it was typeset

/**
 * Show a freshly rendered answer (renderMarkdown's fragment) in box: the leading blocks
 * that are the same as the ones shown stay as they are; the rest are replaced and typeset.
 */
export function showAnswer(box, fragment) {
  const fresh = [...fragment.childNodes];
  const shown = [...box.childNodes];
  let same = 0;
  while (same < fresh.length && same < shown.length
         && shown[same][SOURCE] !== undefined && shown[same][SOURCE] === sourceOf(fresh[same])) {
    same++;
  }
  for (const node of shown.slice(same)) node.remove();
  for (const node of fresh.slice(same)) {
    node[SOURCE] = sourceOf(node);
    box.append(node);
    try {
      if (node.nodeType === 1) typeset(node);
    } catch (err) { // math or code failed: the block keeps its Markdown rendering
      console.warn("typesetting failed", err);
    }
  }
}

const sourceOf = (node) => (node.nodeType === 1 ? node.outerHTML : node.textContent);

/** Draw the math and highlight the code inside root (an answer's rendered Markdown). */
export function typeset(root) {
  const katex = globalThis.katex;
  const hljs = globalThis.hljs;
  if (katex) {
    for (const span of root.querySelectorAll("span.math[data-tex]:not(.typeset)")) {
      drawMath(katex, span);
    }
  }
  if (hljs) {
    for (const code of root.querySelectorAll("pre > code[class*='language-']")) {
      highlight(hljs, code);
    }
  }
}

function drawMath(katex, span) {
  const display = span.classList.contains("math-display");
  const tex = span.getAttribute("data-tex");
  const key = (display ? "d" : "i") + tex;
  let drawn = cache.get(key);
  if (!drawn) {
    try {
      drawn = mathNode(katex, tex, display);
    } catch (err) { // a KaTeX bug (or a stack overflow on hostile TeX): keep the source
      console.warn("math rendering failed", err);
      return;
    }
    if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value);
    cache.set(key, drawn);
  }
  span.replaceChildren(drawn.cloneNode(true));
  span.classList.add("typeset");
}

function mathNode(katex, tex, display) {
  const options = { ...KATEX_OPTIONS, displayMode: display };
  if (typeof katex.__renderToDomTree !== "function") { // another KaTeX build: its own render
    const box = document.createElement("span");
    katex.render(tex, box, options);
    return box.firstChild || box;
  }
  const tree = katex.__renderToDomTree(tex, options);
  styleAttributesToCssom(tree);
  return tree.toNode();
}

/** KaTeX's virtual nodes that would set a style attribute set it through CSSOM instead. */
function styleAttributesToCssom(node) {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop();
    const attrs = n.attributes;
    if (attrs && typeof attrs.style === "string") {
      const css = attrs.style;
      delete attrs.style;
      const toNode = n.toNode;
      n.toNode = function toNodeWithStyle() {
        const dom = toNode.call(this);
        dom.style.cssText = css;
        return dom;
      };
    }
    if (Array.isArray(n.children)) stack.push(...n.children);
  }
}

function highlight(hljs, code) {
  if (code.hasAttribute("data-highlighted")) return;
  const lang = /(?:^|\s)language-(\S+)/.exec(code.className)[1];
  if (!hljs.getLanguage(lang) || code.textContent.length > MAX_CODE) return;
  try {
    hljs.highlightElement(code);
  } catch (err) {
    console.warn("code highlighting failed", err);
  }
}
