"""Shared pieces of the production benchmarks (``load.py``, ``crash.py``, ``faults.py``).

Everything runs on 127.0.0.1 and every process started here is stopped here:

- ``Upstream``: the fake model server (``arena.testing.upstream.FakeUpstream``) in a child
  process of its own, so it does not share the client's event loop or GIL. The child is
  this file run as a script; it reads one JSON command a line on stdin (``script``,
  ``reset``) and answers ``ok``, so a benchmark can change the upstream's pace or make one
  model fail *while* the arena is running, which the upstream's own CLI cannot do.
- ``Arena``: an ``arena serve`` subprocess with ``ARENA_DATABASE_URL`` / ``ARENA_MODELS``
  set, its log in a file, ready when ``/api/info`` answers.
- ``Voter``: one simulated browser (one aiohttp session, so one cookie jar) doing battle →
  SSE stream → vote, timing the first delta of each side; ``direct_stream`` reads the
  fake upstream's OpenAI stream the same way, for the baseline.
- database helpers (recreate, query, ``arena db check``), CPU accounting from ``/proc``,
  percentiles and a plain-text table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ARENA_BIN = str(Path(sys.executable).with_name("arena"))
PG_ADMIN = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-v", "ON_ERROR_STOP=1",
            "-q", "-c"]
HOST = "127.0.0.1"
PROMPT = "Explain how a hash map works, briefly."


# --- ports, processes, CPU ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """user + system CPU of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def postgres_pids() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if (d / "comm").read_text().strip() == "postgres":
                    pids.append(int(d.name))
    return pids


class CpuMeter:
    """CPU seconds used by named groups of processes between ``start()`` and ``stop()``."""

    def __init__(self, groups: dict[str, Callable[[], Iterable[int]]]) -> None:
        self.groups = groups
        self._start: dict[str, dict[int, float]] = {}
        self._t0 = 0.0
        self.used: dict[str, float] = {}
        self.wall = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        return {g: {p: cpu_seconds(p) for p in pids()} for g, pids in self.groups.items()}

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._busy0 = machine_busy_seconds()
        self._start = self._sample()

    def stop(self) -> dict[str, float]:
        end = self._sample()
        self.wall = time.monotonic() - self._t0
        self.used = {g: sum(v - self._start[g].get(p, 0.0) for p, v in end[g].items())
                     for g in end}
        # Everything else the machine did meanwhile (other people's tests, the kernel).
        self.used["others"] = max(0.0, machine_busy_seconds() - self._busy0
                                  - sum(self.used.values()))
        return self.used

    def shares(self) -> str:
        """'client 0.62 · upstream 0.10 · ...' in cores (CPU seconds per wall second)."""
        return " · ".join(f"{g} {v / self.wall:.2f}" for g, v in self.used.items())


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``, minus idle and iowait)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / _TICK


def own_pid() -> list[int]:
    return [os.getpid()]


# --- the fake upstream in a child process ---------------------------------------------------


_PROSE_TEXT = ("The answer depends on what you need most, so here is a short overview of the "
               "main options, with the trade-offs of each and a suggestion at the end.")
_PROSE = _PROSE_TEXT.split()


def answer_of(words: int) -> str:
    """A plain answer of exactly ``words`` words (one streamed delta each), naming no one."""
    return " ".join(_PROSE[i % len(_PROSE)] for i in range(words))


class Upstream:
    """``FakeUpstream`` in a child process, scriptable over its stdin."""

    def __init__(self, *, delay_s: float, first_delay_s: float, port: int = 0,
                 words: int | None = None) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(Path(__file__).resolve()), "upstream", "--port", str(port),
             "--delay-s", str(delay_s), "--first-delay-s", str(first_delay_s)]
            + (["--words", str(words)] if words else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"the fake upstream did not start: {line!r}")
        self.port = int(line.split()[1])
        self.openai_base_url = f"http://{HOST}:{self.port}/v1"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _command(self, **cmd: Any) -> None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"upstream refused {cmd}: {answer}")

    def script(self, model: str | None = None, **behaviour: Any) -> None:
        """Like ``FakeUpstream.script``: the newest matching rule wins."""
        self._command(op="script", model=model, behaviour=behaviour)

    def reset(self) -> None:
        """Back to the default behaviour for every model."""
        self._command(op="reset")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                if self.proc.stdin:
                    self.proc.stdin.close()  # EOF: the child stops its server and exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _upstream_child(argv: Sequence[str]) -> None:
    import argparse

    from arena.testing.upstream import Behaviour, FakeUpstream

    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--delay-s", type=float, default=0.03)
    p.add_argument("--first-delay-s", type=float, default=0.25)
    p.add_argument("--words", type=int, default=0, help="answer length; 0 = the persona's")
    args = p.parse_args(argv)
    up = FakeUpstream(HOST, args.port, keep_requests=200,
                      default=Behaviour(delay_s=args.delay_s, first_delay_s=args.first_delay_s,
                                        text=answer_of(args.words) if args.words else None))

    async def serve() -> None:
        async with up:
            print(f"ready {up.port}", flush=True)
            loop = asyncio.get_running_loop()
            while line := await loop.run_in_executor(None, sys.stdin.readline):
                try:
                    cmd = json.loads(line)
                    if cmd["op"] == "script":
                        up.script(cmd.get("model"), **cmd.get("behaviour", {}))
                    elif cmd["op"] == "reset":
                        up.reset()
                    else:
                        raise ValueError(f"unknown op {cmd['op']!r}")
                    print("ok", flush=True)
                except Exception as exc:  # reported to the parent, which raises
                    print(f"error {exc!r}", flush=True)

    run_async(serve())


# --- the arena ----------------------------------------------------------------------------


def write_roster(path: Path, models: Sequence[tuple[str, str]], base_url: str) -> Path:
    """``models``: (public name, upstream model id) pairs, all on the fake upstream."""
    lines = []
    for name, upstream_id in models:
        lines += ["[[models]]", f'name = "{name}"', 'provider = "openai"',
                  f'model = "{upstream_id}"', f'base_url = "{base_url}"', ""]
    path.write_text("\n".join(lines))
    return path


def pg_url(db: str) -> str:
    return f"postgresql://postgres@{HOST}:5432/{db}"


def recreate_database(db: str) -> str:
    subprocess.run([*PG_ADMIN, f"drop database if exists {db} with (force)"], check=True)
    subprocess.run([*PG_ADMIN, f"create database {db}"], check=True)
    return pg_url(db)


def drop_database(db: str) -> None:
    subprocess.run([*PG_ADMIN, f"drop database if exists {db} with (force)"], check=False)


async def query(url: str, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql://", "postgres://", 1))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def arena_env(db_url: str, roster: Path, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env.update(ARENA_DATABASE_URL=db_url, ARENA_MODELS=str(roster), ARENA_LOG_LEVEL="warning",
               ARENA_SECRET_KEY="bench",
               # Every simulated voter comes from 127.0.0.1: switch the rate limits off
               # (0 = off), or the per-IP limit refuses all but the first minute's 60.
               ARENA_BATTLES_PER_MINUTE_VOTER="0", ARENA_BATTLES_PER_MINUTE_IP="0",
               ARENA_VOTES_PER_MINUTE_VOTER="0", ARENA_VOTES_PER_MINUTE_IP="0")
    env.update({f"ARENA_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def db_check(env: dict[str, str]) -> tuple[int, str]:
    """``arena db check``: exit code and its output."""
    out = subprocess.run([ARENA_BIN, "db", "check"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    return out.returncode, (out.stdout + out.stderr).strip()


class Arena:
    """One ``arena serve`` process (a uvicorn master with N workers, or one process)."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, port: int | None = None,
                 log_dir: Path | None = None) -> None:
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = (log_dir or Path(tempfile.gettempdir())) / f"arena-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> Arena:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [ARENA_BIN, "serve", "--host", HOST, "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"arena serve exited with {self.proc.returncode}; see "
                                   f"{self.log_path}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                ready = httpx.get(f"{self.url}/api/info", timeout=2).status_code == 200
                if ready and (self.workers == 1 or len(self.worker_pids()) >= self.workers):
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"arena serve not ready after {timeout_s}s; see {self.log_path}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the workers under a master, or the process."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        if self.workers == 1:
            return [self.pid]
        return [p for p in children_of(self.pid) if "resource_tracker" not in _cmdline(p)]

    def all_pids(self) -> list[int]:
        if self.proc is None or self.proc.poll() is not None:
            return []
        return [self.pid, *children_of(self.pid)]

    def kill(self) -> None:
        """SIGKILL, as a crash: no shutdown handler runs."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)  # its own session: the master and workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self, n: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""

    def log_count(self, needle: str) -> int:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace").count(needle)
        return 0


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


# --- the simulated voter --------------------------------------------------------------------


@dataclass
class StreamResult:
    ok: bool  # an `end` event arrived
    votable: bool = False
    status: str = ""  # the end event's status (done | failed | incomplete), or why not
    ttft_a: float | None = None  # seconds from sending the request to that side's 1st delta
    ttft_b: float | None = None
    errors: list[str] = field(default_factory=list)  # codes of `error` events
    started: float = 0.0
    seconds: float = 0.0


@dataclass
class Reply:
    status: int  # HTTP status; 0 = no answer (connection error, timeout)
    code: str | None = None  # the error code of the arena's JSON error shape
    body: dict[str, Any] | None = None
    exc: str | None = None


def _error_code(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


def client_session(timeout_s: float = 60, cookies: bool = True) -> aiohttp.ClientSession:
    """An aiohttp session for the simulated browsers and the direct baseline: it keeps its
    connections alive, as a browser does, and costs the shared CPU about half of what an
    httpx client does per streamed chunk. ``unsafe`` lets the jar keep cookies of an IP
    host (127.0.0.1)."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=timeout_s),
        connector=aiohttp.TCPConnector(limit=8),
        cookie_jar=aiohttp.CookieJar(unsafe=True) if cookies else aiohttp.DummyCookieJar())


class Voter:
    """One browser: its own cookie jar and connection pool."""

    def __init__(self, base_url: str | Callable[[], str], *, timeout_s: float = 60) -> None:
        self._base = base_url if callable(base_url) else (lambda: base_url)
        self._timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    @property
    def client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use, inside the running loop
            self._session = client_session(self._timeout_s)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _json(self, method: str, path: str, body: Any = None,
                    base: str | None = None) -> Reply:
        try:
            async with self.client.request(method, (base or self._base()) + path,
                                           json=body) as r:
                raw = await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Reply(0, exc=type(exc).__name__)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return Reply(status, _error_code(data), data if isinstance(data, dict) else None)

    async def create(self, prompt: str = PROMPT, base: str | None = None) -> Reply:
        return await self._json("POST", "/api/battles", {"prompt": prompt}, base)

    async def vote(self, battle_id: str, winner: str | None = None,
                   base: str | None = None) -> Reply:
        winner = winner or random.choice(("a", "b", "tie", "both_bad"))
        return await self._json("POST", f"/api/battles/{battle_id}/vote", {"winner": winner},
                                base)

    async def stream(self, battle_id: str, base: str | None = None) -> StreamResult:
        """Read the battle's SSE to its `end`, timing each side's first delta.

        Parsing is kept minimal (substring tests, JSON only for `end` and `error`) so the
        client spends as little of the shared CPU as it can."""
        res = StreamResult(ok=False, started=time.perf_counter())
        t0 = res.started
        url = f"{base or self._base()}/api/battles/{battle_id}/stream"
        try:
            async with self.client.get(url) as r:
                if r.status != 200:
                    raw = await r.read()
                    res.status = f"http_{r.status}"
                    with contextlib.suppress(ValueError):
                        res.status += f"_{_error_code(json.loads(raw))}"
                    return res
                buf = b""
                async for chunk in r.content.iter_any():
                    buf += chunk
                    *events, buf = buf.split(b"\n\n")
                    for ev in events:
                        if ev.startswith(b"event: delta"):
                            if res.ttft_a is None and b'"side":"a"' in ev:
                                res.ttft_a = time.perf_counter() - t0
                            elif res.ttft_b is None and b'"side":"b"' in ev:
                                res.ttft_b = time.perf_counter() - t0
                        elif ev.startswith(b"event: error"):
                            res.errors.append(_sse_data(ev).get("code", "?"))
                        elif ev.startswith(b"event: end"):
                            data = _sse_data(ev)
                            res.ok = True
                            res.votable = bool(data.get("votable"))
                            res.status = str(data.get("status"))
                if not res.ok:
                    res.status = "no_end_event"
        except (aiohttp.ClientError, TimeoutError) as exc:
            res.status = f"cut_{type(exc).__name__}"
        finally:
            res.seconds = time.perf_counter() - t0
        return res


def _sse_data(ev: bytes) -> dict[str, Any]:
    for line in ev.split(b"\n"):
        if line.startswith(b"data: "):
            with contextlib.suppress(ValueError):
                return json.loads(line[6:])
    return {}


async def direct_stream(client: aiohttp.ClientSession, base_url: str, model: str,
                        prompt: str = PROMPT) -> tuple[float | None, bool]:
    """The baseline: one OpenAI chat-completions stream read straight from the upstream.
    Returns (seconds to the first content chunk, reached [DONE])."""
    body = {"model": model, "stream": True, "max_tokens": 1024,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": prompt}]}
    t0 = time.perf_counter()
    ttft = None
    try:
        async with client.post(f"{base_url}/chat/completions", json=body,
                               headers={"authorization": "Bearer sk-local"}) as r:
            if r.status != 200:
                await r.read()
                return None, False
            buf = b""
            async for chunk in r.content.iter_any():
                buf += chunk
                *frames, buf = buf.split(b"\n\n")
                for f in frames:
                    if ttft is None and b'"content":"' in f and b'"content":""' not in f:
                        ttft = time.perf_counter() - t0
                    elif f == b"data: [DONE]":
                        return ttft, True
    except (aiohttp.ClientError, TimeoutError):
        return ttft, False
    return ttft, False


# --- figures --------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of ``values``, or None when empty."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def ms(v: float | None) -> str:
    return "—" if v is None else f"{v * 1000:.1f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table, readable in a terminal too."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def host_speed_ms(rounds: int = 5) -> float:
    """A fixed pure-Python loop, timed: the median of ``rounds`` runs, in ms. The machine
    is shared, and this same loop took anywhere from 42 to 78 ms within one hour; printed
    beside a run's figures, it tells how fast the host was when the run began."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run_async(main: Any) -> Any:
    """Run a client or the upstream on uvloop when it is installed (as uvicorn does for the
    server), with the garbage collector tuned as the arena's workers tune theirs
    (``ARENA_GC_THRESHOLD``, its default): these stand in for other machines, so the CPU
    they take from the arena on this one is kept low."""
    from arena.app import settle_gc
    from arena.settings import Settings

    settle_gc(Settings.model_fields["gc_threshold"].default)
    try:
        import uvloop

        return uvloop.run(main)
    except ImportError:
        return asyncio.run(main)


if __name__ == "__main__":
    if sys.argv[1:2] == ["upstream"]:
        _upstream_child(sys.argv[2:])
    else:
        sys.exit("usage: _harness.py upstream [--port P] [--delay-s S] [--first-delay-s S]")
