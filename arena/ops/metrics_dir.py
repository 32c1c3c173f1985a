"""The directory where ``arena serve``'s workers meet their metrics, kept apart from
``arena.ops.metrics`` on purpose: this module must not import prometheus-client, which
reads ``PROMETHEUS_MULTIPROC_DIR`` once, when it is first imported."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def serving_directory() -> Iterator[Path]:
    """A fresh directory for one ``arena serve`` run, set in the environment before any
    worker starts (they inherit it) and removed when the run ends. A directory left from
    an earlier run would add that run's counts to this one's, so none is reused: an
    inherited ``PROMETHEUS_MULTIPROC_DIR`` is replaced for the run and restored after."""
    before = os.environ.get(MULTIPROC_ENV)
    path = Path(tempfile.mkdtemp(prefix="arena-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(path, ignore_errors=True)
