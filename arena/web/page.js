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

/** GET ``path``, or POST ``body`` as JSON (or another ``method``); the answer's JSON
 * ({} for an empty answer), or an ApiError. */
export async function api(path, body, method = body === undefined ? "GET" : "POST") {
  let res;
  try {
    res = await fetch(path, {
      method,
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

const BANNER_CLOSED = "arena.demo-banner-closed";

/** Say the page shows scripted stand-ins, and how to add real models; the voter may close
 * it (for this browser session: a new visit is told again). */
export function showDemoBanner(what, addModels) {
  const banner = $("demo-banner");
  if (sessionStorage.getItem(BANNER_CLOSED)) return;
  const text = el("span", "banner-text");
  const more = el("span", "banner-more"); // for the operator: left out on a phone
  more.append(renderInline(`To add real models: ${addModels || "see the README."}`));
  text.append(el("strong", "", "Demo mode: "), document.createTextNode(what), more);
  const close = el("button", "banner-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Hide the demo notice");
  close.addEventListener("click", () => {
    sessionStorage.setItem(BANNER_CLOSED, "1");
    banner.hidden = true;
  });
  banner.replaceChildren(text, close);
  banner.hidden = false;
}

/** The noun for a count: ``noun(1, "vote")`` is "vote", ``noun(2, "vote")`` "votes". */
export const noun = (n, one, many = `${one}s`) => (n === 1 ? one : many);

/** "1 vote", "2 votes": a count with its noun. */
export const plural = (n, one, many) => `${n} ${noun(n, one, many)}`;

/** A rating (or interval end) as the pages write it: rounded, "–" when there is none. */
export const fmt = (v) => (v === null || v === undefined ? "–" : String(Math.round(v)));

/** Copy ``text`` to the clipboard; the button says whether it worked for a moment. */
export async function copyText(text, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const area = el("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
  }
  const label = button.textContent;
  button.textContent = ok ? "Copied" : "Copy failed";
  setTimeout(() => {
    if (button.isConnected) button.textContent = label;
  }, 1500);
}
