// The one DOM helper both pages build with: an element with a class and *text* (never
// HTML), so nothing a model or a voter wrote can become markup.
"use strict";

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
