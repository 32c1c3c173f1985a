"""Shared helpers of the ranking tests."""

from __future__ import annotations

import argparse
import io

from arena.ranking.cli import add_arguments, run


def cli(*argv: str) -> tuple[int, str]:
    """``arena leaderboard`` with these arguments: its exit code and what it printed."""
    parser = argparse.ArgumentParser(prog="arena leaderboard")
    add_arguments(parser)
    out = io.StringIO()
    code = run(parser.parse_args(list(argv)), out=out)
    return code, out.getvalue()
