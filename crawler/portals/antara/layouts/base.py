"""Field logic shared by every ANTARA template era; eras declare selectors and override little.

A layout gets the parsed page and returns the pieces of one record. Each field is read
by its own method so that one failing field becomes a warning on the item instead of a
lost article (`AntaraArticlePage` isolates them); selectors are class constants, tried in
order, so that a wrong guess about markup is a one-line fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.extract import credits as credit_lines
from crawler.extract import jsonld
from crawler.extract.dates import isoformat, parse_iso, parse_printed_date
from crawler.extract.text import Block, Take, blocks, has_class, inline_text, lines, normalise
from crawler.items import Image, Related

_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][^()]{0,60}?)\s*\((?P<agency>(?i:antara)[^()]{0,40})\)\s*[-\u2013\u2014]+\s*"
)
_RELATED_PREFIX = re.compile(r"^\s*baca\s+juga\s*:?", re.IGNORECASE)
REPRINT_PREFIX = "Berita ini telah tayang di"
DISCLAIMER_PREFIX = "Dilarang keras mengambil konten"
_DROP_CLASSES = ("pic", "wp-caption-text", "wrap__article-detail-image", "blog-tags", "tags-wrapper", "tags")


@dataclass
class BodyParts:
    """The body split into what the record keeps and what it reports separately."""

    paragraphs: list[str] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    credit_texts: list[str] = field(default_factory=list)
    trailing_credit: str | None = None
    contributor: str | None = None
    dateline: str | None = None


class AntaraArticleLayout:
    """Base of the era layouts. Subclasses set `name` and the selector constants."""

    name: ClassVar[str] = ""
    DETECT: ClassVar[str] = ""
    TITLE: ClassVar[tuple[str, ...]] = ()
    DATE: ClassVar[tuple[str, ...]] = ()
    BODY: ClassVar[tuple[str, ...]] = ()
    SECTION: ClassVar[tuple[str, ...]] = ()
    TAGS: ClassVar[tuple[str, ...]] = ()
    IMAGE_BOXES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, selector: Selector, *, page_url: str, zone: str, now: datetime | None = None) -> None:
        self.selector = selector
        self.page_url = page_url
        """Canonical URL of the page on the real host: relative links are resolved against it."""
        self.zone = zone
        self.now = now

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        return bool(selector.css(cls.DETECT))

    # --- structured data ----------------------------------------------------------------
    @cached_property
    def ld(self) -> dict[str, Any]:
        return jsonld.news_article(self.selector)

    def _first_text(self, queries: tuple[str, ...]) -> str | None:
        for query in queries:
            for node in self.selector.css(query):
                text = inline_text(node.root)
                if text:
                    return text
        return None

    # --- fields -------------------------------------------------------------------------
    def title(self) -> str | None:
        return (
            jsonld.text(self.ld.get("headline"))
            or self._first_text(self.TITLE)
            or jsonld.meta(self.selector, "og:title", "twitter:title")
        )

    def published_raw(self) -> str | None:
        return self._first_text(self.DATE)

    def published_at(self) -> str | None:
        """The printed date (its zone label wins, else the portal's zone); structured data if none is printed."""
        raw = self.published_raw()
        moment = parse_printed_date(raw, self.zone, now=self.now) if raw else None
        moment = moment or parse_iso(jsonld.text(self.ld.get("datePublished")))
        moment = moment or parse_iso(jsonld.meta(self.selector, "article:published_time"))
        return isoformat(moment) if moment else None

    def updated_at(self) -> str | None:
        moment = parse_iso(jsonld.text(self.ld.get("dateModified"))) or parse_iso(
            jsonld.meta(self.selector, "article:modified_time")
        )
        return isoformat(moment) if moment else None

    def section(self) -> str | None:
        found = self._first_text(self.SECTION)
        if found and found.lower() not in ("home", "beranda"):
            return found
        return jsonld.meta(self.selector, "article:section") or jsonld.text(self.ld.get("articleSection"))

    def tags(self) -> list[str]:
        for query in self.TAGS:
            found = [normalise(text) for text in self.selector.css(query).xpath("string()").getall()]
            if any(found):
                return list(dict.fromkeys(tag for tag in found if tag))
        return []

    def images(self) -> list[Image]:
        found: list[Image] = []
        for query in self.IMAGE_BOXES:
            for box in self.selector.css(query):
                src = box.css("img::attr(src), amp-img::attr(src), img::attr(data-src)").get()
                if src and not any(image.url == urljoin(self.page_url, src) for image in found):
                    caption = self._caption(box)
                    found.append(Image(url=urljoin(self.page_url, src.strip()), caption=caption))
            if found:
                return found
        og_image = jsonld.meta(self.selector, "og:image") or jsonld.text(self.ld.get("image"))
        return [Image(url=urljoin(self.page_url, og_image))] if og_image else []

    def _caption(self, box: Selector) -> str | None:
        node = box.css("figcaption, .wp-caption-text, .caption")
        text = inline_text(node[0].root) if node else ""
        return text or None

    def jsonld_reporters(self) -> list[str]:
        return jsonld.names(self.ld.get("author"))

    # --- body ---------------------------------------------------------------------------
    def body_element(self) -> etree._Element | None:
        for query in self.BODY:
            found = self.selector.css(query)
            if found:
                return found[0].root
        return None

    def body_parts(self) -> BodyParts | None:
        """Paragraphs and the removed noise, or None when the page has no body container."""
        element = self.body_element()
        if element is None:
            return None
        parts = BodyParts()
        texts: list[str] = []
        for block in blocks(element, self._decide):
            if block.element is None:
                texts.append(block.text)
            elif has_class(block.element, "text-muted"):
                parts.credit_texts.append(lines(block.element))
            else:
                parts.related.extend(self._related(block))
        # Credit paragraphs printed after the body container (the older template's copyright line).
        for sibling in element.itersiblings():
            if isinstance(sibling.tag, str) and sibling.tag == "p" and has_class(sibling, "text-muted"):
                parts.credit_texts.append(lines(sibling))
        parts.paragraphs = self._clean(texts, parts)
        parts.credit_texts = [text for text in parts.credit_texts if not _is_notice(text)]
        return parts

    def _decide(self, element: etree._Element) -> Take:
        if has_class(element, "baca-juga") or has_class(element, "text-muted"):
            return Take.COLLECT
        if has_class(element, *_DROP_CLASSES) or element.tag in ("figure", "amp-img", "amp-ad", "img"):
            return Take.DROP
        if element.tag in ("p", "div") and _RELATED_PREFIX.match(inline_text(element)[:20]):
            return Take.COLLECT
        return Take.KEEP

    def _related(self, block: Block) -> list[Related]:
        assert block.element is not None
        links = block.element.xpath(".//a[@href]")
        return [
            Related(title=inline_text(link), url=urljoin(self.page_url, link.get("href").strip()))
            for link in links
            if inline_text(link)
        ]

    def _clean(self, texts: list[str], parts: BodyParts) -> list[str]:
        """Paragraphs without reprint/disclaimer lines, trailing credits, the dateline and a trailing `(Name/Humas)`."""
        texts = [t for t in texts if not _is_notice(t)]
        tail: list[str] = []
        while texts and credit_lines.looks_like_credit(texts[-1]):
            tail.insert(0, texts.pop())
        parts.credit_texts[:0] = tail
        if texts:
            match = _DATELINE.match(texts[0])
            if match:
                parts.dateline = normalise(match.group("place"))
                texts[0] = texts[0][match.end() :].strip()
                if not texts[0]:
                    texts.pop(0)
        if texts:
            found = credit_lines.trailing_credit(texts[-1])
            if found:
                texts[-1], parts.trailing_credit, parts.contributor = found
                if not texts[-1]:
                    texts.pop()
        return [t for t in texts if t]


def _is_notice(text: str) -> bool:
    """The reprint line or the AI-crawling disclaimer: neither body text nor a credit."""
    return text.lstrip().startswith((REPRINT_PREFIX, DISCLAIMER_PREFIX))
