"""Security headers on every response, as a pure ASGI middleware (streams stay streams).

The CSP forbids inline script and any origin but our own: the pages load their JS and
CSS from ``/static``, and model output is only ever inserted as text. The one exception
is the human check's vendor, when an operator configures one: its widget is a script
that draws a frame, so exactly that origin is added to ``script-src`` and ``frame-src``.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Sources:
    """Origins a page may use beyond its own, per CSP directive (the human check's widget)."""

    script: tuple[str, ...] = ()
    frame: tuple[str, ...] = ()
    style: tuple[str, ...] = ()
    connect: tuple[str, ...] = ()


def csp(extra: Sources = Sources()) -> str:
    def more(origins: tuple[str, ...]) -> str:
        return "".join(" " + o for o in origins)

    return (f"default-src 'self'; script-src 'self'{more(extra.script)}; "
            f"style-src 'self'{more(extra.style)}; "
            f"img-src 'self' data:; connect-src 'self'{more(extra.connect)}; font-src 'self'; "
            f"frame-src 'self'{more(extra.frame)}; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


CSP = csp()


def headers(extra: Sources = Sources()) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", csp(extra).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]


HEADERS = headers()


class SecurityHeaders:
    def __init__(self, app: ASGIApp, extra: Sources = Sources()) -> None:
        self.app = app
        self.headers = headers(extra)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.headers if k not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
