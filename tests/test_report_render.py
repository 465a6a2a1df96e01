"""The crawl report as a reader sees it: daily bars per portal over the last 90 days, field coverage per run,
failed requests by type (real failures only), legends beside the data. Structure from the HTML/SVG (lxml);
the look from a screenshot in headless Chromium, whose pixels must show the charts' colours in the charts.

The archive is written here (records over the last days and years ago, run summaries with retried and
finally failed requests), so the dates are known. Chromium missing is a failure, never a skip:
.ci/run installs Debian's `chromium`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from PIL import Image

from crawler.monitoring.report import history
from crawler.monitoring.report.charts import BAR_COLOUR, FAILURE_COLOUR
from crawler.monitoring.report.page import write_report
from crawler.monitoring.report.summary import failures

TODAY = date(2026, 11, 30)


def _records(exports: Path, portal: str, per_day: dict[date, int]) -> None:
    directory = exports / portal / "2026"
    directory.mkdir(parents=True)
    (exports / portal / "manifest.json").write_text("{}")
    lines = [json.dumps({"id": f"{portal}:{day}:{n}", "published_at": f"{day.isoformat()}T09:00:00+08:00"})
             for day, count in per_day.items() for n in range(count)]  # fmt: skip
    (directory / "2026-11.jsonl").write_text("\n".join(lines) + "\n")


def _run(state: Path, portal: str, finished: str, fields: dict[str, int], failed: dict[str, int]) -> None:
    summary = {"portal": portal, "run_id": f"{portal}-{finished}", "finished_at": finished, "status": "ok",
               "problems": [], "articles": {"found": 10, "new": 10},
               "requests": {"total": 40, "errors": {"TimeoutError": 5, **failed}, "failed": failed},
               "coverage": {"records": 10, "fields": fields}}  # fmt: skip
    history.record(state, summary)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    exports, state = tmp_path / "exports", tmp_path / "exports-state"
    flat = {TODAY - timedelta(days=n): 2 for n in range(30)}  # the same count every day
    _records(exports, "antara_kaltim", flat | {date(2016, 11, 14): 1, date(2019, 3, 2): 1})  # and years ago
    _records(exports, "antara_kalsel", {TODAY - timedelta(days=n): n % 5 for n in range(0, 80, 3)})
    full = dict.fromkeys(("title", "published_at", "body", "reporters", "editors", "copyright"), 10)
    for n in range(6):
        _run(state, "antara_kaltim", f"2026-11-{20 + n}T03:00:00+00:00", full | {"copyright": 4 + n}, {})
    _run(state, "antara_kalsel", "2026-11-29T03:00:00+00:00", full, {"http_404": 3, "TimeoutError": 1})
    return write_report(exports, state, today=TODAY)


def _figure(page: Any, name: str) -> Any:
    [figure] = page.xpath(f'//figure[@data-chart="{name}"]')
    return figure


def _first(element: Any, name: str) -> Any:
    """The first descendant named `name` (the HTML parser may or may not keep the SVG namespace)."""
    return next(e for e in element.iter() if isinstance(e.tag, str) and e.tag.rsplit("}", 1)[-1] == name)


def _numbers(d: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]


def _height(bar: Any) -> float:
    ys = _numbers(bar.get("d"))[1::2]
    return round(max(ys) - min(ys), 1)


def test_articles_per_day_are_bars_per_portal_over_the_last_90_days(report: Path) -> None:
    page = lxml.html.fromstring(report.read_bytes())
    svg = _figure(page, "articles-per-day")
    colour = BAR_COLOUR.lower()
    drawn = [p for p in svg.iter() if isinstance(p.tag, str) and p.tag.endswith("path")
             and colour in (p.get("style") or "").lower()]  # fmt: skip
    assert len(drawn) == 2 * 90, "a bar slot for each of the 90 days, per portal"
    bars = [b for b in drawn if _height(b) > 0]
    kaltim_days, kalsel_days = 30, len([n for n in range(0, 80, 3) if n % 5])
    assert len(bars) == kaltim_days + kalsel_days, "one bar per day with articles, nothing from years ago"
    heights = {_height(b) for b in bars[-kaltim_days:]}  # portals in name order: antara_kaltim second
    assert len(heights) == 1 and heights.pop() > 20, "flat data: equal, tall bars on an axis from 0"
    assert "Articles per publication day, last 90 days" in _first(svg, "svg").get("aria-label")


def test_coverage_per_run_and_failures_by_type(report: Path) -> None:
    page = lxml.html.fromstring(report.read_bytes())
    coverage = _figure(page, "field-coverage")
    lines = [g for g in coverage.iter() if str(g.get("id", "")).startswith("line2d_")]
    points = [len(re.findall(r"[ML] ", p.get("d", ""))) for g in lines for p in g.iter()
              if isinstance(p.tag, str) and p.tag.endswith("path")]  # fmt: skip
    assert points.count(7) == 6, "six fields, one point per run (7 runs)"
    # The legend sits right of the axes: its handles start beyond the axes' right edge.
    frame = _first(next(g for g in coverage.iter() if g.get("id") == "patch_2"), "path")
    right = max(_numbers(frame.get("d"))[0::2])
    [legend] = [g for g in coverage.iter() if g.get("id") == "legend_1"]
    handles = [
        p
        for p in legend.iter()
        if isinstance(p.tag, str) and p.tag.endswith("path") and "stroke:" in (p.get("style") or "")
    ]
    assert handles and min(min(_numbers(p.get("d"))[0::2]) for p in handles) > right
    failed = _figure(page, "failures-by-type")
    red = [p for p in failed.iter() if FAILURE_COLOUR in (p.get("style") or "")]
    assert len(red) == 2, "http_404 and TimeoutError, not the retried attempts"
    [row] = page.xpath('//table[@id="errors"]//tr[td]')
    assert "http_404 3" in row.text_content() and "antara_kalsel" in row.text_content()


def test_failures_are_final_failures_only() -> None:
    stats = {"downloader/exception_type_count/twisted.internet.error.TimeoutError": 3,
             "retry/reason_count/twisted.internet.error.TimeoutError": 3,  # all three retried, then answered
             "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 9,
             "downloader/response_status_count/503": 2, "retry/reason_count/503 Service Unavailable": 2,
             "httperror/response_ignored_status_count/404": 1, "robotstxt/forbidden": 4}  # fmt: skip
    assert failures(stats) == {"http_404": 1}


@pytest.mark.e2e  # runs headless Chromium
def test_screenshot_shows_the_charts(report: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed: apt-get install -y chromium (.ci/run does)"
    png = tmp_path / "report.png"
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=1200,2000",
               f"file://{report}"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1200, 2000)

    def rows_with(colour: str) -> list[int]:
        target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        pixels = image.load()
        return [y for y in range(image.height)
                if sum(1 for x in range(0, image.width, 2) if pixels[x, y] == target) >= 2]  # fmt: skip

    blue, red = rows_with(BAR_COLOUR), rows_with(FAILURE_COLOUR)
    assert len(blue) > 60 and len(red) > 10, (len(blue), len(red))
    bands = 1 + sum(1 for a, b in zip(blue, blue[1:], strict=False) if b - a > 20)
    assert bands == 2, "one band of bars per portal"
    assert max(blue) < min(red), "the bars' chart above the failures' chart, each drawn in its own place"
