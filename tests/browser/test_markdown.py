"""The page's own Markdown renderer (web/markdown.js), case by case, in the browser: the
HTML it builds for tricky input, and that hostile input stays fast and inert."""

from __future__ import annotations

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

LINK = 'rel="noopener noreferrer nofollow" target="_blank"'
CASES = [
    ("snake_case and a_b_c", "<p>snake_case and a_b_c</p>"),
    ("**bold *nested* x**", "<p><strong>bold <em>nested</em> x</strong></p>"),
    ("***both***", "<p><strong><em>both</em></strong></p>"),
    ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
    ("__strong__ _em_", "<p><strong>strong</strong> <em>em</em></p>"),
    ("line one\nline two", "<p>line one<br>line two</p>"),
    ("<b>hi</b> & <script>x()</script>",
     "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;</p>"),
    ("`a <b> c` and ``x ` y``", "<p><code>a &lt;b&gt; c</code> and <code>x ` y</code></p>"),
    (r"\*not em\*", "<p>*not em*</p>"),
    ("see https://example.org/a_(b). next",
     f'<p>see <a href="https://example.org/a_(b)" {LINK}>https://example.org/a_(b)</a>. next</p>'),
    ('[t](  https://x.org/p?q=1&r=2  "title")',
     f'<p><a href="https://x.org/p?q=1&amp;r=2" {LINK}>t</a></p>'),
    ("[t](javascript:alert(1))", '<p><span class="dropped-link">t</span></p>'),
    ("[t](java\tscript:alert(1))", "<p>[t](java    script:alert(1))</p>"),
    ("[t](/relative/path)", '<p><span class="dropped-link">t</span></p>'),
    ("# One\n###### Six", '<h3 class="md-h1">One</h3><h6 class="md-h6">Six</h6>'),
    ("- [ ] todo\n- [x] done",
     '<ul class="tight"><li class="task-item" aria-label="to do"><span class="task" '
     'aria-hidden="true">☐ </span><p>todo</p></li><li class="task-item" aria-label="done">'
     '<span class="task" aria-hidden="true">☑ </span><p>done</p></li></ul>'),
    ("1. a\n   - b\n2. c",
     '<ol class="tight"><li><p>a</p><ul class="tight"><li><p>b</p></li></ul></li>'
     "<li><p>c</p></li></ol>"),
    ("> quote\nlazy", "<blockquote><p>quote<br>lazy</p></blockquote>"),
    ("| a | b \\| c |\n|---|:-:|\n| `x|y` | z |",
     '<div class="table-wrap"><table><thead><tr><th scope="col">a</th>'
     '<th scope="col" class="align-center">b | c</th></tr></thead><tbody><tr><td>'
     '<code>x|y</code></td><td class="align-center">z</td></tr></tbody></table></div>'),
    ("~~~\n<p>raw</p>\n~~~",
     '<div class="code-block"><div class="code-head"><span class="code-lang">code</span>'
     '<button type="button" class="copy-code" aria-label="Copy code">Copy</button></div>'
     "<pre><code>&lt;p&gt;raw&lt;/p&gt;</code></pre></div>"),
]


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
