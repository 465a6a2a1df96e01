"""DeltaFetchMiddleware: stored articles are not requested again, unless the spider refreshes."""

from __future__ import annotations

from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.dedup.state import StoredRecord, shared_state
from crawler.scheduling.deltafetch import DeltaFetchMiddleware
from tests.storage_support import make_crawler


def _request(record_id: str | None, **meta: object) -> scrapy.Request:
    extra = {"archive_record_id": record_id} if record_id else {}
    return scrapy.Request("http://127.0.0.1:8000/berita/1/x", meta={**extra, **meta})


@pytest.fixture
def middleware(tmp_path: Path) -> DeltaFetchMiddleware:
    crawler = make_crawler(tmp_path)
    shared_state(crawler).commit([StoredRecord("antara_kaltim:1", 0, "a" * 64)])
    return DeltaFetchMiddleware.from_crawler(crawler)


def test_stored_article_is_not_fetched(middleware: DeltaFetchMiddleware) -> None:
    with pytest.raises(IgnoreRequest):
        middleware.process_request(_request("antara_kaltim:1"))
    assert middleware.crawler.stats.get_value("archive/deltafetch/skipped") == 1


def test_new_article_listing_and_forced_requests_pass(middleware: DeltaFetchMiddleware) -> None:
    assert middleware.process_request(_request("antara_kaltim:2")) is None
    assert middleware.process_request(_request(None)) is None
    assert middleware.process_request(_request("antara_kaltim:1", archive_deltafetch_skip=False)) is None


def test_refresh_fetches_stored_articles(middleware: DeltaFetchMiddleware) -> None:
    middleware.crawler.spider.refresh = True
    assert middleware.process_request(_request("antara_kaltim:1")) is None
    assert middleware.crawler.stats.get_value("archive/deltafetch/refreshed") == 1


def test_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        DeltaFetchMiddleware.from_crawler(make_crawler(tmp_path, ARCHIVE_DELTAFETCH_ENABLED=False))
