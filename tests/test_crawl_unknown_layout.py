"""Issue 13 end to end: pages of a template no layout knows are archived by the fallback and alarmed on.

The replica serves `tests/replica/data/antara_kaltim_unknown.json`: two articles in known eras
(`post-content`, `wrap-p`) and two in the made-up era `unknown` (`tests/replica/render_article.py`:
no class any era layout knows, the date printed under the title, credits in `div.kredit`). A real
`scrapy crawl antara_kaltim -a base_url=...` with WARC on runs twice, with drift settings small enough
that the second run is judged against the first (ARCHIVE_DRIFT_MIN_RECORDS=1,
ARCHIVE_DRIFT_MIN_BASELINE_RUNS=1):

1. only the known articles are published: a healthy baseline, no `antara_unknown` count;
2. the two unknown-template articles are published: the first run holding such pages. Both are
   exported with `layout: "antara/unknown"`, the fallback's warning and every other field as
   `tests.replica.expected` derives it; the stats count `archive/parse/layout/antara_unknown`;
   the drift alarm fires naming the layout; the pages are saved from the WARC as fixtures
   under `<exports>/drift/antara_kaltim/<run id>/`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crawler.exitcodes import EXIT_UNHEALTHY
from crawler.paths import state_beside
from tests.replica.data import load_file, write_file
from tests.replica.expected import UNCHECKED_FIELDS, expected_records
from tests.replica.harness import DATA_DIR, CrawlResult, run_crawl, start_replica, trap_proxy_env

PORTAL = "antara_kaltim"
DATA = DATA_DIR / "antara_kaltim_unknown.json"
UNKNOWN_IDS = ("antara_kaltim:400001", "antara_kaltim:400002")
KNOWN_IDS = ("antara_kaltim:29875", "antara_kaltim:72840")
LAYOUT_WARNING = "layout: no known ANTARA template matched; parsed by the generic fallback"
SETTINGS = {
    "ARCHIVE_WARC_ENABLED": "True",
    "ARCHIVE_DRIFT_ENABLED": "True",
    "ARCHIVE_DRIFT_MIN_RECORDS": "1",  # a two-record run is a sample of its own
    "ARCHIVE_DRIFT_MIN_BASELINE_RUNS": "1",  # the first run is the second run's baseline: drift is judged
    "ARCHIVE_REPORT_ENABLED": "False",
}


class Runs:
    def __init__(self, workdir: Path) -> None:
        self.workdir, self.exports = workdir, workdir / "exports"
        self.results: list[tuple[CrawlResult, dict[str, Any]]] = []

    def crawl(self, data: Path) -> tuple[CrawlResult, dict[str, Any]]:
        replica = start_replica(data, self.workdir / "replica")
        try:
            result = run_crawl(
                PORTAL, self.exports, base_url=replica.base_url, settings=SETTINGS, env=trap_proxy_env(replica)
            )
        finally:
            replica.stop()
        summary = json.loads((state_beside(self.exports) / "runs" / "latest" / f"{PORTAL}.json").read_text(encoding="utf-8"))
        self.results.append((result, summary))
        return self.results[-1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    work = tmp_path_factory.mktemp("unknown-layout")
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    known = {**doc, "articles": [a for a in doc["articles"] if a["era"] != "unknown"]}
    write_file(work / "known.json", known)
    result = Runs(work)
    result.crawl(work / "known.json")
    result.crawl(DATA)
    return result


def dumped_stats(log: str) -> dict[str, int]:
    """The integer stats of Scrapy's closing 'Dumping Scrapy stats' block."""
    _, _, dump = log.rpartition("Dumping Scrapy stats:")
    return {key: int(value) for key, value in re.findall(r"^\s*'([^']+)': (\d+),?\}?$", dump, re.MULTILINE)}


def new_records(runs: Runs, run: int) -> list[dict[str, Any]]:
    """Records the run wrote (the export files hold every run's records; `crawled_at` tells them apart)."""
    result, summary = runs.results[run]
    earlier = {json.dumps(r, sort_keys=True) for r in (runs.results[run - 1][0].records if run else [])}
    return [r for r in result.records if json.dumps(r, sort_keys=True) not in earlier]


@pytest.mark.e2e
def test_known_eras_make_a_healthy_baseline(runs: Runs) -> None:
    result, summary = runs.results[0]
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    assert summary["status"] == "ok" and summary["problems"] == []
    assert sorted(r["id"] for r in new_records(runs, 0)) == sorted(KNOWN_IDS)
    stats = dumped_stats(result.process.stderr)
    assert "archive/parse/layout/antara_unknown" not in stats
    assert stats["archive/parse/layout/antara_post-content"] == 1
    assert stats["archive/parse/layout/antara_wrap-article-detail"] == 1


@pytest.mark.e2e
def test_unknown_template_pages_are_exported_by_the_fallback_with_every_field(runs: Runs) -> None:
    result, _ = runs.results[1]
    written = {r["id"]: r for r in new_records(runs, 1)}
    assert sorted(written) == sorted(UNKNOWN_IDS)
    expected = expected_records(load_file(DATA))
    for record_id in UNKNOWN_IDS:
        record, want = written[record_id], expected[record_id]
        assert record["layout"] == "antara/unknown" and LAYOUT_WARNING in record["warnings"]
        assert record["parser_version"].endswith("+antara/unknown")
        diff = {k: (v, record.get(k)) for k, v in want.items() if k not in UNCHECKED_FIELDS and record.get(k) != v}
        assert diff == {}, json.dumps(diff, ensure_ascii=False, indent=1)
    # The date is the printed text (zone-less: the portal's WITA; labelled: its label), not article:published_time.
    assert written["antara_kaltim:400001"]["published_at_raw"] == "Jumat, 20 November 2026 09:15"
    assert written["antara_kaltim:400002"]["published_at_raw"] == "Sabtu, 21 November 2026 14:40 WITA"
    assert written["antara_kaltim:400002"]["reporters"] == ["Ahmad Rifandi", "Novi Abdi"]


@pytest.mark.e2e
def test_stats_and_summary_count_the_unknown_layout(runs: Runs) -> None:
    result, summary = runs.results[1]
    stats = dumped_stats(result.process.stderr)
    assert stats["archive/parse/layout/antara_unknown"] == 2
    assert stats["archive/parse/warnings/layout"] == 2
    assert "archive/parse/layout/antara_post-content" not in stats  # known pages were not fetched again
    assert summary["drift"]["unknown_layout"]["pages"] == 2


@pytest.mark.e2e
def test_drift_alarm_fires_on_the_first_run_with_unknown_pages(runs: Runs) -> None:
    result, summary = runs.results[1]
    assert result.process.returncode == EXIT_UNHEALTHY, result.process.stderr[-3000:]
    assert summary["status"] == "unhealthy"
    assert summary["drift"]["judged"] is True and summary["drift"]["baseline_samples"] == 1
    layout = [p for p in summary["problems"] if p["check"] == "drift" and p["field"] == "layout"]
    assert len(layout) == 1 and layout[0]["value"] == 2 and "antara/unknown" in layout[0]["message"]
    logged = [line for line in result.stderr_lines if "UNHEALTHY" in line and "matched no known template" in line]
    assert logged and "antara/unknown" in logged[0]
    # The fallback found what the known eras give: no coverage alarm on the fields it reads by label or print.
    alarmed = {a["field"] for a in summary["drift"]["alarms"]}
    assert not alarmed & {"title", "body", "published_at", "reporters", "editors", "copyright"}, alarmed


@pytest.mark.e2e
def test_unknown_pages_are_saved_as_fixtures_under_the_drift_dir(runs: Runs) -> None:
    _, summary = runs.results[1]
    saved = summary["drift"]["unknown_layout"]
    directory = Path(saved["dir"])
    assert directory == state_beside(runs.exports) / "drift" / PORTAL / summary["run_id"]
    layout = next(p for p in summary["problems"] if p["field"] == "layout")
    assert layout["fixtures"] == saved["files"] and len(saved["files"]) == 2
    urls = set()
    for name in saved["files"]:
        html = Path(name)
        assert html.parent == directory and html.suffix == ".html"
        page = html.read_text(encoding="utf-8")
        assert 'class="judul-berita"' in page and 'class="kredit"' in page  # the page as served
        meta = json.loads(html.with_suffix(".meta.json").read_text(encoding="utf-8"))
        assert meta["portal"] == PORTAL and "layout" in meta["_why"]
        urls.add(meta["url"])
        unreviewed = json.loads(html.with_suffix(".json.unreviewed").read_text(encoding="utf-8"))
        assert unreviewed["layout"] == "antara/unknown"
    assert urls == {
        "https://kaltim.antaranews.com/berita/400001/samarinda-uji-bus-listrik",
        "https://kaltim.antaranews.com/berita/400002/balikpapan-buka-rute-kapal-cepat",
    }
