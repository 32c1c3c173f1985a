"""A local stand-in for a human check vendor's widget script, for browser tests.

A real HTTP server on 127.0.0.1 (its own port, so its own origin, exactly as
challenges.cloudflare.com is to the arena) serving ``/widget.js``: a script that defines
the vendor's global (``turnstile``, ``hcaptcha`` or ``grecaptcha``) with the
``render(element, {sitekey, callback, "expired-callback"})`` and ``reset(id)`` all three
share. The widget is one checkbox, "I am human"; ticking it calls ``callback`` with the
next token of ``tokens()`` (``tok-1``, ``tok-2``, … so a test sees a fresh token after a
reset), unticking calls ``expired-callback``. The ``grecaptcha`` flavour defines
``render`` only inside ``ready()``, as reCAPTCHA's loader does. Any other path is a 404,
for a test of a script that fails to load.

Pair it with ``arena.testing.siteverify.LocalSiteverify(tokens=widget.tokens())``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal

Vendor = Literal["turnstile", "hcaptcha", "grecaptcha"]

_SCRIPT = """(() => {
  const prefix = %(prefix)s;
  let issued = 0;
  const widgets = [];
  const api = {
    render(container, options) {
      const box = typeof container === "string" ? document.getElementById(container) : container;
      const label = document.createElement("label");
      label.className = "test-human-check";
      const input = document.createElement("input");
      input.type = "checkbox";
      label.append(input, document.createTextNode(" I am human"));
      input.addEventListener("change", () => {
        if (input.checked) options.callback(`${prefix}-${++issued}`);
        else if (options["expired-callback"]) options["expired-callback"]();
      });
      box.append(label);
      widgets.push({ input, options, sitekey: options.sitekey });
      return widgets.length - 1;
    },
    reset(id) {
      const w = widgets[id === undefined ? 0 : id];
      if (w) w.input.checked = false;
    },
    sitekeys() {
      return widgets.map((w) => w.sitekey);
    },
  };
  if (%(vendor)s === "grecaptcha") {
    window.grecaptcha = {
      ready(callback) {
        setTimeout(() => {
          Object.assign(window.grecaptcha, api);
          callback();
        }, 20);
      },
    };
  } else {
    window[%(vendor)s] = api;
  }
})();
"""


class LocalWidget:
    """``with LocalWidget() as w: w.script_url`` (and ``w.missing_url`` for a 404)."""

    def __init__(self, *, vendor: Vendor = "turnstile", prefix: str = "tok",
                 port: int = 0) -> None:
        self.vendor = vendor
        self.prefix = prefix
        self.loads = 0
        body = (_SCRIPT % {"prefix": json.dumps(prefix), "vendor": json.dumps(vendor)}).encode()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.split("?", 1)[0] != "/widget.js":
                    self.send_error(404)
                    return
                owner.loads += 1
                self.send_response(200)
                self.send_header("content-type", "text/javascript; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def script_url(self) -> str:
        return f"{self.origin}/widget.js?render=explicit"

    @property
    def missing_url(self) -> str:
        return f"{self.origin}/gone.js"

    def tokens(self, n: int = 100) -> set[str]:
        """The first ``n`` tokens the widget hands out, for the siteverify server."""
        return {f"{self.prefix}-{i}" for i in range(1, n + 1)}

    def start(self) -> LocalWidget:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalWidget:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
