"""`GenericArticlePage`: any news article page to one record, without hand-written selectors.

Structured data first (JSON-LD `NewsArticle`, OpenGraph, `article:*` meta) for title,
dates, authors, section, tags and images; the text from trafilatura with Indonesian
boilerplate removed (`body.py`); credits and the copyright line from the lines taken out
of the text, parsed by the shared label table (`crawler/extract/credits.py`). The printed
credit lines are the authority for roles; JSON-LD/meta authors only fill `reporters` when
no reporter credit is printed. Every record says that its text is heuristic (a warning),
as the style guide asks of extractor fallbacks. Fields are isolated as in the ANTARA page
object: one that raises becomes a warning (re-raised with `strict=True`).
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from crawler.extract import credits as credit_lines
from crawler.extract.select import css
from crawler.extract.text import inline_text, normalise
from crawler.items import ArticleItem, Image
from crawler.portals.base import ArticlePageBase, NotAnArticle
from crawler.portals.generic.body import NOTICE, BodyExtractor, GenericBody, as_credit_notice
from crawler.portals.generic.metadata import PageMetadata

if TYPE_CHECKING:
    from lxml import etree


logger = logging.getLogger(__name__)

LAYOUT = "generic"
HEURISTIC_WARNING = "body: heuristic main-text extraction (trafilatura)"
SOFT_404_MARKERS = ("halaman tidak ditemukan", "page not found", "404 not found", "tidak ditemukan")
MIN_UNSTRUCTURED_WORDS = 12
"""A page without any article markup (no JSON-LD article, og:type article or publication date) needs this much text."""
TITLE_SUFFIX = re.compile(r"^(?P<head>.+?)\s+[-|\u2013\u2014]\s+(?P<tail>[^-|\u2013\u2014]+?)\s*$")


OTHER_ROLES = ("editors", "translators", "photographers")
"""Printed roles that keep a person out of `reporters` even when structured data calls them the author."""


def _set_notice(block: credit_lines.CreditBlock, line: str) -> None:
    """A copyright notice as the copyright: the line verbatim; holder and year as the credit parser reads them."""
    parsed = credit_lines.parse_credits([as_credit_notice(line.strip())])
    if parsed.copyright is None:
        return
    block.copyright = parsed.copyright if parsed.copyright in line else " ".join(line.split())
    block.copyright_holder = parsed.copyright_holder
    block.copyright_year = parsed.copyright_year
    block.problems += parsed.problems


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class GenericArticlePage(ArticlePageBase):
    """One page of a generic portal; `to_item()` gives the record or the reason it is none."""

    INITIAL_WARNINGS = (HEURISTIC_WARNING,)
    LAYOUT_NAME: ClassVar[str] = LAYOUT
    """`layout` of the records (a family's fallback for unknown templates names its own, e.g. `antara/unknown`)."""

    @property
    def root(self) -> etree._Element:
        return self._page_root

    @cached_property
    def data(self) -> PageMetadata:
        return PageMetadata(self.root, page_url=self.response.url, zone=self.portal.timezone, now=self.fetched_at)

    def to_item(self) -> ArticleItem | NotAnArticle:
        if self.portal.record_id(self.response.url) is None:
            return NotAnArticle("not_article_url")
        if any(marker in (self._page_title() or "").lower() for marker in SOFT_404_MARKERS):
            return NotAnArticle("soft_404")
        parts = self._field("body", self._body, None)
        if parts is None or not parts.paragraphs:
            return NotAnArticle("body_error" if len(self.warnings) > 1 else "no_body")
        if not self._has_article_markup() and self._looks_like_a_list(parts.paragraphs):
            return NotAnArticle("no_article_markup")
        return self._item(parts)

    # --- fields ----------------------------------------------------------------------------
    def title(self) -> str | None:
        found = self.data.title() or self._first_h1() or self._page_title()
        return self._without_site_name(normalise(found)) if found else None

    def canonical_link(self) -> str | None:
        """Structured data's canonical URL (JSON-LD, OpenGraph, link rel)."""
        return self.data.canonical()

    def record_id(self) -> str | None:
        """Only the fetched URL names the article: a generic page's canonical link is not trusted for identity."""
        return self.portal.record_id(self.response.url)

    def published_raw(self) -> str | None:
        """The publication date as the page states it: structured data (a family's fallback may read the print)."""
        return self.data.published_raw()

    def published_at(self) -> str | None:
        return self.data.published_at()

    def language(self) -> str:
        code = (self.root.get("lang") or "").strip().lower().split("-")[0]
        return code if code.isalpha() and 2 <= len(code) <= 3 else self.portal.language

    def _body(self) -> GenericBody:
        hints = dict(self.portal.extra).get("body", ())
        return BodyExtractor(self.root, page_url=self.response.url, title=self.title(), hints=tuple(hints)).extract()

    # --- the record ----------------------------------------------------------------------------
    def _item(self, parts: GenericBody) -> ArticleItem:
        title = self._field("title", self.title, None) or ""
        if not title:
            self.warnings.append("title: not found")
        block = credit_lines.parse_credits(parts.leading_credits)
        leading = list(block.lines)
        block = credit_lines.parse_credits(parts.credit_texts, block)
        if block.copyright is None and parts.notices:
            _set_notice(block, parts.notices[0])
        if block.copyright is None:
            self._footer_copyright(block, parts.footer_texts)
        published_raw = self._field("published_at_raw", self.published_raw, None)
        published_at = self._field("published_at", self.published_at, None)
        updated_at = self._field("updated_at", self.data.updated_at, None)
        self.warnings += self.data.problems  # dates refused as placeholders or as lying in the future
        if published_at is None and not any(p.startswith("published_at:") for p in self.data.problems):
            self.warnings.append(f"published_at: cannot read {published_raw!r}")
        fields: dict[str, Any] = {
            "title": title,
            "published_at": published_at,
            "published_at_raw": published_raw,
            "updated_at": updated_at,
            "section": self._field("section", lambda: self.data.section(title), None),
            "tags": self._field("tags", self.data.tags, list[str]()),
            "dateline": parts.dateline,
            "body": "\n\n".join(parts.paragraphs),
            **self._credits(parts, block, leading),
            "copyright": block.copyright,
            "copyright_holder": block.copyright_holder,
            "copyright_year": block.copyright_year,
            "images": self._field("images", lambda: self.data.images(parts.captions), list[Image]()),
            "related": parts.related,
            "language": self.language(),
        }
        return self.build_item(fields, layout=self.LAYOUT_NAME, problems=block.problems)

    def _credits(self, parts: GenericBody, block: credit_lines.CreditBlock, leading: list[str]) -> dict[str, Any]:
        reporters = block.names("reporters")
        if not reporters:
            # Printed credit labels are the authority for roles: a structured-data author whom the
            # page credits as editor (translator, photographer) is not made a reporter.
            printed = {_name_key(name) for role in OTHER_ROLES for name in block.names(role)}
            reporters = self._field("reporters", self.data.authors, [])
            skip = {_name_key(self.portal.site_name), *printed}
            reporters = [name for name in reporters if _name_key(name) not in skip]
        if not block.lines:
            self.warnings.append("credits: no credit line found")
        trailing = [parts.trailing_credit] if parts.trailing_credit else []
        return {
            "reporters": reporters,
            "editors": block.names("editors"),
            "translators": block.names("translators"),
            "photographers": block.names("photographers"),
            "contributors": [parts.contributor] if parts.contributor else [],
            # Page order: bylines above the text, the text's own trailing credit, credits below it.
            "credit_lines": [*leading, *trailing, *block.lines[len(leading) :]],
        }

    def _footer_copyright(self, block: credit_lines.CreditBlock, footer_texts: list[str]) -> None:
        """The site footer's copyright line, when the article carries none of its own."""
        for text in footer_texts:
            for line in text.splitlines():
                if NOTICE.match(line) or (
                    credit_lines.looks_like_credit(line) and ("©" in line or "copyright" in line.lower())
                ):
                    _set_notice(block, line)
                    return

    # --- helpers -----------------------------------------------------------------------------
    def _has_article_markup(self) -> bool:
        og_type = (self.data.meta("og:type") or "").lower()
        return bool(self.data.ld) or og_type == "article" or self.data.published_raw() is not None

    def _looks_like_a_list(self, paragraphs: list[str]) -> bool:
        """Too little text, or text whose words are mostly in link titles (a tag or section page)."""
        links = {normalise(inline_text(a)) for a in self.root.iter("a")}
        linked = sum(len(paragraph.split()) for paragraph in paragraphs if paragraph in links)
        words = sum(len(paragraph.split()) for paragraph in paragraphs)
        return words < MIN_UNSTRUCTURED_WORDS or 2 * linked >= words

    def _first_h1(self) -> str | None:
        found = [inline_text(node) for node in css(self.root, "h1")]
        return next((text for text in found if text), None)

    def _page_title(self) -> str | None:
        node = self.root.find("head/title")
        return normalise(node.text_content()) if node is not None and node.text_content().strip() else None

    def _without_site_name(self, title: str) -> str:
        """`Judul - Tribun Kaltim` -> `Judul`: a trailing part naming the site is not headline."""
        match = TITLE_SUFFIX.match(title)
        names = {self.portal.site_name, self.data.meta("og:site_name") or "", self.portal.host.removeprefix("www.")}
        if match and match.group("tail").lower() in {name.lower() for name in names if name}:
            return match.group("head")
        return title
