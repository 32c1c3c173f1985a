"""The fan-out of a turn's two streams to its readers: pacing (text waits for the flush
timer, a side's first words and every end or error go out at once, nothing is lost or
reordered on the way) and the coalescing of each side's text."""

from __future__ import annotations

import asyncio

from arena.battles.fanout import _Reader
from tests.conftest import fake, fake_roster, run_turn, texts

WORDS = 40
ROSTER = fake_roster(
    fake("left-1", script=" ".join(f"l{i}" for i in range(WORDS)), delay_s=0.002),
    fake("right-2", script=" ".join(f"r{i}" for i in range(WORDS)), delay_s=0.002))


async def test_urgent_events_wake_the_reader_and_text_waits_for_the_timer() -> None:
    reader = _Reader(flush_s=30.0)  # the timer never fires within this test
    reader.put(("delta", {"side": "a", "text": "first"}), urgent=True)
    assert await asyncio.wait_for(reader.take(), 5) == [("delta", {"side": "a", "text": "first"})]
    reader.put(("delta", {"side": "a", "text": " second"}), urgent=False)
    waiting = asyncio.create_task(reader.take())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # plain text waits for the timer ...
    reader.put(("done", {"side": "a"}), urgent=True)  # ... or for an urgent event
    assert await asyncio.wait_for(waiting, 5) == [
        ("delta", {"side": "a", "text": " second"}), ("done", {"side": "a"})]


async def test_the_timer_sends_waiting_text() -> None:
    reader = _Reader(flush_s=0.01)
    await asyncio.wait_for(asyncio.gather(reader.take(), _put_later(reader)), 5)
    reader.put(("delta", {"side": "b", "text": "x"}), urgent=False)
    assert await asyncio.wait_for(reader.take(), 5) == [("delta", {"side": "b", "text": "x"})]


async def test_without_pacing_every_delta_wakes_the_reader() -> None:
    reader = _Reader(flush_s=0.0)
    reader.put(("delta", {"side": "b", "text": "x"}), urgent=False)
    assert await asyncio.wait_for(reader.take(), 5) == [("delta", {"side": "b", "text": "x"})]


async def _put_later(reader: _Reader) -> None:
    await asyncio.sleep(0)
    reader.put(("delta", {"side": "a", "text": "w"}), urgent=True)


async def test_a_paced_stream_sends_few_events_and_loses_nothing(in_process, settings) -> None:
    # A flush period longer than the answers: only urgent events send anything, so each
    # side's text arrives as its first word, then (at the latest with its `done`) the rest.
    server = await in_process(roster=ROSTER,
                         settings=settings.model_copy(update={"stream_flush_ms": 1000}))
    c = server.client()
    battle = (await c.post("/api/battles", json={"prompt": "Count."})).json()
    events = await run_turn(c, battle["id"])
    got = texts(events)
    assert sorted(got.values()) == sorted(" ".join(f"{p}{i}" for i in range(WORDS))
                                          for p in "lr")
    deltas = [d for n, d in events if n == "delta"]
    for side in "ab":
        mine = [d["text"] for d in deltas if d["side"] == side]
        # The first words went out at once (alone, unless the reader was slower than the
        # next word: the unit tests above pin that), then at most one send per urgent event.
        assert len(mine) <= 4, mine
    assert [n for n, _ in events].count("done") == 2 and events[-1][0] == "end"


async def test_unpaced_streams_keep_every_word_in_order(in_process, settings) -> None:
    server = await in_process(roster=ROSTER,
                         settings=settings.model_copy(update={"stream_flush_ms": 0}))
    c = server.client()
    battle = (await c.post("/api/battles", json={"prompt": "Count."})).json()
    got = texts(await run_turn(c, battle["id"]))
    assert sorted(got.values()) == sorted(" ".join(f"{p}{i}" for i in range(WORDS))
                                          for p in "lr")


def test_coalesce_joins_each_sides_text_up_to_its_next_event():
    from arena.battles import coalesce

    events = [("delta", {"side": "a", "text": "He"}), ("delta", {"side": "a", "text": "llo"}),
              ("delta", {"side": "b", "text": "Hi"}), ("delta", {"side": "a", "text": "!"}),
              ("done", {"side": "a"}), ("delta", {"side": "b", "text": " there"}),
              ("delta", {"side": "b", "text": "."}), ("error", {"side": "b"}), ("end", {})]
    assert coalesce(events) == [
        ("delta", {"side": "a", "text": "Hello!"}), ("delta", {"side": "b", "text": "Hi there."}),
        ("done", {"side": "a"}), ("error", {"side": "b"}), ("end", {})]
    # A side's text never jumps over its own done or error.
    assert coalesce([("delta", {"side": "a", "text": "x"}), ("done", {"side": "a"}),
                     ("delta", {"side": "b", "text": "y"})]) == [
        ("delta", {"side": "a", "text": "x"}), ("done", {"side": "a"}),
        ("delta", {"side": "b", "text": "y"})]
    assert coalesce([]) == []
