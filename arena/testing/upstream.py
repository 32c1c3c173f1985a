"""A fake model upstream on 127.0.0.1 that speaks the real OpenAI and Anthropic wire formats.

Tests point the real SDKs at it (``base_url``), so the SDKs' own request building, SSE
parsing and error classes are exercised; benchmarks use it as a model with a known
pace; ``python -m arena.testing.upstream --port 8001`` serves it for a demo roster.

Routes: ``POST /v1/chat/completions`` (streamed as ``data: {chunk}`` lines ending in
``data: [DONE]``, with a usage chunk when ``stream_options.include_usage``; or one JSON
body), ``POST /v1/messages`` (Anthropic events ``message_start`` ... ``message_stop``, or
one JSON body) and ``GET /v1/models``. Errors use each provider's own JSON shape.

Each request gets a ``Behaviour``: the most recent matching rule set with ``script()``
(optionally for one model and a number of ``times``), else the default. It sets the
reply, its chunking and pace, an error status, a stall, or a cut. Every request is
recorded (``requests``) with its body and how it ended, e.g. ``"client_closed"`` when the
client hung up mid-stream.

It is written on raw asyncio streams rather than uvicorn and starlette: a cut must drop
the TCP connection in the middle of a chunked body, a hang-up must be seen at once (an
EOF on the socket), and hundreds of concurrent streams should cost one coroutine each
with no ASGI layers in between, so a benchmark measures the arena and not the fake.
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
from arena.providers.fake import PERSONAS, approx_tokens, compose_reply, split_chunks

Api = Literal["openai", "anthropic"]

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
            413: "Payload Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            529: "Overloaded"}
_OPENAI_ERRORS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error",
                     403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                     429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


@dataclass(frozen=True)
class Behaviour:
    """How the upstream answers one request. Chunks count content deltas only."""

    text: str | None = None  # the reply; None = the fake persona named by the model (or concise)
    chunk_chars: int | None = None  # characters per delta; None = one word per delta
    delay_s: float = 0.0  # between deltas
    first_delay_s: float = 0.0  # before the first delta (time to first token)
    status: int | None = None  # answer with this HTTP error instead
    error_message: str | None = None  # its message; default: the provider's usual wording
    retry_after_ms: int | None = None  # sent with an error, so SDK retries in tests are fast
    stall_s: float = 0.0  # go quiet this long ...
    stall_after_chunks: int | None = None  # ... after this many deltas; None = before headers
    cut_after_chunks: int | None = None  # stop the stream after this many deltas
    cut_style: Literal["close", "end"] = "close"  # drop the connection, or end the body early
    error_event: int | None = None  # send an in-stream error of this status's kind ...
    error_after_chunks: int = 0  # ... after this many deltas, then end the body
    finish_reason: str | None = None  # default "stop" / "end_turn" ("length" if truncated)
    reject_stream_options: bool = False  # 400 when stream_options is sent (older servers)


@dataclass
class RecordedRequest:
    """One request as the upstream saw it, and how it ended."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    api: str
    started_at: float = field(default_factory=time.perf_counter)
    # "pending", "completed", "error", "cut", "client_closed" (the client hung up first)
    outcome: str = "pending"
    status: int = 0
    chunks_sent: int = 0
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
            return _text_of(body["system"])
        found = [_text_of(m.get("content")) for m in self.messages if m.get("role") == "system"]
        return "\n".join(found) if found else None

    @property
    def max_tokens(self) -> int | None:
        body = self.body or {}
        return body.get("max_tokens", body.get("max_completion_tokens"))

    @property
    def temperature(self) -> float | None:
        return (self.body or {}).get("temperature")

    def _end(self, outcome: str) -> None:
        self.outcome = outcome
        self.ended_at = time.perf_counter()


@dataclass
class _Rule:
    model: str | None
    behaviour: Behaviour
    remaining: int | None


class FakeUpstream:
    """The server. ``async with FakeUpstream() as up`` runs it on the current loop;
    ``with FakeUpstream() as up`` (or ``start_in_thread``) runs it on a thread of its own."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str | None = None,
                 default: Behaviour | None = None) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key  # when set, other keys get a 401 in the provider's shape
        self.default = default or Behaviour()
        self.requests: list[RecordedRequest] = []
        self._rules: list[_Rule] = []
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- scripting and inspection ------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The root URL: what the Anthropic SDK wants. OpenAI clients add ``/v1``."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    def script(self, model: str | None = None, *, times: int | None = None,
               **behaviour: Any) -> Behaviour:
        """Answer requests for ``model`` (None: any) with a ``Behaviour`` built from
        ``behaviour``; for the next ``times`` matching requests only, if given. The most
        recent matching rule wins."""
        known = {f.name for f in fields(Behaviour)}
        unknown = set(behaviour) - known
        if unknown:
            raise TypeError(f"unknown behaviour {sorted(unknown)}; use {sorted(known)}")
        rule = _Rule(model, replace(self.default, **behaviour), times)
        self._rules.append(rule)
        return rule.behaviour

    def reset(self) -> None:
        """Forget the scripted rules and the recorded requests."""
        self._rules.clear()
        self.requests.clear()

    def requests_for(self, api: str | None = None, model: str | None = None
                     ) -> list[RecordedRequest]:
        return [r for r in self.requests
                if (api is None or r.api == api) and (model is None or r.model == model)]

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 2.0) -> None:
        """Poll until ``predicate()`` holds (works across threads); TimeoutError if not."""
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the upstream never reached the expected state")
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
                                                  backlog=2048, limit=4 * 1024 * 1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(self) -> Self:
        """Serve from a daemon thread with its own event loop (for sync code)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                ready.set()
                return
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
        self._connections.add(task)
        try:
            keep_open = True
            while keep_open:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                method, path, headers = _parse_head(head)
                length = int(headers.get("content-length", "0") or 0)
                raw = await reader.readexactly(length) if length else b""
                keep_open = await self._dispatch(method, path, headers, raw, reader, writer)
                keep_open = keep_open and headers.get("connection", "").lower() != "close"
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._connections.discard(task)

    async def _dispatch(self, method: str, path: str, headers: dict[str, str], raw: bytes,
                        reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        route = path.split("?", 1)[0].removeprefix("/v1")
        api: Api = "anthropic" if route == "/messages" or "anthropic-version" in headers \
            else "openai"
        body: dict[str, Any] | None = None
        record = RecordedRequest(method, path, headers, None, api)
        self.requests.append(record)
        try:
            parsed = json.loads(raw) if raw else None
            body = parsed if isinstance(parsed, dict) else None
        except ValueError:
            return await self._error(writer, record, 400, "the body is not valid JSON")
        record.body = body
        if self.api_key is not None and _presented_key(headers) != self.api_key:
            return await self._error(writer, record, 401)
        if method == "GET" and route == "/models":
            return await self._send_json(writer, record, 200, self._models(api))
        if method != "POST" or route not in ("/chat/completions", "/messages") or body is None:
            return await self._error(writer, record, 404, f"no route {method} {path}")
        record.api = "openai" if route == "/chat/completions" else "anthropic"
        return await self._answer(record, body, reader, writer)

    async def _answer(self, record: RecordedRequest, body: dict[str, Any],
                      reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        b = self._behaviour_for(record.model)
        if b.stall_s and b.stall_after_chunks is None and not await _idle(reader, b.stall_s):
            record._end("client_closed")
            return False
        if b.status is not None:
            return await self._error(writer, record, b.status, b.error_message,
                                     retry_after_ms=b.retry_after_ms)
        if record.api == "openai" and b.reject_stream_options and "stream_options" in body:
            return await self._error(writer, record, 400, "Unrecognized request argument "
                                     "supplied: stream_options")
        if record.api == "anthropic" and not isinstance(body.get("max_tokens"), int):
            return await self._error(writer, record, 400, "max_tokens: Field required")
        reply = _Reply.build(record, body, b)
        if not body.get("stream"):
            if not await _idle(reader, b.first_delay_s):
                record._end("client_closed")
                return False
            shape = reply.openai_json() if record.api == "openai" else reply.anthropic_json()
            return await self._send_json(writer, record, 200, shape)
        return await self._stream(record, reply, b, reader, writer)

    async def _stream(self, record: RecordedRequest, reply: _Reply, b: Behaviour,
                      reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        frames = reply.openai_frames() if record.api == "openai" else reply.anthropic_frames()
        prelude, content, tail = frames
        record.status = 200
        writer.write(_head(200, [("content-type", "text/event-stream; charset=utf-8"),
                                 ("cache-control", "no-cache"),
                                 ("transfer-encoding", "chunked")]))
        try:
            for frame in prelude:
                writer.write(_chunk(frame))
            await writer.drain()
            for index in range(len(content) + 1):
                if b.stall_s and b.stall_after_chunks == index \
                        and not await _idle(reader, b.stall_s):
                    record._end("client_closed")
                    return False
                if b.error_event is not None and b.error_after_chunks == index:
                    writer.write(_chunk(self._error_event(record, b.error_event)))
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
                    record._end("error")
                    return True
                if b.cut_after_chunks == index:
                    record._end("cut")
                    if b.cut_style == "end":
                        writer.write(b"0\r\n\r\n")
                        await writer.drain()
                        return True
                    return False  # the caller closes the socket mid-body
                if index == len(content):
                    break
                if not await _idle(reader, b.first_delay_s if index == 0 else b.delay_s):
                    record._end("client_closed")
                    return False
                writer.write(_chunk(content[index]))
                await writer.drain()
                record.chunks_sent += 1
            for frame in tail:
                writer.write(_chunk(frame))
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            record._end("client_closed")
            return False
        record._end("completed")
        return True

    async def _send_json(self, writer: asyncio.StreamWriter, record: RecordedRequest,
                         status: int, payload: object,
                         headers: Sequence[tuple[str, str]] = ()) -> bool:
        data = json.dumps(payload).encode()
        request_id = f"req_{next(self._ids):06d}"
        writer.write(_head(status, [("content-type", "application/json"),
                                    ("content-length", str(len(data))),
                                    ("x-request-id", request_id), ("request-id", request_id),
                                    *headers]) + data)
        try:
            await writer.drain()
        except ConnectionError:
            record._end("client_closed")
            return False
        record.status = status
        record._end("completed" if status < 400 else "error")
        return True

    async def _error(self, writer: asyncio.StreamWriter, record: RecordedRequest, status: int,
                     message: str | None = None, *, retry_after_ms: int | None = None) -> bool:
        payload = self._error_body(record.api, status, message)
        headers = [("retry-after-ms", str(retry_after_ms))] if retry_after_ms is not None else []
        return await self._send_json(writer, record, status, payload, headers)

    def _error_event(self, record: RecordedRequest, status: int) -> bytes:
        """An error inside a stream that already answered 200, as each API sends it."""
        payload = self._error_body(record.api, status, None)
        return _sse(payload, "error") if record.api == "anthropic" else _sse(payload)

    def _error_body(self, api: str, status: int, message: str | None) -> dict[str, Any]:
        if api == "anthropic":
            kind = _ANTHROPIC_ERRORS.get(status, "api_error" if status >= 500 else
                                         "invalid_request_error")
            payload: dict[str, Any] = {
                "type": "error", "request_id": f"req_{next(self._ids):06d}",
                "error": {"type": kind, "message": message or kind.replace("_", " ")}}
        else:
            kind, code, wording = _OPENAI_ERRORS.get(
                status, ("server_error", None, "Upstream error.") if status >= 500
                else ("invalid_request_error", None, "Invalid request."))
            payload = {"error": {"message": message or wording, "type": kind, "param": None,
                                 "code": code}}
        return payload

    def _models(self, api: Api) -> dict[str, Any]:
        names = sorted({*PERSONAS, *(r.model for r in self._rules if r.model)})
        if api == "anthropic":
            data = [{"type": "model", "id": n, "display_name": n,
                     "created_at": "2025-01-01T00:00:00Z"} for n in names]
            return {"data": data, "has_more": False, "first_id": names[0], "last_id": names[-1]}
        return {"object": "list", "data": [{"id": n, "object": "model", "created": 1735689600,
                                            "owned_by": "fake-upstream"} for n in names]}


@dataclass
class _Reply:
    """The text of one answer, cut into deltas, and its wire frames for either API."""

    api: str
    model: str
    pieces: list[str]
    finish: str
    input_tokens: int
    include_usage: bool
    id: str = field(default_factory=lambda: f"{int(time.time() * 1e6):x}")

    @classmethod
    def build(cls, record: RecordedRequest, body: dict[str, Any], b: Behaviour) -> _Reply:
        history = [Message(m["role"], _text_of(m.get("content")))
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
        if isinstance(limit, int):
            kept: list[str] = []
            for piece in pieces:
                if approx_tokens("".join(kept) + piece) > limit:
                    finish = "length" if record.api == "openai" else "max_tokens"
                    break
                kept.append(piece)
            pieces = kept
        prompt = (record.system or "") + "".join(m.content for m in history)
        usage = (body.get("stream_options") or {}).get("include_usage") is True
        return cls(record.api, model, pieces, finish, approx_tokens(prompt), usage)

    @property
    def output_tokens(self) -> int:
        return approx_tokens("".join(self.pieces))

    def _usage(self) -> dict[str, int]:
        return {"prompt_tokens": self.input_tokens, "completion_tokens": self.output_tokens,
                "total_tokens": self.input_tokens + self.output_tokens}

    def openai_json(self) -> dict[str, Any]:
        return {"id": f"chatcmpl-{self.id}", "object": "chat.completion",
                "created": int(time.time()), "model": self.model, "choices": [{
                    "index": 0, "finish_reason": self.finish, "logprobs": None,
                    "message": {"role": "assistant", "content": "".join(self.pieces)}}],
                "usage": self._usage()}

    def openai_frames(self) -> tuple[list[bytes], list[bytes], list[bytes]]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            payload: dict[str, Any] = {
                "id": f"chatcmpl-{self.id}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                             "logprobs": None}]}
            if self.include_usage:
                payload["usage"] = None  # as OpenAI does: null until the last chunk
            return _sse(payload)

        tail = [chunk({}, self.finish)]
        if self.include_usage:
            tail.append(_sse({"id": f"chatcmpl-{self.id}", "object": "chat.completion.chunk",
                              "created": int(time.time()), "model": self.model, "choices": [],
                              "usage": self._usage()}))
        tail.append(b"data: [DONE]\n\n")
        content = [chunk({"content": p}) for p in self.pieces]
        return [chunk({"role": "assistant", "content": ""})], content, tail

    def anthropic_json(self) -> dict[str, Any]:
        return {"id": f"msg_{self.id}", "type": "message", "role": "assistant",
                "model": self.model, "content": [{"type": "text", "text": "".join(self.pieces)}],
                "stop_reason": self.finish, "stop_sequence": None,
                "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}}

    def anthropic_frames(self) -> tuple[list[bytes], list[bytes], list[bytes]]:
        start = {"type": "message_start", "message": {
            "id": f"msg_{self.id}", "type": "message", "role": "assistant", "content": [],
            "model": self.model, "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": 1}}}
        prelude = [_sse(start, "message_start"),
                   _sse({"type": "content_block_start", "index": 0,
                         "content_block": {"type": "text", "text": ""}}, "content_block_start"),
                   _sse({"type": "ping"}, "ping")]
        content = [_sse({"type": "content_block_delta", "index": 0,
                         "delta": {"type": "text_delta", "text": p}}, "content_block_delta")
                   for p in self.pieces]
        tail = [_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                _sse({"type": "message_delta",
                      "delta": {"stop_reason": self.finish, "stop_sequence": None},
                      "usage": {"output_tokens": self.output_tokens}}, "message_delta"),
                _sse({"type": "message_stop"}, "message_stop")]
        return prelude, content, tail


# --- wire helpers ---------------------------------------------------------------------------


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
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
    return b"%x\r\n%s\r\n" % (len(data), data)


def _sse(payload: object, event: str | None = None) -> bytes:
    data = f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
    return f"event: {event}\n".encode() + data if event else data


def _text_of(content: object) -> str:
    """Plain text of a message content: a string, or a list of text parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


async def _idle(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Wait ``seconds``, watching the socket; False if the client hung up meanwhile.

    An HTTP/1.1 client sends nothing while it reads a response, so any read that returns
    means the connection is gone (EOF), and it is seen at once, not at the next write.
    """
    if reader.at_eof():
        return False
    if seconds <= 0:
        return True
    try:
        async with asyncio.timeout(seconds):
            await reader.read(1)
    except TimeoutError:
        return True
    return False


# --- command line ---------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m arena.testing.upstream",
        description="A fake OpenAI- and Anthropic-compatible model server for demos and load "
                    "tests. Model names " + ", ".join(PERSONAS) + " pick a persona.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--delay-s", type=float, default=0.03, help="pause between deltas")
    parser.add_argument("--first-delay-s", type=float, default=0.3, help="time to first token")
    parser.add_argument("--api-key", default=None, help="require this key (default: any)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse_args(argv)
    upstream = FakeUpstream(args.host, args.port, api_key=args.api_key,
                            default=Behaviour(delay_s=args.delay_s,
                                              first_delay_s=args.first_delay_s))

    async def serve() -> None:
        async with upstream:
            print(f"fake upstream on {upstream.base_url}  (OpenAI base_url "
                  f"{upstream.openai_base_url}; Anthropic base_url {upstream.base_url})",
                  flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
