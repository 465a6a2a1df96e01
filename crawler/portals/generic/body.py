"""Main text of a generic article page: trafilatura on a copy of the page cleaned of boilerplate.

The page is parsed once (the page object's tree) and copied once. HTML comments, scripts and
styles leave the copy first: client-side frameworks leave a comment inside every paragraph,
which trafilatura would read as structure. Then the article area is scanned once: 'Baca juga'
inserts are taken out (their links become `related`), credit lines and copyright notices are
taken out (they become credits and the copyright, never text), share widgets, ads and captions
are dropped. A standfirst repeating the page's description, print-only and screen-reader text
and lists of bare links go; a text container cut apart by ad rows is joined; furniture
trafilatura deletes anyway goes before it copies the tree. trafilatura's fast pass reads the
text (tables kept); its fallback extractors run only when that pass returned mostly menu-like
lines. The text is then filtered line by line with the same rules, because inserts printed as
plain text slip through any markup scan. Finally the dateline prefix and a trailing
`(Name/Humas)` credit are split off, as on ANTARA pages.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import trafilatura
from lxml import etree

from crawler.extract import credits as credit_lines
from crawler.extract import jsonld
from crawler.extract.dates import MONTHS
from crawler.extract.select import css, css_all, css_first
from crawler.extract.text import inline_text, lines, normalise
from crawler.items import Related

BODY_CONTAINERS = (
    "[itemprop=articleBody]",
    ".entry-content",
    ".td-post-content",
    ".post-content",
    ".article-content",
    ".detail-content",
    ".content-detail",
    ".read__content",
    ".txt-article",
    "article",
)
"""Where the article text usually sits, after the portal's own `body` hints; else the whole page."""
FOOTERS = ("footer", ".footer", ".copyright", "#footer")
NOISE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|sosmed|ads?|advert\w*|iklan|newsletter|comments?)(?:$|[\s_-])"
)
SPLIT_BODY_CLASS = re.compile(r"(?:article|story|post|entry)[-_]*body", re.IGNORECASE)
"""Classes of an article text container that templates repeat when they cut the text for ad rows."""
STANDFIRST = "h2, h3, h4, h5, h6, [itemprop=description]"
"""Where a summary printed under the headline sits: a sub-heading, or an element marked as the description."""
DESCRIPTION_META = ("description", "og:description", "twitter:description")
CAPTION_TAGS = frozenset({"figure", "figcaption"})
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "section", "article", "table", "h2", "h3", "h4", "blockquote"})
_HAS_BLOCK_CHILD = etree.XPath("boolean(" + " | ".join(f"{tag}" for tag in sorted(_BLOCKS)) + ")")
"""Whether an element has a block child (evaluated in C: no Python object per child)."""
RELATED_PREFIX = re.compile(
    r"^\s*(?:baca|simak|lihat)\s+(?:juga|pula)\b|^\s*berita\s+terkait\b"
    # The same inserts on English-language pages, always with their colon (`Related to the case, ...` is text).
    r"|^\s*(?:related|read\s+more|read\s+also|also\s+read|see\s+also)\s*:",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"^\s*(?:baca|simak|lihat)\s+(?:juga|pula|berita)\b"
    r"|^\s*berita\s+terkait\b"
    r"|^\s*(?:advertisement|iklan|scroll\s+to\s+(?:continue|resume)(?:\s+with\s+content)?|sponsored)\s*$"
    # `Share`, `Bagikan:`, `Share on Facebook`; never `Share prices fell...` (a sentence that starts so).
    r"|^\s*(?:bagikan|share)(?:\s*[:|]|\s+(?:this|on|via|to|ke|di|artikel|berita|link)\b|\s*$).{0,80}$"
    r"|^\s*ikuti\s+(?:kami|berita|saluran|update|informasi)\b"
    # Follow, subscribe and contact prompts (`Follow us on Twitter`, `Email X at x@y.com`).
    r"|^\s*(?:follow|like)\s+(?:us|\S+(?:\s+\S+){0,3}?)\s+on\s+(?:twitter|facebook|instagram|youtube|linkedin|tiktok)\b.{0,160}$"
    r"|^\s*subscribe\s+to\b.{0,160}$"
    r"|^\s*(?:email|write\s+to|contact)\s+.{0,60}?\bat\s+\S+@\S+\.\w+.{0,160}$"
    r"|^\s*(?:dapatkan|klik|cek)\s+(?:update|berita|informasi|di\s*sini)\b.{0,160}$"
    # A prompt to follow the outlet there; a sentence that merely names Google News stays.
    r"|^.{0,80}\b(?:ikuti|follow|subscribe|gabung|berlangganan|pantau|dapatkan|baca)\b.{0,80}\bgoogle\s+news\b.{0,40}$"
    r"|^\s*(?:editor'?s?\s+pick|tonton\s+juga|video\s+pilihan)\b"
    r"|^\s*(?:berita|artikel)\s+ini\s+(?:telah\s+)?(?:tayang|terbit|dimuat)\s+di\b"
    r"|^\s*dilarang\s+(?:keras\s+)?(?:mengambil|mengutip|menyalin)\s+konten\b"
    r"|^.{0,120}\be-?paper\b.{0,120}$",
    re.IGNORECASE,
)
"""Lines that are never article text: inserts, ads, share and follow prompts, reprint notices, copying bans,
teasers of the printed edition (`Baca selengkapnya di E-Paper ...`)."""
NOTICE = re.compile(
    r"^\s*(?:(?:copyright|hak\s+cipta)\b\s*(?:@|©|\(c\)|&copy;)?.*?\b(?:19|20)\d{2}\b"
    r"|(?:©|\(c\)|&copy;)\s*(?:19|20)\d{2}\b)",
    re.IGNORECASE,
)
"""A copyright notice in any of its spellings (`Copyright @ 2026 X`, `Copyright 2024 X`, `© 2024 X`, `(c) 2024 X`):
it names a year. Never text; it becomes the record's copyright when the page prints no other."""
_NOTICE_PREFIX = re.compile(r"^\s*(?:(?:copyright|hak\s+cipta)\b\s*(?:@|©|\(c\)|&copy;)?|©|\(c\)|&copy;)\s*", re.I)
DATE_LINE = re.compile(
    r"^(?:[A-Za-z']+,\s*)?\d{1,2}\s+(?P<month>[A-Za-z]+)\.?\s+\d{4}"
    r"(?:\s*[,|]?\s*(?:pukul\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?)?(?:\s*(?:WIB|WITA|WIT))?$",
    re.IGNORECASE,
)
"""A paragraph that is only the printed date (`Selasa, 26 Juli 2022 10:05 WIB`): page furniture, not text."""
MAX_NOISE_CHARS = 300
"""An element longer than this is text that merely starts with a keyword, not an insert or a credit."""
CHROME = ("head", "iframe", "svg", "button", "select", "textarea", "video", "audio", "menu", "nav", "aside", "footer")
"""Page furniture trafilatura deletes first thing, on each of its copies of the tree: gone before it copies."""
SHORT_LINE_WORDS = 3
"""A line this short is a menu entry or a label, unless the lines around it are long."""
LONG_LINE_WORDS = 15
"""A line this long is read as a sentence, not a menu entry, even when it is a link title."""
NOT_TEXT = ("script", "style", "noscript", "template")
"""Elements whose content is never text: removed from the copy before anything reads it."""

_DATELINES = (
    # `Balikpapan (Prokal) -`, `Samarinda (ANTARA) -`
    re.compile(r"^(?P<place>[^\W\d_][^()\n]{0,40}?)\s*\([^()]{2,40}\)\s*[-\u2013\u2014]+\s*"),
    # `TRIBUNKALTIM.CO, SAMARINDA -`
    re.compile(
        r"^[A-Za-z0-9]+(?:\.[A-Za-z]{2,6})+\s*,\s*(?P<place>[^\W\d_][^,\n\-\u2013\u2014]{1,40}?)\s*[-\u2013\u2014]+\s*"
    ),
    # `SAMARINDA.NIAGA.ASIA -`
    re.compile(r"^(?P<place>[A-Z][A-Z ]{1,40}?)\.[A-Za-z0-9]+\.[A-Za-z]{2,6}\s*[-\u2013\u2014]+\s*"),
    # `SAMARINDA, kaltimkece.id -`, `SAMARINDA -`
    re.compile(
        r"^(?P<place>[A-Z]{3,}(?: [A-Z]{2,}){0,3})(?:\s*,\s*[A-Za-z0-9]+(?:\.[A-Za-z]{2,6})+)?\s*[-\u2013\u2014]+\s*"
    ),
)


@dataclass
class GenericBody:
    """The text and what was taken out of it."""

    paragraphs: list[str] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    leading_credits: list[str] = field(default_factory=list)
    """Credit texts printed above the article text (bylines), in page order."""
    credit_texts: list[str] = field(default_factory=list)
    """Credit texts printed in or below the article text, in page order."""
    footer_texts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Copyright notices taken out of the text (`NOTICE`), verbatim, in page order."""
    captions: dict[str, str] = field(default_factory=dict)
    """Caption by image URL (without query), from the figures removed from the text."""
    trailing_credit: str | None = None
    contributor: str | None = None
    dateline: str | None = None


class BodyExtractor:
    """Runs the scan, trafilatura and the line filters on a copy of the page tree."""

    def __init__(self, root: etree._Element, *, page_url: str, title: str | None, hints: tuple[str, ...] = ()) -> None:
        self.tree = copy.deepcopy(root)
        # Comments would reach trafilatura as text nodes (client-side templates leave one inside every
        # paragraph), so they go, with scripts and styles; the words after them stay.
        etree.strip_elements(self.tree, etree.Comment, etree.ProcessingInstruction, *NOT_TEXT, with_tail=False)
        self.page_url = page_url
        self.title = normalise(title or "")
        self.containers = (*hints, *BODY_CONTAINERS)
        self.result = GenericBody()
        self._positions: dict[etree._Element, int] = {}
        self._credits: list[tuple[int, str]] = []

    def extract(self) -> GenericBody:
        body = css_first(self.tree, *self.containers)
        # Bylines and credit boxes sit above or below the text container, inside the article area.
        area = _article_area(self.tree, body) if body is not None else self.tree
        self._positions = {node: index for index, node in enumerate(area.iter())}
        self._scan(area)
        _drop_standfirst(self.tree)
        # Credits above the first words left in the text container are bylines (page order).
        start = self._order(_first_text_element(body)) if body is not None else -1
        for order, text in self._credits:
            (self.result.leading_credits if order < start else self.result.credit_texts).append(text)
        self.result.footer_texts = [lines(node) for node in _footers(self.tree)]
        _join_split_bodies(self.tree)
        etree.strip_elements(self.tree, *CHROME, with_tail=False)
        for node in _OFF_SCREEN(self.tree):
            _drop(node)
        for node in _link_lists(self.tree):
            _drop(node)
        # trafilatura's own pass first; its fallback extractors (readability, jusText: slower, and
        # looser about what surrounds the text) only when that pass read the page's navigation.
        text = _trafilatura(self.tree, self.page_url, fast=True)
        if _reads_like_navigation(text, self.tree):
            text = _trafilatura(self.tree, self.page_url, fast=False)
        self.result.paragraphs = self._clean(text.splitlines())
        return self.result

    # --- markup scan --------------------------------------------------------------------
    def _scan(self, element: etree._Element) -> None:
        for child in list(element):
            if not isinstance(child.tag, str):
                continue
            if child.tag in CAPTION_TAGS:
                self._take_caption(child)
                _drop(child)
            elif NOISE_CLASS.search(child.get("class", "")) and not css(child, "p"):
                _drop(child)
            elif not self._take_out(child):
                self._scan(child)

    def _take_out(self, element: etree._Element) -> bool:
        """Take out an insert, credit or boilerplate element; whether it was one."""
        if _HAS_BLOCK_CHILD(element):
            return False  # a box of several lines (byline box): its lines are looked at one by one
        # A cheap look first (text pieces joined, spaces collapsed): most elements are plain text.
        rough = " ".join(" ".join(element.itertext()).split())
        if not rough or len(rough) > MAX_NOISE_CHARS or not _maybe_noise(rough):
            return False
        text = inline_text(element)
        if not text or len(text) > MAX_NOISE_CHARS:
            return False
        if RELATED_PREFIX.match(text):
            self.result.related.extend(self._links(element))
        elif credit_lines.looks_like_credit(text):
            self._credits.append((self._order(element), lines(element)))
        elif NOTICE.match(text):
            self.result.notices.append(text)
        elif not BOILERPLATE.search(text):
            return False
        _drop(element)
        return True

    def _order(self, element: etree._Element) -> int:
        """Document position (taken before anything was removed)."""
        return self._positions.get(element, -1)

    def _links(self, element: etree._Element) -> list[Related]:
        found = [(inline_text(a), a.get("href", "").strip()) for a in element.iter("a")]
        return [Related(title=t, url=urljoin(self.page_url, href)) for t, href in found if t and href]

    def _take_caption(self, figure: etree._Element) -> None:
        images = [img for img in figure.iter("img") if img.get("src") or img.get("data-src")]
        caption = css_first(figure, "figcaption") if figure.tag == "figure" else figure
        text = inline_text(caption) if caption is not None else ""
        if images and text:
            src = images[0].get("src") or images[0].get("data-src") or ""
            self.result.captions.setdefault(urljoin(self.page_url, src.strip()).split("?", 1)[0], text)

    # --- text lines -----------------------------------------------------------------------
    def _clean(self, raw_lines: list[str]) -> list[str]:
        texts = [normalise(line) for line in raw_lines]
        kept: list[str] = []
        for text in texts:
            if not text or text == self.title or BOILERPLATE.search(text) and len(text) <= MAX_NOISE_CHARS:
                continue
            date = DATE_LINE.match(text)
            if date and date.group("month").lower() in MONTHS:
                continue
            if NOTICE.match(text) and len(text) <= MAX_NOISE_CHARS and not credit_lines.looks_like_credit(text):
                self.result.notices.append(text)
                continue
            if credit_lines.looks_like_credit(text) and len(text) <= MAX_NOISE_CHARS:
                # A credit line left in the text (no markup of its own): above or below the paragraphs.
                (self.result.credit_texts if kept else self.result.leading_credits).append(text)
                continue
            kept.append(text)
        if kept:
            kept[0] = self._dateline(kept[0])
        if kept:
            found = credit_lines.trailing_credit(kept[-1])
            if found:
                kept[-1], self.result.trailing_credit, self.result.contributor = found
                self.result.contributor = _outlet_first(found[1]) or self.result.contributor
        return [text for text in kept if text]

    def _dateline(self, first: str) -> str:
        for pattern in _DATELINES:
            match = pattern.match(first)
            if match and match.end() < len(first):
                place = normalise(match.group("place"))
                # Printed in capitals on most portals; kept in the case ANTARA prints it (`Samarinda`).
                self.result.dateline = place.title() if place.isupper() else place
                return first[match.end() :].strip()
        return first


def as_credit_notice(notice: str) -> str:
    """`Copyright @ 2026 X` -> `Copyright © 2026 X`: the spelling the credit parser reads holder and year from."""
    return _NOTICE_PREFIX.sub("Copyright © ", notice, count=1)


def _maybe_noise(text: str) -> bool:
    """Whether `text` could be an insert, a credit or boilerplate (the rules of `_take_out`)."""
    return bool(
        RELATED_PREFIX.match(text)
        or credit_lines.looks_like_credit(text)
        or NOTICE.match(text)
        or BOILERPLATE.search(text)
    )


def _drop_standfirst(tree: etree._Element) -> None:
    """The summary under the headline (a sub-heading whose words are the page's description) is not text.

    A first paragraph that repeats the description is the lead, and stays: only headings and
    elements marked `itemprop=description` are standfirsts.
    """
    summaries = {normalise(found) for key in DESCRIPTION_META if (found := jsonld.meta(tree, key))}
    if summaries:
        for node in css(tree, STANDFIRST):
            if node.tag != "meta" and inline_text(node) in summaries:
                _drop(node)


_OFF_SCREEN = etree.XPath(
    "//body//*[contains(@class, 'print-only') or contains(@class, 'print-header')"
    " or contains(@class, 'sr-only') or contains(@class, 'visually-hidden') or contains(@class, 'screen-reader-text')]"
)
"""Elements never on a reader's screen: print-only headers and screen-reader labels. (Elements hidden by
`display: none` or a `hidden` class stay: pages hide the rest of an article behind a "read more" button.)"""


def _link_lists(tree: etree._Element) -> list[etree._Element]:
    """Lists whose every item is one link and nothing else: related articles or tags set in the text, not text.

    (trafilatura keeps a list inside the text container whatever its items are.) An item with
    words around its link (`Get it at <a>Store</a> for $20`) makes the list text.
    """
    found = []
    for listing in tree.iter("ul", "ol"):
        items = [item for item in listing if item.tag == "li"]
        if len(items) >= 2 and len(items) == len(listing) and all(_only_a_link(item) for item in items):
            found.append(listing)
    return found


def _only_a_link(item: etree._Element) -> bool:
    return len(item) == 1 and item[0].tag == "a" and not (item.text or "").strip() and not (item[0].tail or "").strip()


def _join_split_bodies(tree: etree._Element) -> None:
    """Text containers of one class, cut apart by ad or recommendation rows, joined into the first.

    trafilatura reads one container; a template that closes the text container before an ad row
    and opens another after it (same class) would lose everything after the first ad.
    """
    groups: dict[str, list[etree._Element]] = {}
    for node in tree.iter("div", "section", "article"):
        classes = node.get("class", "")
        if SPLIT_BODY_CLASS.search(classes) and node.find("p") is not None:
            groups.setdefault(classes, []).append(node)
    for parts in groups.values():
        first = parts[0]
        for part in parts[1:]:
            if first in part.iterancestors() or part in first.iterancestors():
                continue
            first.extend(list(part))
            _drop(part)


def _trafilatura(tree: etree._Element, url: str, *, fast: bool) -> str:
    """The main text as plain lines (trafilatura copies the tree it is given: `tree` is left as it is)."""
    text = trafilatura.extract(
        tree,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        output_format="txt",
    )
    return text or ""


def _reads_like_navigation(text: str, tree: etree._Element) -> bool:
    """Whether half the words of `text` or more are in lines that are whole link titles or a few words
    long (menus, tag lists, archive counts): trafilatura took the page's furniture for its text."""
    found = [normalise(line) for line in text.splitlines()]
    words = sum(len(line.split()) for line in found)
    if 2 * sum(len(line.split()) for line in found if len(line.split()) > LONG_LINE_WORDS) > words:
        return False  # mostly long lines: sentences, whatever links they hold
    titles = {normalise(a.text_content()) for a in tree.iter("a")}
    chrome = sum(len(line.split()) for line in found if line in titles or len(line.split()) <= SHORT_LINE_WORDS)
    return 2 * chrome >= words > 0


def _article_area(tree: etree._Element, body: etree._Element) -> etree._Element:
    """Title, bylines, lead image and text together: the smallest element holding the `h1` and the text
    container, unless that is the whole page; else the nearest `<article>`/`<main>`; else the container."""
    headings = [h for h in tree.iter("h1") if inline_text(h)]
    if headings:
        around = set(headings[0].iterancestors())
        common = next((node for node in body.iterancestors() if node in around), None)
        if common is not None and common.tag not in ("body", "html"):
            return common
    for node in body.iterancestors():
        if node.tag in ("article", "main") or node.get("role") == "main":
            return node
    return body


_OUTLET_FIRST = re.compile(r"^\(\s*[\w-]+(?:\.[A-Za-z]{2,6})+\s*/\s*(?P<name>[^()/]+?)\s*\)$")


def _outlet_first(credit: str) -> str | None:
    """`(Tribunkaltim.co/Name)` names the outlet first: the person is the second part."""
    match = _OUTLET_FIRST.match(credit)
    return " ".join(match.group("name").split()) if match else None


def _first_text_element(body: etree._Element) -> etree._Element:
    """The first element of the text container holding words: credits before it are bylines."""
    for node in body.iter():
        if isinstance(node.tag, str) and (node.text or "").strip():
            return node
    return body


def _footers(tree: etree._Element) -> list[etree._Element]:
    return css_all(tree, FOOTERS)


def _drop(element: etree._Element) -> None:
    """Remove `element` but keep its tail text (the words after it belong to the paragraph)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
