"""Older template ("post-content", about 2016-2021): `h1.post-title`, `span.article-date`, a `<br>` body."""

from __future__ import annotations

from crawler.portals.antara.layouts.base import AntaraArticleLayout


class AntaraArticlePostContentLayout(AntaraArticleLayout):
    name = "antara/post-content"
    CONTAINER = ("article.post-wrapper", ".post-wrapper", "div.post-content")
    TITLE = ("h1.post-title",)
    # The date line is the element right after the title on some pages, a span on others.
    DATE = ("span.article-date", ".post-header .simple-share", "h1.post-title + *")
    BODY = ("div.post-content",)
    SECTION = ("ol.breadcrumb li:last-child", ".breadcrumb li:last-child")
    SECTION_ON_PAGE = True
    TAGS = (".tags-wrapper a", "ul.tags a", ".blog-tags a")
    # `div.wp-caption` (image + `p.wp-caption-text`) sits in `header.post-header` on the real 2022 page.
    IMAGE_BOXES = ("div.post-content div.pic", "article figure", ".post-wrapper .pic", "div.wp-caption")
