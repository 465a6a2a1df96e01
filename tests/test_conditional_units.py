"""ConditionalRequestsMiddleware on its own (real SQLite file), and the replica's conditional GET rules."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.paths import state_beside
from crawler.scheduling.conditional import FILE_NAME, ConditionalRequestsMiddleware, ValidatorStore
from crawler.warc.not_modified import ORIGINAL_META_KEY
from tests.replica.conditional import etag, not_modified
from tests.storage_support import make_crawler

URL = "http://127.0.0.1:8000/terkini"
ETAG, DATE = '"abc"', "Wed, 09 Sep 2026 04:00:00 GMT"


def _middleware(exports: Path, **settings: object) -> ConditionalRequestsMiddleware:
    return ConditionalRequestsMiddleware.from_crawler(make_crawler(exports, **settings))


def _request(**meta: object) -> scrapy.Request:
    return scrapy.Request(URL, meta={"archive_conditional": True, **meta})


def _ok(request: scrapy.Request) -> Response:
    request.meta["archive_warc"] = {"record_id": "<urn:uuid:1>", "date": "2026-11-24T10:00:00.000000Z"}
    return Response(URL, status=200, headers={"ETag": ETAG, "Last-Modified": DATE}, request=request)


def _first_run(exports: Path, reason: str) -> None:
    middleware = _middleware(exports)
    request = _request()
    middleware.process_request(request)
    assert "If-None-Match" not in request.headers
    middleware.process_response(request, _ok(request))
    asyncio.run(middleware.spider_closed(middleware.crawler.spider, reason))


def test_validators_of_a_finished_run_are_sent_next_run(tmp_path: Path) -> None:
    _first_run(tmp_path, "finished")
    middleware = _middleware(tmp_path)
    request = _request()
    middleware.process_request(request)
    assert request.headers["If-None-Match"] == ETAG.encode() and request.headers["If-Modified-Since"] == DATE.encode()
    assert request.meta[ORIGINAL_META_KEY] == {"record_id": "<urn:uuid:1>", "date": "2026-11-24T10:00:00.000000Z"}
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, Response(URL, status=304, request=request))
    assert middleware.crawler.stats.get_value("archive/conditional/not_modified") == 1


@pytest.mark.parametrize("reason", ["closespider_pagecount", "shutdown"])
def test_a_run_cut_short_remembers_nothing(tmp_path: Path, reason: str) -> None:
    _first_run(tmp_path, reason)
    assert ValidatorStore(state_beside(tmp_path) / FILE_NAME, "antara_kaltim").get(URL) is None
    request = _request()
    _middleware(tmp_path).process_request(request)
    assert "If-None-Match" not in request.headers


def test_unmarked_requests_are_left_alone(tmp_path: Path) -> None:
    _first_run(tmp_path, "finished")
    request = scrapy.Request(URL)  # an article, a backfill listing
    middleware = _middleware(tmp_path)
    middleware.process_request(request)
    assert "If-None-Match" not in request.headers
    response = Response(URL, status=304, request=request)
    assert middleware.process_response(request, response) is response


def test_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        _middleware(tmp_path, ARCHIVE_CONDITIONAL_ENABLED=False)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"if-none-match": etag(b"page")}, True),
        ({"if-none-match": f'W/{etag(b"page")}, "other"'}, True),
        ({"if-none-match": etag(b"old page")}, False),
        ({"if-none-match": etag(b"old page"), "if-modified-since": DATE}, False),  # the tag wins over the date
        ({"if-modified-since": DATE}, True),
        ({"if-modified-since": "Tue, 08 Sep 2026 04:00:00 GMT"}, False),
        ({"if-modified-since": "not a date"}, False),
        ({}, False),
    ],
)
def test_replica_conditional_rules(headers: dict[str, str], expected: bool) -> None:
    assert not_modified(headers, {"ETag": etag(b"page"), "Last-Modified": DATE}) is expected
