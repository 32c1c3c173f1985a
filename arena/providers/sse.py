"""Server-sent events, read from a streamed HTTP body, for the SDK adapters.

The adapters make their calls with the official SDKs (keys, base URLs, retries, timeouts
and HTTP error classes all stay the SDKs' own) but read a stream's body through
``with_streaming_response`` and this parser instead of the SDKs' typed stream objects.
The typed objects build a pydantic model for every chunk; at a chunk per token that was
the largest single cost of relaying an answer (``benchmarks/providers.py`` measures both
ways in one run). Each event's ``data`` is then one ``json.loads``.

The parsing follows the WHATWG definition: ``data`` lines of one event are joined with
a newline, a blank line ends an event, lines starting with ``:`` are comments, one space
after the colon is dropped, ``id`` and ``retry`` are ignored. A last event with no blank
line after it is still given: some OpenAI-compatible servers end the body that way.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    event: str | None  # the ``event:`` field; None when the server sent none
    data: str


async def events(lines: AsyncIterable[str]) -> AsyncIterator[Event]:
    """The events in ``lines`` (a body's lines, without their line endings)."""
    name: str | None = None
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield Event(name, "\n".join(data))
            name, data = None, []
            continue
        if line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
            continue
        if line[0] == ":":
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":  # a bare "data" line: an empty data line
            data.append(value)
    if data:
        yield Event(name, "\n".join(data))
