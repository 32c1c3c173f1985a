"""The log format of ``arena serve`` (``ARENA_LOG_FORMAT``): readable text, or one JSON
object a line for a log shipper (Loki, Elasticsearch, CloudWatch, journald's JSON).

Both formats cover every logger in the process: the arena's own (``arena.*``) and
uvicorn's error and access logs. A JSON line holds ``time`` (UTC, ISO 8601 with
milliseconds), ``level``, ``logger``, ``message``, ``pid`` (which worker), any extra
fields the call passed (``log.info(..., extra={...})``), ``exception`` with the
traceback when there is one, and for an access line ``client``, ``method``, ``path``,
``http_version`` and ``status`` as fields of their own.

What is logged is the operator's: model names appear in it (a failed answer says which
model failed), never a voter's cookie, an API key or the metrics token, which the arena
never logs. The configuration is a ``logging.config.dictConfig`` dictionary that uvicorn
applies in each worker it starts; nothing is configured on import.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# The attributes every LogRecord has: anything else on a record came from ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "color_message", "taskName"}
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (an extra field may be anything)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object a line; never raises on an odd record."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and \
                len(record.args) == len(_ACCESS_FIELDS):
            out.update(zip(_ACCESS_FIELDS, (_plain(a) for a in record.args), strict=True))
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out:
                out[key] = _plain(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def log_config(fmt: str, level: str) -> dict[str, Any]:
    """The ``dictConfig`` for ``uvicorn.run(log_config=...)``: one handler on stderr with
    the chosen formatter on the root logger, which every logger propagates to; the
    arena's and uvicorn's at ``level`` (``ARENA_LOG_LEVEL``), other libraries' at WARNING."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else
        {"format": TEXT_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"})
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"arena": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "arena",
                                "stream": "ext://sys.stderr"}},
        # Other libraries only say what went wrong (httpx would log every upstream
        # request at INFO).
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "arena": {"handlers": [], "level": level, "propagate": True},
            # uvicorn's own loggers log through the root's handler, once.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": True},
        },
    }
