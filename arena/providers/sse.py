"""Server-sent events, read from a streamed HTTP body, for the SDK adapters.

The adapters make their calls with the official SDKs (keys, base URLs, retries, timeouts
and HTTP error classes all stay the SDKs' own) but read a stream's body through
``client.post(..., stream=True)`` and this parser instead of the SDKs' typed stream objects.
The typed objects build a pydantic model for every chunk; at a chunk per token that was
the largest single cost of relaying an answer (``benchmarks/providers.py`` measures both
ways in one run). Each event's ``data`` is then one ``loads``.

The parsing follows the WHATWG definition: ``data`` lines of one event are joined with
a newline, a blank line ends an event, lines starting with ``:`` are comments, one space
after the colon is dropped, ``id`` and ``retry`` are ignored. A last event with no blank
line after it is still given: some OpenAI-compatible servers end the body that way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Event:
    event: str | None  # the ``event:`` field; None when the server sent none
    data: str


class _Fields:
    """The WHATWG field rules, one line at a time."""

    __slots__ = ("name", "data")

    def __init__(self) -> None:
        self.name: str | None = None
        self.data: list[str] = []

    def line(self, raw: bytes) -> Event | None:
        """Take one line (its line end included or not); the event it completes, if any."""
        line = raw.rstrip(b"\r\n").decode()
        if not line:
            event = Event(self.name, "\n".join(self.data)) if self.data else None
            self.name, self.data = None, []
            return event
        if line.startswith("data:"):
            self.data.append(line[6:] if line.startswith("data: ") else line[5:])
        elif line[0] != ":":
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                self.name = value
            elif field == "data":  # a bare "data" line: an empty data line
                self.data.append(value)
        return None


async def events(chunks: AsyncIterable[bytes]) -> AsyncIterator[Event]:
    """The events of a body read as ``chunks`` of bytes (``response.aiter_bytes()``).

    Lines end at ``\r\n``, ``\n`` or ``\r``, wherever the chunks happen to be cut. The
    body is split into lines here, once per chunk, rather than through the HTTP client's
    text and line iterators: two more async generators per chunk, a few per cent of a
    busy worker's time in a profile."""
    fields = _Fields()
    rest = b""
    async for chunk in chunks:
        rest += chunk
        if rest.endswith(b"\r"):  # perhaps the first half of a \r\n cut in two: wait
            continue
        lines = rest.splitlines(keepends=True)
        rest = b"" if not lines or lines[-1].endswith((b"\n", b"\r")) else lines.pop()
        for raw in lines:
            if (event := fields.line(raw)) is not None:
                yield event
    for raw in rest.splitlines():  # the last line(s), with no line end after them
        if (event := fields.line(raw)) is not None:
            yield event
    if fields.data:
        yield Event(fields.name, "\n".join(fields.data))


def loads(data: str) -> Any:
    """One event's JSON. orjson parses a chunk in a third of the standard library's time
    (one chunk per token); what it refuses and the standard library accepts (a lone
    surrogate escape, NaN) is parsed the standard way, so no answer fails for it."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
