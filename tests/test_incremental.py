"""Scheduled runs fetch only what is new: the incremental stop rule, measured in the replica's access log.

One replica serves a copy of the Kalimantan Timur data file; the tests run in order on one
exports directory: a first full crawl, a run when nothing was published, a run after three
articles were published (added to the data file, which the replica re-reads), and a `since`
backfill that must ignore the stop rule.
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
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.replica.data import write_file
from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, trap_proxy_env

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"
ARTICLE = re.compile(r"^/(?:amp/)?berita/(\d+)")
NEW_IDS = (990001, 990002, 990003)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> tuple[RunningReplica, Path, Path]:
    workdir = tmp_path_factory.mktemp("incremental")
    data = workdir / "data.json"
    shutil.copy(KALTIM_DATA, data)
    return module_replica_factory(data), data, workdir / "exports"


def _run(replica: RunningReplica, exports: Path, **arguments: str) -> tuple[CrawlResult, list[dict[str, Any]]]:
    mark = replica.mark()
    result = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments=arguments, env=trap_proxy_env(replica))
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    return result, replica.requests(mark)


def _paths(requests: list[dict[str, Any]]) -> list[str]:
    return [r["target"] for r in requests if r["path"] != "/robots.txt"]


def _listing_pages(requests: list[dict[str, Any]]) -> list[int]:
    pages = []
    for request in requests:
        parts = urlsplit(request["target"])
        match = re.fullmatch(r"/terkini(?:/(\d+))?/?", parts.path)
        if match:
            pages.append(int(match.group(1) or parse_qs(parts.query).get("page", ["1"])[0]))
    return sorted(pages)


def _publish(data: Path, ids: tuple[int, ...]) -> None:
    """Add articles newer than every other one, as copies of the newest with new ids and titles."""
    doc = json.loads(data.read_text(encoding="utf-8"))
    newest = max(doc["articles"], key=lambda a: a["published"])
    for offset, article_id in enumerate(ids, start=1):
        article = copy.deepcopy(newest)
        published = datetime.fromisoformat(newest["published"]) + timedelta(hours=offset)
        article.update(id=article_id, slug=f"berita-baru-{article_id}", title=f"Berita baru nomor {article_id}",
                       published=published.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
        article["paragraphs"] = [f"{p} (edisi {article_id})" for p in article["paragraphs"]]
        article.pop("listing_links", None)
        article.pop("expect", None)
        doc["articles"].append(article)
    write_file(data, doc)


@pytest.fixture(scope="module")
def first_run(site: tuple[RunningReplica, Path, Path]) -> tuple[CrawlResult, list[dict[str, Any]]]:
    replica, _, exports = site
    return _run(replica, exports)


@pytest.fixture(scope="module")
def quiet_run(site: tuple[RunningReplica, Path, Path], first_run: Any) -> list[dict[str, Any]]:
    replica, _, exports = site
    return _run(replica, exports)[1]


@pytest.fixture(scope="module")
def news_run(site: tuple[RunningReplica, Path, Path], quiet_run: Any) -> tuple[CrawlResult, list[dict[str, Any]]]:
    replica, data, exports = site
    _publish(data, NEW_IDS)
    return _run(replica, exports)


def test_first_run_walks_the_whole_listing(first_run: tuple[CrawlResult, list[dict[str, Any]]]) -> None:
    result, requests = first_run
    assert len({r["id"] for r in result.records}) == 32
    assert max(_listing_pages(requests)) > 2


def test_run_with_nothing_new_makes_at_most_three_requests(quiet_run: list[dict[str, Any]]) -> None:
    paths = _paths(quiet_run)
    print(f"no-news run: {len(paths)} requests besides robots.txt: {paths}")  # noqa: T201 (measured figure)
    assert len(paths) <= 3, paths
    assert _listing_pages(quiet_run) == [1]
    assert not [p for p in paths if ARTICLE.match(p)], "a stored article was fetched again"


def test_run_after_three_new_articles_fetches_those_three(news_run: tuple[CrawlResult, list[dict[str, Any]]]) -> None:
    result, requests = news_run
    paths = _paths(requests)
    fetched = sorted(int(m[1]) for p in paths if (m := ARTICLE.match(p)))
    print(f"run after 3 new articles: {len(paths)} requests besides robots.txt: {paths}")  # noqa: T201
    assert fetched == list(NEW_IDS)
    # The three fit on listing page 1; page 2 is read to see that it holds only stored articles.
    assert _listing_pages(requests) == [1, 2]
    exported = {r["id"] for r in result.records}
    assert {f"{PORTAL}:{i}" for i in NEW_IDS} <= exported and len(exported) == 35


def test_backfill_ignores_the_stop_rule(site: tuple[RunningReplica, Path, Path], news_run: Any) -> None:
    replica, _, exports = site
    _, requests = _run(replica, exports, since="2000-01-01")
    assert max(_listing_pages(requests)) > 2, _listing_pages(requests)
    assert not [p for p in _paths(requests) if ARTICLE.match(p)], "deltafetch still skips stored articles"
