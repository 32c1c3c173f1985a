"""Two roster entries on one single-slot local server (llama-cpp-python cuts the running
stream when a second request arrives): without max_concurrency one side is cut and told
so after the vote; with max_concurrency = 1 the second side waits and both finish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from arena.errors import ConfigError
from arena.providers.limits import Slots
from arena.testing.upstream import FakeUpstream
from tests.conftest import fake_roster, run_turn

PROMPT = "Explain recursion briefly."


@pytest.fixture
async def one_slot() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(single_slot=True) as up:
        # Answers long enough (0.8 s) for both requests to arrive while the first streams.
        up.script(text=" ".join(f"word{i}" for i in range(40)), delay_s=0.02)
        yield up


def local(name: str, persona: str, base_url: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "provider": "openai", "model": persona, "base_url": base_url,
            **fields}


async def answers(server, battle_id):
    battle = await server.app.state.services.battles.store.get_battle(battle_id)
    return battle.latest.answers


async def test_without_a_limit_one_side_is_cut_and_told_so_after_the_vote(
        in_process, one_slot):
    roster = fake_roster(local("local-a", "concise", one_slot.openai_base_url),
                         local("local-b", "verbose", one_slot.openai_base_url))
    server = await in_process(roster=roster)
    c = server.client()
    b = (await c.post("/api/battles", json={"prompt": PROMPT})).json()
    events = await run_turn(c, b["id"])
    assert sorted(n for n, _ in events if n in ("done", "error")) == ["done", "error"]
    assert [r.outcome for r in one_slot.requests].count("cut") == 1
    codes = sorted(a.error_code or "" for a in (await answers(server, b["id"])).values())
    assert codes == ["", "upstream_cut"]

    one_slot.single_slot = False  # the server given a second slot: the regenerate finishes
    assert (await c.post(f"/api/battles/{b['id']}/regenerate")).status_code == 200
    assert (await run_turn(c, b["id"]))[-1][1]["votable"] is True
    assert (await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "a"})).status_code \
        == 200
    revealed = (await c.get(f"/api/battles/{b['id']}")).json()
    [failure] = revealed["failures"]
    assert failure["code"] == "upstream_cut"
    assert "cut the answer off" in failure["message"] and "max_concurrency" in \
        failure["message"]


async def test_with_max_concurrency_1_both_finish_and_one_side_waited(in_process, one_slot):
    roster = fake_roster(local("local-a", "concise", one_slot.openai_base_url,
                               max_concurrency=1),
                         local("local-b", "verbose", one_slot.openai_base_url + "/",
                               max_concurrency=2))
    server = await in_process(roster=roster)
    c = server.client()
    b = (await c.post("/api/battles", json={"prompt": PROMPT})).json()
    events = await run_turn(c, b["id"])
    assert [n for n, _ in events].count("done") == 2 and events[-1][1]["votable"] is True
    waiting = [d for n, d in events if n == "waiting"]
    assert len(waiting) == 1 and waiting[0] in ({"side": "a"}, {"side": "b"})
    assert [r.outcome for r in one_slot.requests] == ["completed", "completed"]


def test_models_on_one_server_share_its_smallest_limit():
    url = "http://127.0.0.1:8080/v1"
    roster = fake_roster(local("a", "concise", url, max_concurrency=3),
                         local("b", "concise", url + "/", max_concurrency=1),
                         local("c", "concise", url.replace("127.0.0.1", "127.0.0.1")),
                         local("d", "concise", "http://127.0.0.1:9090/v1"))
    slots = Slots(roster.models)
    assert slots.limits == {url: 1}
    assert slots.for_model("a") is slots.for_model("b") is slots.for_model("c")
    assert slots.for_model("d") is None


@pytest.mark.parametrize("bad", [0, -1, "2", True, 1.5])
def test_max_concurrency_must_be_a_whole_number_of_at_least_one(bad):
    with pytest.raises(ConfigError) as err:
        fake_roster(local("a", "concise", "http://127.0.0.1:1/v1", max_concurrency=bad),
                    local("b", "concise", "http://127.0.0.1:1/v1"))
    assert "key 'max_concurrency': " in str(err.value) and "at least 1" in str(err.value)
