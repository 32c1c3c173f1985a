"""The page's own Markdown renderer (arena/web/markdown.js), case by case, in the browser: the
HTML it builds for tricky input, and that hostile input stays fast and inert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import model

pytestmark = pytest.mark.browser

RENDER = """async (cases) => {
  const { renderMarkdown } = await import("/static/markdown.js");
  return cases.map((src) => {
    const box = document.createElement("div");
    box.append(renderMarkdown(src));
    return box.innerHTML;
  });
}"""

# One case file for both runners: node runs it against a stand-in DOM in milliseconds
# (node --test tests/web/); here Chromium runs it for real, which also proves the stand-in
# serialises as a browser does. The safety cases (markup and script in the text, javascript:
# and relative links, raw HTML in a code fence) are among them.
CASES = [(c["src"], c["html"]) for c in json.loads(
    (Path(__file__).parent.parent / "web" / "markdown_cases.json").read_text("utf-8"))]


def test_renderer_cases(arena: Any, open_page: Any) -> None:
    server = arena([model("m1"), model("m2")])
    page = open_page(server.base_url)
    got = page.evaluate(RENDER, [src for src, _ in CASES])
    for (src, want), html in zip(CASES, got, strict=True):
        assert html == want, f"{src!r}"


def test_streaming_prefixes_render_sensibly(arena: Any, open_page: Any) -> None:
    server = arena([model("m1"), model("m2")])
    page = open_page(server.base_url)
    src = "Intro\n\n```python\ndef f():\n    return 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    prefixes = [src[:n] for n in range(1, len(src) + 1)]
    htmls = page.evaluate(RENDER, prefixes)
    open_fence = htmls[src.index("def") + 3]
    assert '<div class="code-block open">' in open_fence
    assert '<code class="language-python">def' in open_fence
    assert "<table>" in htmls[-1]
    assert all("<script" not in h for h in htmls)


def test_hostile_input_is_fast_and_bounded(arena: Any, open_page: Any) -> None:
    server = arena([model("m1"), model("m2")])
    page = open_page(server.base_url)
    ms = page.evaluate("""async () => {
      const { renderMarkdown } = await import("/static/markdown.js");
      const inputs = [">".repeat(20000) + " deep", "*".repeat(100000), "[".repeat(50000),
        "*a ".repeat(30000), "_x ".repeat(30000), "`".repeat(20000) + "x",
        "- ".repeat(5000) + "item", ("| a ".repeat(200) + "|\\n") + ("|---".repeat(200) + "|\\n"),
        "[x](" + "(".repeat(50000)];
      const t0 = performance.now();
      for (const s of inputs) renderMarkdown(s);
      return performance.now() - t0;
    }""")
    assert ms < 3000, f"hostile inputs took {ms:.0f} ms"
