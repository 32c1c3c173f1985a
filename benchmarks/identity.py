"""Identity-leak detector on real model answers: precision, recall and speed.

Runs ``arena.identity.IdentityChecker`` over every assistant message of the real answers in
``/work/shared/data/model-answers`` (see its README: arena-hard-auto, MT-bench, FastChat
eval samples, PRD Vicuna-80) and scores it against the hand labels of
``identity_hits.jsonl`` (18 true self-identifications among 16,783 messages; messages not
in that file are taken as negatives, which the README warns is not a guarantee, so every
flag outside the labels is printed for a person to read).

Three baselines, measured in the same run: the round-2 package checker
(``round2_checker_class``, the rule before the blind set), the checker of the ``main``
branch (imported from git, as ``tests.identity.report`` does), and the cheapest possible pass, one
precompiled case-insensitive whole-word regex of the model's own terms (``terms_for``),
which is what a plain keyword filter does. Speed is µs per answer: the mean over all
messages and the median of per-message timings.

    .venv/bin/python benchmarks/identity.py [DATA_DIR]
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from arena.identity import IdentityChecker
from arena.settings import ModelConfig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo, for tests/
from tests.identity import real_text  # noqa: E402
from tests.identity.real_text import Message  # noqa: E402
from tests.identity.report import old_checker_class, round2_checker_class  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/model-answers")
LEAK_LABELS = {"leak_vendor", "leak_name", "leak_name_and_vendor"}


# The real answers are read as the real-text check reads them: one reader of that layout.
load_messages = real_text.messages
_read_jsonl = real_text._jsonl


def load_labels(data: Path) -> dict[tuple[str, str, int], str]:
    return {(h["file"], str(h["question_id"]), h["turn"]): h["label"]
            for h in _read_jsonl(data / "identity_hits.jsonl")}


def roster_for(messages: list[Message]) -> list[ModelConfig]:
    names = sorted({m.model for m in messages})
    return [ModelConfig(name=n, provider="anthropic" if "claude" in n.lower() else "openai")
            for n in names]


def naive_patterns(checker: IdentityChecker, names: list[str]) -> dict[str, re.Pattern[str]]:
    out = {}
    for name in names:
        words = sorted(checker.terms_for(name), key=len, reverse=True)
        out[name] = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)",
                               re.IGNORECASE)
    return out


def score(flags: set[int], positives: set[int], ignore: set[int]) -> tuple[int, int, int]:
    tp = len(flags & positives)
    fp = len(flags - positives - ignore)
    fn = len(positives - flags)
    return tp, fp, fn


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def _run(checker: Any, messages: list[Message]) -> tuple[dict[int, object], float, float]:
    """Flags, total seconds and the median seconds per message of one checker."""
    flags: dict[int, object] = {}
    each: list[float] = []
    for i, m in enumerate(messages):
        t0 = time.perf_counter()
        leak = checker.check(m.model, answers=[m.text], prompts=m.prompts)
        each.append(time.perf_counter() - t0)
        if leak:
            flags[i] = leak
    return flags, sum(each), statistics.median(each)


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    if not (data / "identity_hits.jsonl").exists():
        print(f"no identity_hits.jsonl under {data}; pass the model-answers folder")
        return 2
    messages = load_messages(data)
    labels = load_labels(data)
    started = time.perf_counter()
    roster = roster_for(messages)
    checker = IdentityChecker(roster)
    build_s = time.perf_counter() - started
    naive = naive_patterns(checker, [m.name for m in roster])

    positives = {i for i, m in enumerate(messages)
                 if labels.get((m.file, m.question_id, m.turn)) in LEAK_LABELS}
    borderline = {i for i, m in enumerate(messages)
                  if labels.get((m.file, m.question_id, m.turn)) == "borderline_joke"}

    ours, ours_s, ours_med = _run(checker, messages)
    old_cls = old_checker_class()
    old = _run(old_cls(roster), messages) if old_cls is not None else None
    r2_cls = round2_checker_class()
    r2 = _run(r2_cls(roster), messages) if r2_cls is not None else None
    base: set[int] = set()
    t0 = time.perf_counter()
    for i, m in enumerate(messages):
        if naive[m.model].search(m.text):
            base.add(i)
    base_s = time.perf_counter() - t0

    n = len(messages)
    print(f"{n} assistant messages, {len(roster)} models, {len(positives)} labelled leaks "
          f"(+{len(borderline)} borderline, not scored); checker built in {build_s * 1e3:.1f} ms")
    print()
    print(f"{'detector':<28}{'flagged':>8}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}"
          f"{'recall':>8}{'µs/answer':>11}")
    runs: list[tuple[str, set[int], float, float | None]] = [
        ("IdentityChecker", set(ours), ours_s, ours_med)]
    if old is not None:
        runs.append(("main's IdentityChecker", set(old[0]), old[1], old[2]))
    if r2 is not None:
        runs.append(("round-2 IdentityChecker", set(r2[0]), r2[1], r2[2]))
    runs.append(("baseline: keyword regex", base, base_s, None))
    for name, flags, secs, med in runs:
        tp, fp, fn = score(flags, positives, borderline)
        median = f"{med * 1e6:>9.1f}" if med is not None else f"{'':>9}"
        print(f"{name:<28}{len(flags):>8}{tp:>5}{fp:>5}{fn:>5}{_ratio(tp, tp + fp):>11}"
              f"{_ratio(tp, tp + fn):>8}{secs / n * 1e6:>11.1f}{median}")
    print("(the last two columns: mean and median µs per answer)")
    if old is not None:
        print(f"\nIdentityChecker / main's checker time: mean {_ratio(ours_s, old[1])}x, "
              f"median {_ratio(ours_med, old[2])}x")
    if r2 is not None:
        print(f"IdentityChecker / round-2 checker time: mean {_ratio(ours_s, r2[1])}x, "
              f"median {_ratio(ours_med, r2[2])}x")
    print(f"IdentityChecker / keyword regex time: {_ratio(ours_s, base_s)}x")

    # the 2k-character answer the issue asks about, timed in isolation
    long_text = next(m for m in messages if 1900 <= len(m.text) <= 2100)
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(200):
            checker.check(long_text.model, answers=[long_text.text], prompts=long_text.prompts)
        runs.append((time.perf_counter() - t0) / 200)
    print(f"one ~2k-char answer, no own term ({long_text.model}): "
          f"median {statistics.median(runs) * 1e6:.1f} µs")
    # the expensive paths: own terms present, with and without a self-reference
    half = len(long_text.text) // 2
    worst = {
        "gpt-4-0613": long_text.text[:half] + " As an AI developed by OpenAI, I can't. "
        + long_text.text[half:],
        "claude-1": long_text.text[:half] + " ".join(["Claude Monet painted it."] * 10)
        + long_text.text[half:],
    }
    for name, text in worst.items():
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(200):
                checker.check(name, answers=[text], prompts=["Tell me about paintings"])
            runs.append((time.perf_counter() - t0) / 200)
        print(f"one ~2k-char answer naming {name}'s terms: "
              f"median {statistics.median(runs) * 1e6:.1f} µs")

    print("\nflagged but not labelled a leak (read these):")
    for i in sorted(set(ours) - positives):
        m, leak = messages[i], ours[i]
        tag = "borderline" if i in borderline else "unlabelled"
        print(f"  [{tag}] {m.file} q={m.question_id} t={m.turn} {m.model}: {leak}")
    print("\nlabelled leaks missed:")
    for i in sorted(positives - set(ours)):
        m = messages[i]
        print(f"  {m.file} q={m.question_id} t={m.turn} {m.model}: {m.text[:160]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
