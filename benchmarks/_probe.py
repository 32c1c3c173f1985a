"""A probe: a few voters in a process of their own, timing what one voter sees under load.

``load.py`` drives hundreds of voters from one Python process; at that scale the client's
own event loop falls behind, and every latency it measures includes its own lag (an
unloaded client saw 8.5 ms for a POST the load client timed at 145 ms, in the same
second). The probe is the fix: ``--voters`` (default 8) voters on plain asyncio sockets,
no HTTP library, in a separate process, measuring time to first token (TTFT) while the
load runs. ``load.py`` starts it in both phases, so the direct baseline and the arena are
measured by the same probe under the same load.

    python benchmarks/_probe.py arena  --port P --duration S [--voters N]
    python benchmarks/_probe.py direct --port P --duration S [--voters N] [--models m1,m2,..]

It prints one JSON object: ``ttft`` (seconds, per side), ``create``/``vote`` (seconds, arena
only), ``ok``/``failed`` counts and ``acked`` (the battles whose vote got a 200, for the
recount).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

HOST = "127.0.0.1"
PROMPT = "Explain how a hash map works, briefly."
_COOKIE = re.compile(rb"arena_voter=([^;\r\n]+)")
_ID = re.compile(rb'"id":"([0-9a-f]{32})"')


async def _send(port: int, head: str, body: bytes = b"") -> tuple[asyncio.StreamReader,
                                                                   asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(head.encode() + b"\r\n" + body)
    return reader, writer


def _request(method: str, path: str, *, body: bytes = b"", cookie: str | None = None,
             extra: str = "") -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    if cookie:
        lines.append(f"Cookie: arena_voter={cookie}")
    if extra:
        lines.append(extra)
    return "\r\n".join(lines) + "\r\n"


async def _whole(port: int, head: str, body: bytes = b"") -> bytes:
    reader, writer = await _send(port, head, body)
    try:
        return await reader.read()
    finally:
        writer.close()


class _NewConnections:
    """A first-time visitor: a new connection per request, on plain asyncio sockets, the
    voter cookie carried by hand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None

    async def post(self, path: str, payload: dict[str, str]) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        resp = await _whole(self.port, _request("POST", path, body=body, cookie=self.cookie),
                            body)
        if m := _COOKIE.search(resp):
            self.cookie = m.group(1).decode()
        status = resp[9:12]
        return int(status) if status.isdigit() else 0, resp

    @contextlib.asynccontextmanager
    async def stream(self, path: str) -> AsyncIterator[AsyncIterator[bytes]]:
        reader, writer = await _send(self.port, _request("GET", path, cookie=self.cookie))
        try:
            yield _chunks(reader)
        finally:
            writer.close()

    async def aclose(self) -> None:
        pass  # every connection closed with its request


class _KeptAlive:
    """A returning browser: one cookie jar, its connections kept alive (aiohttp, imported
    only for this mode)."""

    def __init__(self, port: int) -> None:
        import aiohttp

        self.base = f"http://{HOST}:{port}"
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def post(self, path: str, payload: dict[str, str]) -> tuple[int, bytes]:
        async with self.session.post(self.base + path, json=payload) as r:
            return r.status, await r.read()

    @contextlib.asynccontextmanager
    async def stream(self, path: str) -> AsyncIterator[AsyncIterator[bytes]]:
        async with self.session.get(self.base + path) as r:
            yield r.content.iter_any()

    async def aclose(self) -> None:
        await self.session.close()


async def arena_voter(http: _NewConnections | _KeptAlive, deadline: float,
                      out: dict[str, Any]) -> None:
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        status, created = await http.post("/api/battles", {"prompt": PROMPT})
        out["create"].append(time.perf_counter() - t0)
        found = _ID.search(created)
        if status != 201 or not found:
            out["failed"] += 1
            await asyncio.sleep(0.5)
            continue
        battle = found.group(1).decode()
        t1 = time.perf_counter()
        async with http.stream(f"/api/battles/{battle}/stream") as chunks:
            ended = await _read_battle(chunks, t1, out)
        if not ended:
            out["failed"] += 1
            continue
        t2 = time.perf_counter()
        winner = random.choice(("a", "b", "tie", "both_bad"))
        status, _ = await http.post(f"/api/battles/{battle}/vote", {"winner": winner})
        out["vote"].append(time.perf_counter() - t2)
        if status == 200:
            out["ok"] += 1
            out["acked"].append(battle)
        else:
            out["failed"] += 1


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while chunk := await reader.read(65536):
        yield chunk


async def _read_battle(chunks: AsyncIterator[bytes], t1: float, out: dict[str, Any]) -> bool:
    """Read a battle's SSE up to its ``end``, noting each side's first delta; votable?"""
    seen: set[bytes] = set()
    buf = b""
    async for chunk in chunks:
        buf += chunk
        *events, buf = buf.split(b"\n\n")
        for ev in events:
            i = ev.find(b"event: ")
            ev = ev[i:] if i >= 0 else ev
            if ev.startswith(b"event: delta"):
                for side in (b"a", b"b"):
                    if side not in seen and b'"side":"' + side + b'"' in ev:
                        seen.add(side)
                        out["ttft"].append(time.perf_counter() - t1)
            elif ev.startswith(b"event: end"):
                return b'"votable":true' in ev
    return False


async def direct_stream(port: int, model: str, out: dict[str, Any]) -> bool:
    body = json.dumps({"model": model, "stream": True, "max_tokens": 1024,
                       "messages": [{"role": "user", "content": PROMPT}]}).encode()
    t0 = time.perf_counter()
    reader, writer = await _send(port, _request("POST", "/v1/chat/completions", body=body,
                                                extra="Authorization: Bearer sk-local"), body)
    first = True
    try:
        while chunk := await reader.read(65536):
            if first and b'"content":"' in chunk.replace(b'"content":""', b""):
                out["ttft"].append(time.perf_counter() - t0)
                first = False
            if b"[DONE]" in chunk:
                return True
    finally:
        writer.close()
    return False


async def direct_voter(port: int, models: list[str], deadline: float,
                       out: dict[str, Any]) -> None:
    while time.perf_counter() < deadline:
        pair = random.sample(models, 2)
        done = await asyncio.gather(*(direct_stream(port, m, out) for m in pair))
        out["ok" if all(done) else "failed"] += 1


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"ttft": [], "create": [], "vote": [], "ok": 0, "failed": 0,
                           "acked": []}
    deadline = time.perf_counter() + args.duration
    clients: list[_NewConnections | _KeptAlive] = []
    if args.mode == "arena":
        kind = _KeptAlive if args.keep_alive else _NewConnections
        clients = [kind(args.port) for _ in range(args.voters)]
        voters = [arena_voter(c, deadline, out) for c in clients]
    else:
        models = args.models.split(",")
        voters = [direct_voter(args.port, models, deadline, out) for _ in range(args.voters)]

    async def staggered(i: int, voter: Any) -> None:
        await asyncio.sleep(i * 0.25)
        await voter

    await asyncio.gather(*(staggered(i, v) for i, v in enumerate(voters)))
    for client in clients:
        await client.aclose()
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["arena", "direct"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--voters", type=int, default=8)
    p.add_argument("--models", default="bench-1,bench-2,bench-3,bench-4")
    p.add_argument("--keep-alive", action="store_true",
                   help="arena voters keep their connection alive, as a browser does")
    print(json.dumps(asyncio.run(main(p.parse_args()))))
    sys.exit(0)
