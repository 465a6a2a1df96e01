"""The local portal replica serves what the data file says, in the markup the skeletons describe.

These tests check the replica itself (the e2e oracle), with plain stdlib HTTP and parsel:
if the replica drifted from its data, every crawl test would be comparing against noise.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from tests.replica.data import DataError, load_file, parse_document, write_file
from tests.replica.expected import UNCHECKED_FIELDS, expected_record, expected_records
from tests.replica.harness import KALTIM_DATA, RunningReplica
from tests.replica.synth import generate

DATA = load_file(KALTIM_DATA)
ARTICLES = {article.id: article for article in DATA.articles}


def fetch(replica: RunningReplica, path: str, method: str = "GET") -> tuple[int, str, str]:
    """(status, content type, text) of `path` on the replica."""
    request = urllib.request.Request(replica.base_url + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def walk_listing(replica: RunningReplica, path: str = "/terkini") -> list[tuple[int, list[str]]]:
    """(page number, entry links) of every listing page reached through the pager's next link."""
    pages: list[tuple[int, list[str]]] = []
    url: str | None = replica.base_url + path
    number = 1
    while url and number < 100:
        with urllib.request.urlopen(url, timeout=10) as response:
            page = Selector(text=response.read().decode("utf-8"))
        pages.append((number, page.css(".wrap__article-list article h3 a::attr(href)").getall()))
        next_link = page.css('ul.pagination a[rel="next"]::attr(href)').get()
        url, number = (urljoin(url, next_link) if next_link else None), number + 1
    return pages


# --- process protocol, robots, 404 -----------------------------------------------------------------------


@pytest.mark.e2e  # replica server
def test_port_on_first_stdout_line_and_robots_allow_all(kaltim_replica: RunningReplica) -> None:
    status, content_type, text = fetch(kaltim_replica, "/robots.txt")
    assert (status, content_type) == (200, "text/plain; charset=utf-8")
    assert "User-agent: *" in text and "Allow: /" in text and "Disallow" not in text
    assert f"Sitemap: {kaltim_replica.base_url}/sitemap.xml" in text


@pytest.mark.e2e  # replica server
@pytest.mark.parametrize(
    "path", ["/nope", "/berita/1/unknown", "/amp/berita/2/x", "/nasional/berita/4012345/x", "/terkini/0", "/rss/x.xml"]
)
def test_unknown_paths_are_404(kaltim_replica: RunningReplica, path: str) -> None:
    assert fetch(kaltim_replica, path)[0] == 404


@pytest.mark.e2e  # replica server
def test_head_has_no_body(kaltim_replica: RunningReplica) -> None:
    status, _, text = fetch(kaltim_replica, "/terkini", method="HEAD")
    assert (status, text) == (200, "")


# --- listings ---------------------------------------------------------------------------------------------


@pytest.mark.e2e  # replica server
def test_listing_walk_reaches_every_article_with_duplicates(kaltim_replica: RunningReplica) -> None:
    pages = walk_listing(kaltim_replica)
    links = [link for _, page in pages for link in page]
    ids = {int(urlsplit(link).path.split("/")[-2]) for link in links if "/berita/" in urlsplit(link).path}
    assert set(ARTICLES) <= ids
    assert len(pages) == 9 and all(len(page) <= 6 for _, page in pages)
    assert any("/amp/berita/" in link for link in links)
    assert any("utm_source=" in link for link in links)
    assert "https://kaltim.antaranews.com/berita/22950/atlet-kaltim-juara-umum" in links  # an old slug
    assert pages[1][1][0] == pages[0][1][-1]  # a shifting listing repeats entries across pages
    assert any("/foto/" in link for link in links) and any("/video/" in link for link in links)
    assert all(link.startswith("https://kaltim.antaranews.com/") for link in links)


@pytest.mark.e2e  # replica server
def test_listing_entries_show_dates_newest_first(kaltim_replica: RunningReplica) -> None:
    page = Selector(text=fetch(kaltim_replica, "/terkini")[2])
    dates = page.css(".wrap__article-list .simple-share span::text").getall()
    assert dates[0].strip() == "Rabu, 9 September 2026 12:00"


@pytest.mark.e2e  # replica server
@pytest.mark.parametrize(("option", "second_page"), [("path", "/terkini/2"), ("query", "/terkini?page=2")])
def test_pagination_forms(replica_factory: Callable[..., RunningReplica], option: str, second_page: str) -> None:
    replica = replica_factory(KALTIM_DATA, "--pagination", option)
    first = Selector(text=fetch(replica, "/terkini")[2])
    assert first.css('a[rel="next"]::attr(href)').get() == second_page
    # Both forms are served whatever the pager prints.
    assert fetch(replica, "/terkini/2")[2] == fetch(replica, "/terkini?page=2")[2]


@pytest.mark.e2e  # replica server
def test_page_past_the_end_is_an_empty_listing(kaltim_replica: RunningReplica) -> None:
    status, _, text = fetch(kaltim_replica, "/terkini/40")
    page = Selector(text=text)
    assert status == 200 and not page.css("article") and not page.css('a[rel="next"]')


@pytest.mark.e2e  # replica server
def test_section_listing_and_feed(kaltim_replica: RunningReplica) -> None:
    economy = {a.id for a in DATA.articles if a.section == "Ekonomi"}
    linked = {
        int(urlsplit(link).path.split("/")[-2]) for _, page in walk_listing(kaltim_replica, "/ekonomi") for link in page
    }
    assert linked == economy
    feed = Selector(text=fetch(kaltim_replica, "/rss/ekonomi.xml")[2], type="xml")
    assert {int(urlsplit(link).path.split("/")[2]) for link in feed.xpath("//item/link/text()").getall()} == economy


@pytest.mark.e2e  # replica server
def test_home_links_rss_and_listing(kaltim_replica: RunningReplica) -> None:
    page = Selector(text=fetch(kaltim_replica, "/")[2])
    assert page.css('link[rel="alternate"][type="application/rss+xml"]::attr(href)').get() == (
        "https://kaltim.antaranews.com/rss/terkini.xml"
    )
    assert page.css('a[href="/terkini"]') and len(page.css(".wrap__article-list article")) == 10


# --- feeds and sitemap -----------------------------------------------------------------------------------


@pytest.mark.e2e  # replica server
def test_rss_has_latest_twenty_with_utm_links_and_zoned_dates(kaltim_replica: RunningReplica) -> None:
    status, content_type, text = fetch(kaltim_replica, "/rss/terkini.xml")
    feed = Selector(text=text, type="xml")
    items = feed.xpath("//item")
    assert status == 200 and content_type.startswith("application/rss+xml") and len(items) == 20
    newest = DATA.newest_first[:20]
    for item, article in zip(items, newest, strict=True):
        link = item.xpath("link/text()").get(default="")
        assert link.endswith(f"/berita/{article.id}/{article.slug}?utm_source=rss&utm_medium=rss&utm_campaign=rss")
        published = parsedate_to_datetime(item.xpath("pubDate/text()").get(default=""))
        assert published.isoformat() == expected_record(DATA, article)["published_at"]


@pytest.mark.e2e  # replica server
def test_sitemap_lists_every_article(kaltim_replica: RunningReplica) -> None:
    sitemap = Selector(text=fetch(kaltim_replica, "/sitemap.xml")[2], type="xml")
    sitemap.remove_namespaces()
    assert len(sitemap.xpath("//url/loc/text()").getall()) == len(DATA.articles)


# --- article pages -----------------------------------------------------------------------------------------


ERA_MARKERS = {
    "post-content": ("div.post-content.clearfix.font17", "h1.post-title", "span.article-date"),
    "wrap-br": (
        ".wrap__article-detail-content.post-content",
        ".wrap__article-detail-title h1",
        ".text-secondary.font-weight-normal",
    ),
    "wrap-p": (
        ".wrap__article-detail-content.post-content > p",
        ".wrap__article-detail-title h1",
        ".text-secondary.font-weight-normal",
    ),
}


@pytest.mark.e2e  # replica server
@pytest.mark.parametrize("article_id", sorted(ARTICLES))
def test_article_page_renders_its_data(kaltim_replica: RunningReplica, article_id: int) -> None:
    """An independent, naive reading of the page agrees with the expected record (the oracle's self-check)."""
    article, expected = ARTICLES[article_id], expected_record(DATA, ARTICLES[article_id])
    status, _, text = fetch(kaltim_replica, f"/berita/{article_id}/any-slug-at-all")
    page = Selector(text=text)
    body_css, title_css, date_css = ERA_MARKERS[article.era]
    assert status == 200 and page.css(body_css)
    assert page.css(f"{title_css}::text").get() == expected["title"]
    assert " ".join(page.css(f"{date_css}::text").getall()).strip() == expected["published_at_raw"]
    assert page.css('link[rel="canonical"]::attr(href)').get() == expected["url"]
    flat = " ".join(page.xpath("string(//body)").get(default="").split())
    for paragraph in expected["body"].split("\n\n"):
        assert paragraph in flat
    credits = " ".join(
        page.css("p.text-muted.mt-2.small").xpath("string()").get(default="").split()
    )  # NBSP is whitespace too
    for line in expected["credit_lines"][1 if article.contributor else 0 :]:
        assert line in credits
    if expected["copyright"]:
        assert expected["copyright"] in flat
    for image in expected["images"]:
        assert image["caption"] in flat and page.css(f'img[src="{image["url"]}"]')
    for link in expected["related"]:
        assert page.css(f'span.baca-juga a[href="{link["url"]}"]::text').get() == link["title"]


@pytest.mark.e2e  # replica server
@pytest.mark.parametrize("article_id", sorted(i for i, a in ARTICLES.items() if a.era != "post-content"))
def test_current_template_carries_json_ld_agreeing_with_the_text(
    kaltim_replica: RunningReplica, article_id: int
) -> None:
    expected = expected_record(DATA, ARTICLES[article_id])
    page = Selector(text=fetch(kaltim_replica, f"/berita/{article_id}")[2])
    ld = json.loads(page.css('script[type="application/ld+json"]::text').get(default=""))
    assert ld["@type"] == "NewsArticle" and ld["headline"] == expected["title"]
    assert ld["datePublished"] == expected["published_at"] and ld.get("dateModified") == expected["updated_at"]
    authors = ld.get("author", [])
    assert [a["name"] for a in (authors if isinstance(authors, list) else [authors])] == expected["reporters"]
    assert page.css('meta[property="article:section"]::attr(content)').get() == expected["section"]


@pytest.mark.e2e  # replica server
def test_amp_copy(kaltim_replica: RunningReplica) -> None:
    expected = expected_record(DATA, ARTICLES[63012])
    status, _, text = fetch(kaltim_replica, "/amp/berita/63012/junk-slug?utm_source=x")
    page = Selector(text=text)
    assert status == 200 and page.css("html[amp]") and page.css("h1.amp-title::text").get() == expected["title"]
    blocks = page.css(".amp-content p::text").getall()
    assert ["Pewarta: AHM", "Editor : Abdul Hakim Muhiddin", expected["copyright"]] == blocks[-3:]


def test_old_article_is_served_in_the_current_template() -> None:
    assert ARTICLES[24517].era == "wrap-br" and ARTICLES[24517].published.year == 2018


@pytest.mark.e2e  # replica server
def test_non_article_pages(kaltim_replica: RunningReplica) -> None:
    page = Selector(text=fetch(kaltim_replica, "/foto/91234/festival-erau-2025")[2])
    assert "ANTARA FOTO/Ahmad Rifandi/rfd" in page.css(".foto-caption p::text").get(default="")
    assert not page.css(".wrap__article-detail-content")
    assert fetch(kaltim_replica, "/video/8812/whatever")[0] == 200


# --- access log, proxy trap, reload, other regions ---------------------------------------------------------


@pytest.mark.e2e  # replica server
def test_access_log_records_requests_and_refused_proxy_use(kaltim_replica: RunningReplica) -> None:
    mark = kaltim_replica.mark()
    fetch(kaltim_replica, "/terkini/3")
    connection = http.client.HTTPConnection("127.0.0.1", kaltim_replica.port, timeout=10)
    connection.request("GET", "http://kaltim.antaranews.com/terkini", headers={"Host": "kaltim.antaranews.com"})
    assert connection.getresponse().status == 403
    connection.close()
    log = kaltim_replica.requests(mark)
    assert [(r["target"], r["status"]) for r in log] == [
        ("/terkini/3", 200),
        ("http://kaltim.antaranews.com/terkini", 403),
    ]
    assert log[0]["host"] == f"127.0.0.1:{kaltim_replica.port}"


@pytest.mark.e2e  # replica server
def test_data_file_is_reloaded_when_it_changes(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    path = tmp_path / "data.json"
    doc = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    write_file(path, doc)
    replica = replica_factory(path)
    assert fetch(replica, "/berita/99001/x")[0] == 404
    added = {**doc["articles"][-1], "id": 99001, "slug": "artikel-baru", "published": "2026-10-01T09:00"}
    doc["articles"].append(added)
    doc["articles"][0]["title"] = "Judul yang sudah diperbarui"
    write_file(path, doc)
    assert fetch(replica, "/berita/99001/x")[0] == 200
    assert "Judul yang sudah diperbarui" in fetch(replica, f"/berita/{doc['articles'][0]['id']}")[2]
    assert "/berita/99001/artikel-baru" in fetch(replica, "/terkini")[2]


@pytest.mark.e2e  # replica server
def test_broken_data_edit_keeps_serving_the_previous_data(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    path = tmp_path / "data.json"
    write_file(path, json.loads(KALTIM_DATA.read_text(encoding="utf-8")))
    replica = replica_factory(path)
    path.write_text("{ not json", encoding="utf-8")
    assert fetch(replica, "/berita/63012/x")[0] == 200


@pytest.mark.e2e  # replica server
def test_serves_another_region(replica_factory: Callable[..., RunningReplica]) -> None:
    replica = replica_factory(KALTIM_DATA, "--portal", "antara_kalbar")
    page = Selector(text=fetch(replica, "/berita/63012/x")[2])
    assert (
        page.css('link[rel="canonical"]::attr(href)')
        .get(default="")
        .startswith("https://kalbar.antaranews.com/berita/63012/")
    )
    assert page.css("span.article-date::text").get(default="").strip().endswith("15:20 WIB")
    assert "COPYRIGHT © ANTARA News Kalimantan Barat 2019" in page.get()
    kalbar = load_file(KALTIM_DATA, portal="antara_kalbar")
    article = kalbar.article(63012)
    assert article is not None
    assert expected_record(kalbar, article)["published_at"] == "2019-09-03T15:20:00+07:00"


# --- data files and the oracle ------------------------------------------------------------------------------


def test_hand_written_data_covers_the_variants() -> None:
    eras = {a.era for a in DATA.articles}
    styles = {a.credit_style for a in DATA.articles}
    records = expected_records(DATA).values()
    assert eras == {"post-content", "wrap-br", "wrap-p"} and styles == {"br", "one-line", "glued"}
    assert len(DATA.articles) >= 30 and len({r["id"] for r in records}) == len(DATA.articles)
    assert any(r["translators"] for r in records) and any(r["contributors"] for r in records)
    assert any(len(r["reporters"]) > 2 for r in records) and any(not r["editors"] for r in records)
    assert any(r["copyright"] is None for r in records) and any(r["dateline"] is None for r in records)
    assert {r["published_at"][-6:] for r in records} == {"+07:00", "+08:00"}
    assert all(not set(UNCHECKED_FIELDS) & set(r) for r in records)


def test_bad_data_is_refused_with_the_article_named() -> None:
    doc = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    doc["articles"][2]["era"] = "future"
    with pytest.raises(DataError, match="article 55702"):
        parse_document(doc)


def test_synth_is_deterministic_and_loads() -> None:
    first, second = generate(300, seed=7), generate(300, seed=7)
    assert first == second and first != generate(300, seed=8)
    data = parse_document(first)
    records = expected_records(data)
    assert len(records) == 300
    assert {a.era for a in data.articles} == {"post-content", "wrap-br", "wrap-p"}
    years = {a.published.year for a in data.articles}
    assert min(years) == 2016 and max(years) == 2026
