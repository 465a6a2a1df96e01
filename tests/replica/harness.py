"""Start a replica subprocess and run real `scrapy crawl` subprocesses against it.

Used by `tests/conftest.py` fixtures and by benchmarks. Both run from the repository root
with the current interpreter (`sys.executable`), so the project's virtualenv is used.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(__file__).resolve().parent / "data"
KALTIM_DATA = DATA_DIR / "antara_kaltim.json"

FAST_SETTINGS: dict[str, str] = {
    # Politeness defaults (AutoThrottle, 0.5 s delay, 2 per domain) would make every e2e run
    # take tens of seconds against a local server that needs none of it.
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
}


@dataclass
class RunningReplica:
    """A replica subprocess and what it logged."""

    process: subprocess.Popen[str]
    port: int
    data: Path
    access_log: Path
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """Access-log records (one per request), from record number `since` on."""
        if not self.access_log.exists():
            return []
        lines = self.access_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines[since:] if line.strip()]

    def mark(self) -> int:
        """A position in the access log, to read only the requests made after it."""
        return len(self.requests())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()


def start_replica(data: Path, workdir: Path, *options: str, timeout: float = 15) -> RunningReplica:
    """Start `python -m tests.replica` on a free loopback port and wait for it to print the port."""
    workdir.mkdir(parents=True, exist_ok=True)
    access_log = workdir / f"access-{time.monotonic_ns()}.jsonl"
    stderr_path = access_log.with_suffix(".stderr")
    command = [
        sys.executable,
        "-m",
        "tests.replica",
        "--data",
        str(data),
        "--port",
        "0",
        "--access-log",
        str(access_log),
    ]
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen([*command, *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
    port = _read_port(process, timeout, stderr_path)
    return RunningReplica(process, port, data, access_log, stderr_path)


def _read_port(process: subprocess.Popen[str], timeout: float, stderr_path: Path) -> int:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout)
    line = process.stdout.readline().strip() if ready else ""
    if not line.isdigit():
        process.kill()
        process.wait(timeout=5)
        raise RuntimeError(f"replica did not start (stdout {line!r}): {stderr_path.read_text()[-2000:]}")
    return int(line)


@dataclass
class CrawlResult:
    """A finished `scrapy crawl` subprocess and the records it exported."""

    process: subprocess.CompletedProcess[str]
    exports_dir: Path
    files: list[Path] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.process.stderr.splitlines() if line.strip()]


def trap_proxy_env(replica: RunningReplica) -> dict[str, str]:
    """Proxy variables that send any non-loopback request to the replica, which refuses and logs it.

    Scrapy's HttpProxyMiddleware honours these, so a request to the real portal shows up in
    the replica's access log (absolute-form target or CONNECT) instead of silently failing DNS.
    """
    proxy = replica.base_url
    return {"http_proxy": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy,
            "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}  # fmt: skip


def run_crawl(
    portal: str,
    exports_dir: Path,
    *,
    base_url: str | None = None,
    arguments: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 90,
) -> CrawlResult:
    """`python -m scrapy crawl <portal> -a base_url=... -s ARCHIVE_EXPORTS_DIR=<exports_dir>`, from the repo root."""
    command = [sys.executable, "-m", "scrapy", "crawl", portal]
    spider_args = {**({"base_url": base_url} if base_url is not None else {}), **(arguments or {})}
    for name, value in spider_args.items():
        command += ["-a", f"{name}={value}"]
    for name, value in {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports_dir), **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    process_env = {**os.environ, **(env or {})}
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=process_env)
    files = sorted((exports_dir / portal).rglob("*.jsonl")) if (exports_dir / portal).is_dir() else []
    records = [
        json.loads(line) for path in files for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return CrawlResult(completed, exports_dir, files, records)
