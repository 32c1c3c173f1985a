"""The detection job's state in the database: ``judged_up_to`` only ever rises, whichever
of two workers' runs finishes last, and a new store on the same database (a restart, or
another worker) reads what the other wrote."""

from __future__ import annotations

import pytest

from arena.db import make_engine, upgrade
from arena.store import Store

pytestmark = pytest.mark.db


async def test_judged_up_to_never_goes_back(fresh_db):
    engines = [make_engine(fresh_db.resolved_database_url()) for _ in range(2)]
    try:
        await upgrade(engines[0])
        first, second = Store(engines[0]), Store(engines[1])
        assert await first.verdict_state() == (0, 0)
        await first.apply_verdicts([], set(), judged_up_to=40)
        await second.apply_verdicts([], set(), judged_up_to=25)  # a slower, older run
        assert await second.verdict_state() == (0, 40)
        await second.apply_verdicts([], set(), judged_up_to=41)
        assert await first.verdict_state() == (0, 41)
    finally:
        for engine in engines:
            await engine.dispose()
