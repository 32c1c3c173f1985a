"""How long `arena models check` takes to get going: the modules it imports now
(``arena.roster``: settings, demo, providers) against what it imported before
(``arena.app``: FastAPI, the store, the battle service), each in a fresh interpreter,
interleaved, median of N runs. Also the whole command on the demo roster.

    .venv/bin/python benchmarks/cli_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CASES = {
    "baseline: import arena.app (what models check loaded before)":
        [sys.executable, "-c", "import arena.app"],
    "now: import arena.roster (what models check loads)":
        [sys.executable, "-c", "import arena.roster"],
    "now: arena models check (demo roster, whole command)":
        [sys.executable, "-m", "arena", "models", "check"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    env = {**os.environ, "ARENA_DEMO_DELAY_S": "0"}
    with tempfile.TemporaryDirectory() as home:
        env["HOME"] = home
        for _ in range(args.runs):
            for name, cmd in CASES.items():  # interleaved: load changes hit all alike
                started = time.perf_counter()
                subprocess.run(cmd, check=True, env=env, capture_output=True)
                times[name].append(time.perf_counter() - started)
    base = statistics.median(next(iter(times.values())))
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<62} median {med:.3f} s  ({med / base:.2f}x baseline)")


if __name__ == "__main__":
    main()
