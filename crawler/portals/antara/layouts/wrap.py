"""Current template ("wrap__article-detail", 2022-2026): JSON-LD in the head, body as text+`<br>` or `<p>`."""

from __future__ import annotations

from crawler.portals.antara.layouts.base import AntaraArticleLayout


class AntaraArticleWrapLayout(AntaraArticleLayout):
    name = "antara/wrap-article-detail"
    CONTAINER = ("div.wrap__article-detail", ".wrap__article-detail")
    TITLE = (".wrap__article-detail-title h1", ".wrap__article-detail-title")
    DATE = (
        ".wrap__article-detail-info span.text-secondary.font-weight-normal",
        ".wrap__article-detail-info .list-inline-item.mr-2",
        ".wrap__article-detail-info",
    )
    BODY = (".wrap__article-detail-content",)
    # The section is the second breadcrumb (the first is "Beranda").
    SECTION = (".breadcrumbs__item:nth-child(2)", ".breadcrumbs li:nth-child(2)")
    TAGS = ("ul.blog-tags a", ".blog-tags a")
    IMAGE_BOXES = (
        ".wrap__article-detail-image figure",
        ".wrap__article-detail-image",
        ".wrap__article-detail-content figure",
        "div.wp-caption",
    )
