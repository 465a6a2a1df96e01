"""Hostile pages cost nothing but a warning: unencodable text, deep JSON-LD, a listing of 100,000 links.

- A lone surrogate in JSON-LD (`"\\ud800"`, valid JSON, not encodable as UTF-8) is replaced by
  U+FFFD with a warning; the record is kept and its line encodes.
- JSON-LD nested hundreds or thousands of levels deep is skipped; the page is still read from
  its markup (title from the `<h1>`).
- A listing page linking 100,000 articles yields at most ARCHIVE_DISCOVERY_MAX_LINKS_PER_PAGE
  article requests; the rest are counted.
"""

from __future__ import annotations

import json
import re

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.spiders.portal import PortalSpider
from tests.test_fuzz import WRAP_CASE, check_result, parse_page

_LD = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)


def _with_jsonld(block: str) -> bytes:
    html = WRAP_CASE.html_path.read_text(encoding="utf-8")
    assert _LD.search(html), "the fixture has no JSON-LD block"
    return _LD.sub(lambda m: m[1] + block + m[3], html).encode("utf-8")


def test_lone_surrogates_in_jsonld_are_replaced_with_a_warning() -> None:
    # json.dumps writes the lone surrogates as \ud800 escapes: valid JSON that decodes to unencodable text.
    block = json.dumps({"@type": "NewsArticle", "headline": "Judul \ud800 rusak", "articleSection": "Kal\udc00tim",
                        "image": "https://x.id/\ud800.jpg", "author": [{"name": "Penulis \ud800"}],
                        "datePublished": "2024-01-02T03:04:05+07:00"})  # fmt: skip
    page = _with_jsonld(block).replace(b"<h1", b"<h6", 1).replace(b"</h1>", b"</h6>", 1)  # the title from JSON-LD
    result = parse_page(WRAP_CASE, page)
    assert isinstance(result, ArticleItem), result
    line = json.dumps(ItemAdapter(result).asdict(), ensure_ascii=False).encode("utf-8")  # would raise before
    assert "\ufffd" in line.decode("utf-8")
    assert any("unencodable" in warning for warning in result.warnings), result.warnings
    check_result(result)


@pytest.mark.parametrize("depth", [500, 5000])
def test_deeply_nested_jsonld_is_skipped_and_the_page_kept(depth: int) -> None:
    block = '{"@type": "NewsArticle", "headline": "x", "author": ' + "[" * depth + "]" * depth + "}"
    result = parse_page(WRAP_CASE, _with_jsonld(block))
    assert isinstance(result, ArticleItem), result
    assert result.title == WRAP_CASE.expected["title"]
    check_result(result)


def test_a_listing_of_100000_links_yields_at_most_the_cap() -> None:
    settings = {"ARCHIVE_DISCOVERY_MAX_LINKS_PER_PAGE": 500, "ARCHIVE_INCREMENTAL_ENABLED": False,
                "ARCHIVE_WALK_CHECKPOINT_ENABLED": False}  # fmt: skip
    spidercls = next(cls for cls in PortalSpider.__subclasses__() if getattr(cls, "name", "") == "antara_kaltim")
    crawler = get_crawler(spidercls, settings)
    crawler.spider = spider = crawler._create_spider(base_url="http://127.0.0.1:9")
    crawler.stats.open_spider()
    boxes = "".join(
        f'<article><h3><a href="/berita/{n}/judul-{n}">Judul {n}</a></h3></article>' for n in range(100_000)
    )
    body = f'<html><body><div class="wrap__article-list">{boxes}</div></body></html>'.encode()
    meta = {"archive_listing_page": 1, "archive_listing": "/terkini"}
    response = HtmlResponse(
        "http://127.0.0.1:9/terkini", body=body, request=Request("http://127.0.0.1:9/terkini", meta=meta)
    )
    requests = list(spider.parse_listing(response))
    articles = [r for r in requests if r.meta.get("archive_record_id")]
    assert len(articles) == 500
    assert crawler.stats.get_value("archive/discovery/links_over_cap") == 99_500
