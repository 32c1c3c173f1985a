"""A model that is down stops being drawn: paused after failures in a row, probed after
its back-off, back in the draw once it answers; fewer than two answering is a 503."""

from __future__ import annotations

import logging
import random

import pytest

from arena import errors
from arena.battles import Pairing
from arena.battles.health import ModelHealth
from arena.providers import ProviderOptions
from arena.providers.fake import FakeProvider
from arena.settings import ModelConfig
from tests.conftest import fake, fake_roster, run_turn

GOOD = (fake("good-1", "concise"), fake("good-2", "verbose"))
DOWN = fake("down-1", "concise", fail="error")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def models_of(server, battle_id):
    battle = await server.app.state.services.battles.store.get_battle(battle_id)
    return {battle.model_a, battle.model_b}


async def battle(server, client):
    r = await client.post("/api/battles", json={"prompt": "Explain recursion briefly."})
    if r.status_code != 201:
        return r, set()
    b = r.json()
    await run_turn(client, b["id"])
    return r, await models_of(server, b["id"])


async def start_failing(in_process, settings, roster, clock):
    server = await in_process(
        roster=roster, clock=clock, pairing=Pairing({m.name: 1.0 for m in roster.models},
                                                    rng=random.Random(3)),
        settings=settings.model_copy(update={"health_failures": 3, "health_backoff_s": 30.0,
                                             "health_backoff_max_s": 600.0,
                                             "battles_per_minute_voter": 0,
                                             "battles_per_minute_ip": 0}))
    c = server.client()
    failed = 0
    for _ in range(60):  # until down-1 failed three battles in a row
        _, models = await battle(server, c)
        failed += "down-1" in models
        if failed == 3:
            break
    assert failed == 3
    return server, c


async def test_a_failing_model_is_paused_then_probed_back(in_process, settings, caplog):
    clock = Clock()
    caplog.set_level(logging.INFO, logger="arena.battles")
    server, c = await start_failing(in_process, settings, fake_roster(*GOOD, DOWN), clock)
    health = server.app.state.services.battles.health
    assert health.is_paused("down-1")
    paused_logs = [r for r in caplog.records if "paused for new battles for 30s" in r.message]
    assert len(paused_logs) == 1 and paused_logs[0].levelno == logging.WARNING
    assert "scripted upstream error" in paused_logs[0].message  # the cause, for the operator

    for _ in range(20):  # never drawn while paused
        r, models = await battle(server, c)
        assert r.status_code == 201 and models == {"good-1", "good-2"}

    # The back-off is over but the model is still down: one probe, which fails, and the
    # next pause is twice as long.
    clock.now += 31
    _, models = await battle(server, c)
    assert "down-1" not in models
    await health.wait_probes()
    assert health.is_paused("down-1")
    assert any("paused for new battles for 60s" in r.message for r in caplog.records)

    # The server comes back: nothing changes before the longer back-off is over...
    provider = server.app.state.services.battles.providers["down-1"]
    assert isinstance(provider, FakeProvider)
    provider.set_failure(None)
    clock.now += 31
    _, models = await battle(server, c)
    await health.wait_probes()
    assert health.is_paused("down-1") and "down-1" not in models
    # ...then the probe answers and the model is drawn again.
    clock.now += 30
    await battle(server, c)
    await health.wait_probes()
    assert not health.is_paused("down-1")
    back = [r for r in caplog.records if "answered the probe again" in r.message]
    assert len(back) == 1 and back[0].levelno == logging.INFO
    drawn = set()
    for _ in range(20):
        _, models = await battle(server, c)
        drawn |= models
    assert "down-1" in drawn


async def test_two_models_one_down_is_a_503_not_enough_models(in_process, settings):
    server, c = await start_failing(in_process, settings, fake_roster(GOOD[0], DOWN), Clock())
    r = await c.post("/api/battles", json={"prompt": "Explain recursion briefly."})
    assert r.status_code == 503
    assert r.json() == {"error": {"code": "not_enough_models", "message":
                                  "Fewer than two models are answering right now; try again "
                                  "in a minute"}}
    assert (await c.get("/api/info")).json()["paused_models"] == ["down-1"]


async def test_only_the_models_own_failures_count_and_a_success_resets():
    config = ModelConfig(name="m", provider="fake", model="concise")
    health = ModelHealth({"m": FakeProvider(config, ProviderOptions())}, failures=3)
    for _ in range(5):  # busy, or the prompt's fault: not down
        health.record("m", errors.ProviderRateLimited("m: 429"))
        health.record("m", errors.ProviderBadRequest("m: 400"))
    health.record("m", errors.ProviderTimeout("m: slow"))
    health.record("m", errors.ProviderAuthError("m: 401"))
    health.record("m", None)  # an answer that finished resets the count
    health.record("m", errors.ProviderUnavailable("m: refused"))
    for _ in range(5):  # cut by a one-slot server for another request: it is up
        health.record("m", errors.ProviderCut("m: cut"))
    health.record("m", errors.ProviderError("m: 500"))
    assert not health.is_paused("m")
    health.record("m", errors.ProviderUnavailable("m: refused"))
    assert health.is_paused("m")


def test_propensity_is_that_of_the_draw_among_the_models_answering():
    p = Pairing({"x": 1.0, "y": 2.0, "z": 3.0}, rng=random.Random(1))
    assert p.probability("x", "y", paused={"z"}) == pytest.approx(1.0)
    for _ in range(50):
        pair = p.pick(paused={"z"})
        assert {pair.model_a, pair.model_b} == {"x", "y"} and pair.propensity == 1.0
    with pytest.raises(errors.Unavailable) as err:
        p.pick(paused={"y", "z"})
    assert err.value.code == "not_enough_models" and err.value.status == 503
