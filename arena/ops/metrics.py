"""What ``/metrics`` exposes to Prometheus, and how the workers' numbers add up.

Two kinds of numbers, each from where it is true:

- **Events** (battles started, turns ended, votes cast, upstream answers and errors, open
  streams) are counted by the worker they happen in. Under ``arena serve`` every worker
  writes them to files in one directory that ``serve`` makes for the run and removes
  after it (prometheus-client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``); a
  scrape, whichever worker answers it, sums every worker's files. Counters of a worker
  that died stay in the sum (they happened); its gauges (open streams) are dropped.
- **Stored state** (how many votes are counted, and excluded for each reason) is read
  from the database at each scrape: the detection job and an operator's pin change old
  votes' verdicts long after they were cast, so only the table knows how many are on
  probation now. These are the same on every instance of one deployment: aggregate them
  with ``max``, the event counters with ``sum``.

Without the directory (an app built in-process, as the tests do) each app counts in a
registry of its own, so apps never share numbers. Per-model series are aggregates over
every battle; what keeps a voter from reading which models a running battle is calling
is that ``/metrics`` is closed unless a token or ``ARENA_METRICS_OPEN`` opens it
(``arena.api.ops``).
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import get_args

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from arena import __version__, errors
from arena.ops.metrics_dir import MULTIPROC_ENV
from arena.store import VoteTotals
from arena.types import WINNERS, ExcludedReason, TurnStatus, Winner

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Every provider failure's code (arena.errors): the "kind" label of upstream errors.
ERROR_KINDS: tuple[str, ...] = (
    errors.ProviderError.code, errors.ProviderAuthError.code,
    errors.ProviderRateLimited.code, errors.ProviderTimeout.code,
    errors.ProviderBadRequest.code, errors.ProviderUnavailable.code, errors.UPSTREAM_CUT)
# What happened to a vote when it was cast; the detection job's verdicts come later and
# are in arena_votes_stored.
VOTE_DECISIONS: tuple[str, ...] = ("counted", "identity_leak", "vote_cap")
STORED_STATES: tuple[str, ...] = ("counted", *get_args(ExcludedReason))
TURN_STATUSES: tuple[TurnStatus, ...] = ("done", "failed", "incomplete")
# Why the battle service refuses a vote (the README's list, and the vote's price).
REFUSALS: tuple[str, ...] = ("not_answered", "still_streaming", "incomplete", "battle_failed",
                             "already_voted", "not_your_battle", "battle_not_found",
                             "bad_winner", "pow_failed", "captcha_failed")

# Seconds. A whole answer may take minutes (ARENA_ANSWER_TIMEOUT_S is 300 by default).
ANSWER_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def multiprocess_dir() -> str | None:
    """The shared directory of this run's workers, when prometheus-client writes there.

    prometheus-client picks its value store when it is first imported, from the
    environment: a directory set only afterwards would be ignored, so both must agree."""
    path = os.environ.get(MULTIPROC_ENV)
    shared = values.ValueClass is not values.MutexValue
    if path and not shared:
        raise errors.ConfigError(f"{MULTIPROC_ENV} was set after prometheus-client was "
                                 "imported; set it before the process starts")
    return path if shared else None


def forget_dead_workers(path: str) -> None:
    """Drop the gauges of workers that are gone (killed, restarted), so open streams count
    only the living. Their counters stay: what they counted happened."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        pid_text = name.rsplit("_", 1)[-1].removesuffix(".db")
        if pid_text.isdigit() and not _alive(int(pid_text)):
            mark_process_dead(int(pid_text), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process reused the number: not ours, gone
        return False
    return True


class _Snapshot(Collector):
    """The families computed at scrape time: the stored votes and the version."""

    def __init__(self, stored: VoteTotals | None) -> None:
        self.stored = stored

    def collect(self) -> Iterable[Metric]:
        info = GaugeMetricFamily("arena_build_info", "the running arena's version",
                                 labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        up = GaugeMetricFamily("arena_database_up", "1 when this scrape read the stored "
                               "votes from the database, 0 when it could not")
        up.add_metric([], 0 if self.stored is None else 1)
        yield up
        if self.stored is None:
            return
        votes = GaugeMetricFamily(
            "arena_votes_stored", "votes in the database now, by state: counted, or the "
            "reason it is left out (the detection job and operator pins change it later)",
            labels=["state"])
        votes.add_metric(["counted"], self.stored.counted_votes)
        excluded = dict(self.stored.excluded_votes)
        for state in STORED_STATES[1:]:
            votes.add_metric([state], excluded.pop(state, 0))
        for other, n in sorted(excluded.items()):  # a reason this list does not know yet
            votes.add_metric([other], n)
        yield votes


class _Own(Collector):
    """One app's own registry, read into the scrape's registry (no multiprocess)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


class Metrics:
    """The instruments of one app. ``models`` are the roster's names: their series exist
    from the start at zero, so a rate over them is defined before the first battle."""

    def __init__(self, models: Sequence[str]) -> None:
        self.directory = multiprocess_dir()
        # Shared files under serve; else a registry of this app's own.
        self.registry = CollectorRegistry(auto_describe=True)
        own = None if self.directory else self.registry
        self.battles_started = Counter(
            "arena_battles_started", "battles started", registry=own)
        self.battles_failed = Counter(
            "arena_battles_failed", "turns that ended failed: a model gave no answer, so "
            "the battle cannot be voted on until it is regenerated", registry=own)
        self.turns = Counter("arena_turns", "turns run to their end, by status",
                             ["status"], registry=own)
        self.votes = Counter(
            "arena_votes", "votes cast, by winner and by what was decided when it was cast "
            "(counted, identity_leak, vote_cap)", ["winner", "decision"], registry=own)
        self.votes_refused = Counter(
            "arena_votes_refused", "votes refused, by error code (a proof-of-work or human "
            "check that failed, a second vote, answers not finished...)", ["code"],
            registry=own)
        self.too_fast = Counter("arena_votes_too_fast", "votes cast sooner than the answers "
                                "could be read (flagged, still counted)", registry=own)
        self.answer_seconds = Histogram(
            "arena_upstream_answer_seconds", "time of each whole answer a model finished",
            ["model"], buckets=ANSWER_BUCKETS, registry=own)
        self.first_token_seconds = Histogram(
            "arena_upstream_first_token_seconds", "time to each answer's first text",
            ["model"], buckets=FIRST_TOKEN_BUCKETS, registry=own)
        self.upstream_errors = Counter(
            "arena_upstream_errors", "answers that failed, by model and kind of error",
            ["model", "kind"], registry=own)
        self.streams_open = Gauge("arena_streams_open", "event streams being read now",
                                  registry=own, multiprocess_mode="livesum")
        self.streams = Counter("arena_streams", "event streams opened", registry=own)
        self.turns_running = Gauge("arena_turns_running", "turns whose models are being "
                                   "called now", registry=own, multiprocess_mode="livesum")
        self.model_paused = Gauge(
            "arena_model_paused", "1 while a worker keeps the model out of new battles "
            "for failing (ARENA_HEALTH_FAILURES)", ["model"], registry=own,
            multiprocess_mode="livemax")
        for status in TURN_STATUSES:
            self.turns.labels(status)
        for code in REFUSALS:
            self.votes_refused.labels(code)
        for winner in WINNERS:
            for decision in VOTE_DECISIONS:
                self.votes.labels(winner, decision)
        for model in models:
            self.answer_seconds.labels(model)
            self.first_token_seconds.labels(model)
            self.model_paused.labels(model).set(0)
            for kind in ERROR_KINDS:
                self.upstream_errors.labels(model, kind)

    # --- what the battle service reports --------------------------------------------

    def battle_started(self) -> None:
        self.battles_started.inc()

    def turn_ended(self, status: TurnStatus) -> None:
        self.turns.labels(status).inc()
        if status == "failed":
            self.battles_failed.inc()

    def answer(self, model: str, *, error_code: str | None, total_s: float,
               first_token_s: float | None) -> None:
        """One side's answer ended (a cancelled one is not reported: no model failed)."""
        if first_token_s is not None:
            self.first_token_seconds.labels(model).observe(first_token_s)
        if error_code is None:
            self.answer_seconds.labels(model).observe(total_s)
        else:
            kind = error_code if error_code in ERROR_KINDS else errors.ProviderError.code
            self.upstream_errors.labels(model, kind).inc()

    def vote(self, winner: Winner, reason: ExcludedReason | None, too_fast: bool) -> None:
        self.votes.labels(winner, reason or "counted").inc()
        if too_fast:
            self.too_fast.inc()

    def vote_refused(self, code: str) -> None:
        self.votes_refused.labels(code).inc()

    def paused(self, model: str, paused: bool) -> None:
        self.model_paused.labels(model).set(1 if paused else 0)

    def run_started(self) -> None:
        """This worker began running a turn's models (it won the turn's claim)."""
        self.turns_running.inc()

    def run_ended(self) -> None:
        self.turns_running.dec()

    @contextlib.contextmanager
    def stream_open(self) -> Iterator[None]:
        self.streams.inc()
        self.streams_open.inc()
        try:
            yield
        finally:
            self.streams_open.dec()

    # --- the scrape --------------------------------------------------------------------

    def render(self, stored: VoteTotals | None) -> bytes:
        """The text format: every worker's events (or this app's) and the stored votes."""
        registry = CollectorRegistry(auto_describe=False)
        if self.directory:
            forget_dead_workers(self.directory)
            MultiProcessCollector(registry, self.directory)  # type: ignore[no-untyped-call]
        else:
            registry.register(_Own(self.registry))
        registry.register(_Snapshot(stored))
        return generate_latest(registry)
