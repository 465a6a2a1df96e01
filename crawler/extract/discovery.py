"""Where a portal lists its articles: robots.txt Sitemap lines, sitemaps (news, index, gzip) and feed links.

Portal-independent readers for the generic spider (and any spider that wants them). A
sitemap that does not parse yields nothing and a logged warning, like a broken feed.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from crawler.extract.dates import parse_iso
from crawler.items import ListingEntry

logger = logging.getLogger(__name__)

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml"})
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
"""The sitemap protocol's own limit for one (uncompressed) file."""
_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
_FEED_LINKS = etree.XPath("//link[@href and contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]")


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """Absolute URLs of the `Sitemap:` lines of a robots.txt, in file order."""
    found = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(base_url, value.strip()))
    return list(dict.fromkeys(found))


def feed_links(root: etree._Element, page_url: str) -> list[str]:
    """RSS/Atom feeds a page announces with `<link rel="alternate" type="application/rss+xml">`."""
    found = []
    links = _FEED_LINKS(root)
    assert isinstance(links, list)
    for link in links:
        if not isinstance(link, etree._Element):
            continue
        if (link.get("type") or "").split(";")[0].strip().lower() in FEED_TYPES:
            found.append(urljoin(page_url, str(link.get("href", "")).strip()))
    return list(dict.fromkeys(found))


@dataclass
class SitemapDocument:
    """A parsed sitemap: child sitemaps (index) or article entries (urlset, news sitemap)."""

    sitemaps: list[ListingEntry] = field(default_factory=list)
    """Child sitemaps of an index, `published_at` = their `lastmod`."""
    entries: list[ListingEntry] = field(default_factory=list)


def gunzip_capped(body: bytes, cap: int, url: str) -> bytes:
    """`body` inflated, at most `cap` bytes of it: decompression stops there (a 400 KB file may inflate to
    gigabytes), so memory stays bounded by the cap; a cut-off sitemap is read as far as it parses."""
    out: list[bytes] = []
    size = 0
    while body and size < cap:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # one gzip member; the loop reads any next one
        chunk = inflater.decompress(body, cap - size)
        out.append(chunk)
        size += len(chunk)
        if inflater.unconsumed_tail:
            logger.warning("gzip sitemap inflates past %d bytes, read up to there: %s", cap, url)
            break
        body = inflater.unused_data if inflater.eof else b""
    return b"".join(out)


def parse_sitemap(body: bytes, url: str) -> SitemapDocument:
    """An index's child sitemaps, or a urlset's entries with `news:publication_date` (else `lastmod`) as time."""
    document = SitemapDocument()
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip_capped(body, MAX_SITEMAP_BYTES, url)
        except zlib.error:
            logger.warning("sitemap is not valid gzip: %s", url)
            return document
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        logger.warning("sitemap does not parse: %s", url)
        return document
    kind = etree.QName(root).localname
    for node in root:
        if not isinstance(node.tag, str):
            continue
        values = _child_texts(node)
        loc = values.get("loc")
        if not loc:
            continue
        published = parse_iso(values.get("publication_date") or values.get("lastmod"))
        entry = ListingEntry(url=urljoin(url, loc), published_at=published, title=values.get("title"))
        (document.sitemaps if kind == "sitemapindex" else document.entries).append(entry)
    return document


def _child_texts(node: etree._Element) -> dict[str, str]:
    """Local name -> text of every descendant (so `news:news/news:publication_date` is found)."""
    values: dict[str, str] = {}
    for child in node.iterdescendants():
        if isinstance(child.tag, str) and child.text and child.text.strip():
            values.setdefault(etree.QName(child).localname, child.text.strip())
    return values
