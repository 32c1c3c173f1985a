"""Language tags: the detector in ``arena.ranking.categories`` against the stop-word
detector it replaced (loaded from git at commit 2a8e2c4's parent, so the baseline is the
real old code, not a copy), on labelled prompts, per language, with the None rate and
the time per prompt.

Sets: the real Arena battles of ``../shared/data/fastchat-arena-battles-100`` (95 with a
language label), and the prompts of the hand-written identity sets in ``tests/data``
(labelled ``lang``): ``identity_eval`` + ``identity_blind`` are the dev half (where the
confidence threshold was chosen), ``identity_blind3`` + ``identity_blind4`` the held-out
half, never tuned on.

    .venv/bin/python benchmarks/language.py [--baseline-commit REV]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import types
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from arena.ranking.categories import detect_language

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "fastchat-arena-battles-100" / "labeled.jsonl"
ARENA_NAMES = {"English": "en", "Chinese": "zh", "Russian": "ru", "German": "de",
               "Japanese": "ja", "French": "fr", "Thai": "th", "Vietnamese": "vi",
               "Portuguese": "pt", "Spanish": "es", "Arabic": "ar", "Czech": "cs",
               "Turkish": "tr", "Hindi": "hi"}
Sample = tuple[str, str]  # (text, language)


def arena_battles() -> list[Sample]:
    out = []
    for line in SHARED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["language"] in ARENA_NAMES:
            prompts = [m["content"] for m in row["conversation_a"] if m["role"] == "user"]
            out.append(("\n".join(prompts), ARENA_NAMES[row["language"]]))
    return out


def hand_sets(*names: str) -> list[Sample]:
    out = []
    for name in names:
        for line in (ROOT / "tests" / "data" / f"{name}.jsonl").read_text().splitlines():
            row = json.loads(line)
            if row.get("lang") and row.get("prompt"):
                out.append((row["prompt"], row["lang"]))
    return out


def baseline(rev: str) -> Callable[[str], str | None]:
    source = subprocess.run(["git", "show", f"{rev}:arena/ranking/categories.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("old_categories")
    exec(compile(source, "old_categories.py", "exec"), module.__dict__)  # noqa: S102
    detect: Callable[[str], str | None] = module.detect_language
    return detect


def score(detect: Callable[[str], str | None], samples: Iterable[Sample]) -> dict[str, object]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    started = time.perf_counter()
    n = 0
    for text, lang in samples:
        got = detect(text)
        n += 1
        per[lang]["n"] += 1
        per[lang]["right" if got == lang else "none" if got is None else "wrong"] += 1
    took = (time.perf_counter() - started) / max(n, 1)
    total = Counter[str]()
    for c in per.values():
        total.update(c)
    return {"per": per, "total": total, "us": took * 1e6}


def show(title: str, results: dict[str, dict[str, object]]) -> None:
    print(f"\n## {title}")
    names = list(results)
    print(f"{'':<8}" + "".join(f"{n:>30}" for n in names))
    langs = sorted({lang for r in results.values() for lang in r["per"]},  # type: ignore[attr-defined]
                   key=lambda lang: -results[names[0]]["per"][lang]["n"])  # type: ignore[index]
    for lang in [*langs, "ALL"]:
        cells = []
        for r in results.values():
            c = r["total"] if lang == "ALL" else r["per"].get(lang, Counter())  # type: ignore[attr-defined]
            cells.append(f"{c['right']:>4}/{c['n']:<4} {c['right'] / max(c['n'], 1):6.1%} "
                         f"none {c['none']:>3} wrong {c['wrong']:>3}")
        print(f"{lang:<8}" + "".join(f"{x:>30}" for x in cells))
    print(f"{'us/text':<8}" + "".join(f"{r['us']:>30.1f}" for r in results.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-commit", default="e0149bb",
                        help="the commit whose detect_language is the baseline")
    args = parser.parse_args()
    old = baseline(args.baseline_commit)
    started = time.perf_counter()
    detect_language("warm up: load the model once")
    print(f"model load: {time.perf_counter() - started:.3f} s")
    sets = {"real Arena battles (shared/data, 95)": arena_battles(),
            "dev: identity_eval + identity_blind": hand_sets("identity_eval", "identity_blind"),
            "held-out: identity_blind3 + identity_blind4": hand_sets("identity_blind3",
                                                                    "identity_blind4")}
    for title, samples in sets.items():
        show(title, {f"baseline {args.baseline_commit}": score(old, samples),
                     "now": score(detect_language, samples)})


if __name__ == "__main__":
    main()
