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

from crawler.extract import credits as credit_lines
from crawler.extract import jsonld
from crawler.extract.dates import isoformat, parse_iso, parse_printed_date
from crawler.extract.select import attr, css, css_first
from crawler.extract.text import Take, blocks, has_class, inline_text, lines, normalise
from crawler.items import Image, Related

_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][^()]{0,60}?)\s*\((?P<agency>(?i:antara)[^()]{0,40})\)\s*[-\u2013\u2014]+\s*"
)
_RELATED_PREFIX = re.compile(r"^\s*baca\s+juga\s*:?", re.IGNORECASE)
REPRINT_PREFIX = "Berita ini telah tayang di"
DISCLAIMER_PREFIX = "Dilarang keras mengambil konten"
_DROP_TAGS = frozenset({"figure", "amp-img", "amp-ad", "img"})
# `quote_old` is the older template's pull quote (it repeats a body sentence); `wp-caption` the photo box.
_DROP_CLASSES = (
    "pic",
    "wp-caption",
    "wp-caption-text",
    "wrap__article-detail-image",
    "blog-tags",
    "tags-wrapper",
    "tags",
    "quote_old",
)
_CREDIT_HOLDERS = ("text-muted", "tags-wrapper", "tags", "post-meta")
"""Classes that hold credits on real pages; `tags-wrapper`/`tags` only when they hold no links (else: tag lists)."""
_NOT_CREDITS_TAGS = frozenset(
    {"nav", "aside", "h1", "h2", "h3", "form", "button", "figure", "figcaption", "blockquote"}
)
_NOT_CREDITS_CLASS = re.compile(
    r"breadcrumb|blog-tags|related|terkait|populer|terpopuler|sidebar|widget|share|social|comment|caption|quote"
    r"|baca-juga|wrap__article-detail-title|wrap__article-detail-info|article-date|simple-share|pagination"
)
"""Parts of the article container that never hold the article's credits: navigation, teasers, tags, captions."""
_LABEL_ALONE = re.compile(rf"^\s*(?:{'|'.join(credit_lines.ROLES)})\s*:?\s*$", re.IGNORECASE)
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019 "


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
    CONTAINER: ClassVar[tuple[str, ...]] = ()
    """The element holding the whole article (title, date, body, credits); its presence picks the layout.

    The first selector names the tag: a search of a whole page by class alone costs a third
    of parsing it, by tag and class a twentieth. The others are fallbacks, tried only after
    every layout's first selector missed (`detect`).
    """
    TITLE: ClassVar[tuple[str, ...]] = ()
    DATE: ClassVar[tuple[str, ...]] = ()
    BODY: ClassVar[tuple[str, ...]] = ()
    SECTION: ClassVar[tuple[str, ...]] = ()
    SECTION_ON_PAGE: ClassVar[bool] = False
    """Whether the breadcrumb stands outside the container (searched on the whole page then)."""
    TAGS: ClassVar[tuple[str, ...]] = ()
    IMAGE_BOXES: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, root: etree._Element, scope: etree._Element, *, page_url: str, zone: str, now: datetime | None = None
    ) -> None:
        self.root = root
        self.scope = scope
        """The container: field queries search it, not the whole page (menus and sidebars are most of a page)."""
        self.page_url = page_url
        """Canonical URL of the page on the real host: relative links are resolved against it."""
        self.zone = zone
        self.now = now

    # --- structured data ----------------------------------------------------------------
    @cached_property
    def ld(self) -> dict[str, Any]:
        return jsonld.news_article(self.root, self.scope)

    def _first_text(self, queries: tuple[str, ...], where: etree._Element | None = None) -> str | None:
        for query in queries:
            for node in css(self.scope if where is None else where, query):
                text = inline_text(node)
                if text:
                    return text
        return None

    def _absolute(self, href: str) -> str:
        href = href.strip()
        return href if href.startswith(("http://", "https://")) else urljoin(self.page_url, href)

    # --- fields -------------------------------------------------------------------------
    def title(self) -> str | None:
        return (
            jsonld.text(self.ld.get("headline"))
            or self._first_text(self.TITLE)
            or jsonld.meta(self.root, "og:title", "twitter:title")
            or self._document_title()
        )

    def _document_title(self) -> str | None:
        """`<title>` without the ` - ANTARA News <region>` suffix: the last resort before refusing the page."""
        node = css_first(self.root, "head > title")
        text = inline_text(node) if node is not None else ""
        return text.rsplit(" - ANTARA", 1)[0].strip() or None

    def published_raw(self) -> str | None:
        return self._first_text(self.DATE)

    def published_at(self) -> str | None:
        """The printed date (its zone label wins, else the portal's zone); structured data if none is printed."""
        raw = self.published_raw()
        moment = parse_printed_date(raw, self.zone, now=self.now) if raw else None
        moment = moment or parse_iso(jsonld.text(self.ld.get("datePublished")))
        moment = moment or parse_iso(jsonld.meta(self.root, "article:published_time"))
        return isoformat(moment) if moment else None

    def updated_at(self) -> str | None:
        moment = parse_iso(jsonld.text(self.ld.get("dateModified"))) or parse_iso(
            jsonld.meta(self.root, "article:modified_time")
        )
        return isoformat(moment) if moment else None

    def section(self) -> str | None:
        found = self._first_text(self.SECTION, self.root if self.SECTION_ON_PAGE else self.scope)
        if found and found.lower() not in ("home", "beranda"):
            return found
        return jsonld.meta(self.root, "article:section") or jsonld.text(self.ld.get("articleSection"))

    def tags(self) -> list[str]:
        for query in self.TAGS:
            # Some templates print tags as `#Tag`: the `#` is display, not part of the tag.
            found = [inline_text(node).lstrip("#").strip() for node in css(self.scope, query)]
            if any(found):
                return list(dict.fromkeys(tag for tag in found if tag))
        return []

    def images(self) -> list[Image]:
        found: dict[str, Image] = {}
        for query in self.IMAGE_BOXES:
            for box in css(self.scope, query):
                src = attr(box, "img, amp-img", "src") or attr(box, "img", "data-src")
                if src and self._absolute(src) not in found:
                    found[self._absolute(src)] = Image(url=self._absolute(src), caption=self._caption(box))
            if found:
                return list(found.values())
        og_image = jsonld.meta(self.root, "og:image") or jsonld.text(self.ld.get("image"))
        return [Image(url=self._absolute(og_image))] if og_image else []

    def _caption(self, box: etree._Element) -> str | None:
        node = css_first(box, "figcaption, .wp-caption-text, .caption")
        return (inline_text(node) if node is not None else "") or None

    def jsonld_reporters(self) -> list[str]:
        return jsonld.names(self.ld.get("author"))

    # --- body ---------------------------------------------------------------------------
    def body_element(self) -> etree._Element | None:
        return css_first(self.scope, *self.BODY)

    def body_parts(self) -> BodyParts | None:
        """Paragraphs and the removed noise, or None when the page has no body container."""
        element = self.body_element()
        if element is None:
            return None
        parts = BodyParts()
        texts: list[str] = []
        quotes: list[tuple[int, str]] = []
        for block in blocks(element, self._decide):
            if block.element is None and block.links and _RELATED_PREFIX.match(block.text):
                parts.related.extend(self._related(block.links))  # a loose `<b>Baca juga:</b> <a>` line
            elif block.element is None:
                texts.append(block.text)
            elif block.element.tag == "blockquote":
                quotes.append((len(texts), inline_text(block.element)))
            elif _holds_credits(block.element):
                parts.credit_texts.append(lines(block.element))
            else:
                parts.related.extend(self._related(block.element.xpath(".//a[@href]")))
        parts.paragraphs = self._clean(_with_quotes(texts, quotes), parts)
        parts.credit_texts = [text for text in parts.credit_texts if not _is_notice(text)]
        return parts

    def container_credits(self) -> tuple[list[str], list[str]]:
        """Credit lines of the container outside the body (`container_credit_texts`); none without a body."""
        body = self.body_element()
        if body is None:
            return [], []
        before, after = self.container_credit_texts(body)
        return [t for t in before if not _is_notice(t)], [t for t in after if not _is_notice(t)]

    def container_credit_texts(self, body: etree._Element) -> tuple[list[str], list[str]]:
        """Credit lines printed in the article container outside the body: (before it, after it), in page order.

        Found by their labels wherever the template puts them (header, `footer.post-meta`, a
        `tags-wrapper`, `text-muted` paragraphs, `<br>`-separated text after the body, a label
        and its names in two elements), never in navigation, teasers, tag lists or captions.
        """
        if body is self.scope:
            return [], []
        found: tuple[list[str], list[str]] = ([], [])
        seen_body = False
        texts: list[str] = []

        def decide(element: etree._Element) -> Take:
            if element is body:
                return Take.COLLECT
            return Take.DROP if not_credits(element) else Take.KEEP

        for block in blocks(self.scope, decide):
            if block.element is body:
                found[seen_body].extend(credit_lines_of(texts))
                seen_body, texts = True, []
            else:
                texts.append(block.text)
        found[seen_body].extend(credit_lines_of(texts))
        return found

    def _decide(self, element: etree._Element) -> Take:
        # Called for every element of the body: one attribute read, no text building.
        classes = element.get("class")
        if classes:
            names = classes.split()
            if "baca-juga" in names or "text-muted" in names:
                return Take.COLLECT
            if ("tags-wrapper" in names or "tags" in names) and element.find(".//a") is None:
                return Take.COLLECT  # the older template reuses `tags-wrapper` for the credit block
            if any(name in _DROP_CLASSES for name in names):
                return Take.DROP
        if element.tag in _DROP_TAGS:
            return Take.DROP
        if element.tag == "blockquote":
            return Take.COLLECT
        if element.tag in ("p", "div") and _RELATED_PREFIX.match(_leading_text(element)):
            return Take.COLLECT
        return Take.KEEP

    def _related(self, links: list[etree._Element]) -> list[Related]:
        return [
            Related(title=inline_text(link), url=self._absolute(link.get("href")))
            for link in links
            if link.get("href") and inline_text(link)
        ]

    def _clean(self, texts: list[str], parts: BodyParts) -> list[str]:
        """Paragraphs without reprint/disclaimer lines, trailing credits, the dateline and a trailing `(Name/Humas)`."""
        texts = [t for t in texts if not _is_notice(t) and not credit_lines.is_leaked_script(t)]
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
            byline = credit_lines.trailing_byline(texts[-1])
            if byline:
                texts[-1], line = byline
                parts.credit_texts.append(line)
        if texts:
            found = credit_lines.trailing_credit(texts[-1])
            if found:
                texts[-1], parts.trailing_credit, parts.contributor = found
                if not texts[-1]:
                    texts.pop()
        return [t for t in texts if t]


def _holds_credits(element: etree._Element) -> bool:
    """A collected element that is a credit block (not a 'Baca juga' insert)."""
    return has_class(element, *_CREDIT_HOLDERS) and not has_class(element, "baca-juga")


def not_credits(element: etree._Element) -> bool:
    """Container parts that never hold the article's credits (the site footer: a `footer` right under `body`)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _NOT_CREDITS_TAGS or tag in _DROP_TAGS:
        return True
    if tag == "footer" and (element.getparent() is None or element.getparent().tag == "body"):
        return True
    classes = element.get("class") or ""
    if _NOT_CREDITS_CLASS.search(classes) or (tag in ("ul", "ol") and element.find(".//a") is not None):
        return True
    return has_class(element, "tags-wrapper", "tags") and element.find(".//a") is not None


def credit_lines_of(texts: list[str]) -> list[str]:
    """The credit-looking text blocks, a label printed alone joined with the names in the next block."""
    found: list[str] = []
    index = 0
    while index < len(texts):
        text = texts[index]
        following = texts[index + 1] if index + 1 < len(texts) else ""
        if _LABEL_ALONE.match(text) and following and _could_be_names(following):
            found.append(f"{text} {following}")
            index += 2
            continue
        if credit_lines.looks_like_credit(text):
            found.append(text)
        index += 1
    return found


def _could_be_names(text: str) -> bool:
    """Text that may carry a label's names: short, not itself a credit, not leaked script."""
    return len(text) <= 80 and not credit_lines.looks_like_credit(text) and not credit_lines.is_leaked_script(text)


def _with_quotes(texts: list[str], quotes: list[tuple[int, str]]) -> list[str]:
    """Blockquotes back in place, except pull quotes: a quote whose words repeat body text is furniture."""
    joined = " ".join(texts)
    result = list(texts)
    for position, quote in reversed(quotes):
        core = quote.strip(_QUOTE_MARKS)
        if core and core.rstrip(".") not in joined:
            result.insert(position, quote)
    return result


def _is_notice(text: str) -> bool:
    """The reprint line or the AI-crawling disclaimer: neither body text nor a credit."""
    return text.lstrip().startswith((REPRINT_PREFIX, DISCLAIMER_PREFIX))


def _leading_text(element: etree._Element) -> str:
    """The first words of an element (its own text, or its first child's), without building all of its text."""
    text = element.text or ""
    if not text.strip() and len(element):
        text = element[0].text or ""
    return text


def detect(
    root: etree._Element, layouts: tuple[type[AntaraArticleLayout], ...]
) -> tuple[type[AntaraArticleLayout], etree._Element] | None:
    """The first layout whose container is on the page, and that container: fast selectors first."""
    for first_round in (True, False):
        for layout in layouts:
            queries = layout.CONTAINER[:1] if first_round else layout.CONTAINER[1:]
            scope = css_first(root, *queries)
            if scope is not None:
                return layout, scope
    return None
