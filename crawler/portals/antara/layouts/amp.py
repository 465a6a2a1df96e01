"""AMP copies (`/amp/berita/...`). No sample was ever seen: these selectors are a guess kept cheap to fix.

Credits and the copyright line are ordinary trailing paragraphs here, so the shared tail
rule (credit-looking paragraphs at the end of the body) finds them.
"""

from __future__ import annotations

from crawler.portals.antara.layouts.base import AntaraArticleLayout


class AntaraArticleAmpLayout(AntaraArticleLayout):
    name = "antara/amp"
    CONTAINER = ("article.amp-article", "html[amp] body", "html[\u26a1] body", ".amp-content")
    TITLE = ("h1.amp-title", "article h1", "h1")
    DATE = (".amp-date", "article time", "article header div")
    BODY = (".amp-content", "article .content", "article")
    SECTION = (".amp-breadcrumb li:last-child",)
    TAGS = (".amp-tags a", ".tags a")
    IMAGE_BOXES = ("figure.amp-image", "article figure", "div.wp-caption")
