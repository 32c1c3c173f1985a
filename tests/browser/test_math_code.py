"""Math and code in the answers, in headless Chromium under the server's strict CSP: KaTeX
draws $…$ / $$…$$ (prices stay text), highlight.js colours a python block, the vendored
fonts load from our own origin, hostile TeX stays inert, and the page looks right on a
desktop and a phone in light and dark mode (screenshots in /tmp/shots-render/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import model
from tests.browser.test_arena_page import wait_until

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-render")
PRICE = "It costs $5 and $10 later, or \\$20 at the door."
ANSWER_A = ("Einstein wrote $E=mc^2$, and the area under $y=x$ is\n\n"
            "$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n\n"
            f"{PRICE}\n\n"
            "```python\ndef area(n: int) -> float:\n"
            "    return sum(k / n**2 for k in range(n))\n```\n"
            "Inline `$HOME` is code, not math.\n")
# KaTeX gives these a style *attribute* (the SVG of \vec and \oiint, a tall delimiter's
# stacked SVG pieces, \pmb in MathML, an error's colour), which the CSP refuses unless
# typeset.js moves them to CSSOM.
ANSWER_B = ("A vector $\\vec{v}$, $\\pmb{x}$, $\\oiint_S f$ and a matrix\n\n"
            "$$A = \\left(\\begin{matrix} 1 & 2 & 3 \\\\ 4 & 5 & 6 \\\\ 7 & 8 & 9 \\\\ 1 & 1 & 1 "
            "\\end{matrix}\\right)$$\n\n"
            "Broken: $\\frac{1}{$ and unsafe: $\\href{javascript:alert(1)}{click}$ "
            "$\\htmlStyle{color:red}{x}$ $\\rule{500em}{500em}$\n\n"
            "```js\nconst x = `<img src=x onerror=alert(1)>`;\n```\n")


def battle(arena: Any, open_page: Any, **page_args: Any) -> tuple[Any, list[Any]]:
    server = arena([model("m1", script=ANSWER_A), model("m2", script=ANSWER_B)])
    responses: list[Any] = []
    page = open_page(server.base_url, **page_args)
    page.on("response", lambda r: responses.append(r))
    page.fill("#prompt", "Explain with math and code")
    page.click("#send")
    page.wait_for_selector("#vote:not([disabled])")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page, responses


def pane_with(page: Any, text: str) -> str:
    """The pane (a or b) whose answer has this text: the pairing picks the sides."""
    for side in "ab":
        if text in page.inner_text(f"#pane-{side} .answer"):
            return f"#pane-{side}"
    raise AssertionError(f"no pane shows {text!r}")


def test_math_and_code_are_typeset_under_the_csp(arena: Any, open_page: Any) -> None:
    page, responses = battle(arena, open_page)
    a = pane_with(page, "Einstein")
    b = pane_with(page, "A vector")
    assert page.locator(f"{a} .math-inline .katex").count() == 2
    assert page.locator(f"{a} .math-display .katex-display").count() == 1
    assert page.locator(f"{a} .katex-mathml math").count() == 3  # for screen readers
    assert page.locator(f"{a} .math:not(.typeset)").count() == 0

    price = page.locator(f"{a} p", has_text="It costs").first
    assert price.inner_text() == "It costs $5 and $10 later, or $20 at the door."
    assert price.locator(".katex, .math").count() == 0

    code = page.locator(f"{a} pre code.language-python")
    assert code.locator("span.hljs-keyword").count() >= 3  # def, return, for, in
    assert code.inner_text().startswith("def area(n: int) -> float:")
    assert page.locator(f"{a} p code", has_text="$HOME").locator(".katex").count() == 0

    # The SVG and delimiter pieces got their widths (through CSSOM, not a style attribute).
    vec = page.locator(f"{b} .math-inline").first
    assert vec.locator("svg").count() >= 1
    assert vec.evaluate("s => s.querySelector('svg').style.width") != ""
    assert page.locator(f"{b} .delimsizing.mult svg").count() >= 2
    assert page.locator(f"{b} .katex-error").count() >= 1

    # Hostile TeX: no link, no style of its own, no giant box.
    assert page.locator(f"{b} a").count() == 0
    assert page.locator(f"{b} [style*='red']").count() == 0
    pane_width = page.locator(b).bounding_box()["width"]
    for box in page.locator(f"{b} .katex .rule").all():
        assert box.bounding_box()["width"] <= pane_width
    # A code block's HTML-looking text stays text.
    assert page.locator(f"{b} pre img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.inner_text(f"{b} pre code")

    # Fonts and scripts came from our own origin; the fonts were really used.
    origin = urlparse(page.url).netloc
    assert all(urlparse(r.url).netloc == origin for r in responses), \
        [r.url for r in responses if urlparse(r.url).netloc != origin]
    fonts = [r for r in responses if r.url.endswith(".woff2")]
    assert fonts and all(r.status == 200 for r in fonts), [(r.url, r.status) for r in fonts]
    assert page.evaluate("document.fonts.check('1em KaTeX_Main')")
    # (open_page fails the test on any CSP violation or console error.)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_screenshots(arena: Any, open_page: Any, scheme: str, size: tuple[int, int]) -> None:
    width, height = size
    page, _ = battle(arena, open_page, viewport={"width": width, "height": height},
                     color_scheme=scheme)
    a = pane_with(page, "Einstein")
    bg = page.locator(f"{a} pre code").evaluate("c => getComputedStyle(c).backgroundColor")
    assert bg in ("rgba(0, 0, 0, 0)", "transparent")  # the block keeps our own background
    keyword = page.locator(f"{a} .hljs-keyword").first.evaluate(
        "k => getComputedStyle(k).color")
    text = page.locator(f"{a} .md").first.evaluate("m => getComputedStyle(m).color")
    assert keyword != text  # a theme applied (github or github-dark)
    # Display math never widens the phone page: it scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(exist_ok=True)
    name = f"{'desktop' if width > 400 else 'phone'}-{scheme}"
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    # Each answer from its top, the dock (fixed over the panes on a phone) out of the way.
    page.evaluate("document.getElementById('dock').hidden = true")
    for pane, what in ((a, "einstein"), (pane_with(page, "A vector"), "matrix")):
        page.locator(f"{pane} .pane-body").evaluate("b => { b.scrollTop = 0; }")
        page.locator(pane).screenshot(path=str(SHOTS / f"{name}-{what}.png"))


def test_streaming_keeps_the_blocks_already_typeset(arena: Any, open_page: Any) -> None:
    """A streamed answer is rendered again on every delta; the blocks that did not change
    (here the first paragraph's formula) stay the very nodes drawn first, not re-drawn."""
    long = "First $E=mc^2$ here.\n\n" + "More words follow in a second paragraph. " * 30
    server = arena([model("m1", script=long, delay_s=0.02), model("m2", script=long)])
    page = open_page(server.base_url)
    page.fill("#prompt", "Stream slowly")
    page.click("#send")
    # Both panes have drawn their formula and finished the paragraph that holds it (the
    # next paragraph has begun: until then the slow side's first block is still growing and
    # is rightly drawn again), then every formula drawn so far is marked.
    wait_until(page, "(() => { const k = [...document.querySelectorAll('.math-inline .katex')];"
                     " return k.length === 2"
                     " && k.every((f) => f.closest('p')?.nextElementSibling); })()")
    page.evaluate("for (const k of document.querySelectorAll('.math-inline .katex')) "
                  "k.dataset.first = 'yes'")
    page.wait_for_selector("#vote:not([disabled])")
    assert page.locator(".math-inline .katex").count() == 2
    assert page.locator(".math-inline .katex[data-first='yes']").count() == 2
