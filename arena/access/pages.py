"""The few pages of the access flows (an invite to accept, a refused link, a failed
sign-in), written here as plain HTML: no script, the pages' own stylesheet, every text
escaped. A script calling the same addresses gets the one JSON error shape instead."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from arena.errors import ArenaError


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "").split(",")[0]


def page(title: str, message: str, *, status: int = 200, code: str | None = None,
         form_action: str | None = None, button: str | None = None,
         link: tuple[str, str] | None = None) -> HTMLResponse:
    code_attr = f' data-code="{escape(code)}"' if code else ""
    parts = [f"<h1>{escape(title)}</h1>",
             f'<p class="lede" id="access-message"{code_attr}>{escape(message)}</p>']
    if form_action and button:
        parts.append(f'<form method="post" action="{escape(form_action)}" class="access-form">'
                     f'<button type="submit" class="primary" id="access-go">{escape(button)}'
                     "</button></form>")
    if link:
        parts.append(f'<p><a href="{escape(link[0])}" id="access-link">{escape(link[1])}</a></p>')
    body = "\n".join(parts)
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>{escape(title)} — Arena</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/arena.css">
</head>
<body class="page-board page-access">
<header class="site-header">
  <p class="brand"><a class="brand" href="/">Arena</a></p>
  <nav aria-label="Main">
    <a href="/">Arena</a>
    <a href="/leaderboard">Leaderboard</a>
  </nav>
</header>
<main id="main">
{body}
</main>
</body>
</html>
"""
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def refusal(request: Request, exc: ArenaError, title: str,
            link: tuple[str, str] | None = None) -> Response:
    """A refused link or sign-in: a page for a browser, the error shape for a script."""
    if wants_html(request):
        return page(title, exc.message, status=exc.status, code=exc.code, link=link)
    return JSONResponse(exc.to_json(), status_code=exc.status,
                        headers={"Cache-Control": "no-store"})
