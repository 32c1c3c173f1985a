// The one place the pages build elements: HTML elements with a class and *text* (never
// HTML), SVG elements with attributes, so nothing a model or a voter wrote can become
// markup. Nothing here runs at import: the Markdown renderer imports it under node too.

const SVG_NS = "http://www.w3.org/2000/svg";

/** The element with this id on the page. */
export const $ = (id) => document.getElementById(id);

/** An HTML element, with an optional class and text content. */
export function el(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An SVG element with these attributes and optional text content. */
export function svgEl(tag, attrs = {}, text = undefined) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}
