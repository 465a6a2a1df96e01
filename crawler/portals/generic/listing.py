"""`GenericListingPage`: article links and the next-page link of any portal's listing page.

Used only as the last resort of discovery (no sitemap or feed gave articles). Without
selectors for the portal, a link counts as an article when it stays on the portal and its
path looks like one: a numeric id, a `/YYYY/MM/DD/` date, or a slug of at least three
words; section, tag, author, search, paging and file links never do.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from crawler.extract.select import css
from crawler.extract.text import inline_text
from crawler.items import ListingEntry

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.portals.base import PortalDefinition

NEXT_LINK = (
    'link[rel="next"]',
    'a[rel~="next"]',
    ".pagination a.next",
    "a.next",
    ".nav-links a.next",
    ".pagination li.active + li a",
)
NOT_ARTICLE_SEGMENTS = frozenset(
    {"tag", "tags", "topik", "category", "kategori", "author", "penulis", "page", "search", "cari", "feed", "rss",
     "wp-content", "wp-admin", "wp-json", "login", "indeks", "index", "video", "foto", "galeri", "redaksi",
     "tentang-kami", "about", "kontak", "contact", "pedoman-media-siber", "privacy-policy"}
)  # fmt: skip
ARTICLE_PATH = re.compile(
    r"/\d{4}/\d{2}/\d{2}/"  # a date path
    r"|(?:^|/)(?:[a-z]-)?\d{5,}(?:[-/.]|$)"  # a numeric id
    r"|/[a-z0-9]+(?:-[a-z0-9]+){2,}(?:\.html?)?/?$"  # a slug of three words or more
)
FILE_EXTENSION = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|pdf|xml|js|css|mp4|mp3|zip)$", re.IGNORECASE)


def looks_like_article(path: str) -> bool:
    """Whether a URL path on the portal looks like an article page (see the module docstring)."""
    segments = [segment.lower() for segment in path.split("/") if segment]
    if not segments or FILE_EXTENSION.search(path) or NOT_ARTICLE_SEGMENTS & set(segments):
        return False
    return bool(ARTICLE_PATH.search(path.lower()))


class GenericListingPage:
    def __init__(self, response: TextResponse, portal: PortalDefinition, *, now: datetime | None = None) -> None:
        self.response = response
        self.portal = portal
        self.now = now

    def entries(self) -> list[ListingEntry]:
        """Article-looking links on the portal's own hosts, in page order, each once."""
        found: dict[str, ListingEntry] = {}
        for link in css(self.response.selector.root, "a[href]"):
            url = urljoin(self.response.url, link.get("href", "").strip()).split("#", 1)[0]
            if not self._on_portal(url) or not looks_like_article(urlsplit(url).path):
                continue
            found.setdefault(url, ListingEntry(url=url, title=inline_text(link) or None))
        return list(found.values())

    def next_page_url(self) -> str | None:
        for query in NEXT_LINK:
            for node in css(self.response.selector.root, query):
                href = str(node.get("href") or "").strip()
                if href:
                    return urljoin(self.response.url, href)
        return None

    def _on_portal(self, url: str) -> bool:
        host = urlsplit(url).netloc.lower()
        return urlsplit(url).scheme in ("http", "https") and (
            host == urlsplit(self.response.url).netloc.lower() or self.portal.is_own_host(url)
        )
