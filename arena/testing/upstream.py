"""A fake model upstream on 127.0.0.1 that speaks the real OpenAI and Anthropic wire formats.

Tests point the real SDKs at it (``base_url``), so the SDKs' own request building, SSE
parsing and error classes are exercised; benchmarks use it as a model with a known
pace; ``python -m arena.testing.upstream --port 8001`` serves it for a demo roster
(model names ``concise``, ``verbose``, ``markdown``, ``leaky``, ``echo`` pick a persona of
``arena.providers.fake``; any other name answers concisely).

Routes: ``POST /v1/chat/completions`` (streamed as ``data: {chunk}`` lines ending in
``data: [DONE]``, with a usage chunk when ``stream_options.include_usage``; or one JSON
body), ``POST /v1/messages`` (Anthropic events ``message_start`` ... ``message_stop``, or
one JSON body) and ``GET /v1/models``. Errors use each provider's JSON shape
(``arena.testing.wire``).

Each request gets a ``Behaviour``: the most recent matching rule set with ``script()``
(for one model or any, for a number of ``times`` or until reset), else the default. It
sets the reply, its chunking and pace, an error status, a stall, an in-stream error or
a cut. Every request is recorded in ``requests`` with its body and how it ended, e.g.
``"client_closed"`` when the client hung up before the end. ``FakeUpstream(single_slot=
True)`` behaves like llama-cpp-python's server: a streamed request that arrives while
another streams cuts that one (its socket dropped mid-body, outcome ``"cut"``).

    async with FakeUpstream() as up:                  # or: with FakeUpstream() as up (a thread)
        up.script(delay_s=0.02, first_delay_s=0.3)      # every model: a paced answer
        up.script(model="flaky", status=503, times=1)   # the next call to "flaky" fails
        up.script(model="slow", stall_s=30)             # "slow" hangs before answering
        up.script(model="cut", cut_after_chunks=5)      # "cut" drops the socket mid-answer
        config = ModelConfig(name="x", provider="openai", model="verbose",
                             base_url=up.openai_base_url)   # Anthropic: up.base_url
        ...
        assert up.requests[-1].system == "Be brief." and up.requests[-1].outcome == "completed"

It is written on raw asyncio streams rather than uvicorn and starlette: a cut must drop
the TCP connection in the middle of a chunked body, a hang-up must be seen at once (as
an EOF on the socket) even while the server is pausing between deltas, and each of
hundreds of concurrent streams should cost one coroutine and a few tens of microseconds
of CPU a delta (less than half of what an httpx2 client spends reading it), so a load
benchmark measures the arena and not its fake upstream.

Why one module of this size: it is one self-contained test server (routes, both wire
formats' framing, the fault scripts and its command line) that tests, benchmarks and demos
start as a unit; the wire payloads themselves live in ``arena.testing.wire``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Self

from arena.providers.base import Message
from arena.providers.fake import (
    PERSONAS,
    approx_tokens,
    approx_tokens_of,
    compose_reply,
    split_chunks,
)
from arena.testing import wire

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 408: "Request Timeout", 409: "Conflict",
            413: "Payload Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            529: "Overloaded"}


@dataclass(frozen=True)
class Behaviour:
    """How the upstream answers one request. "Chunks" count text deltas only."""

    text: str | None = None  # the reply; None = the persona named by the model (or concise)
    chunk_chars: int | None = None  # characters per delta; None = one word per delta
    delay_s: float = 0.0  # pause between deltas
    first_delay_s: float = 0.0  # pause before the first delta (time to first token)
    status: int | None = None  # answer with this HTTP error instead
    error_message: str | None = None  # its message; default: the provider's usual wording
    retry_after_ms: int | None = None  # sent with an error, so SDK retries in tests are quick
    stall_s: float = 0.0  # go quiet this long ...
    stall_after_chunks: int | None = None  # ... after this many deltas; None = before headers
    cut_after_chunks: int | None = None  # stop the stream after this many deltas, by
    cut_style: Literal["close", "end"] = "close"  # dropping the socket / ending the body early
    error_event: int | None = None  # send an in-stream error of this HTTP status's kind ...
    error_after_chunks: int = 0  # ... after this many deltas, then end the body
    finish_reason: str | None = None  # default "stop" / "end_turn" ("length" if truncated)
    reject_stream_options: bool = False  # 400 when stream_options is sent, as older servers do


@dataclass
class RecordedRequest:
    """One request as the upstream saw it, and how it ended."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any] | None
    api: str  # "openai" or "anthropic"
    # "pending", "completed", "error", "cut", or "client_closed" (the client hung up first)
    outcome: str = "pending"
    status: int = 0
    chunks_sent: int = 0
    started_at: float = field(default_factory=time.perf_counter)
    ended_at: float | None = None

    @property
    def model(self) -> str | None:
        return (self.body or {}).get("model")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def system(self) -> str | None:
        """The system prompt, whichever way the API carries it."""
        body = self.body or {}
        if "system" in body:
            return wire.text_of(body["system"])
        found = [wire.text_of(m.get("content")) for m in self.messages
                 if m.get("role") == "system"]
        return "\n".join(found) if found else None

    @property
    def max_tokens(self) -> int | None:
        body = self.body or {}
        return body.get("max_tokens", body.get("max_completion_tokens"))

    @property
    def temperature(self) -> float | None:
        return (self.body or {}).get("temperature")

    def end(self, outcome: str, status: int | None = None) -> None:
        if self.outcome == "cut":  # cut by the server (single_slot): the socket's end follows
            return
        self.outcome = outcome
        self.status = status if status is not None else self.status
        self.ended_at = time.perf_counter()


@dataclass
class _Rule:
    model: str | None
    behaviour: Behaviour
    remaining: int | None


_SHORT_PAUSE_S = 0.1  # pauses up to this long are slept through, not watched


@dataclass
class _Conn:
    """One client connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def idle(self, seconds: float) -> bool:
        """Wait ``seconds`` watching the socket; False if the client hung up meanwhile.

        An HTTP/1.1 client sends nothing while it reads a response, so a read that returns
        means the connection is gone, and that is seen at once, not at the next write.
        """
        if self.reader.at_eof():
            return False
        if seconds <= 0:
            return True
        try:
            async with asyncio.timeout(seconds):
                await self.reader.read(1)
        except TimeoutError:
            return True
        return False

    async def pause(self, seconds: float) -> bool:
        """``idle`` for the short pause between two deltas: a plain sleep, then a look at
        the socket, so a hang-up is seen at most ``seconds`` late. Watching the socket
        (a read under a timeout, cancelled when the timeout fires) cost the load benchmark
        more CPU than anything else in this server, at one pause per word per stream."""
        if seconds > _SHORT_PAUSE_S:
            return await self.idle(seconds)
        if seconds > 0:
            await asyncio.sleep(seconds)
        return not (self.reader.at_eof() or self.writer.is_closing())

    async def send(self, data: bytes) -> None:
        if self.writer.is_closing():
            raise ConnectionResetError("the client hung up")
        try:
            self.writer.write(data)
            await self.writer.drain()
        except RuntimeError as exc:  # uvloop: "unable to perform operation on ... closed"
            raise ConnectionResetError(str(exc)) from exc


class FakeUpstream:
    """The server. ``async with FakeUpstream() as up`` runs it on the current loop;
    ``with FakeUpstream() as up`` (or ``start_in_thread()``) on a thread of its own."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str | None = None,
                 default: Behaviour | None = None, keep_requests: int | None = None,
                 single_slot: bool = False) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key  # when set, any other key gets a 401 in the provider's shape
        self.default = default or Behaviour()
        # One slot, as llama-cpp-python's server: a streamed request that arrives while
        # another streams cuts that one (its socket dropped mid-body, outcome "cut").
        self.single_slot = single_slot
        self._streaming: tuple[_Conn, RecordedRequest] | None = None
        self.requests: list[RecordedRequest] = []
        # None keeps every record (tests); a server left running keeps only the latest.
        self.keep_requests = keep_requests
        self._rules: list[_Rule] = []
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], _Conn] = {}
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- scripting and inspection ------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The root URL, as the Anthropic SDK wants it."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """The root URL plus ``/v1``, as OpenAI clients want it."""
        return f"{self.base_url}/v1"

    def script(self, model: str | None = None, *, times: int | None = None,
               **behaviour: Any) -> Behaviour:
        """Answer requests for ``model`` (None: any model) as ``behaviour`` says (fields of
        ``Behaviour``, over the default); only the next ``times`` of them, if given. The
        most recent matching rule wins."""
        known = {f.name for f in fields(Behaviour)}
        if unknown := set(behaviour) - known:
            raise TypeError(f"unknown behaviour {sorted(unknown)}; use {sorted(known)}")
        rule = _Rule(model, replace(self.default, **behaviour), times)
        self._rules.append(rule)
        return rule.behaviour

    def reset(self) -> None:
        """Forget the scripted rules and the recorded requests."""
        self._rules.clear()
        self.requests.clear()

    def requests_for(self, *, api: str | None = None, model: str | None = None
                     ) -> list[RecordedRequest]:
        return [r for r in self.requests
                if (api is None or r.api == api) and (model is None or r.model == model)]

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 2.0) -> None:
        """Poll until ``predicate()`` holds (works across threads); TimeoutError if not."""
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the fake upstream never reached the expected state")
            await asyncio.sleep(0.005)

    def _behaviour_for(self, model: str | None) -> Behaviour:
        for rule in reversed(self._rules):
            if rule.model is not None and rule.model != model:
                continue
            if rule.remaining is not None:
                if rule.remaining <= 0:
                    continue
                rule.remaining -= 1
            return rule.behaviour
        return self.default

    # --- running -------------------------------------------------------------------------

    async def start(self) -> Self:
        # A long backlog: a load benchmark opens hundreds of connections at once.
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  backlog=4096, limit=4 * 1024 * 1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Drop the sockets rather than cancel the handlers: each handler then ends on its
        # own (Python 3.11 logs a bogus error for a connection handler that ends cancelled).
        for conn in self._connections.values():
            conn.writer.transport.abort()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(self) -> Self:
        """Serve from a daemon thread with an event loop of its own (for sync code)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # handed to the caller below
                failure.append(exc)
                return
            finally:
                ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-upstream", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._thread = self._loop = None

    def __enter__(self) -> Self:
        return self.start_in_thread()

    def __exit__(self, *exc_info: object) -> None:
        self.stop_thread()

    # --- HTTP/1.1 ---------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conn = self._connections[task] = _Conn(reader, writer)
        try:
            keep_alive = True
            while keep_alive:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, headers = _parse_head(head)
                length = int(headers.get("content-length") or 0)
                raw = await reader.readexactly(length) if length else b""
                keep_alive = await self._dispatch(conn, method, path, headers, raw)
                keep_alive = keep_alive and headers.get("connection", "").lower() != "close"
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError):
            pass  # the client left, or sent something this small server does not speak
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            del self._connections[task]

    async def _dispatch(self, conn: _Conn, method: str, path: str, headers: dict[str, str],
                        raw: bytes) -> bool:
        """Answer one request; False when the connection must close after it."""
        route = path.split("?", 1)[0].removeprefix("/v1")
        api = "anthropic" if route == "/messages" or "anthropic-version" in headers else "openai"
        record = RecordedRequest(method, path, headers, None, api)
        self.requests.append(record)
        if self.keep_requests is not None and len(self.requests) > self.keep_requests:
            del self.requests[:len(self.requests) - self.keep_requests]
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            return await self._error(conn, record, 400, "the body is not valid JSON")
        record.body = parsed if isinstance(parsed, dict) else None
        if self.api_key is not None and _presented_key(headers) != self.api_key:
            return await self._error(conn, record, 401)
        if method == "GET" and route == "/models":
            names = sorted({*PERSONAS, *(r.model for r in self._rules if r.model)})
            return await self._send_json(conn, record, 200, wire.models_body(api, names))
        if method != "POST" or route not in ("/chat/completions", "/messages") \
                or record.body is None:
            return await self._error(conn, record, 404, f"no route {method} {path}")
        return await self._answer(conn, record, record.body)

    async def _answer(self, conn: _Conn, record: RecordedRequest, body: dict[str, Any]) -> bool:
        b = self._behaviour_for(record.model)
        if b.stall_s and b.stall_after_chunks is None and not await conn.idle(b.stall_s):
            record.end("client_closed")
            return False
        if b.status is not None:
            return await self._error(conn, record, b.status, b.error_message,
                                     retry_after_ms=b.retry_after_ms)
        if record.api == "openai" and b.reject_stream_options and "stream_options" in body:
            return await self._error(conn, record, 400,
                                     "Unrecognized request argument supplied: stream_options")
        if record.api == "anthropic" and not isinstance(body.get("max_tokens"), int):
            return await self._error(conn, record, 400, "max_tokens: Field required")
        reply = _reply_for(record, b)
        if body.get("stream"):
            return await self._stream(conn, record, reply, b)
        if not await conn.idle(b.first_delay_s):
            record.end("client_closed")
            return False
        shape = reply.openai_json() if record.api == "openai" else reply.anthropic_json()
        return await self._send_json(conn, record, 200, shape)

    async def _stream(self, conn: _Conn, record: RecordedRequest, reply: wire.Reply,
                      b: Behaviour) -> bool:
        before, content, after = (reply.openai_frames() if record.api == "openai"
                                  else reply.anthropic_frames())
        record.status = 200
        if self.single_slot:
            if self._streaming is not None:
                running, cut = self._streaming
                cut.end("cut")
                running.writer.transport.abort()
            self._streaming = (conn, record)
        try:
            return await self._stream_body(conn, record, before, content, after, b)
        finally:
            if self._streaming is not None and self._streaming[1] is record:
                self._streaming = None

    async def _stream_body(self, conn: _Conn, record: RecordedRequest, before: list[bytes],
                           content: list[bytes], after: list[bytes], b: Behaviour) -> bool:
        try:
            await conn.send(_head(200, [("content-type", "text/event-stream; charset=utf-8"),
                                        ("cache-control", "no-cache"),
                                        ("transfer-encoding", "chunked")])
                            + b"".join(_chunk(f) for f in before))
            for index in range(len(content) + 1):
                if b.stall_s and b.stall_after_chunks == index and not await conn.idle(b.stall_s):
                    record.end("client_closed")
                    return False
                if b.error_event is not None and b.error_after_chunks == index:
                    frame = wire.error_frame(record.api, b.error_event, self._request_id())
                    await conn.send(_chunk(frame) + b"0\r\n\r\n")
                    record.end("error")
                    return True
                if b.cut_after_chunks == index:
                    record.end("cut")
                    if b.cut_style == "end":  # a complete HTTP body, an incomplete answer
                        await conn.send(b"0\r\n\r\n")
                        return True
                    return False  # the caller closes the socket in the middle of the body
                if index == len(content):
                    break
                if not await (conn.idle(b.first_delay_s) if index == 0
                              else conn.pause(b.delay_s)):
                    record.end("client_closed")
                    return False
                await conn.send(_chunk(content[index]))
                record.chunks_sent += 1
            await conn.send(b"".join(_chunk(f) for f in after) + b"0\r\n\r\n")
        except ConnectionError:
            record.end("client_closed")
            return False
        record.end("completed")
        return True

    async def _send_json(self, conn: _Conn, record: RecordedRequest, status: int,
                         payload: object, headers: Sequence[tuple[str, str]] = ()) -> bool:
        data = json.dumps(payload).encode()
        request_id = self._request_id()
        try:
            await conn.send(_head(status, [("content-type", "application/json"),
                                           ("content-length", str(len(data))),
                                           ("x-request-id", request_id),
                                           ("request-id", request_id), *headers]) + data)
        except ConnectionError:
            record.end("client_closed")
            return False
        record.end("completed" if status < 400 else "error", status)
        return True

    async def _error(self, conn: _Conn, record: RecordedRequest, status: int,
                     message: str | None = None, *, retry_after_ms: int | None = None) -> bool:
        body = wire.error_body(record.api, status, message, self._request_id())
        headers = [("retry-after-ms", str(retry_after_ms))] if retry_after_ms is not None else []
        return await self._send_json(conn, record, status, body, headers)

    def _request_id(self) -> str:
        return f"req_{next(self._ids):06d}"


def _reply_for(record: RecordedRequest, b: Behaviour) -> wire.Reply:
    """The scripted text, or the fake persona's answer, cut and truncated like a model's."""
    history = [Message(m["role"], wire.text_of(m.get("content")))
               for m in record.messages if m.get("role") in ("user", "assistant")]
    model = str(record.model or "fake")
    text = b.text
    if text is None:
        persona = model if model in PERSONAS else "concise"
        text = compose_reply(persona, history, name=model, system_prompt=record.system)
    if b.chunk_chars:
        pieces = [text[i:i + b.chunk_chars] for i in range(0, len(text), b.chunk_chars)]
    else:
        pieces = split_chunks(text)
    finish = b.finish_reason or ("stop" if record.api == "openai" else "end_turn")
    limit = record.max_tokens
    if isinstance(limit, int) and approx_tokens(text) > limit:
        chars = kept = 0
        while kept < len(pieces) and approx_tokens_of(chars + len(pieces[kept])) <= limit:
            chars += len(pieces[kept])
            kept += 1
        pieces = pieces[:kept]
        finish = "length" if record.api == "openai" else "max_tokens"
    prompt = (record.system or "") + "".join(m.content for m in history)
    options = (record.body or {}).get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return wire.Reply(model=model, pieces=pieces, finish_reason=finish,
                      input_tokens=approx_tokens(prompt),
                      output_tokens=approx_tokens("".join(pieces)), include_usage=include_usage)


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return method, path, headers


def _presented_key(headers: dict[str, str]) -> str | None:
    if "x-api-key" in headers:
        return headers["x-api-key"]
    auth = headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


def _head(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
             *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    """One piece of a ``Transfer-Encoding: chunked`` body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m arena.testing.upstream",
        description="A fake OpenAI- and Anthropic-compatible model server for demos and load "
                    "tests. Model names " + ", ".join(PERSONAS) + " pick a persona.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
    parser.add_argument("--delay-s", type=float, default=0.03, help="pause between deltas")
    parser.add_argument("--first-delay-s", type=float, default=0.3, help="time to first token")
    parser.add_argument("--api-key", default=None, help="require this key (default: any key)")
    args = parser.parse_args(argv)
    upstream = FakeUpstream(args.host, args.port, api_key=args.api_key, keep_requests=1000,
                            default=Behaviour(delay_s=args.delay_s,
                                              first_delay_s=args.first_delay_s))

    async def serve() -> None:
        async with upstream:
            print(f"fake upstream on {upstream.base_url} — OpenAI base_url "
                  f"{upstream.openai_base_url}, Anthropic base_url {upstream.base_url}",
                  flush=True)
            await asyncio.Event().wait()

    run: Callable[[Any], None] = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # a faster loop when installed (uvicorn[standard] brings it)

        run = uvloop.run
    with contextlib.suppress(KeyboardInterrupt):
        run(serve())


if __name__ == "__main__":
    main()
