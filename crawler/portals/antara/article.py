"""`AntaraArticlePage`: one ANTARA article page (live, fixture or WARC record) to one record.

The era is picked from the markup, never from the date (old articles are served in the
current template). Every field is read in isolation: a field that raises becomes a
`<field>: ...` warning on the record (and a logged warning) instead of a lost article,
unless `strict=True` (fixture tests), where it raises.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract import credits as credit_lines
from crawler.extract.select import css
from crawler.extract.text import inline_text
from crawler.items import ArticleItem, Image
from crawler.portals.antara.fallback import AntaraFallbackPage
from crawler.portals.antara.layouts import LAYOUTS, AntaraArticleLayout
from crawler.portals.antara.layouts.base import BodyParts, detect
from crawler.portals.base import ArticlePageBase, NotAnArticle

logger = logging.getLogger(__name__)

NON_ARTICLE_PATHS = {"foto": "photo_page", "video": "video_page", "infografis": "infographic_page"}
"""First path segment of other content kinds on the same hosts -> not-an-article reason."""
SOFT_404_MARKERS = ("halaman tidak ditemukan", "page not found", "404 not found")


class AntaraArticlePage(ArticlePageBase):
    """Detects the template era and builds the record from the matching layout."""

    def to_item(self) -> ArticleItem | NotAnArticle:
        refusal = self._refusal()
        if refusal:
            return NotAnArticle(refusal)
        root = self._root
        if self._record_id is None:
            return NotAnArticle(self._unknown_page_reason(root, default="not_article_url"))
        found = detect(root, LAYOUTS)
        if found is None:
            reason = self._unknown_page_reason(root)
            if reason != "no_article_markup":
                return NotAnArticle(reason)
            # No known era: a template change, not a lost article (`fallback.py`).
            fallback = AntaraFallbackPage(self.response, self.portal, fetched_at=self.fetched_at, strict=self.strict)
            return fallback.to_item()
        layout_class, scope = found
        layout = layout_class(root, scope, page_url=self._url, zone=self.portal.timezone, now=self.fetched_at)
        parts = self._field("body", layout.body_parts, None)
        if parts is None or not parts.paragraphs:
            # A body that raised is a parser bug to look at, not an empty page: its own reason.
            return NotAnArticle("body_error" if self.warnings else "no_body")
        title = self._field("title", layout.title, None)
        if not title:
            # The schema requires a title: a page without one is refused (and counted), not exported
            # half-empty; its response stays in the WARC archive for a re-parse after a parser fix.
            return NotAnArticle("no_title")
        return self._item(layout, parts, title)

    # --- refusals -------------------------------------------------------------------------
    def _refusal(self) -> str | None:
        segment = urlsplit(self.response.url).path.strip("/").split("/")[0].lower()
        return NON_ARTICLE_PATHS.get(segment)

    def _unknown_page_reason(self, root: etree._Element, default: str = "no_article_markup") -> str:
        title = " ".join(inline_text(node) for node in css(root, "title, h1")).lower()
        if any(marker in title for marker in SOFT_404_MARKERS):
            return "soft_404"
        if css(root, ".wrap__article-list article, .post-list article, ul.pagination"):
            return "listing_page"
        return default

    @property
    def _root(self) -> etree._Element:
        return self._page_root

    # --- the record ---------------------------------------------------------------------
    def _item(self, layout: AntaraArticleLayout, parts: BodyParts, title: str) -> ArticleItem:
        # Credits outside the body (header, `footer.post-meta`, `tags-wrapper`, text after the body)
        # are read as their own field: a failing scan costs the credits, never the article.
        none: tuple[list[str], list[str]] = ([], [])
        before, after = self._field("credits", layout.container_credits, none)
        block = credit_lines.parse_credits([*before, *parts.credit_texts, *after])
        images: list[Image] = self._field("images", layout.images, [])
        published_raw = self._field("published_at_raw", layout.published_raw, None)
        published_at = self._field("published_at", layout.published_at, None)
        if published_at is None:
            self.warnings.append(f"published_at: cannot read {published_raw!r}")
        fields: dict[str, Any] = {
            "title": title,
            "published_at": published_at,
            "published_at_raw": published_raw,
            "updated_at": self._field("updated_at", layout.updated_at, None),
            "section": self._field("section", layout.section, None),
            "tags": self._field("tags", layout.tags, list[str]()),
            "dateline": parts.dateline,
            "body": "\n\n".join(parts.paragraphs),
            **self._credits(layout, parts, block, images),
            "copyright": block.copyright,
            "copyright_holder": block.copyright_holder,
            "copyright_year": block.copyright_year,
            "images": images,
            "related": parts.related,
            "language": self._language(root_language=layout.root.get("lang")),
        }
        return self.build_item(fields, layout=layout.name, problems=block.problems)

    def _credits(
        self, layout: AntaraArticleLayout, parts: BodyParts, block: credit_lines.CreditBlock, images: list[Image]
    ) -> dict[str, Any]:
        captioned = [credit_lines.caption_photographer(image.caption or "") for image in images]
        photographers = list(dict.fromkeys([*(name for name in captioned if name), *block.names("photographers")]))
        reporters = block.names("reporters")
        if not block.lines:
            reporters = self._field("reporters", layout.jsonld_reporters, [])
            source = "; names from JSON-LD author" if reporters else ""
            self.warnings += [f"reporters: credit block not found{source}", "editors: credit block not found"]
        trailing = [parts.trailing_credit] if parts.trailing_credit else []
        return {
            "reporters": reporters,
            "editors": block.names("editors"),
            "translators": block.names("translators"),
            "photographers": photographers,
            "contributors": [parts.contributor] if parts.contributor else [],
            "credit_lines": [*trailing, *block.lines],
        }

    def _language(self, root_language: str | None) -> str:
        """The page's own `<html lang>` (English pages on a portal family), else the portal's language."""
        code = (root_language or "").strip().lower().split("-")[0]
        return code if code.isalpha() and 2 <= len(code) <= 3 else self.portal.language
