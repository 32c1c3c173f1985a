"""A local siteverify server for tests: a real HTTP server on 127.0.0.1 that speaks the
protocol Turnstile, hCaptcha and reCAPTCHA share (a POSTed form ``secret``, ``response``,
``remoteip`` → JSON ``{"success": ..., "error-codes": [...]}``). It accepts exactly the
tokens it was given, for exactly its secret, and records every request it saw."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs


class LocalSiteverify:
    """``with LocalSiteverify(secret="s", tokens={"ok"}) as sv: sv.url``."""

    def __init__(self, *, secret: str, tokens: set[str], port: int = 0) -> None:
        self.secret = secret
        self.tokens = set(tokens)
        self.requests: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length") or 0)
                fields = parse_qs(self.rfile.read(length).decode())
                form = {k: v[0] for k, v in fields.items()}
                owner.requests.append(form)
                body = owner.answer(form)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/siteverify"

    def answer(self, form: dict[str, str]) -> dict[str, object]:
        if form.get("secret") != self.secret:
            return {"success": False, "error-codes": ["invalid-input-secret"]}
        if not form.get("response"):
            return {"success": False, "error-codes": ["missing-input-response"]}
        if form["response"] not in self.tokens:
            return {"success": False, "error-codes": ["invalid-input-response"]}
        return {"success": True, "hostname": "127.0.0.1", "challenge_ts": "2026-01-01T00:00:00Z"}

    def start(self) -> LocalSiteverify:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalSiteverify:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
