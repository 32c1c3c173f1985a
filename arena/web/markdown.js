// A small Markdown renderer that builds DOM nodes and never parses HTML.
//
// Why one file of this size: the block and inline parsers and the DOM builder are one
// renderer, loaded unchanged by the page and by node's tests (tests/web/).
//
// Why our own: model output is untrusted, and it arrives in pieces. Every node here is
// made with createElement / createTextNode / textContent, so a "<script>" in an answer
// is shown as the text "<script>", never run; links are kept only when they are
// absolute http(s) or mailto URLs; images are never loaded (a link is shown instead, so
// an answer cannot make the page fetch a tracking pixel). Unfinished constructs (an open
// code fence, a half-typed table) render sensibly, because the whole text is re-rendered
// on every streamed delta.
//
// Supported: ATX headings, paragraphs (a newline is a line break, as in chat apps),
// emphasis (* _ ** __ ~~), inline code, fenced code (``` and ~~~) with a copy button,
// bullet, ordered and task lists (nested by indentation), block quotes, tables with
// alignment, horizontal rules, links, autolinks and bare URLs, and TeX math: $…$ and \(…\)
// inline, $$…$$ and \[…\] displayed. Math is only found here, where escapes and code spans
// are known ("\$5" is a dollar; `$x$` is code); it becomes a span whose text is the source
// as written, with the TeX in data-tex, which typeset.js draws with KaTeX when the page has
// it (and which reads as the plain source when it does not).
//
// An ES module that touches ``document`` only when called, so node can import it too: its
// cases run there in milliseconds (tests/web/), against a stand-in DOM.

import { el } from "./dom.js";

const LINK_REL = "noopener noreferrer nofollow";
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
const PUNCT = /[!-/:-@[-`{-~]/;
const BARE_URL = /https?:\/\/[^\s<>"'`]+/iy;
const AUTOLINK = /<((?:https?:\/\/|mailto:)[^\s<>]+)>/iy;
const HEADING_SHIFT = 2; // the page owns h1 and h2; an answer's "# Title" becomes an h3
// Limits that keep hostile input (">>>>…", "****…", "[[[[…") linear and off the stack.
const MAX_BLOCK_DEPTH = 16;
const MAX_INLINE_DEPTH = 12;
const MAX_LINK_SCAN = 2000;
const MAX_MATH = 4000; // longer "math" is left as text (and keeps the scan linear)
let blockDepth = 0;
let inlineDepth = 0;

/** The URL to put in href, or null when it is not an absolute http(s)/mailto URL. */
export function safeUrl(raw) {
  const s = String(raw).trim();
  // Decide on the raw text first: the URL parser forgives tabs and newlines inside a
  // scheme ("java\nscript:"), so anything not plainly http(s)/mailto is refused here.
  if (!/^(?:https?:\/\/[^\s]|mailto:[^\s])/i.test(s)) return null;
  let url;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

// --- blocks ---------------------------------------------------------------------------

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/;
const TABLE_DELIM = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

const isBlank = (line) => /^[ \t]*$/.test(line);

function listMarker(line) {
  const m = LIST_ITEM.exec(line);
  if (!m) return null;
  const ordered = /\d/.test(m[2]);
  let gap = m[3] ? m[3].replace(/\t/g, "    ").length : 1;
  if (gap > 4 || !m[4]) gap = 1; // an indented code start or an empty item
  return {
    ordered,
    bullet: ordered ? m[2].slice(-1) : m[2],
    start: ordered ? parseInt(m[2], 10) : 1,
    offset: m[1].length + m[2].length + gap,
    content: m[4] || "",
  };
}

function startsBlock(line, next) {
  return FENCE_OPEN.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)
    || (listMarker(line) !== null && !isBlank(listMarker(line).content))
    || isTableStart(line, next);
}

function isTableStart(line, next) {
  return next !== undefined && line.includes("|") && TABLE_DELIM.test(next)
    && (next.includes("|") || line.trim().startsWith("|"))
    && splitRow(line).length === splitRow(next).length;
}

function dedent(line, n) {
  let i = 0;
  while (i < n && line[i] === " ") i++;
  return line.slice(i);
}

function indentOf(line) {
  return /^ */.exec(line)[0].length;
}

function parseBlocks(lines, parent) {
  if (blockDepth >= MAX_BLOCK_DEPTH) {
    parent.append(el("p", "", lines.join("\n")));
    return;
  }
  blockDepth++;
  try {
    blocks(lines, parent);
  } finally {
    blockDepth--;
  }
}

function blocks(lines, parent) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    let m;
    if ((m = FENCE_OPEN.exec(line)) && !(m[2][0] === "`" && m[3].includes("`"))) {
      i = fencedCode(lines, i, m, parent);
    } else if ((m = HEADING.exec(line))) {
      const h = el(`h${Math.min(6, m[1].length + HEADING_SHIFT)}`);
      h.className = `md-h${m[1].length}`;
      inline(m[2] || "", h);
      parent.append(h);
      i++;
    } else if (RULE.test(line)) {
      parent.append(el("hr"));
      i++;
    } else if (QUOTE.test(line)) {
      i = blockquote(lines, i, parent);
    } else if (listMarker(line)) {
      i = list(lines, i, parent);
    } else if (isTableStart(line, lines[i + 1])) {
      i = table(lines, i, parent);
    } else {
      i = paragraph(lines, i, parent);
    }
  }
}

function fencedCode(lines, i, m, parent) {
  const indent = m[1].length;
  const fence = m[2];
  const body = [];
  let closed = false;
  i++;
  while (i < lines.length) {
    const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(lines[i]);
    if (close && close[1][0] === fence[0] && close[1].length >= fence.length) {
      closed = true;
      i++;
      break;
    }
    body.push(dedent(lines[i], indent));
    i++;
  }
  parent.append(codeBlock(body.join("\n"), m[3].split(/\s+/)[0], closed));
  return i;
}

/** A fenced code block with its language label and a copy button. */
export function codeBlock(code, lang, closed = true) {
  const wrap = el("div");
  wrap.className = closed ? "code-block" : "code-block open";
  const head = el("div");
  head.className = "code-head";
  const label = el("span", "", lang || "code");
  label.className = "code-lang";
  const copy = el("button", "", "Copy");
  copy.type = "button";
  copy.className = "copy-code";
  copy.setAttribute("aria-label", `Copy ${lang ? lang + " " : ""}code`);
  head.append(label, copy);
  const pre = el("pre");
  const codeEl = el("code", "", code);
  const safeLang = (lang || "").replace(/[^\w+#.-]/g, "");
  if (safeLang) codeEl.className = `language-${safeLang}`;
  pre.append(codeEl);
  wrap.append(head, pre);
  return wrap;
}

function blockquote(lines, i, parent) {
  const inner = [];
  while (i < lines.length) {
    const m = QUOTE.exec(lines[i]);
    if (m) inner.push(m[1]);
    else if (!isBlank(lines[i]) && inner.length && !isBlank(inner[inner.length - 1])
             && !startsBlock(lines[i], lines[i + 1])) inner.push(lines[i]); // lazy line
    else break;
    i++;
  }
  const q = el("blockquote");
  parseBlocks(inner, q);
  parent.append(q);
  return i;
}

function list(lines, i, parent) {
  const first = listMarker(lines[i]);
  const listEl = el(first.ordered ? "ol" : "ul");
  if (first.ordered && first.start !== 1) listEl.start = first.start;
  let loose = false;
  while (i < lines.length) {
    const item = listMarker(lines[i]);
    if (!item || item.ordered !== first.ordered || item.bullet !== first.bullet
        || indentOf(lines[i]) >= first.offset) break;
    const body = [item.content];
    i++;
    let blankBefore = false;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        blankBefore = true;
        body.push("");
        i++;
        continue;
      }
      if (indentOf(line) >= item.offset) {
        if (blankBefore && body.some((l, k) => k > 0 && !isBlank(l))) loose = true;
        body.push(dedent(line, item.offset));
      } else if (!blankBefore && !startsBlock(line, lines[i + 1]) && !listMarker(line)) {
        body.push(line); // lazy continuation of the item's paragraph
      } else {
        break;
      }
      blankBefore = false;
      i++;
    }
    while (body.length && isBlank(body[body.length - 1])) body.pop();
    if (blankBefore && i < lines.length && listMarker(lines[i])) loose = true;
    listEl.append(listItem(body));
  }
  if (!loose) listEl.className = "tight";
  parent.append(listEl);
  return i;
}

function listItem(body) {
  const li = el("li");
  const task = /^\[([ xX])\][ \t]+/.exec(body[0]);
  if (task) {
    body[0] = body[0].slice(task[0].length);
    const box = el("span", "", task[1] === " " ? "☐ " : "☑ ");
    box.className = "task";
    box.setAttribute("aria-hidden", "true");
    li.className = "task-item";
    li.setAttribute("aria-label", task[1] === " " ? "to do" : "done");
    li.append(box);
  }
  parseBlocks(body, li);
  return li;
}

/** Split a table row on pipes that are neither escaped nor inside a code span. */
function splitRow(line) {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells = [];
  let cell = "";
  let tick = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === "\\" && s[k + 1] === "|") {
      cell += "|";
      k++;
    } else if (c === "`") {
      let run = 1;
      while (s[k + run] === "`") run++;
      tick = tick === 0 ? run : (tick === run ? 0 : tick);
      cell += "`".repeat(run);
      k += run - 1;
    } else if (c === "|" && tick === 0) {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

function table(lines, i, parent) {
  const head = splitRow(lines[i]);
  const aligns = splitRow(lines[i + 1]).map((d) => {
    const left = d.startsWith(":");
    const right = d.endsWith(":");
    return left && right ? "center" : right ? "right" : left ? "left" : "";
  });
  i += 2;
  const tableEl = el("table");
  const thead = el("thead");
  thead.append(tableRow(head, aligns, "th"));
  const tbody = el("tbody");
  while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")
         && !startsBlock(lines[i], lines[i + 1])) {
    tbody.append(tableRow(splitRow(lines[i]), aligns, "td"));
    i++;
  }
  tableEl.append(thead, tbody);
  const wrap = el("div");
  wrap.className = "table-wrap";
  wrap.append(tableEl);
  parent.append(wrap);
  return i;
}

function tableRow(cells, aligns, tag) {
  const tr = el("tr");
  aligns.forEach((align, k) => {
    const cell = el(tag);
    if (tag === "th") cell.scope = "col";
    if (align) cell.classList.add(`align-${align}`);
    inline(cells[k] || "", cell);
    tr.append(cell);
  });
  return tr;
}

function paragraph(lines, i, parent) {
  const text = [lines[i]];
  i++;
  while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i], lines[i + 1])) {
    text.push(lines[i]);
    i++;
  }
  const p = el("p");
  inline(text.map((l) => l.trim()).join("\n"), p);
  parent.append(p);
  return i;
}

// --- inline ---------------------------------------------------------------------------

function inline(text, parent) {
  if (inlineDepth >= MAX_INLINE_DEPTH) {
    parent.append(document.createTextNode(text));
    return;
  }
  inlineDepth++;
  try {
    spans(text, parent);
  } finally {
    inlineDepth--;
  }
}

function spans(text, parent) {
  const unclosed = new Set(); // delimiters with no closer left: later openers skip the scan
  const stops = { dollar: -1 }; // inline $: no closer before this position (see mathAt)
  let buf = "";
  const flush = () => {
    if (buf) parent.append(document.createTextNode(buf));
    buf = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "$" || (c === "\\" && (text[i + 1] === "(" || text[i + 1] === "["))) {
      const math = mathAt(text, i, unclosed, stops);
      if (math) {
        flush();
        let end = math.end;
        if (math.display) { // a block of its own: no line breaks around it
          const last = parent.childNodes[parent.childNodes.length - 1];
          if (last && String(last.tagName).toLowerCase() === "br") last.remove();
          if (text[end] === "\n") end++;
        }
        parent.append(mathSpan(text.slice(i, math.end), math.tex, math.display));
        i = end;
        continue;
      }
      if (c === "$") { // not math: a run of dollars stays text, and no opener inside it
        let run = 1;
        while (text[i + run] === "$") run++;
        buf += text.slice(i, i + run);
        i += run;
        continue;
      }
    }
    if (c === "\\" && i + 1 < text.length && (PUNCT.test(text[i + 1]) || text[i + 1] === "\n")) {
      if (text[i + 1] === "\n") {
        flush();
        parent.append(el("br"));
      } else {
        buf += text[i + 1];
      }
      i += 2;
      continue;
    }
    if (c === "\n") {
      flush();
      parent.append(el("br"));
      i++;
      continue;
    }
    if (c === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const close = codeSpanEnd(text, i + run, run);
      if (close >= 0) {
        flush();
        let code = text.slice(i + run, close).replace(/\n/g, " ");
        if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) {
          code = code.slice(1, -1);
        }
        parent.append(el("code", "", code));
        i = close + run;
      } else {
        buf += "`".repeat(run);
        i += run;
      }
      continue;
    }
    if (c === "*" || c === "_" || c === "~") {
      const span = emphasis(text, i, unclosed);
      if (span) {
        flush();
        const node = el(span.tag);
        inline(span.inner, node);
        parent.append(node);
        i = span.end;
      } else {
        let run = 1;
        while (text[i + run] === c) run++;
        buf += text.slice(i, i + run);
        i += run;
      }
      continue;
    }
    if ((c === "[" || (c === "!" && text[i + 1] === "["))) {
      const image = c === "!";
      const link = linkAt(text, image ? i + 1 : i);
      if (link) {
        flush();
        appendLink(parent, link.url, link.label, image);
        i = link.end;
        continue;
      }
    }
    if (c === "<") {
      AUTOLINK.lastIndex = i;
      const m = AUTOLINK.exec(text);
      if (m) {
        flush();
        appendLink(parent, m[1], null, false);
        i += m[0].length;
        continue;
      }
    }
    if ((c === "h" || c === "H") && (i === 0 || !/[\w/]/.test(text[i - 1]))) {
      BARE_URL.lastIndex = i;
      const m = BARE_URL.exec(text);
      if (m) {
        const url = trimUrl(m[0]);
        flush();
        appendLink(parent, url, null, false);
        i += url.length;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
}

/**
 * TeX math opening at i: {tex, display, end} or null.
 *
 * Dollars follow pandoc's rule, so prices stay prices: "$$…$$" is displayed math; "$…$" is
 * inline math only when the opening $ is not followed by a space, the closing $ is not
 * preceded by a space nor followed by a digit, it is the first unescaped $ after the opener,
 * and it is on the same line ("It costs $5 and $10 later" is text: the $ before 10 follows a
 * space). "\(…\)"
 * and "\[…\]" are inline and displayed math. A backtick ends the search, so a code span
 * always wins over math around it; an escaped "\$" never reaches here.
 */
export function mathAt(text, i, unclosed = new Set(), stops = { dollar: -1 }) {
  let open;
  let close;
  let display;
  if (text[i] === "\\") {
    open = text.slice(i, i + 2);
    close = open === "\\(" ? "\\)" : "\\]";
    display = open === "\\[";
  } else if (text[i + 1] === "$") {
    open = close = "$$";
    display = true;
  } else {
    return inlineDollar(text, i, stops);
  }
  if (unclosed.has(close)) return null;
  const from = i + open.length;
  const k = text.indexOf(close, from);
  if (k < 0) {
    unclosed.add(close);
    return null;
  }
  const tex = text.slice(from, k);
  if (!tex.trim() || tex.length > MAX_MATH || tex.includes("`")) return null;
  return { tex: tex.trim(), display, end: k + close.length };
}

function inlineDollar(text, i, stops) {
  if (i < stops.dollar || isSpace(text[i + 1])) return null;
  const stop = Math.min(text.length, i + 1 + MAX_MATH);
  for (let k = i + 1; k < stop; k++) {
    const ch = text[k];
    if (ch === "\\") {
      k++;
    } else if (ch === "\n" || ch === "`") {
      stops.dollar = k; // no opener before this line break or code span can close
      return null;
    } else if (ch === "$") { // the first dollar closes, or no math opens here
      if (k > i + 1 && !isSpace(text[k - 1]) && !/[0-9]/.test(text[k + 1] || "")) {
        return { tex: text.slice(i + 1, k), display: false, end: k + 1 };
      }
      stops.dollar = k; // an opener before this dollar would meet it first, too
      return null;
    }
  }
  stops.dollar = stop;
  return null;
}

function mathSpan(source, tex, display) {
  const span = el("span", "", source);
  span.className = display ? "math math-display" : "math math-inline";
  span.setAttribute("data-tex", tex);
  return span;
}

function codeSpanEnd(text, from, run) {
  let k = text.indexOf("`".repeat(run), from);
  while (k >= 0) {
    let end = k;
    while (text[end] === "`") end++;
    if (end - k === run) return k;
    k = text.indexOf("`".repeat(run), end);
  }
  return -1;
}

const isSpace = (ch) => ch === undefined || /\s/.test(ch);
const isWordChar = (ch) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

/** An emphasis span opening at i: {tag, inner, end} or null. */
function emphasis(text, i, unclosed) {
  const c = text[i];
  let run = 1;
  while (text[i + run] === c) run++;
  if (run > 3) return null; // a rule of stars, not emphasis
  if (c === "_" && isWordChar(text[i - 1])) return null; // snake_case stays as it is
  if (c === "~") {
    if (run !== 2) return null;
    return closeSpan(text, i, "~~", "del", unclosed);
  }
  if (isSpace(text[i + Math.min(run, 2)])) return null; // not left-flanking
  if (run >= 2) {
    const strong = closeSpan(text, i, c + c, "strong", unclosed);
    if (strong) return strong;
  }
  return closeSpan(text, i, c, "em", unclosed);
}

function closeSpan(text, i, delim, tag, unclosed) {
  // No closer after an earlier opener means none after this one either.
  if (unclosed.has(delim)) return null;
  const c = delim[0];
  const open = delim.length;
  let k = i + open;
  while ((k = text.indexOf(delim, k)) >= 0) {
    let runEnd = k;
    while (text[runEnd] === c) runEnd++;
    const runLen = runEnd - k;
    // Close at the end of a run ("***x***" closes ** at its last two stars), and a single
    // delimiter must not be half of a double one.
    const at = runEnd - open;
    const ok = (open === 1 ? runLen === 1 || runLen === 3 : runLen >= open)
      && at > i + open && !isSpace(text[at - 1])
      && !(c === "_" && isWordChar(text[runEnd]));
    if (ok) return { tag, inner: text.slice(i + open, at), end: at + open };
    k = runEnd;
  }
  unclosed.add(delim);
  return null;
}

/** "[label](url "title")" starting at i: {label, url, end} or null. */
function linkAt(text, i) {
  let depth = 0;
  let k = i;
  const stop = Math.min(text.length, i + MAX_LINK_SCAN);
  for (; k < stop; k++) {
    const ch = text[k];
    if (ch === "\\") k++;
    else if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) break;
    else if (ch === "\n" && text[k + 1] === "\n") return null;
  }
  if (k >= stop || text[k + 1] !== "(") return null;
  const label = text.slice(i + 1, k);
  let p = k + 2;
  while (text[p] === " ") p++;
  let url = "";
  if (text[p] === "<") {
    const close = text.indexOf(">", p);
    if (close < 0) return null;
    url = text.slice(p + 1, close);
    p = close + 1;
  } else {
    let parens = 0;
    const end = Math.min(text.length, p + MAX_LINK_SCAN);
    for (; p < end; p++) {
      const ch = text[p];
      if (/\s/.test(ch)) break;
      if (ch === "(") parens++;
      else if (ch === ")" && parens-- === 0) break;
      url += ch;
    }
  }
  while (text[p] === " ") p++;
  if (text[p] === '"' || text[p] === "'") {
    const close = text.indexOf(text[p], p + 1);
    if (close < 0) return null;
    p = close + 1;
    while (text[p] === " ") p++;
  }
  if (text[p] !== ")") return null;
  return { label, url, end: p + 1 };
}

function trimUrl(url) {
  // Sentence punctuation after a bare URL is not part of it; a ")" is, when balanced.
  let end = url.length;
  while (end > 0) {
    const ch = url[end - 1];
    if (/[.,;:!?*_~'"]/.test(ch)) end--;
    else if (ch === ")") {
      const s = url.slice(0, end);
      if ((s.match(/\(/g) || []).length < (s.match(/\)/g) || []).length) end--;
      else break;
    } else break;
  }
  return url.slice(0, end);
}

function appendLink(parent, raw, label, image) {
  const href = safeUrl(raw);
  if (!href) {
    // Not a URL we link to: keep the words, drop the target.
    const span = el("span");
    span.className = "dropped-link";
    if (label !== null) inline(label, span);
    else span.textContent = raw;
    if (image) span.prepend(document.createTextNode("[image] "));
    parent.append(span);
    return;
  }
  const a = el("a");
  a.href = href;
  a.rel = LINK_REL;
  a.target = "_blank";
  if (image) {
    // Images are not loaded: an answer must not make the page fetch anything.
    a.className = "image-link";
    a.textContent = `[image${label ? ": " + label : ""}]`;
  } else if (label !== null && label !== "") {
    inline(label, a);
  } else {
    a.textContent = raw;
  }
  parent.append(a);
}

// --- entry points ---------------------------------------------------------------------

/** Render Markdown text into a DocumentFragment (safe for any input). */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n");
  parseBlocks(lines, frag);
  return frag;
}

/** Render one line of inline Markdown (for short trusted texts like notices). */
export function renderInline(text) {
  const frag = document.createDocumentFragment();
  inline(String(text), frag);
  return frag;
}
