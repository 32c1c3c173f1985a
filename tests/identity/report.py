"""Precision and recall of the leak rule on the labelled set, old rule beside new.

The labelled set (``tests/data/identity_eval.jsonl``, described in ``IDENTITY_EVAL.md``)
was split once into ``dev`` and ``heldout`` by a hash of each row's id; rules are tuned on
``dev`` only. This prints, for both halves, overall and per family and per language, the
figures of today's checker and of the one on the ``main`` branch (the baseline, loaded
from git in the same run)::

    python -m tests.identity.report [--misses dev]

Four labelled sets are reported: ``identity_eval.jsonl`` and the blind sets
``identity_blind.jsonl``, ``identity_blind3.jsonl`` and ``identity_blind4.jsonl`` (each
written after the rule, committed before its first run).

``--misses dev`` lists dev's errors; listing held-out errors is deliberately not offered.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from arena.identity import IdentityChecker
from arena.settings import ModelConfig

EVAL = Path(__file__).parent.parent / "data" / "identity_eval.jsonl"
# the blind set: written fresh and committed before the checker was first run on it
BLIND = Path(__file__).parent.parent / "data" / "identity_blind.jsonl"
# the third blind set (round 3 of identity work): written and committed before its first run
BLIND3 = Path(__file__).parent.parent / "data" / "identity_blind3.jsonl"
# the fourth blind set (round 5): real-answer shapes, committed before its first run
BLIND4 = Path(__file__).parent.parent / "data" / "identity_blind4.jsonl"
REPO = Path(__file__).parent.parent.parent
Row = dict[str, Any]
Judge = Callable[[Row], bool]


def rows(path: Path = EVAL) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def roster(data: Iterable[Row]) -> list[ModelConfig]:
    out: dict[str, ModelConfig] = {}
    for r in data:
        out[r["model"]] = ModelConfig(name=r["model"], provider=r["provider"],
                                      model=r.get("upstream"), maker=r.get("maker"),
                                      aliases=tuple(r.get("aliases", ())))
    return list(out.values())


def judge(checker: Any) -> Judge:
    def run(r: Row) -> bool:
        return checker.check(r["model"], answers=[r["answer"]], prompts=[r["prompt"]]) \
            is not None
    return run


def old_checker(data: list[Row]) -> Any | None:
    """The 0.1 checker built for the eval roster, or None without git."""
    cls = old_checker_class()
    return cls(roster(data)) if cls is not None else None


# The 0.1 checker, the baseline every figure is quoted against: the last commit before the
# leak rule was rebuilt (a pinned commit, so the baseline does not move with the branch).
BASELINE_COMMIT = "34301bc"


def old_checker_class() -> Any | None:
    """The 0.1 checker class, imported from git (``BASELINE_COMMIT``) into throwaway modules."""
    def show(path: str) -> str:
        return subprocess.run(["git", "show", f"{BASELINE_COMMIT}:{path}"], cwd=REPO, check=True,
                              capture_output=True, text=True).stdout
    try:
        terms_src, checker_src = show("arena/identity_terms.py"), show("arena/identity.py")
    except (OSError, subprocess.CalledProcessError):
        return None
    tmp = Path(tempfile.mkdtemp(prefix="old_identity_"))
    (tmp / "old_identity_terms.py").write_text(terms_src, encoding="utf-8")
    checker_src = checker_src.replace("from arena import identity_terms as table",
                                      "import old_identity_terms as table")
    checker_src = checker_src.replace("from arena.identity_terms import Kind",
                                      "from old_identity_terms import Kind")
    (tmp / "old_identity.py").write_text(checker_src, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    try:
        mod = _load("old_identity", tmp / "old_identity.py")
    finally:
        sys.path.remove(str(tmp))
    return mod.IdentityChecker


# The round-2 checker (the ``arena/identity/`` package before the blind set was written),
# so a benchmark can show this round's change beside it in the same run.
ROUND2_COMMIT = "2685cc3"


def round2_checker_class() -> Any | None:
    """The package checker at ``ROUND2_COMMIT``, imported from git as ``round2_identity``."""
    return package_checker_class(ROUND2_COMMIT, "round2")


# The checker as this round (branch identity3) found it, before the third blind set.
ROUND4_START_COMMIT = "1377e1b"
# The checker as round 5 (branch identity4) found it, before the fourth blind set.
ROUND5_START_COMMIT = "b82f071"


def package_checker_class(commit: str, tag: str) -> Any | None:
    """The ``arena/identity/`` package checker at ``commit``, imported from git as
    ``<tag>_identity`` (with its own copy of the family table), or None without git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True,
                              text=True).stdout
    try:
        listing = git("ls-tree", "--name-only", commit, "arena/identity/").split()
        files = ["arena/identity_terms.py", *(f for f in listing if f.endswith(".py"))]
        sources = {f: git("show", f"{commit}:{f}") for f in files}
    except (OSError, subprocess.CalledProcessError):
        return None
    pkg, terms = f"{tag}_identity", f"{tag}_identity_terms"
    tmp = Path(tempfile.mkdtemp(prefix=f"{tag}_identity_"))
    (tmp / pkg).mkdir()
    for f, src in sources.items():
        src = src.replace("from arena import identity_terms as table", f"import {terms} as table")
        src = src.replace("from arena.identity_terms import", f"from {terms} import")
        src = src.replace("from arena.identity", f"from {pkg}")
        target = (tmp / f"{terms}.py" if f.endswith("identity_terms.py")
                  else tmp / pkg / Path(f).name)
        target.write_text(src, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    try:
        mod = importlib.import_module(pkg)
    finally:
        sys.path.remove(str(tmp))
    return mod.IdentityChecker


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[Row] = field(default_factory=list)

    def add(self, row: Row, got: bool) -> None:
        if got and row["leak"]:
            self.tp += 1
        elif got:
            self.fp += 1
        elif row["leak"]:
            self.fn += 1
        else:
            self.tn += 1
        if got != row["leak"]:
            self.misses.append(row)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def score(data: list[Row], run: Judge) -> dict[str, dict[str, Score]]:
    """split -> group ("all", "family:x", "lang:y") -> Score"""
    out: dict[str, dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    for r in data:
        got = run(r)
        for group in ("all", f"family:{r['family']}", f"lang:{r['lang']}"):
            out[r["split"]][group].add(r, got)
            out["both"][group].add(r, got)
    return out


def table(data: list[Row], new: dict[str, dict[str, Score]],
          old: dict[str, dict[str, Score]] | None) -> str:
    lines = []
    for split in ("dev", "heldout"):
        lines.append(f"\n== {split}: precision / recall (n, leaks)   new checker | old checker")
        groups = sorted(new[split], key=lambda g: (g != "all", not g.startswith("family"), g))
        for g in groups:
            s = new[split][g]
            cell = f"{s.precision:6.3f} {s.recall:6.3f} ({s.n:3d}, {s.tp + s.fn:3d})"
            if old is not None:
                o = old[split][g]
                cell += f" | {o.precision:6.3f} {o.recall:6.3f}"
            lines.append(f"  {g:<24}{cell}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    for path in (EVAL, BLIND, BLIND3, BLIND4):
        print(f"\n######## {path.name}")
        report_one(path, argv)
    return 0


def report_one(path: Path, argv: list[str]) -> None:
    data = rows(path)
    new = score(data, judge(IdentityChecker(roster(data))))
    baseline = old_checker(data)
    old = score(data, judge(baseline)) if baseline is not None else None
    print(f"identity eval: {len(data)} rows, {sum(r['leak'] for r in data)} leaks, "
          f"{len({r['family'] for r in data})} families, {len({r['lang'] for r in data})} "
          "languages" + ("" if old else "; baseline unavailable (no git or no main branch)"))
    print(table(data, new, old))
    if argv[1:3] == ["--misses", "dev"]:
        for r in new["dev"]["all"].misses:
            tag = "FP" if not r["leak"] else "FN"
            print(f"{tag} {r['id']} {r['model']} | {r['prompt'][:60]!r} | {r['answer'][:160]!r}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
