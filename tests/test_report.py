"""The crawl report: written by a real crawl of the replica, self-contained, with two non-empty charts.

This is the check on a real crawl; tests/test_report_render.py checks the charts on an
archive of known dates, down to a screenshot in headless Chromium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from crawler.monitoring.report.charts import BAR_COLOUR, FAILURE_COLOUR
from crawler.monitoring.report.history import prune, summaries
from crawler.paths import state_beside
from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, trap_proxy_env

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> tuple[CrawlResult, Path]:
    workdir = tmp_path_factory.mktemp("report")
    replica = module_replica_factory(KALTIM_DATA)
    result = run_crawl(PORTAL, workdir / "exports", base_url=replica.base_url, env=trap_proxy_env(replica))
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    return result, workdir / "exports"


@pytest.fixture(scope="module")
def page(crawled: tuple[CrawlResult, Path]) -> Any:
    return lxml.html.fromstring((state_beside(crawled[1]) / "report.html").read_bytes())


def _is_path(element: Any) -> bool:
    return isinstance(element.tag, str) and element.tag.endswith("path")


def _points(path_d: str) -> int:
    return len(re.findall(r"[ML]\s*-?\d", path_d))


def test_run_summary_json(crawled: tuple[CrawlResult, Path]) -> None:
    summary = json.loads((state_beside(crawled[1]) / "runs" / "latest" / f"{PORTAL}.json").read_text(encoding="utf-8"))
    assert summary["status"] == "ok" and summary["problems"] == []
    assert summary["articles"]["found"] == 32 and summary["articles"]["new"] == 32
    assert summary["requests"]["total"] >= 34 and summary["requests"]["errors"] == {}
    assert summary["requests"]["failed"] == {}
    assert set(summary["coverage"]["fields"]) == {"title", "published_at", "body", "reporters", "editors", "copyright"}
    assert [s["run_id"] for s in summaries(state_beside(crawled[1]))] == [summary["run_id"]]


def test_report_is_drawn_after_the_crawl(crawled: tuple[CrawlResult, Path]) -> None:
    """Not on the crawl's close path: after Scrapy counted elapsed_time_seconds and closed the spider."""
    log = crawled[0].process.stderr
    assert "'elapsed_time_seconds'" in log and "report: " in log
    assert log.index("Spider closed (") < log.index("report: ")


def test_three_charts_coverage_drawn(page: Any) -> None:
    figures = page.xpath('//figure[@class="chart"]')
    assert [f.get("data-chart") for f in figures] == ["articles-per-day", "field-coverage", "failures-by-type"]
    coverage = figures[1]
    lines = [g for g in coverage.iter() if str(g.get("id", "")).startswith("line2d_")]
    drawn = [p for g in lines for p in g.iter() if _is_path(p) and _points(p.get("d", "")) >= 1]
    assert drawn, "field-coverage: no data line"
    assert not [p for p in figures[2].iter() if _is_path(p) and FAILURE_COLOUR in (p.get("style") or "")], "no failure"


def test_articles_chart_has_one_bar_per_recent_publication_day(page: Any, crawled: tuple[CrawlResult, Path]) -> None:
    today = date.today()
    days = {d for r in crawled[0].records if (d := date.fromisoformat(r["published_at"][:10])) > today - timedelta(days=90)}
    svg = page.xpath('//figure[@data-chart="articles-per-day"]')[0]
    bars = [p for p in svg.iter() if _is_path(p) and BAR_COLOUR in (p.get("style") or "")]
    tall = [b for b in bars if len(set(re.findall(r"-?\d+\.\d+|-?\d+", b.get("d", ""))[1::2])) > 1]
    assert len(tall) == len(days)


def test_last_run_table_and_no_external_resources(page: Any, crawled: tuple[CrawlResult, Path]) -> None:
    row = page.xpath('//table[@id="last-runs"]//tr[td]')[0]
    cells = [cell.text_content() for cell in row.xpath("td")]
    assert cells[:2] == [PORTAL, "ok"] and cells[4] == "32"
    text = (state_beside(crawled[1]) / "report.html").read_text(encoding="utf-8")
    # url(#id) is matplotlib's clip path, inside the same SVG.
    assert not re.search(r"<script|<link|<img|<iframe|src=|@import|url\((?!#)", text)
    assert set(re.findall(r"https?://[^\"' )<]+", text)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_second_run_updates_the_report(
    tmp_path: Path, crawled: tuple[CrawlResult, Path], replica_factory: Callable[..., RunningReplica]
) -> None:
    exports = tmp_path / "exports"
    replica = replica_factory(KALTIM_DATA)
    for _ in range(2):
        result = run_crawl(PORTAL, exports, base_url=replica.base_url, env=trap_proxy_env(replica))
        assert result.process.returncode == 0, result.process.stderr[-3000:]
    runs = list(summaries(state_beside(exports)))
    assert [r["articles"]["new"] for r in runs] == [32, 0] and runs[1]["articles"]["skipped_stored"] > 0
    assert (state_beside(exports) / "runs" / "daycounts.json").exists()
    state = state_beside(exports)
    assert prune(state, 90) == [] and len(prune(state, 0, today=date(2999, 1, 1))) == 1
    assert list(summaries(state)) == []
