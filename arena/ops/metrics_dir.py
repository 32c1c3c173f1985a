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

from arena.errors import ConfigError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "arena-metrics-"
OWNER = "serve.pid"  # the arena serve process the directory belongs to


def remove_orphans(parent: Path) -> list[Path]:
    """Remove the directories of earlier runs whose ``arena serve`` is gone without
    cleaning up (killed with SIGKILL, a crash of the machine's power); returns them. A
    directory with no owner file, or whose owner still runs, is left alone."""
    removed = []
    for found in parent.glob(PREFIX + "*"):
        try:
            pid = int((found / OWNER).read_text().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(found, ignore_errors=True)
            removed.append(found)
        except PermissionError:  # another user's running process: not ours to judge
            continue
    return removed


@contextlib.contextmanager
def serving_directory() -> Iterator[Path]:
    """A fresh directory for one ``arena serve`` run, set in the environment before any
    worker starts (they inherit it) and removed when the run ends, or by the next run
    when this one was killed. A directory left from an earlier run would add that run's
    counts to this one's, so none is reused: an inherited ``PROMETHEUS_MULTIPROC_DIR`` is
    replaced for the run and restored after."""
    before = os.environ.get(MULTIPROC_ENV)
    remove_orphans(Path(tempfile.gettempdir()))
    try:
        path = Path(tempfile.mkdtemp(prefix=PREFIX))
        (path / OWNER).write_text(f"{os.getpid()}\n")
    except OSError as exc:
        raise ConfigError(f"cannot make the metrics directory in {tempfile.gettempdir()} "
                          f"({exc.strerror or exc}); point TMPDIR at a writable "
                          "folder") from None
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(path, ignore_errors=True)
