"""Security headers on every response, as a pure ASGI middleware (streams stay streams).

The CSP forbids inline script and any origin but our own: the pages load their JS and
CSS from ``/static``, and model output is only ever inserted as text. The one exception
is the human check's vendor, when an operator configures one: its widget is a script
that draws a frame, so exactly that origin is added to ``script-src`` and ``frame-src``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def csp(script_origins: tuple[str, ...] = ()) -> str:
    extra = "".join(" " + o for o in script_origins)
    return (f"default-src 'self'; script-src 'self'{extra}; style-src 'self'; "
            "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
            f"frame-src 'self'{extra}; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


CSP = csp()


def headers(script_origins: tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", csp(script_origins).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]


HEADERS = headers()


class SecurityHeaders:
    def __init__(self, app: ASGIApp, script_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.headers = headers(script_origins)

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
