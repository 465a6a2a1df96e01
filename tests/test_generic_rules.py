"""The generic page object's rules from issue 14, each on a small page built for it.

Placeholder and future dates refused with a warning; printed credit labels win over
JSON-LD authors; copyright notices in every spelling kept out of the text; e-paper teasers,
HTML comments and standfirsts out of the text; tables kept; a body cut apart by ad rows read
whole; a short real article without article markup accepted, a tag page still refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem
from crawler.portals.base import NotAnArticle
from crawler.portals.generic import any_portal

PORTAL = any_portal("https://example-portal.id")
URL = "https://example-portal.id/berita/2024/03/05/pemkot-tambah-bus"
FETCHED = datetime(2026, 3, 1, tzinfo=UTC)
TEXT = [
    "Pemerintah Kota Samarinda menambah sepuluh bus kota untuk melayani warga di jalur utama kota.",
    "Wali kota mengatakan penambahan armada ini diharapkan mengurangi kemacetan pada jam sibuk pagi.",
    "Bus baru itu mulai beroperasi pekan depan dengan tarif yang sama seperti bus yang lama.",
]


def _page(body: str, *, ld: dict[str, Any] | None = None, head: str = "") -> ArticleItem | NotAnArticle:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    html = (
        f"<html><head><title>Pemkot tambah bus</title>{script}{head}</head>"
        f"<body><article><h1>Pemkot tambah bus</h1>{body}</article></body></html>"
    )
    response = HtmlResponse(url=URL, body=html.encode("utf-8"), encoding="utf-8")
    return PORTAL.article_page(response, PORTAL, fetched_at=FETCHED).to_item()


def _item(body: str, **kwargs: Any) -> ArticleItem:
    item = _page(body, **kwargs)
    assert isinstance(item, ArticleItem), item
    return item


PARAGRAPHS = "".join(f"<p>{text}</p>" for text in TEXT)
NEWS = {"@type": "NewsArticle", "headline": "Pemkot tambah bus"}


@pytest.mark.parametrize(
    ("stated", "problem"),
    [
        ("0001-01-01T00:00:00", "before 1990"),
        ("1970-01-01T00:00:00Z", "before 1990"),
        ("2031-05-01T10:00:00+08:00", "after the fetch"),
    ],
)
def test_placeholder_and_future_dates_are_refused_with_a_warning(stated: str, problem: str) -> None:
    item = _item(PARAGRAPHS, ld={**NEWS, "datePublished": stated, "dateModified": stated})
    assert item.published_at is None and item.updated_at is None
    assert any(w.startswith("published_at:") and problem in w for w in item.warnings), item.warnings
    assert any(w.startswith("updated_at:") and problem in w for w in item.warnings), item.warnings


def test_a_refused_date_gives_way_to_the_next_source() -> None:
    head = '<meta property="article:published_time" content="2024-03-05T10:00:00+08:00">'
    item = _item(PARAGRAPHS, ld={**NEWS, "datePublished": "0001-01-01T00:00:00"}, head=head)
    assert item.published_at == "2024-03-05T10:00:00+08:00"
    assert item.published_at_raw == "2024-03-05T10:00:00+08:00"
    assert any("0001-01-01" in w for w in item.warnings)


def test_a_printed_editor_is_not_made_a_reporter_by_json_ld() -> None:
    ld = {**NEWS, "datePublished": "2024-03-05T10:00:00+08:00", "author": [{"@type": "Person", "name": "Rina Wati"}]}
    item = _item(PARAGRAPHS + "<p>Editor: Rina Wati</p>", ld=ld)
    assert item.editors == ["Rina Wati"]
    assert item.reporters == []


def test_json_ld_authors_still_fill_reporters_when_no_role_says_otherwise() -> None:
    ld = {**NEWS, "datePublished": "2024-03-05T10:00:00+08:00", "author": [{"@type": "Person", "name": "Budi"}]}
    item = _item(PARAGRAPHS + "<p>Editor: Rina Wati</p>", ld=ld)
    assert item.reporters == ["Budi"] and item.editors == ["Rina Wati"]


@pytest.mark.parametrize(
    ("notice", "holder", "year"),
    [
        ("Copyright @ 2026 Kaltim Post. All rights reserved.", "Kaltim Post", 2026),
        ("Copyright © 2025 Example Portal", "Example Portal", 2025),
        ("© 2024 Example Portal", "Example Portal", 2024),
        ("(c) 2023 Example Portal", "Example Portal", 2023),
    ],
)
def test_copyright_notices_in_every_spelling_leave_the_text(notice: str, holder: str, year: int) -> None:
    ld = {**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"}
    item = _item(PARAGRAPHS + f"<p>{notice}</p>", ld=ld)
    assert item.body.split("\n\n") == TEXT
    assert item.copyright is not None and str(year) in item.copyright
    assert item.copyright_year == year
    assert holder in (item.copyright_holder or "")


def test_a_sentence_about_copyright_stays_text() -> None:
    sentence = "Copyright law protects the authors of local songs, the minister said in his speech."
    item = _item(PARAGRAPHS + f"<p>{sentence}</p>", ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"})
    assert sentence in item.body


def test_e_paper_teasers_comments_and_standfirsts_leave_the_text() -> None:
    head = '<meta name="description" content="Sepuluh bus baru untuk Samarinda.">'
    body = (
        "<h2>Sepuluh bus baru untuk Samarinda.</h2>"
        f"<p>{TEXT[0]}<!-- react-text: 12 --></p><p>Baca selengkapnya di E-Paper Kaltim Post edisi hari ini</p>"
        + "".join(f"<p>{text}</p>" for text in TEXT[1:])
    )
    item = _item(body, ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"}, head=head)
    assert item.body.split("\n\n") == TEXT


def test_tables_are_text() -> None:
    table = "<table><tr><th>Jalur</th><th>Bus</th></tr><tr><td>Sungai Kunjang - Lempake</td><td>4</td></tr></table>"
    item = _item(PARAGRAPHS + table, ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"})
    assert "Sungai Kunjang - Lempake" in item.body


def test_a_body_cut_apart_by_an_ad_row_is_read_whole() -> None:
    parts = "".join(
        f'<div class="row"><div class="article__body"><p>{text}</p></div></div>'
        '<div class="row ad"><span>Advertisement</span></div>'
        for text in TEXT
    )
    item = _item(parts, ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"})
    assert item.body.split("\n\n") == TEXT


def test_a_short_real_article_without_markup_is_not_taken_for_a_list() -> None:
    """Its tag links are lines of their own but few words: the text is not mostly link titles.

    (A tag page still is one: fixture generic/portal/tag-page-not-article.)
    """
    tags = "<div>Tags: <ul><li><a href='/tag/bus'>bus</a></li><li><a href='/tag/kota'>kota</a></li></ul></div>"
    item = _page(f"<p>{TEXT[0]} {TEXT[1]}</p>{tags}")
    assert isinstance(item, ArticleItem)
    assert TEXT[0] in item.body


@pytest.mark.parametrize(
    "sentence",
    [
        "Share prices of the regional water company fell sharply after the audit was published.",
        "The ministry said the story had been picked up by Google News within an hour.",
        "Related to the case, the police questioned three more witnesses on Monday afternoon.",
        "Follow-up inspections on the bridge are planned for next month, the agency said.",
    ],
)
def test_sentences_that_start_like_a_prompt_stay_text(sentence: str) -> None:
    item = _item(PARAGRAPHS + f"<p>{sentence}</p>", ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"})
    assert sentence in item.body


@pytest.mark.parametrize(
    "prompt",
    [
        "Share",
        "Bagikan:",
        "Share on Facebook",
        "Ikuti kami di Google News",
        "Follow us on Twitter and Instagram for the latest news.",
        "Subscribe to our YouTube channel for more videos.",
        "Email the reporter at reporter@example-portal.id or call the newsroom.",
        "Related: Samarinda opens a new bus terminal",
        "Read more: Balikpapan adds ten buses",
    ],
)
def test_share_and_follow_prompts_leave_the_text(prompt: str) -> None:
    item = _item(PARAGRAPHS + f"<p>{prompt}</p>", ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"})
    assert item.body.split("\n\n") == TEXT


def test_print_only_and_screen_reader_text_is_not_text() -> None:
    body = '<div class="print-header"><p>This copy is for your personal use only.</p></div>' + PARAGRAPHS
    body += '<p><span class="sr-only">Close dialog</span></p>'
    item = _item(body, ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"})
    assert item.body.split("\n\n") == TEXT


def test_a_list_of_bare_links_in_the_text_is_not_text_but_a_list_of_sentences_is() -> None:
    links = "".join(f'<li><a href="/berita/{i}">Berita terkait nomor {i} tentang bus kota</a></li>' for i in range(3))
    sentences = "<ul><li>Jalur satu melayani <a href='/jalur/1'>Sungai Kunjang</a> sampai Lempake.</li>"
    sentences += "<li>Jalur dua melayani Palaran sampai pusat kota setiap lima belas menit.</li></ul>"
    item = _item(
        PARAGRAPHS + f"<ul>{links}</ul>" + sentences, ld={**NEWS, "datePublished": "2024-03-05T10:00:00+08:00"}
    )
    assert "Berita terkait" not in item.body
    assert "Sungai Kunjang sampai Lempake" in item.body and "setiap lima belas menit" in item.body
