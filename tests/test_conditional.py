"""Gentle polling: a scheduled run when nothing was published costs the portal almost no bytes.

One replica in `--conditional` mode (ETag = hash of the page, Last-Modified = newest article,
`304` when they match) serves a copy of the Kalimantan Timur data file. The runs share one
exports directory, in order: a first full crawl; a run with nothing new and conditional
requests off (the baseline); the same with them on; a run with nothing new on the listing
but an article the frontier still holds; a run after an article was published. Bytes are the
sum of the access log's `bytes` (response bodies) over a run's requests.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.paths import state_beside
from crawler.scheduling.frontier import Frontier
from crawler.warc.not_modified import PROFILE
from tests.replica.data import write_file
from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, trap_proxy_env
from tests.warc_reading import all_records

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"
ARTICLE = re.compile(r"^/(?:amp/)?berita/(\d+)")
DISCOVERY = ("/terkini", "/rss/terkini.xml")
NEW_ID, FRONTIER_ID = 990101, 990102
RUNS: dict[str, tuple[CrawlResult, list[dict[str, Any]]]] = {}


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> tuple[RunningReplica, Path, Path]:
    workdir = tmp_path_factory.mktemp("conditional")
    data = workdir / "data.json"
    shutil.copy(KALTIM_DATA, data)
    return module_replica_factory(data, "--conditional"), data, workdir / "exports"


def _run(site: tuple[RunningReplica, Path, Path], name: str, **settings: str) -> tuple[CrawlResult, list[dict]]:
    """Each named run once per module, in the order the tests ask for them."""
    if name not in RUNS:
        replica, _, exports = site
        mark = replica.mark()
        result = run_crawl(PORTAL, exports, base_url=replica.base_url, settings=settings, env=trap_proxy_env(replica))
        assert result.process.returncode == 0, result.process.stderr[-3000:]
        RUNS[name] = (result, replica.requests(mark))
    return RUNS[name]


def _bytes(requests: list[dict[str, Any]]) -> int:
    return sum(int(r["bytes"]) for r in requests)


def _summary(exports: Path) -> dict[str, Any]:
    return json.loads((state_beside(exports) / "runs" / "latest" / f"{PORTAL}.json").read_text(encoding="utf-8"))


def _article(data: Path, article_id: int, published: datetime) -> None:
    """Add a copy of the newest article with a new id, title, text and publication time."""
    doc = json.loads(data.read_text(encoding="utf-8"))
    article = copy.deepcopy(max(doc["articles"], key=lambda a: a["published"]))
    article.update(id=article_id, slug=f"berita-{article_id}", title=f"Berita nomor {article_id}",
                   published=published.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    article["paragraphs"] = [f"{p} (edisi {article_id})" for p in article["paragraphs"]]
    article.pop("listing_links", None)
    article.pop("expect", None)
    doc["articles"].append(article)
    write_file(data, doc)


def _newest(data: Path) -> datetime:
    return max(datetime.fromisoformat(a["published"]) for a in json.loads(data.read_text(encoding="utf-8"))["articles"])


def test_first_run_reads_everything(site: tuple[RunningReplica, Path, Path]) -> None:
    result, requests = _run(site, "first")
    assert len({r["id"] for r in result.records}) == 32
    assert all(r["status"] == 200 for r in requests if r["path"] in DISCOVERY)


def test_quiet_run_without_conditional_requests_is_the_baseline(site: tuple[RunningReplica, Path, Path]) -> None:
    _run(site, "first")
    _, requests = _run(site, "plain", ARCHIVE_CONDITIONAL_ENABLED="False")
    assert [r["status"] for r in requests if r["path"] in DISCOVERY] == [200, 200]
    assert _bytes(requests) > 5_000


def test_quiet_run_transfers_under_5_kb_and_is_healthy(site: tuple[RunningReplica, Path, Path]) -> None:
    _, plain = _run(site, "plain", ARCHIVE_CONDITIONAL_ENABLED="False")
    result, requests = _run(site, "quiet")
    total, baseline = _bytes(requests), _bytes(plain)
    print(f"no-news run: {baseline} bytes of response bodies without conditional requests, {total} with "  # noqa: T201
          f"({len(requests)} requests: {[(r['path'], r['status'], r['bytes']) for r in requests]})")  # fmt: skip
    assert total < 5_000
    assert sorted(r["status"] for r in requests if r["path"] in DISCOVERY) == [304, 304]
    assert not [r for r in requests if ARTICLE.match(r["path"])]
    summary = _summary(site[2])
    assert summary["status"] == "ok", summary["problems"]
    assert summary["articles"]["found"] == 0 and summary["requests"]["not_modified"] == 2
    assert "UNHEALTHY" not in result.process.stderr


def test_not_modified_is_archived_as_a_revisit_without_payload(site: tuple[RunningReplica, Path, Path]) -> None:
    _run(site, "quiet")
    records = all_records(site[2] / "warc")
    by_id = {r.id: r for r in records}
    revisits = [r for r in records if r.type == "revisit" and r.headers.get("WARC-Profile") == PROFILE]
    assert sorted(r.uri for r in revisits) == [f"https://kaltim.antaranews.com{p}" for p in sorted(DISCOVERY)]
    for revisit in revisits:
        assert revisit.http_status == 304 and revisit.payload == b""
        assert "WARC-Payload-Digest" not in revisit.headers
        original = by_id[revisit.headers["WARC-Refers-To"]]  # the 200 whose validators were sent
        assert original.type == "response" and original.uri == revisit.uri
        assert revisit.headers["WARC-Refers-To-Date"] == original.headers["WARC-Date"]


def test_frontier_articles_are_fetched_behind_an_unchanged_listing(site: tuple[RunningReplica, Path, Path]) -> None:
    """An article an earlier run discovered but could not store is re-issued although page 1 answers 304."""
    _run(site, "quiet")
    _, data, exports = site
    _article(data, FRONTIER_ID, datetime(2019, 1, 2, 9, 0))  # old: deep in the listing, not in the feed
    frontier = Frontier(state_beside(exports) / "frontier.sqlite3", PORTAL)
    frontier.add(f"{PORTAL}:{FRONTIER_ID}", f"/berita/{FRONTIER_ID}/berita-{FRONTIER_ID}")
    frontier.close()
    result, requests = _run(site, "frontier")
    assert sorted(r["status"] for r in requests if r["path"] in DISCOVERY) == [304, 304]
    assert [int(m[1]) for r in requests if (m := ARTICLE.match(r["path"]))] == [FRONTIER_ID]
    assert f"{PORTAL}:{FRONTIER_ID}" in {r["id"] for r in result.records}
    assert _summary(exports)["status"] == "ok"


def test_run_after_news_fetches_the_new_article(site: tuple[RunningReplica, Path, Path]) -> None:
    _run(site, "frontier")
    _, data, exports = site
    _article(data, NEW_ID, _newest(data) + timedelta(hours=1))
    result, requests = _run(site, "news")
    assert sorted(r["status"] for r in requests if r["path"] in DISCOVERY) == [200, 200]
    assert [int(m[1]) for r in requests if (m := ARTICLE.match(r["path"]))] == [NEW_ID]
    assert f"{PORTAL}:{NEW_ID}" in {r["id"] for r in result.records}
    print(f"run after one new article: {_bytes(requests)} bytes of response bodies")  # noqa: T201
    assert _summary(exports)["status"] == "ok"


def test_backfill_sends_no_validators(site: tuple[RunningReplica, Path, Path]) -> None:
    """A `since` run must read unchanged pages (it walks past stored ones), so it is never answered 304."""
    _run(site, "news")
    replica, _, exports = site
    mark = replica.mark()
    result = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments={"since": "2026-01-01"},
                       env=trap_proxy_env(replica))  # fmt: skip
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    assert not [r for r in replica.requests(mark) if r["status"] == 304]
