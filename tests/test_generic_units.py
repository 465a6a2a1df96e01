"""Table tests for the generic family's helpers: URL identity, discovery readers, listing links, new credit forms."""

from __future__ import annotations

import gzip

import pytest
from lxml import html
from scrapy.http import HtmlResponse

from crawler.extract.credits import looks_like_credit, parse_credits
from crawler.extract.discovery import feed_links, parse_sitemap, robots_sitemaps
from crawler.portals.generic import any_portal
from crawler.portals.generic.listing import GenericListingPage, looks_like_article
from crawler.portals.registry import load_registry

TRIBUN = load_registry()["tribunkaltim"]
KALTIMPOST = load_registry()["kaltimpost"]
SLUG = "https://kaltim.tribunnews.com/2024/03/05/pemkot-samarinda-tambah-bus"

SAME_ARTICLE = [
    SLUG,
    SLUG + "/",
    SLUG + "?page=all",
    SLUG + "?utm_source=wa#komentar",
    "https://kaltim.tribunnews.com/amp/2024/03/05/pemkot-samarinda-tambah-bus",
    "http://127.0.0.1:8123/2024/03/05/pemkot-samarinda-tambah-bus",
    "https://m.kaltim.tribunnews.com/2024/03/05/pemkot-samarinda-tambah-bus/amp/",
]


@pytest.mark.parametrize("url", SAME_ARTICLE)
def test_every_form_of_a_slug_url_has_one_hash_id(url: str) -> None:
    assert TRIBUN.record_id(url) == TRIBUN.record_id(SLUG)
    assert len(TRIBUN.record_id(SLUG).split(":")[1]) == 12


@pytest.mark.parametrize(
    ("url", "article_id"),
    [
        ("https://kaltimpost.jawapos.com/balikpapan/2384412345/harga-tiket", "2384412345"),
        ("https://kaltim.prokal.co/read/news/384512-jembatan-mahulu.html", "384512"),
        ("https://news.example.id/read/2024/03/05/12345678/judul", "12345678"),
        ("https://news.example.id/berita/d-7212345/judul-berita", "7212345"),
    ],
)
def test_numeric_ids_win_over_the_hash(url: str, article_id: str) -> None:
    assert KALTIMPOST.article_id(url) == article_id


def test_home_page_has_no_id_and_years_are_not_ids() -> None:
    assert TRIBUN.record_id("https://kaltim.tribunnews.com/") is None
    assert TRIBUN.article_id(SLUG) not in ("2024", "03", "05")


def test_any_portal_name_comes_from_the_host() -> None:
    assert any_portal("https://www.example-portal.id").name == "example_portal_id"
    assert any_portal("http://127.0.0.1:8123").name == "site_127_0_0_1"
    assert any_portal("http://127.0.0.1:8123", "kaltim_lokal").name == "kaltim_lokal"


CREDITS = [
    ("Penulis: Nevrianto Hardi Prasetyo | Editor: Budi Susilo", {"reporters": ["Nevrianto Hardi Prasetyo"],
     "editors": ["Budi Susilo"]}, ["Penulis: Nevrianto Hardi Prasetyo", "Editor: Budi Susilo"]),
    ("Laporan Wartawan TribunKaltim.co, Mohammad Fairoussaniy", {"reporters": ["Mohammad Fairoussaniy"]},
     ["Laporan Wartawan TribunKaltim.co, Mohammad Fairoussaniy"]),
    ("Wartawan: Nofiyatul Chalimah\nRedaktur: Dina Angelina", {"reporters": ["Nofiyatul Chalimah"],
     "editors": ["Dina Angelina"]}, ["Wartawan: Nofiyatul Chalimah", "Redaktur: Dina Angelina"]),
    ("Reporter : Irfan Pratama\nPenyunting : Hendra Saputra\nFotografer: Ari", {"reporters": ["Irfan Pratama"],
     "editors": ["Hendra Saputra"], "photographers": ["Ari"]},
     ["Reporter : Irfan Pratama", "Penyunting : Hendra Saputra", "Fotografer: Ari"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "roles", "lines"), CREDITS)
def test_indonesian_portal_credit_forms(text: str, roles: dict[str, list[str]], lines: list[str]) -> None:
    block = parse_credits([text])
    assert {k: v for k, v in block.roles.items() if v} == roles
    assert block.lines == lines and not block.problems
    assert looks_like_credit(text)


@pytest.mark.parametrize(
    ("line", "holder", "year"),
    [
        ("Copyright © 2024 Kaltim Post. All Rights Reserved.", "Kaltim Post", 2024),
        ("© 2015-2024 TribunKaltim.co", "TribunKaltim.co", 2024),
        ("© 2021 Prokal.co", "Prokal.co", 2021),
        ("Copyright © niaga.asia 2024", "niaga.asia", 2024),
    ],
)
def test_footer_copyright_forms(line: str, holder: str, year: int) -> None:
    block = parse_credits([line])
    assert (block.copyright, block.copyright_holder, block.copyright_year) == (line, holder, year)


def test_a_copyright_sign_inside_a_sentence_is_no_notice() -> None:
    assert not looks_like_credit("Foto © Reuters memperlihatkan banjir.")


def test_robots_sitemap_lines() -> None:
    robots = "User-agent: *\nDisallow: /cari\nSitemap: /sitemap_index.xml\nsitemap: https://x.id/news.xml\n"
    assert robots_sitemaps(robots, "https://x.id/robots.txt") == [
        "https://x.id/sitemap_index.xml",
        "https://x.id/news.xml",
    ]


def test_feed_autodiscovery() -> None:
    page = html.fromstring(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
        '<link rel="alternate" hreflang="en" href="/en/"><link rel="stylesheet" href="/a.css"></head></html>'
    )
    assert feed_links(page, "https://x.id/") == ["https://x.id/feed/"]


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://x.id/kota/banjir-rendam-tiga-kecamatan</loc><news:news><news:publication>
<news:name>X</news:name><news:language>id</news:language></news:publication>
<news:publication_date>2024-03-05T10:20:00+08:00</news:publication_date><news:title>Banjir</news:title></news:news></url>
</urlset>"""


def test_news_sitemap_entries_carry_publication_time_and_title() -> None:
    document = parse_sitemap(gzip.compress(NEWS_SITEMAP), "https://x.id/news.xml.gz")
    [entry] = document.entries
    assert entry.url == "https://x.id/kota/banjir-rendam-tiga-kecamatan" and entry.title == "Banjir"
    assert entry.published_at is not None and entry.published_at.isoformat() == "2024-03-05T10:20:00+08:00"


def test_sitemap_index_children() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/post-sitemap.xml</loc>
    <lastmod>2024-03-05T10:00:00+00:00</lastmod></sitemap></sitemapindex>"""
    document = parse_sitemap(index, "https://x.id/sitemap_index.xml")
    assert [child.url for child in document.sitemaps] == ["https://x.id/post-sitemap.xml"] and not document.entries


@pytest.mark.parametrize(
    ("path", "article"),
    [
        ("/2024/03/05/pemkot-tambah-bus", True),
        ("/read/news/384512-jembatan.html", True),
        ("/kota/banjir-rendam-tiga-kecamatan", True),
        ("/kota", False),
        ("/tag/banjir-rendam-tiga", False),
        ("/category/ekonomi-dan-bisnis/", False),
        ("/wp-content/uploads/2024/03/foto-banjir-besar.jpg", False),
    ],
)
def test_listing_links_that_look_like_articles(path: str, article: bool) -> None:
    assert looks_like_article(path) is article


def test_listing_page_keeps_portal_links_and_follows_the_pager() -> None:
    body = (
        b'<html><body><a href="/kota/banjir-rendam-tiga-kecamatan">Banjir</a>'
        b'<a href="https://other-portal.example/kota/berita-dari-portal-lain">Lain</a>'
        b'<a href="/tag/banjir">Tag</a><a class="next" href="/kota?page=2">Berikutnya</a></body></html>'
    )
    portal = any_portal("https://x.id")
    page = GenericListingPage(HtmlResponse(url="https://x.id/kota", body=body), portal)
    assert [entry.url for entry in page.entries()] == ["https://x.id/kota/banjir-rendam-tiga-kecamatan"]
    assert page.next_page_url() == "https://x.id/kota?page=2"


def test_a_gzip_sitemap_is_inflated_only_up_to_the_cap() -> None:
    import tracemalloc

    from crawler.extract.discovery import gunzip_capped

    bomb = gzip.compress(b"<url><loc>https://x.id/berita/1/a</loc></url>" * 4_000_000)  # ~180 MB inflated
    tracemalloc.start()
    body = gunzip_capped(bomb, 1_000_000, "https://x.id/bomb.xml.gz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(body) == 1_000_000 and peak < 4 * 1_000_000 + len(bomb), peak
    two_members = gzip.compress(b"<a>") + gzip.compress(b"</a>")
    assert gunzip_capped(two_members, 100, "https://x.id/two.xml.gz") == b"<a></a>"
