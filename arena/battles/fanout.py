"""One stream of events, fanned out to any number of readers that may join late.

Nothing here knows what a battle is. Events are ``(name, data)`` pairs; the fan-out
keeps every event it published, so a reader that subscribes late (a reload, a second
tab) first gets all of them, then the live ones. Each reader has its own buffer that
batches text for ``flush_s`` (one write per batch instead of one per upstream chunk),
and ``coalesce`` joins a batch's text events per stream. When the last reader leaves,
``on_idle`` is called (the owner stops paying for work nobody reads).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

Event = tuple[str, dict[str, Any]]


def coalesce(events: list[Event], *, text: str = "delta", key: str = "side") -> list[Event]:
    """One ``text`` event per ``key`` for each run of its text: a stream's text events are
    joined up to its next other event, even when another stream's events come in between,
    so each stream's own order is kept."""
    out: list[Event] = []
    open_: dict[Any, tuple[int, list[str]]] = {}  # key → (index in out, texts)

    def close(k: Any) -> None:
        i, texts = open_.pop(k)
        if len(texts) > 1:
            out[i] = (text, {key: k, "text": "".join(texts)})

    for name, data in events:
        k = data.get(key)
        if name == text:
            if k in open_:
                open_[k][1].append(data["text"])
                continue
            open_[k] = (len(out), [data["text"]])
        elif k in open_:
            close(k)
        out.append((name, data))
    for k in list(open_):
        close(k)
    return out


class _Reader:
    """One subscriber's buffer. Text that arrives within ``flush_s`` of the last send waits
    for a timer and then goes out with whatever else came meanwhile; an urgent event
    wakes the reader at once."""

    __slots__ = ("buffer", "wake", "flush_s", "sent_at", "timer", "loop")

    def __init__(self, flush_s: float) -> None:
        # Kept: on Python 3.11 each get_running_loop() is a getpid() system call, and
        # put() runs once per streamed chunk.
        self.loop = asyncio.get_running_loop()
        self.buffer: list[Event] = []
        self.wake = asyncio.Event()
        self.flush_s = flush_s
        self.sent_at = -1e9
        self.timer: asyncio.TimerHandle | None = None

    def put(self, ev: Event, urgent: bool) -> None:
        self.buffer.append(ev)
        if urgent or not self.flush_s:
            self.wake.set()
        elif self.timer is None and not self.wake.is_set():
            loop = self.loop
            self.timer = loop.call_at(max(loop.time(), self.sent_at + self.flush_s),
                                      self.wake.set)

    async def take(self) -> list[Event]:
        await self.wake.wait()
        self.wake.clear()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.buffer = self.buffer, []
        self.sent_at = self.loop.time()
        return batch


class Fanout:
    """Every event published so far, and the readers waiting for the next ones."""

    def __init__(self, flush_s: float, on_idle: Callable[[], None] | None = None) -> None:
        self.flush_s = flush_s
        self.on_idle = on_idle
        self.events: list[Event] = []
        self.readers: set[_Reader] = set()
        self.closed = False

    def publish(self, ev: Event, *, urgent: bool) -> None:
        self.events.append(ev)
        for reader in self.readers:
            reader.put(ev, urgent)

    def close(self, ev: Event) -> None:
        """Publish the last event; readers stop once they have it."""
        self.closed = True
        self.publish(ev, urgent=True)

    async def subscribe(self) -> AsyncGenerator[Event, None]:
        reader = _Reader(self.flush_s)
        for ev in self.events:
            reader.put(ev, True)
        self.readers.add(reader)
        try:
            while True:
                batch = await reader.take()
                for ev in coalesce(batch):
                    yield ev
                if self.closed and not reader.buffer:
                    return
        finally:
            self.readers.discard(reader)
            if not self.readers and self.on_idle is not None:
                self.on_idle()
