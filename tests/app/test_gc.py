"""The app applies the garbage collector threshold from its settings when it starts."""

from __future__ import annotations

import gc


async def test_the_app_sets_the_garbage_collector_threshold(in_process, settings):
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        await in_process(settings=settings.model_copy(update={"gc_threshold": 12_345}))
        assert gc.get_threshold() == (12_345, 10, 10)
    finally:
        gc.set_threshold(*before)
