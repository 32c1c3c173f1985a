"""Reading and writing battle files in the Chatbot Arena format.

A battle file is a JSON array of objects or JSON lines, one object per battle, with
``model_a``, ``model_b`` and ``winner`` ∈ {``model_a``, ``model_b``, ``tie``,
``tie (bothbad)``, ``both_bad``}. The reader promises:

* only battles that count are kept: when a record has ``anony`` it must be true, and when
  it has ``dedup_tag`` its ``sampled`` must be true (Chatbot Arena's own filters);
* an unknown winner label, a missing field or a line that is not JSON is an error naming
  the line (JSONL) or item (array), counted from 1 — never silently a tie or a skip;
* ``conv_metadata`` becomes the style counts (only when asked: it is the costly part);
* category tags are ``categories`` (a list of strings, the arena's own field) plus tags
  derived from Arena fields: ``language`` → ``lang:xx``, ``is_code`` → ``coding``,
  ``turn`` > 1 → ``multi_turn``.

The writer emits the same format (JSONL by default, ``both_bad`` spelled ``tie
(bothbad)`` as Arena tools expect), so the public Arena notebooks read an export as is
and this reader reads it back unchanged.

orjson is used when it is installed (several times faster on big files); the standard
``json`` module otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from arena.errors import BadRequest
from arena.ranking.battles import WINNER_CODES, Battles, RecordBuilder
from arena.types import ARENA_WINNER

LANGUAGE_CODES = {
    "english": "en", "chinese": "zh", "russian": "ru", "german": "de", "french": "fr",
    "spanish": "es", "portuguese": "pt", "italian": "it", "japanese": "ja", "korean": "ko",
    "vietnamese": "vi", "arabic": "ar", "turkish": "tr", "polish": "pl", "dutch": "nl",
    "czech": "cs", "ukrainian": "uk", "hindi": "hi", "thai": "th", "indonesian": "id",
    "persian": "fa", "hebrew": "he", "greek": "el", "swedish": "sv", "hungarian": "hu",
}  # fmt: skip
# The arena's own "both_bad" is written as Arena tools spell it.
WRITTEN_WINNERS = {"both_bad": ARENA_WINNER["both_bad"]}


def json_loader() -> Callable[[str | bytes], Any]:
    """The fastest JSON parser available (orjson if installed, else json.loads)."""
    try:
        import orjson
    except ImportError:
        return json.loads
    return orjson.loads


def read_battles(path: str | os.PathLike[str], *, with_style: bool = True) -> Battles:
    """Battles from a Chatbot Arena battle file (JSON array or JSON lines)."""
    builder = RecordBuilder()
    for where, record in iter_records(path):
        if not isinstance(record, dict):
            raise BadRequest(f"{where}: a battle must be a JSON object")
        if not _counts(record):
            continue
        builder.add(record, where, with_style=with_style, tags=_derived_tags(record, where))
    return builder.build()


def iter_records(path: str | os.PathLike[str]) -> Iterable[tuple[str, Any]]:
    """(where, parsed object) for each battle of the file, ``where`` naming its line."""
    loads = json_loader()
    try:
        with open(path, "rb") as f:
            # peek, not read and seek: a pipe (``--battles /dev/stdin``) cannot seek.
            head = f.peek(4096)[:4096].lstrip()
            if head.startswith(b"["):
                yield from _array_items(f.read(), loads)
                return
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"line {number}", loads(line)
                except ValueError as exc:
                    raise BadRequest(f"line {number}: not valid JSON ({exc})") from None
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise BadRequest(f"cannot read battle file {os.fspath(path)!r}: {why}") from None


def _array_items(data: bytes, loads: Callable[[bytes], Any]) -> Iterable[tuple[str, Any]]:
    try:
        items = loads(data)
    except ValueError as exc:
        raise BadRequest(f"the battle file is not valid JSON ({exc})") from None
    if not isinstance(items, list):
        raise BadRequest("a JSON battle file must hold an array of battles")
    for number, item in enumerate(items, start=1):
        yield f"item {number}", item


def _counts(record: Mapping[str, Any]) -> bool:
    """Chatbot Arena's filters: anonymous battles only, deduplicated sample only."""
    if "anony" in record and record["anony"] is not True:
        return False
    dedup = record.get("dedup_tag")
    return not (isinstance(dedup, Mapping) and "sampled" in dedup and dedup["sampled"] is not True)


def _derived_tags(record: Mapping[str, Any], where: str) -> list[str]:
    tags = record.get("categories")
    if tags is not None and not isinstance(tags, list):
        raise BadRequest(f"{where}: categories must be a list of strings")
    out = list(tags or ())
    language = record.get("language")
    if isinstance(language, str):
        code = LANGUAGE_CODES.get(language.lower())
        if code:
            out.append(f"lang:{code}")
    if record.get("is_code") is True:
        out.append("coding")
    turn = record.get("turn")
    if isinstance(turn, int) and not isinstance(turn, bool) and turn > 1:
        out.append("multi_turn")
    return out


def write_battles(
    records: Iterable[Mapping[str, Any]],
    out: str | os.PathLike[str] | IO[str],
    *,
    fmt: str = "jsonl",
) -> int:
    """Write battles in the Chatbot Arena format; returns how many were written.

    Each record needs ``model_a``, ``model_b`` and ``winner``; every other field (tstamp,
    conv_metadata, categories, question_id, conversations, ...) is kept as given.
    Records without ``anony`` are written with ``anony: true``: the arena's battles are
    anonymous by construction.
    """
    if fmt not in ("jsonl", "json"):
        raise BadRequest(f"unknown battle file format {fmt!r}; use jsonl or json")
    if isinstance(out, (str, os.PathLike)):
        with open(out, "w", encoding="utf-8") as f:
            return write_battles(records, f, fmt=fmt)
    count = 0
    if fmt == "json":
        out.write("[")
    for k, record in enumerate(records):
        line = battle_line(record, k + 1)
        if fmt == "json":
            out.write(("," if count else "") + "\n" + line)
        else:
            out.write(line + "\n")
        count += 1
    if fmt == "json":
        out.write("\n]\n")
    return count


def battle_line(record: Mapping[str, Any], number: int) -> str:
    """One battle as one line of a Chatbot Arena battle file (no newline); ``number`` is
    its place in the file, for the error message if the record is not a battle."""
    return json.dumps(_export(record, number), ensure_ascii=False, allow_nan=False)


def _export(record: Mapping[str, Any], number: int) -> dict[str, Any]:
    where = f"battle {number}"
    if not isinstance(record, Mapping):
        raise BadRequest(f"{where}: a battle must be a mapping")
    for key in ("model_a", "model_b", "winner"):
        if key not in record:
            raise BadRequest(f"{where}: missing field {key!r}")
    winner = record["winner"]
    if winner not in WINNER_CODES:
        raise BadRequest(f"{where}: unknown winner {winner!r}")
    out = {
        "model_a": record["model_a"],
        "model_b": record["model_b"],
        "winner": WRITTEN_WINNERS.get(winner, winner),
    }
    for key, value in record.items():
        if key not in out:
            out[key] = value
    out.setdefault("anony", True)
    return out
