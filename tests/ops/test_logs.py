"""The log formats as ``arena serve`` configures them (``logging.config.dictConfig`` of
``log_config``), read back from the stream they write to. The JSON lines of a real
multi-worker server, access lines included, are checked in tests/ops/test_serve.py."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from arena.ops.logs import log_config


@pytest.fixture
def configured() -> Iterator[None]:
    """The test applies a format's configuration (writing to the stderr ``capsys``
    captures); the logging set-up is put back afterwards."""
    names = ("", "arena", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx")
    kept = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level,
                logging.getLogger(n).propagate) for n in names}
    yield
    for n, (handlers, level, propagate) in kept.items():
        logger = logging.getLogger(n)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [ln for ln in capsys.readouterr().err.splitlines() if ln]


def test_json_lines_carry_the_fields_and_the_extras(configured, capsys):
    logging.config.dictConfig(log_config("json", "info"))
    log = logging.getLogger("arena.battles")
    log.info("battle %s started", "b1", extra={"battle": "b1", "models": ("x", "y"),
                                               "odd": object()})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET",
                                             "/readyz", "1.1", 503)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.example/v1")  # not shown
    logging.getLogger("arena.battles").debug("not at info")
    out = [json.loads(ln) for ln in lines(capsys)]
    assert len(out) == 3
    first, second, access = out
    assert first["message"] == "battle b1 started" and first["level"] == "INFO"
    assert first["logger"] == "arena.battles" and first["battle"] == "b1"
    assert first["models"] == ["x", "y"] and first["odd"].startswith("<object")
    assert first["time"].endswith("Z") and "T" in first["time"] and isinstance(first["pid"], int)
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]
    assert (access["method"], access["path"], access["status"], access["client"]) == (
        "GET", "/readyz", 503, "127.0.0.1:5")


def test_text_lines_say_when_what_and_who(configured, capsys):
    logging.config.dictConfig(log_config("text", "warning"))
    logging.getLogger("arena.battles").info("quiet at warning")
    logging.getLogger("arena.battles").warning("model %r paused", "m-1")
    logging.getLogger("uvicorn.error").warning("a uvicorn warning")
    out = lines(capsys)
    assert len(out) == 2
    assert " WARNING arena.battles [" in out[0] and out[0].endswith("model 'm-1' paused")
    assert " WARNING uvicorn.error [" in out[1]
    assert not out[0].startswith("{")
