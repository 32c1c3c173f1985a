// A stand-in for the few DOM calls the Markdown renderer makes, so node can run its cases.
//
// It builds the same tree a browser would and serialises it as the HTML fragment
// serialisation algorithm does (text and attribute escaping, void elements, attributes in
// the order they were set). The browser test runs the same case file in Chromium, so a
// difference between this stand-in and a real DOM fails there.

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link",
  "meta", "source", "track", "wbr"]);
// Properties the renderer sets that reflect an attribute of the same meaning.
const REFLECTED = { className: "class", href: "href", rel: "rel", target: "target",
  type: "type", scope: "scope", start: "start", title: "title" };

const escapeText = (s) => s.replace(/&/g, "&amp;").replace(/\u00a0/g, "&nbsp;")
  .replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s) => s.replace(/&/g, "&amp;").replace(/\u00a0/g, "&nbsp;")
  .replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

class Node {
  constructor() {
    this.childNodes = [];
    this.parentNode = null;
  }

  append(...nodes) {
    for (const node of nodes) this.#adopt(node, this.childNodes.length);
  }

  prepend(...nodes) {
    nodes.reverse().forEach((node) => this.#adopt(node, 0));
  }

  #adopt(node, at) {
    if (typeof node === "string") node = new Text(node);
    if (node instanceof DocumentFragment) {
      const kids = node.childNodes.splice(0);
      kids.forEach((kid, k) => this.#adopt(kid, at + k));
      return;
    }
    if (node.parentNode) node.remove();
    node.parentNode = this;
    this.childNodes.splice(at, 0, node);
  }

  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join("");
  }

  set textContent(text) {
    this.childNodes.splice(0).forEach((n) => { n.parentNode = null; });
    if (String(text) !== "") this.append(new Text(String(text)));
  }

  get innerHTML() {
    return this.childNodes.map((n) => n.outerHTML).join("");
  }
}

class Text extends Node {
  constructor(data) {
    super();
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }

  get outerHTML() {
    return escapeText(this.data);
  }
}

class DocumentFragment extends Node {}

class Element extends Node {
  constructor(tag) {
    super();
    this.tagName = tag.toLowerCase();
    this.attributes = new Map();
    this.classList = {
      add: (...names) => {
        const have = this.className ? this.className.split(/\s+/) : [];
        this.className = [...have, ...names.filter((n) => !have.includes(n))].join(" ");
      },
      contains: (name) => (this.className || "").split(/\s+/).includes(name),
      toggle: (name, force) => {
        const on = force === undefined ? !this.classList.contains(name) : force;
        const rest = (this.className || "").split(/\s+/).filter((n) => n && n !== name);
        if (on) rest.push(name);
        if (on || this.attributes.has("class")) this.className = rest.join(" ");
        return on;
      },
    };
  }

  setAttribute(name, value) {
    this.attributes.set(name.toLowerCase(), String(value));
  }

  getAttribute(name) {
    return this.attributes.get(name.toLowerCase()) ?? null;
  }

  get outerHTML() {
    const attrs = [...this.attributes].map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join("");
    const open = `<${this.tagName}${attrs}>`;
    return VOID.has(this.tagName) ? open : `${open}${this.innerHTML}</${this.tagName}>`;
  }
}

for (const [prop, attr] of Object.entries(REFLECTED)) {
  Object.defineProperty(Element.prototype, prop, {
    get() {
      return this.attributes.get(attr) ?? "";
    },
    set(value) {
      this.attributes.set(attr, String(value));
    },
  });
}

/** Install the stand-in as ``globalThis.document`` (what the renderer calls). */
export function installDocument() {
  globalThis.document = {
    createElement: (tag) => new Element(tag),
    createTextNode: (text) => new Text(text),
    createDocumentFragment: () => new DocumentFragment(),
  };
}
