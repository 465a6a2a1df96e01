"""`AntaraFallbackPage`: an ANTARA article page whose markup matches no known template era.

A template change must not lose articles: such a page is parsed by the generic extractor
(structured data, trafilatura text with the Indonesian boilerplate rules) plus the same
label-based credit scan the era layouts use, and exported with `layout: "antara/unknown"`
and a `layout:` warning. The spider counts it (`archive/parse/layout/antara_unknown`) and
the drift watch raises an alarm on the first such run and saves its pages as fixtures, so
that a new era layout is written from them.

The date is the one the page prints, found by its shape near the title (`find_printed_date`:
`Selasa, 2 Maret 2027 09:15`) and kept verbatim as `published_at_raw`, as the era layouts
keep theirs; `published_at` reads it in the portal's zone unless a zone label is printed.
Structured data (`article:published_time`, JSON-LD) is used only when no date is printed.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING

from crawler.extract import credits as credit_lines
from crawler.extract.dates import find_printed_date, isoformat, parse_printed_date
from crawler.extract.select import css_first
from crawler.extract.text import Take, blocks, normalise
from crawler.items import ArticleItem
from crawler.portals.antara.layouts.base import credit_lines_of, not_credits
from crawler.portals.base import NotAnArticle
from crawler.portals.generic.article import GenericArticlePage
from crawler.portals.generic.body import BODY_CONTAINERS, GenericBody

if TYPE_CHECKING:
    from lxml import etree

LAYOUT = "antara/unknown"
UNKNOWN_LAYOUT_WARNING = "layout: no known ANTARA template matched; parsed by the generic fallback"
SCOPES = ("article", "main", "[role=main]", ".content", "#content")
"""Where the credit scan looks on an unknown page: the article element first, else the main area."""
DATE_WINDOW = 30
"""Elements (document order) either side of the title searched for the printed date."""
MAX_TEXT_BESIDE_DATE = 40
"""Characters an element may hold besides the date (`Diterbitkan:`, `| 1.234 dibaca`); more is prose naming a date."""
_NOT_DATE_TAGS = frozenset(
    {"script", "style", "noscript", "a", "nav", "aside", "title", "head", "button", "select", "option", "figcaption"}
    | {f"h{level}" for level in range(1, 7)}
)
_NOT_DATE_CLASS = re.compile(r"related|terkait|populer|sidebar|widget|comment|caption|breadcrumb|baca-juga", re.I)
"""Teasers, captions and navigation print other dates (a related story's, a photo's): never the article's."""


class AntaraFallbackPage(GenericArticlePage):
    """The generic page object with the ANTARA label scan for credits, exported as `antara/unknown`."""

    LAYOUT_NAME = LAYOUT

    def to_item(self) -> ArticleItem | NotAnArticle:
        self.warnings.append(UNKNOWN_LAYOUT_WARNING)
        return super().to_item()

    # --- the printed date -----------------------------------------------------------------
    def published_raw(self) -> str | None:
        """The date printed near the title, verbatim; structured data's only when none is printed."""
        return self.printed_date or self.data.published_raw()

    def published_at(self) -> str | None:
        printed = self.printed_date
        if printed is None:
            return self.data.published_at()
        moment = parse_printed_date(printed, self.portal.timezone, now=self.fetched_at)
        return isoformat(moment) if moment else None

    @cached_property
    def printed_date(self) -> str | None:
        """The nearest date-shaped short text to the title (after it first), outside teasers and navigation."""
        elements = [e for e in self.root.iter() if isinstance(e.tag, str)]
        anchor = self._title_element()
        if anchor is None:
            scope = css_first(self.root, *SCOPES)
            anchor = scope if scope is not None else self.root
        at = elements.index(anchor) if anchor in elements else 0
        # The title's ancestors hold the whole page's text: the date line is found as an element of its own.
        around = set(anchor.iterancestors())
        window = range(max(at - DATE_WINDOW, 0), min(at + DATE_WINDOW + 1, len(elements)))
        for index in sorted(window, key=lambda i: (abs(i - at), i < at)):
            element = elements[index]
            if element in around or (index == at and element.tag == "h1") or not _may_print_the_date(element):
                continue
            text = normalise(element.text_content())
            found = find_printed_date(text) if text else None
            if found and len(text) - len(found) <= MAX_TEXT_BESIDE_DATE:
                return found
        return None

    def _title_element(self) -> etree._Element | None:
        """The `h1` holding the title (else the first `h1`)."""
        headings = list(self.root.iter("h1"))
        title = normalise(self.title() or "")
        same = [h for h in headings if normalise(h.text_content()) == title]
        return (same or headings or [None])[0]

    # --- credits ----------------------------------------------------------------------------
    def _body(self) -> GenericBody:
        parts = super()._body()
        printed = [line for text in (*parts.leading_credits, *parts.credit_texts) for line in text.splitlines()]
        if not any(credit_lines.looks_like_credit(line) for line in printed):
            # The generic scan found no labelled credit below the text: read them by label in the article area.
            parts.credit_texts = [*parts.credit_texts, *self._scanned_credits()]
        return parts

    def _scanned_credits(self) -> list[str]:
        scope = css_first(self.root, *SCOPES, *BODY_CONTAINERS)
        scope = scope if scope is not None else self.root
        paragraphs = blocks(scope, lambda element: Take.DROP if not_credits(element) else Take.KEEP)
        return credit_lines_of([block.text for block in paragraphs if block.text])


def _may_print_the_date(element: etree._Element) -> bool:
    """Not in navigation, headings, links, captions or teasers (which print other stories' dates)."""
    for node in (element, *element.iterancestors()):
        if node.tag in _NOT_DATE_TAGS or _NOT_DATE_CLASS.search(node.get("class") or ""):
            return False
        if node.tag == "footer" and (node.getparent() is None or node.getparent().tag == "body"):
            return False  # the site footer
    return True
