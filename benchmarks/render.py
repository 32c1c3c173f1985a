"""What typesetting (KaTeX math, highlight.js code) costs per answer, against the plain
Markdown rendering, in headless Chromium (Debian's /usr/bin/chromium, via Playwright).

The page's own modules (arena/web/markdown.js, typeset.js) and the vendored libraries are
served from arena/web by a local static server; each figure is the median of several runs
and includes the browser's style and layout of the result (the answer is in the document
and its height read, as the page does when it scrolls). Three answers: prose only, a
typical math-and-code answer, and a math-heavy one. Cases:

- plain: renderMarkdown alone, the whole answer replacing the last one (the page before
  typesetting: every render replaced the whole answer);
- typeset new: renderMarkdown + showAnswer (typeset.js) of formulas KaTeX has not drawn
  yet (each run adds "{}" after every "=", so no formula comes from the cache);
- again: the same text rendered again (every block is kept as shown);
- stream: every word-boundary prefix of the answer rendered in turn, as the page does on
  deltas (an upper bound: the page skips frames when a render is slow), plain (the whole
  answer replaced each time) and as the page does now (showAnswer, typeset).

    .venv/bin/python benchmarks/render.py [--runs 7]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

WEB = Path(__file__).resolve().parent.parent / "arena" / "web"
CHROMIUM = "/usr/bin/chromium"

PROSE = ("A hash map stores key-value pairs in an array of buckets. **Hashing** turns a key "
         "into an index; collisions are chained or probed.\n\n- lookups are O(1) on average\n"
         "- resizing doubles the array\n\n") * 4
TYPICAL = ("The energy is $E=mc^2$, so for $m = 1\\,\\mathrm{kg}$ we get\n\n"
           "$$E = 1 \\cdot (3\\times10^8)^2 = 9\\times10^{16}\\,\\mathrm{J}$$\n\n"
           "It costs $5 and $10 to run the script:\n\n"
           "```python\ndef energy(m: float, c: float = 3e8) -> float:\n"
           "    \"\"\"E = m c^2\"\"\"\n    return m * c ** 2\n\n"
           "for m in (0.5, 1, 2):\n    print(m, energy(m))\n```\n\n"
           "The integral $\\int_0^1 x^2\\,dx = \\frac{1}{3}$ and the sum "
           "$\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$.\n")
HEAVY = "".join(f"Step {k}: $a_{k} = \\frac{{{k}}}{{{k}+1}}$ and\n\n"
                f"$$\\sum_{{i=1}}^{{{k}}} \\binom{{{k}}}{{i}} x^i = (1+x)^{{{k}}} - 1$$\n\n"
                for k in range(1, 21))

MEASURE = """async ([text, runs]) => {
  const { renderMarkdown } = await import("/markdown.js");
  const { showAnswer } = await import("/typeset.js");
  const box = document.getElementById("box");
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const time = (fn) => { const t0 = performance.now(); fn(); void box.offsetHeight;
    return performance.now() - t0; };
  const render = (src, withTypeset) => { // as the page does (arena.js renderAnswer)
    if (withTypeset) showAnswer(box, renderMarkdown(src));
    else box.replaceChildren(renderMarkdown(src));
  };
  let salt = 0; // a fresh TeX per run: "{}" (an empty group) after every "=" of the formulas
  const fresh = () => { salt++; return text.replace(/=/g, "=" + "{}".repeat(salt)); };
  const out = { plain: [], fresh: [], again: [], streamPlain: 0, streamTypeset: 0, deltas: 0 };
  for (let r = 0; r < runs; r++) {
    out.plain.push(time(() => render(text, false)));
    const src = fresh();
    out.fresh.push(time(() => render(src, true)));
    out.again.push(time(() => render(src, true)));
  }
  const cuts = [...text.matchAll(/\\s+/g)].map((m) => m.index).concat(text.length);
  out.deltas = cuts.length;
  for (const n of cuts) out.streamPlain += time(() => render(text.slice(0, n), false));
  for (const n of cuts) out.streamTypeset += time(() => render(text.slice(0, n), true));
  return { plain: median(out.plain), fresh: median(out.fresh), again: median(out.again),
    streamPlain: out.streamPlain, streamTypeset: out.streamTypeset, deltas: out.deltas,
    katex: document.querySelectorAll("#box .katex").length };
}"""

PAGE = b"""<!doctype html><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/katex/katex.min.css">
<link rel="stylesheet" href="/vendor/highlight/github.min.css">
<link rel="stylesheet" href="/arena.css">
<script src="/vendor/katex/katex.min.js"></script>
<script src="/vendor/highlight/highlight.min.js"></script>
<div class="md answer" id="box" style="width: 600px"></div>"""


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        if self.path == "/":
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(PAGE)
            return
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(WEB)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            print(f"{'answer':<28}{'plain':>9}{'typeset new':>13}{'again':>9}"
                  f"{'stream plain':>15}{'stream typeset':>16}  deltas")
            for name, text in (("prose (2.4k chars)", PROSE), ("typical math+code", TYPICAL),
                               ("math-heavy (60 formulas)", HEAVY)):
                r = page.evaluate(MEASURE, [text, args.runs])
                print(f"{name:<28}{r['plain']:>7.2f}ms{r['fresh']:>11.2f}ms"
                      f"{r['again']:>7.2f}ms{r['streamPlain']:>13.0f}ms"
                      f"{r['streamTypeset']:>14.0f}ms  {r['deltas']} ({r['katex']} katex)")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
