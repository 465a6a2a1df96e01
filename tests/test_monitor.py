"""Monitoring: a silently changed template turns the run unhealthy, naming the portal, the field and the figure.

The replica's `--credits-class` mode prints the credit block under another class and its
labels without colons (`tests/replica/modes.py`), so editors (and most reporters) are lost
while every other field still parses: exactly the breakage nobody notices by reading logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.exitcodes import EXIT_UNHEALTHY
from crawler.paths import state_beside
from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, trap_proxy_env

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"


@pytest.fixture(scope="module")
def changed_site(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> tuple[RunningReplica, Path]:
    workdir = tmp_path_factory.mktemp("monitor")
    return module_replica_factory(KALTIM_DATA, "--credits-class", "article-credits"), workdir / "exports"


def _crawl(site: tuple[RunningReplica, Path]) -> CrawlResult:
    replica, exports = site
    return run_crawl(PORTAL, exports, base_url=replica.base_url, env=trap_proxy_env(replica))


def _summary(exports: Path) -> dict[str, Any]:
    return json.loads((state_beside(exports) / "runs" / "latest" / f"{PORTAL}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def changed_run(changed_site: tuple[RunningReplica, Path]) -> CrawlResult:
    return _crawl(changed_site)


def test_changed_template_exits_unhealthy(changed_run: CrawlResult) -> None:
    assert changed_run.process.returncode == EXIT_UNHEALTHY, changed_run.process.stderr[-3000:]
    assert len(changed_run.records) == 32, "an unhealthy run still archives what it parsed"


def test_log_line_names_portal_field_and_figure(changed_run: CrawlResult) -> None:
    lines = [line for line in changed_run.stderr_lines if "UNHEALTHY" in line]
    editors = [line for line in lines if "field editors coverage 0.0% (0/32 records" in line]
    assert editors and f"UNHEALTHY {PORTAL}:" in editors[0] and "ERROR" in editors[0], lines
    assert not [line for line in lines if "field title" in line or "field body" in line], lines


def test_summary_says_unhealthy_and_why(changed_site: tuple[RunningReplica, Path], changed_run: CrawlResult) -> None:
    summary = _summary(changed_site[1])
    assert summary["status"] == "unhealthy"
    fields = {p["field"] for p in summary["problems"] if p["check"] == "coverage"}
    assert "editors" in fields and not fields & {"title", "body", "published_at"}
    editors = next(p for p in summary["problems"] if p["field"] == "editors")
    assert editors["value"] == 0.0 and editors["threshold"] == 0.9
    assert summary["coverage"]["records"] == 32 and summary["coverage"]["fields"]["editors"] == 0
    assert summary["articles"]["new"] == 32 and summary["articles"]["written"] == 32


def test_a_quiet_run_is_judged_with_the_previous_runs(
    changed_site: tuple[RunningReplica, Path], changed_run: CrawlResult
) -> None:
    """Nothing new to judge: the thresholds apply to the recent records, so the alarm stays on until fixed."""
    quiet = _crawl(changed_site)
    assert quiet.process.returncode == EXIT_UNHEALTHY, quiet.process.stderr[-3000:]
    summary = _summary(changed_site[1])
    assert summary["coverage"]["records"] == 0 and summary["judged_coverage"]["records"] == 32
    assert summary["judged_coverage"]["judged"] is True
    assert summary["judged_coverage"]["runs"] == 2
    assert any("over 2 run(s)" in p["message"] for p in summary["problems"])


def test_too_few_records_are_reported_but_not_judged(changed_site: tuple[RunningReplica, Path], tmp_path: Path) -> None:
    """A small backfill into a new archive: a share of four records would be noise, so no alarm yet."""
    replica, _ = changed_site
    exports = tmp_path / "exports"
    result = run_crawl(PORTAL, exports, base_url=replica.base_url, env=trap_proxy_env(replica),
                       arguments={"since": "2023-01-01", "until": "2023-12-31"})  # fmt: skip
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    summary = _summary(exports)
    assert summary["status"] == "ok" and summary["judged_coverage"]["judged"] is False
    assert 0 < summary["coverage"]["records"] < 20 and summary["coverage"]["fields"]["editors"] == 0
