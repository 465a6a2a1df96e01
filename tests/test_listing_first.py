"""Crawl order (`crawler.scheduling.listingfirst`): listing pages jump the article queue only while it is short.

Real `scrapy crawl` runs against a replica of 300 synthetic articles (15 listing pages);
the replica's access log gives the order in which pages were fetched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.replica.data import write_file
from tests.replica.harness import RunningReplica, run_crawl
from tests.replica.synth import generate

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"
LISTING = re.compile(r"^/terkini(?:/\d+)?(?:\?page=\d+)?$")
ARTICLE = re.compile(r"^/berita/(\d+)/")


@pytest.fixture(scope="module")
def synthetic(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> tuple[RunningReplica, set[str]]:
    directory = tmp_path_factory.mktemp("synthetic")
    doc = generate(300, seed=3)
    write_file(directory / "data.json", doc)
    return module_replica_factory(directory / "data.json"), {f"{PORTAL}:{a['id']}" for a in doc["articles"]}


def _crawl(replica: RunningReplica, exports: Path, **settings: str) -> tuple[list[str], set[str], str]:
    """Paths fetched in order, ids exported, and the crawl's stderr."""
    mark = replica.mark()
    result = run_crawl(PORTAL, exports, base_url=replica.base_url, settings=settings, timeout=180)
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    paths = [r["path"] for r in replica.requests(mark)]
    return paths, {r["id"] for r in result.records}, result.process.stderr


def _listing_positions(paths: list[str]) -> list[int]:
    return [i for i, path in enumerate(paths) if LISTING.match(path)]


def test_listing_pages_go_first_and_every_article_is_stored(
    synthetic: tuple[RunningReplica, set[str]], tmp_path: Path
) -> None:
    replica, expected = synthetic
    paths, ids, stderr = _crawl(replica, tmp_path / "on")
    assert ids == expected and len(_listing_positions(paths)) >= 15
    raised = re.search(r"'archive/listing_first/raised': (\d+)", stderr)
    assert raised is not None and int(raised.group(1)) >= 10
    # Its effect on throughput is measured by benchmarks/crawl.py (no timed assertions here).


def test_under_a_download_delay_articles_still_go_out_between_listing_pages(
    synthetic: tuple[RunningReplica, set[str]], tmp_path: Path
) -> None:
    replica, _ = synthetic
    # One request at a time: without the queue bound the walk would fetch all 15 listing pages first.
    paths, _, _ = _crawl(replica, tmp_path / "slow", DOWNLOAD_DELAY="0.02", CONCURRENT_REQUESTS="2",
                         CONCURRENT_REQUESTS_PER_DOMAIN="1", CLOSESPIDER_PAGECOUNT="120")  # fmt: skip
    listings = _listing_positions(paths)
    articles_before_last_listing = sum(1 for path in paths[: listings[-1]] if ARTICLE.match(path))
    assert articles_before_last_listing >= 20
