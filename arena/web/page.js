// What both pages share beyond building elements: the API call with its one error shape,
// the status notice, the demo-mode banner and how a rating is written.

import { $, el } from "./dom.js";
import { renderInline } from "./markdown.js";

/** An API refusal: the server's message (meant for a person), its code and status. */
export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** GET ``path``, or POST ``body`` as JSON; the answer's JSON, or an ApiError. */
export async function api(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("The arena server cannot be reached; check your connection and try again.",
      "network", 0);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(err.message || `The server answered ${res.status}.`, err.code || "http", res.status);
  }
  return data;
}

/** Show ``text`` in the page's status notice; ``kind`` "error" marks it as one. */
export function say(text, kind = "") {
  const notice = $("notice");
  notice.textContent = text;
  notice.className = kind ? `notice ${kind}` : "notice";
}

/** Say the page shows scripted stand-ins, and how to add real models. */
export function showDemoBanner(what, addModels) {
  const banner = $("demo-banner");
  banner.replaceChildren(el("strong", "", "Demo mode: "), document.createTextNode(what),
    renderInline(`To add real models: ${addModels || "see the README."}`));
  banner.hidden = false;
}

/** A rating (or interval end) as the pages write it: rounded, "–" when there is none. */
export const fmt = (v) => (v === null || v === undefined ? "–" : String(Math.round(v)));
