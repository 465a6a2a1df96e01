"""Distributed mode drops a second request for one article whatever URL (slug) it came under."""

from __future__ import annotations

from scrapy import Request

from crawler.distributed.workers import ArticleIdDupeFilter


def test_article_requests_are_keyed_by_archive_id_others_by_url() -> None:
    # request_fingerprint never touches the Redis connection; the real-Redis runs are in test_redis.py.
    dupefilter = ArticleIdDupeFilter(server=None, key="unused")
    meta = {"archive_record_id": "antara_kaltim:22950"}
    old_slug = Request("http://h/berita/22950/atlet-kaltim-juara-umum", meta=meta)
    current = Request("http://h/berita/22950/atlet-panjat-tebing-kaltim-juara-umum-kejurnas", meta=meta)
    assert dupefilter.request_fingerprint(old_slug) == dupefilter.request_fingerprint(current)
    first, second = Request("http://h/terkini"), Request("http://h/terkini/2")
    assert dupefilter.request_fingerprint(first) != dupefilter.request_fingerprint(second)
