"""`scrapy crawlall`: several portals in one process, a log file per run, and its exit codes.

Two replicas serve the same data as two portals (Kalimantan Timur and, with `--portal`,
Kalimantan Barat); each portal gets its own `base_url` with `-a PORTAL:base_url=...`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_CONFIG, EXIT_LOCKED, EXIT_OK, EXIT_UNHEALTHY
from crawler.paths import state_beside
from crawler.store.lock import acquire
from tests.replica.harness import FAST_SETTINGS, KALTIM_DATA, ROOT, RunningReplica, trap_proxy_env

pytestmark = pytest.mark.e2e  # replicas, `scrapy crawlall`

PORTALS = ("antara_kaltim", "antara_kalbar")


@pytest.fixture(scope="module")
def replicas(module_replica_factory: Callable[..., RunningReplica]) -> dict[str, RunningReplica]:
    return {
        "antara_kaltim": module_replica_factory(KALTIM_DATA),
        "antara_kalbar": module_replica_factory(KALTIM_DATA, "--portal", "antara_kalbar"),
    }


def crawlall(exports: Path, replicas: dict[str, RunningReplica], *portals: str,
             settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run crawlall; `-a PORTAL:base_url` is given for each replica whose portal is named (all when none is)."""
    command = [sys.executable, "-m", "scrapy", "crawlall", *portals]
    named = [name for name in replicas if name in portals] or list(replicas)
    for name in named:
        command += ["-a", f"{name}:base_url={replicas[name].base_url}"]
    for name, value in {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports), **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, **trap_proxy_env(next(iter(replicas.values())))}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def _records(exports: Path, portal: str) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (exports / portal).rglob("*.jsonl"))


def test_two_portals_in_one_process_with_a_log_file(tmp_path: Path, replicas: dict[str, RunningReplica]) -> None:
    exports = tmp_path / "exports"
    old_log = state_beside(exports) / "logs" / "crawlall-20000101T000000Z-1.log"
    old_log.parent.mkdir(parents=True)
    old_log.write_text("a run long ago\n")
    os.utime(old_log, (time.time() - 30 * 86400,) * 2)
    done = crawlall(exports, replicas, *PORTALS)
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    assert done.stderr == "", "with a log file, a healthy run says nothing on stderr (cron mails stderr)"
    assert {p: _records(exports, p) for p in PORTALS} == {p: 32 for p in PORTALS}
    logs = sorted((state_beside(exports) / "logs").glob("crawlall-*.log"))
    assert len(logs) == 1 and not old_log.exists(), "old log kept past ARCHIVE_LOG_RETENTION_DAYS"
    text = logs[0].read_text(encoding="utf-8")
    assert all(f"run summary of {p} (ok)" in text for p in PORTALS) and "report: " in text
    assert (state_beside(exports) / "report.html").exists()


def test_portal_list_from_settings(tmp_path: Path, replicas: dict[str, RunningReplica]) -> None:
    kalbar = {"antara_kalbar": replicas["antara_kalbar"]}
    done = crawlall(tmp_path / "exports", kalbar, settings={"ARCHIVE_CRAWLALL_PORTALS": "antara_kalbar"})
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    exports = tmp_path / "exports"
    assert _records(exports, "antara_kalbar") == 32 and not (exports / "antara_kaltim").exists()


def test_a_locked_portal_is_skipped_and_the_others_run(tmp_path: Path, replicas: dict[str, RunningReplica]) -> None:
    exports = tmp_path / "exports"
    lock = acquire(exports, "antara_kaltim")  # as a still-running cron job would hold it
    try:
        done = crawlall(exports, replicas, *PORTALS)
    finally:
        lock.release()
    assert done.returncode == EXIT_LOCKED, done.stderr[-3000:]
    assert done.stderr.startswith("scrapy crawlall: skipped antara_kaltim: another run holds the lock")
    assert _records(exports, "antara_kalbar") == 32 and not (exports / "antara_kaltim").exists()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [(("antara_kaltim", "antara_nowhere"), "antara_nowhere"), (("antara_kaltim", "-a", "since=2024-13-01"), "since")],
    ids=["unknown-portal", "bad-argument"],
)
def test_configuration_errors_refuse_before_anything_runs(
    tmp_path: Path, replicas: dict[str, RunningReplica], arguments: tuple[str, ...], named: str
) -> None:
    marks = {name: replica.mark() for name, replica in replicas.items()}
    done = crawlall(tmp_path / "exports", replicas, *arguments)
    assert done.returncode == EXIT_CONFIG, done.stderr[-3000:]
    assert len(done.stderr.splitlines()) == 1 and named in done.stderr
    assert all(replica.requests(marks[name]) == [] for name, replica in replicas.items())


def test_an_unhealthy_portal_sets_the_exit_code(
    tmp_path: Path, replicas: dict[str, RunningReplica], replica_factory: Callable[..., RunningReplica]
) -> None:
    changed = replica_factory(KALTIM_DATA, "--portal", "antara_kalbar", "--credits-class", "x")
    done = crawlall(tmp_path / "exports", {**replicas, "antara_kalbar": changed}, *PORTALS)
    assert done.returncode == EXIT_UNHEALTHY, done.stderr[-3000:]
    assert done.stderr.startswith("scrapy crawlall: antara_kalbar unhealthy: ") and "field editors" in done.stderr
    assert "antara_kaltim" not in done.stderr
