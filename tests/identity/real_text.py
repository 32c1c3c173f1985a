"""Every flag of the leak rule on real model answers, for a person to read.

Runs ``IdentityChecker`` over every assistant message of a folder of real answers laid
out as ``model-answers`` is (FastChat ``choices``/``turns``, arena-hard ``messages``,
FastChat-eval ``response``, PRD ``text``; question files beside them), each message with
the user turns up to it as prompts and its own model as the roster entry. It prints one
line per flag (file, question, turn, model, rule, term, excerpt) and the count, and, when
the folder has ``identity_hits.jsonl`` (hand labels of an earlier scan), which flags that
file labels a leak. A flag nobody labelled is not wrong by default: read it.

    python -m tests.identity.real_text DATA_DIR [--baseline]

``--baseline`` runs the 0.1 checker (``report.BASELINE_COMMIT``) beside it. Not a test:
the data lives outside the repository, so its path is an argument.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.identity import IdentityChecker
from arena.settings import ModelConfig
from tests.identity.report import old_checker_class

LEAK_LABELS = {"leak_vendor", "leak_name", "leak_name_and_vendor"}


@dataclass(frozen=True)
class Message:
    file: str
    model: str
    question_id: str
    turn: int
    prompts: tuple[str, ...]
    text: str


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _questions(data: Path) -> dict[str, list[str]]:
    """question id -> user turns, from every question file in the folder."""
    out: dict[str, list[str]] = {}
    for path in sorted(data.glob("*/*question*.jsonl")):
        for q in _jsonl(path):
            if "turns" in q:
                out[str(q["question_id"])] = [str(t) for t in q["turns"]]
            elif "prompt" in q:
                out[str(q.get("uid", q.get("question_id")))] = [str(q["prompt"])]
    return out


def _model_of(path: Path) -> str:
    stem = path.stem.split("__")[-1]
    for prefix in ("arena_hard_50_", "simple_qa_250_"):
        stem = stem.removeprefix(prefix)
    return {"geminipro": "gemini-pro"}.get(stem, stem)


def messages(data: Path) -> list[Message]:
    """Every assistant message under ``data``, with the user turns up to it."""
    questions = _questions(data)
    out: list[Message] = []
    for path in sorted(data.glob("*/*.jsonl")):
        if "question" in path.name:
            continue
        rel = path.relative_to(data).as_posix()
        for rec in _jsonl(path):
            model = str(rec.get("model_id") or rec.get("model") or _model_of(path))
            qid = str(rec.get("question_id", rec.get("uid")))
            user = questions.get(qid, [])
            if "choices" in rec:
                for turn, text in enumerate(rec["choices"][0]["turns"]):
                    out.append(Message(rel, model, qid, turn, tuple(user[:turn + 1]), str(text)))
            elif "messages" in rec:
                seen: list[str] = []
                for msg in rec["messages"]:
                    content = msg["content"]
                    if msg["role"] == "user":
                        seen.append(content if isinstance(content, str) else str(content))
                    elif msg["role"] == "assistant":
                        text = content["answer"] if isinstance(content, dict) else content
                        out.append(Message(rel, model, qid, len(seen) - 1, tuple(seen),
                                           str(text)))
            else:
                text = rec.get("response", rec.get("text", ""))
                out.append(Message(rel, model, qid, 0, tuple(user[:1]), str(text)))
    return out


def roster(msgs: list[Message]) -> list[ModelConfig]:
    return [ModelConfig(name=n, provider="anthropic" if "claude" in n.lower() else "openai")
            for n in sorted({m.model for m in msgs})]


def flags(checker: Any, msgs: list[Message]) -> dict[int, Any]:
    out = {}
    for i, m in enumerate(msgs):
        leak = checker.check(m.model, answers=[m.text], prompts=list(m.prompts))
        if leak is not None:
            out[i] = leak
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    data = Path(argv[1])
    msgs = messages(data)
    cast = roster(msgs)
    labels: dict[tuple[str, str, int], str] = {}
    if (data / "identity_hits.jsonl").exists():
        labels = {(h["file"], str(h["question_id"]), int(h["turn"])): h["label"]
                  for h in _jsonl(data / "identity_hits.jsonl")}
    ours = flags(IdentityChecker(cast), msgs)
    for i, leak in sorted(ours.items()):
        m = msgs[i]
        label = labels.get((m.file, m.question_id, m.turn), "-")
        print(f"[{label}] {m.file} q={m.question_id} t={m.turn} {m.model} {leak.rule} "
              f"{leak.term!r}: {leak.excerpt}")
    labelled = sum(labels.get((msgs[i].file, msgs[i].question_id, msgs[i].turn)) in LEAK_LABELS
                   for i in ours)
    print(f"\n{len(msgs)} messages, {len(cast)} models: {len(ours)} flags, "
          f"{labelled} of them labelled leaks in identity_hits.jsonl")
    if "--baseline" in argv:
        cls = old_checker_class()
        if cls is not None:
            old = flags(cls(cast), msgs)
            print(f"0.1 checker, same run: {len(old)} flags; only new: "
                  f"{sorted(set(ours) - set(old))}, only old: {sorted(set(old) - set(ours))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
