"""Listing pages and feeds to entries (crawler/portals/antara/listing.py, crawler/extract/feeds.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import HtmlResponse, XmlResponse

from crawler.extract.feeds import parse_feed
from crawler.portals.registry import REGISTRY, load_registry

load_registry()
PORTAL = REGISTRY["antara_kaltim"]
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

LISTING = """<html><body><div class="wrap__article-list">
<article class="simple-post"><header><h3><a href="https://kaltim.antaranews.com/berita/21876/x?utm_source=a">Satu</a></h3>
<p class="simple-share"><a href="/kaltim">Kaltim</a> <span><i class="fa fa-clock-o"></i> Selasa, 5 Maret 2024 10:20</span></p>
</header></article>
<article class="simple-post"><header><h3><a href="/berita/21790/y">Dua</a></h3>
<p class="simple-share"><span>2 jam lalu</span></p></header></article>
</div><ul class="pagination"><li><a href="/terkini/2" rel="next">&raquo;</a></li></ul></body></html>"""


def test_listing_entries_dates_and_next_link() -> None:
    response = HtmlResponse("http://127.0.0.1:8000/terkini", body=LISTING.encode(), encoding="utf-8")
    page = PORTAL.listing_page(response, PORTAL, now=NOW)
    entries = page.entries()
    assert [e.url for e in entries] == [
        "https://kaltim.antaranews.com/berita/21876/x?utm_source=a",
        "http://127.0.0.1:8000/berita/21790/y",
    ]
    assert [e.title for e in entries] == ["Satu", "Dua"]
    assert entries[0].published_at is not None and entries[0].published_at.isoformat() == "2024-03-05T10:20:00+08:00"
    assert entries[1].published_at is not None and entries[1].published_at.isoformat() == "2026-11-24T08:00:00+08:00"
    assert page.next_page_url() == "http://127.0.0.1:8000/terkini/2"


def test_last_listing_page_has_no_next_link() -> None:
    response = HtmlResponse(
        "http://h/terkini/9", body=b"<html><body><div class='wrap__article-list'></div></body></html>"
    )
    page = PORTAL.listing_page(response, PORTAL, now=NOW)
    assert page.entries() == [] and page.next_page_url() is None


RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>Satu</title><link>https://kaltim.antaranews.com/berita/1/a?utm_source=rss</link>
<pubDate>Tue, 05 Mar 2024 10:20:00 +0800</pubDate></item>
<item><title>Tanpa tanggal</title><guid>https://kaltim.antaranews.com/berita/2/b</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Tiga</title><link rel="alternate" href="https://example.id/read/3"/><published>2024-03-05T10:20:00+07:00</published></entry>
</feed>"""


def test_rss_items() -> None:
    entries = parse_feed(XmlResponse("http://h/rss/terkini.xml", body=RSS))
    assert [(e.url, e.title) for e in entries] == [
        ("https://kaltim.antaranews.com/berita/1/a?utm_source=rss", "Satu"),
        ("https://kaltim.antaranews.com/berita/2/b", "Tanpa tanggal"),
    ]
    assert entries[0].published_at is not None and entries[0].published_at.isoformat() == "2024-03-05T10:20:00+08:00"
    assert entries[1].published_at is None


def test_atom_entries() -> None:
    entries = parse_feed(XmlResponse("http://h/feed", body=ATOM))
    assert [(e.url, e.title) for e in entries] == [("https://example.id/read/3", "Tiga")]


def test_broken_feed_is_empty_not_a_crash() -> None:
    assert parse_feed(XmlResponse("http://h/rss.xml", body=b"\x00\xffnot xml at all")) == []
    assert parse_feed(XmlResponse("http://h/rss.xml", body=b"")) == []
