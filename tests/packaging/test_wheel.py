"""The wheel works on its own: built from the package, installed in a fresh venv, ``arena
serve`` from that venv serves the pages, their static files and migrates its database.

The editable install of the test venv would hide a wheel that lacks its pages, so the wheel
goes into a venv of its own. Its dependencies are borrowed (a ``.pth`` line naming the
test venv's site-packages; the lines of ``.pth`` files *there* are not run, so the
editable hook that points at the source tree stays out), which keeps the test offline and
quick; the test checks that ``arena`` is imported from the new venv, not the source tree.
Marked ``wheel`` (about 15 s): ``pytest -m 'not wheel'`` leaves it out.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.wheel

SOURCE = Path(__file__).resolve().parents[2]
WEB = SOURCE / "arena" / "web"
WEB_FILES = sorted(p.relative_to(WEB).as_posix() for p in WEB.rglob("*") if p.is_file())
# The vendored front-end libraries (scripts/vendor-web.sh), with their licences and fonts.
VENDOR_FILES = ["vendor/VERSIONS", "vendor/katex/katex.min.js", "vendor/katex/katex.min.css",
                "vendor/katex/LICENSE", "vendor/katex/fonts/KaTeX_Main-Regular.woff2",
                "vendor/highlight/highlight.min.js", "vendor/highlight/github.min.css",
                "vendor/highlight/github-dark.min.css", "vendor/highlight/LICENSE"]
MIGRATIONS = sorted(p.name for p in (SOURCE / "arena" / "migrations" / "versions").glob("*.py"))


@dataclass
class Installed:
    wheel: Path
    python: Path
    arena: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    tree = root / "src"  # a copy: no build/ or egg-info left in the source tree
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(SOURCE / name, tree / name)
    shutil.copytree(SOURCE / "arena", tree / "arena",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = root / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(tree)], check=True, timeout=300)
    (wheel,) = dist.glob("arena-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], check=True, capture_output=True, text=True)
    Path(site.stdout.strip(), "borrowed-deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--force-reinstall", str(wheel)], check=True, timeout=300)
    yield Installed(wheel=wheel, python=python, arena=venv / "bin" / "arena")


def test_wheel_holds_the_pages_and_the_migrations(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert WEB_FILES and {"index.html", "leaderboard.html", "markdown.js", "typeset.js",
                          *VENDOR_FILES} <= set(WEB_FILES)
    assert len([f for f in WEB_FILES if f.startswith("vendor/katex/fonts/")]) == 20
    assert [f for f in WEB_FILES if f"arena/web/{f}" not in names] == []
    assert MIGRATIONS and [f for f in MIGRATIONS
                           if f"arena/migrations/versions/{f}" not in names] == []
    assert "arena/migrations/env.py" in names


def test_arena_is_imported_from_the_new_venv(installed: Installed, tmp_path: Path) -> None:
    where = subprocess.run([str(installed.python), "-c", "import arena; print(arena.__file__)"],
                           cwd=tmp_path, env=clean_env(tmp_path), check=True,
                           capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(installed.python.parent.parent), where
    assert not Path(where).is_relative_to(SOURCE), where


def test_installed_arena_serves_the_pages(installed: Installed, tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([str(installed.arena), "serve", "--port", str(port)],
                              cwd=tmp_path, env=clean_env(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        index = wait_for(f"{base}/", server)
        assert index.status_code == 200
        assert '<script type="module" src="/static/arena.js"></script>' in index.text
        board = httpx.get(f"{base}/leaderboard", timeout=10)
        assert board.status_code == 200 and 'id="board"' in board.text
        for name in ("arena.js", "arena.css", "markdown.js"):
            static = httpx.get(f"{base}/static/{name}", timeout=10)
            assert static.status_code == 200, name
            assert static.text == (SOURCE / "arena" / "web" / name).read_text(), name
        for name in VENDOR_FILES:
            static = httpx.get(f"{base}/static/{name}", timeout=10)
            assert static.status_code == 200, name
            assert static.content == (WEB / name).read_bytes(), name
        font = httpx.get(f"{base}/static/vendor/katex/fonts/KaTeX_Math-Italic.woff2", timeout=10)
        assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
        assert (tmp_path / "data" / "arena.db").is_file()  # migrated from the wheel
    finally:
        server.terminate()
        server.communicate(timeout=30)


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ARENA_", "PYTHON", "VIRTUAL_ENV"))}
    env["ARENA_DATA_DIR"] = str(data_dir / "data")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(url: str, server: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"arena serve exited with {server.returncode}: "
                        f"{server.communicate()[1]}")
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"arena serve did not answer {url} within 60 s")
