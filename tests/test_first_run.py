"""A first run explains itself: the one-command demo, progress while crawling, a human summary at the end,
and `crawlall` on a terminal printing one line per portal (and nothing under cron, where no terminal is attached).
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_OK
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica, run_crawl, trap_proxy_env

pytestmark = pytest.mark.e2e

PORTAL = "antara_kaltim"


def test_the_readme_demo_is_one_command_and_ends_with_a_summary(tmp_path: Path) -> None:
    exports = tmp_path / "demo" / "exports"
    command = [sys.executable, "-m", "tests.replica.demo", "--exports", str(exports)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    assert "demo portal (replica of antara_kaltim) serving on http://127.0.0.1:" in done.stderr
    lines = done.stderr.splitlines()
    tail = lines[max(i for i, line in enumerate(lines) if line.startswith(f"{PORTAL}: ")) :]
    assert all(line.startswith("  ") for line in tail[1:]), "the summary is the last word"
    assert tail[0].startswith(f"{PORTAL}: ok; found 32 article links (0 already stored), 32 new, 0 revised, 0 dropped")
    assert f"  records: {exports / PORTAL}" in tail and any(line.startswith("  run summary: ") for line in tail), tail
    assert len(list((exports / PORTAL).rglob("*.jsonl"))) > 0

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert again.returncode == EXIT_OK, again.stderr[-3000:]
    outcome = next(line for line in again.stderr.splitlines() if line.startswith(f"{PORTAL}: ok; "))
    found = outcome.split("found ", 1)[1].split(" ", 1)[0]
    assert f"({found} already stored), 0 new, 0 revised" in outcome, outcome


def test_a_crawl_logs_progress_at_intervals(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    settings = {"ARCHIVE_PROGRESS_INTERVAL_SECONDS": "0.05", "DOWNLOAD_DELAY": "0.05"}
    result = run_crawl(PORTAL, tmp_path / "exports", base_url=kaltim_replica.base_url, settings=settings,
                       env=trap_proxy_env(kaltim_replica))  # fmt: skip
    assert result.process.returncode == EXIT_OK, result.process.stderr[-3000:]
    progress = [line for line in result.stderr_lines if "[crawler.monitoring.progress] INFO: progress" in line]
    assert len(progress) >= 2, result.process.stderr[-3000:]
    assert all(f"progress {PORTAL}: " in line and " article links found, " in line for line in progress)
    assert "pages/min" not in result.process.stderr, "Scrapy's LogStats is replaced, not doubled"


def _crawlall(exports: Path, replica: RunningReplica, *, terminal: bool) -> tuple[int, str]:
    command = [sys.executable, "-m", "scrapy", "crawlall", PORTAL, "-a", f"{PORTAL}:base_url={replica.base_url}"]
    for name, value in {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports)}.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, **trap_proxy_env(replica)}
    if not terminal:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)
        return done.returncode, done.stdout + done.stderr
    controller, terminal_end = pty.openpty()
    with subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=terminal_end, stderr=terminal_end,
                          env=env) as process:  # fmt: skip
        os.close(terminal_end)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed its end of the terminal
                break
            if not chunk:
                break
            output += chunk
        code = process.wait(timeout=180)
    os.close(controller)
    return code, output.decode("utf-8", "replace")


def test_crawlall_on_a_terminal_prints_one_line_per_portal(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    code, output = _crawlall(tmp_path / "exports", kaltim_replica, terminal=True)
    assert code == EXIT_OK, output[-3000:]
    lines = output.replace("\r\n", "\n").splitlines()
    outcome = [line for line in lines if line.startswith(f"{PORTAL}: ")]
    assert len(outcome) == 1 and outcome[0].startswith(f"{PORTAL}: ok; found 32 article links"), lines
    assert any(line.startswith("log: ") for line in lines), lines


def test_crawlall_under_cron_prints_nothing_when_all_is_well(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    code, output = _crawlall(tmp_path / "exports", kaltim_replica, terminal=False)
    assert code == EXIT_OK and output == "", output[-3000:]
