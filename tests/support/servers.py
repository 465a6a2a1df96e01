"""Servers the browse tests start as subprocesses: pywb on WARC files, `scrapy browse` on an archive.

pywb lives in its own virtualenv (`.venv/pywb`, made from requirements-replay.txt by .ci/run,
or here on first use), as in tests/test_warc.py: it pins redis==2.10.6, which cannot sit
beside ours.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.replica.harness import ROOT

PYWB_VENV = ROOT / ".venv" / "pywb"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} exited with {process.returncode}"
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not answer at {url}")


def pywb_bin(name: str) -> Path:
    if not (PYWB_VENV / "bin" / "wayback").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PYWB_VENV)], check=True, timeout=120)
        pip = [str(PYWB_VENV / "bin" / "pip"), "install", "-q", "-r", str(ROOT / "requirements-replay.txt")]
        subprocess.run(pip, check=True, timeout=600)
    return PYWB_VENV / "bin" / name


@contextmanager
def pywb(warc_files: Sequence[Path], root: Path) -> Iterator[str]:
    """pywb replaying `warc_files` as collection `archive` (run in `root`); yields its URL, e.g. http://127.0.0.1:N."""
    for command in (["init", "archive"], ["add", "archive", *map(str, warc_files)]):
        subprocess.run([str(pywb_bin("wb-manager")), *command], cwd=root, check=True, capture_output=True, timeout=120)
    port = free_port()
    with (root / "wayback.log").open("w") as log:
        server = subprocess.Popen([str(pywb_bin("wayback")), "-p", str(port), "-b", "127.0.0.1"], cwd=root,
                                  stdout=log, stderr=log)  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/archive/", server, "pywb")
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)


@contextmanager
def scrapy_browse(exports: Path, log: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`scrapy browse --port N [options]` on `exports`, as a user starts it; yields (its URL, the process)."""
    for _ in range(3):  # the free port may be taken by another process before the server binds it
        port = free_port()
        command = [sys.executable, "-m", "scrapy", "browse", "--port", str(port), *options,
                   "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]  # fmt: skip
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output)
        try:
            if _serving_archive(port, process, log):
                yield f"http://127.0.0.1:{port}", process
                return
        finally:
            process.terminate()
            process.wait(timeout=15)
    raise AssertionError(f"scrapy browse found no free port:\n{log.read_text()[-2000:]}")


def _serving_archive(port: int, process: subprocess.Popen[bytes], log: Path) -> bool:
    """Whether our `scrapy browse` answers on `port` (False: another process had taken the port)."""
    try:
        wait_for(f"http://127.0.0.1:{port}/archive.json", process, "scrapy browse")
        answer = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/archive.json", timeout=10).read())
    except AssertionError:
        if "address already in use" in log.read_text().lower():
            return False
        raise AssertionError(f"scrapy browse failed:\n{log.read_text()[-2000:]}") from None
    return process.poll() is None and answer.get("database") == "archive"
