"""µs per answer of the leak rule, today's checker beside the 0.1 checker, in one run.

The rule runs on every streamed answer, so its cost per answer matters. Two samples:

* every row of the four labelled sets (``tests/data/identity_eval.jsonl``,
  ``identity_blind.jsonl``, ``identity_blind3.jsonl``, ``identity_blind4.jsonl``): short
  answers, most of them with an own term in them, so the expensive paths (templates, the
  prompt) run;
* with a folder of real answers laid out as ``model-answers`` (``tests/identity/real_text``
  reads it), the longest real answers (2,000 characters or more), where the cheap paths
  (needle search, normalisation) dominate.

Each answer is checked by both checkers alternately, ``--repeat`` times, and the median of
its repeats is its time; the table gives the median and the mean over answers, and the
ratio of today's to each baseline: the checker at ``BASELINE_COMMIT`` (34301bc, the 0.1
rule), the one at ``ROUND4_START_COMMIT`` (1377e1b, round 4's starting point) and the one at
``ROUND5_START_COMMIT`` (b82f071, round 5's starting point), all loaded from git as
``tests.identity.report`` loads its baseline.

    python benchmarks/leak_rule.py [MODEL_ANSWERS_DIR] [--repeat N] [--long N]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo, for tests/
from arena.identity import IdentityChecker  # noqa: E402
from arena.settings import ModelConfig  # noqa: E402
from tests.identity import real_text, report  # noqa: E402

Case = tuple[str, list[str], list[str]]  # model, answers, prompts


def _timings(checkers: Sequence[Any], cases: list[Case], repeat: int) -> list[list[float]]:
    """Per checker, the median seconds of each case over ``repeat`` alternating runs."""
    out: list[list[float]] = [[] for _ in checkers]
    clock: Callable[[], float] = time.perf_counter
    for model, answers, prompts in cases:
        runs: list[list[float]] = [[] for _ in checkers]
        for _ in range(repeat):
            for k, c in enumerate(checkers):
                t0 = clock()
                c.check(model, answers=answers, prompts=prompts)
                runs[k].append(clock() - t0)
        for k in range(len(checkers)):
            out[k].append(statistics.median(runs[k]))
    return out


def _row(name: str, new: list[float], old: list[float] | None) -> str:
    med, mean = statistics.median(new) * 1e6, statistics.fmean(new) * 1e6
    line = f"{name:<34}{len(new):>6}{med:>10.1f}{mean:>10.1f}"
    if old is not None:
        omed, omean = statistics.median(old) * 1e6, statistics.fmean(old) * 1e6
        line += f"{omed:>10.1f}{omean:>10.1f}{med / omed:>9.2f}x{mean / omean:>7.2f}x"
    return line


def main(argv: list[str]) -> int:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    n_long = int(argv[argv.index("--long") + 1]) if "--long" in argv else 300
    paths = [a for i, a in enumerate(argv[1:], 1)
             if not a.startswith("--") and argv[i - 1] not in ("--repeat", "--long")]
    baselines = [(report.BASELINE_COMMIT, report.old_checker_class()),
                 (report.ROUND4_START_COMMIT,
                  report.package_checker_class(report.ROUND4_START_COMMIT, "round4start")),
                 (report.ROUND5_START_COMMIT,
                  report.package_checker_class(report.ROUND5_START_COMMIT, "round5start"))]
    baselines = [(name, cls) for name, cls in baselines if cls is not None]
    samples: list[tuple[str, list[ModelConfig], list[Case]]] = []
    rows = [r for path in (report.EVAL, report.BLIND, report.BLIND3, report.BLIND4)
            for r in report.rows(path)]
    samples.append(("labelled sets (all rows)", report.roster(rows),
                    [(r["model"], [r["answer"]], [r["prompt"]]) for r in rows]))
    if paths:
        msgs = real_text.messages(Path(paths[0]))
        long = sorted((m for m in msgs if len(m.text) >= 2000), key=lambda m: -len(m.text))
        # every n-th of the long answers, so the sample spans lengths and sources
        step = max(1, len(long) // n_long)
        picked = long[::step][:n_long]
        samples.append(("real answers >= 2000 chars", real_text.roster(msgs),
                        [(m.model, [m.text], list(m.prompts)) for m in picked]))
    print(f"µs per answer, median of {repeat} alternating runs each; baselines: "
          + (", ".join(name for name, _ in baselines) or "none (no git)"))
    print(f"{'sample / checker':<34}{'n':>6}{'median':>10}{'mean':>10}"
          f"{'base med':>10}{'base mean':>10}{'ratio med':>10}{'mean':>8}")
    for name, roster, cases in samples:
        checkers: list[Any] = [IdentityChecker(roster)] + [cls(roster) for _, cls in baselines]
        for c in checkers:  # warm the caches (compiled alternations, prompt views)
            for model, answers, prompts in cases[:50]:
                c.check(model, answers=answers, prompts=prompts)
        times = _timings(checkers, cases, repeat)
        print(name)
        for (base, _), t in zip(baselines, times[1:], strict=True):
            print(_row(f"  today vs {base}", times[0], t))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
