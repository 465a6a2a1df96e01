"""RSS 2.0 and Atom feeds to listing entries (link, title, publication time).

A feed that does not parse yields no entries and a logged warning: discovery has other
sources (listings, sitemaps), so a broken feed must never stop a crawl.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree
from scrapy.http import Response

from crawler.extract.dates import parse_iso
from crawler.items import ListingEntry

logger = logging.getLogger(__name__)

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


def parse_feed(response: Response) -> list[ListingEntry]:
    """Entries of an RSS or Atom feed, in feed order."""
    try:
        root = etree.fromstring(response.body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        logger.warning("feed does not parse: %s", response.url)
        return []
    entries = [_rss_entry(item) for item in root.iter("item", "{*}item")]
    entries += [_atom_entry(entry) for entry in root.iter("{http://www.w3.org/2005/Atom}entry")]
    return [entry for entry in entries if entry is not None]


def _rss_entry(item: etree._Element) -> ListingEntry | None:
    link = _child_text(item, "link") or _child_text(item, "guid")
    if not link:
        return None
    return ListingEntry(url=link, published_at=_rfc822(_child_text(item, "pubDate")), title=_child_text(item, "title"))


def _atom_entry(entry: etree._Element) -> ListingEntry | None:
    links = entry.findall("{http://www.w3.org/2005/Atom}link")
    href = next((link.get("href") for link in links if link.get("rel", "alternate") == "alternate"), None)
    if not href:
        return None
    published = _child_text(entry, "published") or _child_text(entry, "updated")
    return ListingEntry(url=href, published_at=parse_iso(published), title=_child_text(entry, "title"))


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            text = "".join(child.itertext()).strip()
            return text or None
    return None


def _rfc822(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return parse_iso(text)
    return moment if moment.tzinfo is not None else None
