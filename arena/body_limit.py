"""A cap on request bodies, as a pure ASGI middleware (nothing is buffered here).

Without it a client can send a body of any size and the route reads all of it into memory
before validation refuses it (a 300 MB prompt took 6.9 s and 1 GB of a worker's memory).
A declared ``Content-Length`` over the limit is refused at once, before the app runs or a
byte of the body is read; a chunked body (no length) is counted as it arrives and the
read fails with 413 as soon as it passes the limit, so at most the limit plus one chunk is
ever held. Both answers are in the one error shape. The connection stays open: the
server reads what is still arriving off the wire and drops it (closing instead would reset
the socket under a client that is still sending, and it would never see the 413).
"""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arena.errors import error_body

CODE = "body_too_large"


def limit_message(max_bytes: int) -> str:
    return (f"The request body is larger than this server accepts ({max_bytes:,} bytes, "
            "ARENA_MAX_BODY_BYTES); send a shorter prompt")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` while the app reads a body that passed the limit; the app's
    handler for it answers 413 ``body_too_large``."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=limit_message(max_bytes))


def too_large_body(max_bytes: int) -> dict[str, object]:
    return error_body(CODE, limit_message(max_bytes))


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted_receive, send)

    async def _refuse(self, send: Send) -> None:
        body = orjson.dumps(too_large_body(self.max_bytes))
        await send({"type": "http.response.start", "status": 413,
                    # No "Connection: close": closing with the body still arriving
                    # resets the socket, and the client loses this answer. The server
                    # reads the rest off the wire and drops it, holding none of it.
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server itself refuses a malformed length
    return None
