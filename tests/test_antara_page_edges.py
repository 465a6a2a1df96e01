"""Edge cases of the ANTARA page object that no saved page shows: last-resort title, refusals by URL."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.items import ArticleItem
from crawler.portals.base import NotAnArticle
from crawler.portals.registry import REGISTRY, load_registry

load_registry()
PORTAL = REGISTRY["antara_kaltim"]
BODY = (
    '<div class="wrap__article-detail"><div class="wrap__article-detail-content">'
    "Samarinda (ANTARA) - Isi berita yang cukup panjang.<br><br>"
    '<p class="text-muted mt-2 small">Pewarta: Arumanto<br>Editor: Masnun</p></div></div>'
)


def _parse(url: str, html: str) -> ArticleItem | NotAnArticle:
    return PORTAL.article_page(HtmlResponse(url, body=html.encode()), PORTAL).to_item()


def test_document_title_is_the_last_resort_title() -> None:
    html = f"<html><head><title>Judul berita - ANTARA News Kalimantan Timur</title></head><body>{BODY}</body></html>"
    item = _parse("https://kaltim.antaranews.com/berita/1/x", html)
    assert isinstance(item, ArticleItem)
    assert (item.title, item.reporters, item.dateline) == ("Judul berita", ["Arumanto"], "Samarinda")
    assert item.warnings == ["published_at: cannot read None"]


def test_a_page_without_any_title_is_refused_not_exported_half_empty() -> None:
    assert _parse("https://kaltim.antaranews.com/berita/1/x", f"<html><body>{BODY}</body></html>") == NotAnArticle(
        "no_title"
    )


def test_article_markup_under_a_non_article_url_is_not_an_article() -> None:
    assert _parse("https://kaltim.antaranews.com/tentang-kami", f"<html><body>{BODY}</body></html>") == NotAnArticle(
        "not_article_url"
    )
