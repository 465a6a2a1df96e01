"""Portal definitions: one frozen, declarative row per news portal, and the registry of all rows.

A portal is data (hosts, time zone, discovery paths, URL pattern) plus the page-object
class that parses its article pages. Spiders are generated from `REGISTRY`
(`crawler/spiders/portal.py`), so adding a portal of a known family is adding a row.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from crawler.pages import ArticlePageFactory, ListingPageFactory


@dataclass(frozen=True)
class PortalDefinition:
    """Everything the crawler knows about one portal; nothing here is code but `article_page`."""

    name: str
    """Spider name, `family_region`, e.g. `antara_kaltim`."""
    site_name: str
    """Display name, e.g. `ANTARA News Kalimantan Timur`."""
    base_url: str
    """Real origin of the portal, e.g. `https://kaltim.antaranews.com` (no trailing slash)."""
    family: str
    """Portal family sharing markup and page objects, e.g. `antara`."""
    timezone: str
    """IANA zone used when a page prints no zone label, e.g. `Asia/Makassar` (WITA)."""
    article_page: ArticlePageFactory
    """Page-object class (or factory) that parses this portal's article pages."""
    listing_page: ListingPageFactory
    """Page-object class that extracts article links and the next-page link from a listing."""
    region: str | None = None
    """Province or area covered, e.g. `Kalimantan Timur`."""
    language: str = "id"
    """Language code of the portal's articles."""
    listing_paths: tuple[str, ...] = ("/terkini",)
    """Latest-article listings, walked through their pager."""
    feed_paths: tuple[str, ...] = ("/rss/terkini.xml",)
    """RSS/Atom feeds of latest articles."""
    sitemap_paths: tuple[str, ...] = ()
    """Sitemaps or sitemap indexes (none known for ANTARA)."""
    pagination_template: str = "{path}/{page}"
    """Fallback listing page URL when a page has no pager link (`{path}`, `{page}`)."""
    article_path_pattern: str = r"^/(?:amp/)?berita/(?P<id>\d+)(?:/(?P<slug>[^/?#]*))?/?$"
    """Regex on the URL path of an article page; group `id` is the portal's article id."""
    desktop_path_template: str = "/berita/{id}/{slug}"
    """Path of the desktop (non-AMP) article page, used for requests and canonical URLs."""
    alias_hosts: tuple[str, ...] = ()
    """Other hosts that served this portal (old domains, `m.` hosts); links to them are rebased."""
    custom_settings: tuple[tuple[str, Any], ...] = ()
    """Per-portal Scrapy settings (politeness), as pairs so the row stays hashable."""
    extra: tuple[tuple[str, Any], ...] = field(default=())
    """Family-specific hints for the page objects, as pairs."""
    discovery: str = "declared"
    """How the row's spider finds articles. `declared`: `PortalSpider` walks exactly the row's
    listing, feed and sitemap paths (`crawler/spiders/portal.py`). `auto`: `GenericPortalSpider`
    (`crawler/spiders/generic.py`) discovers robots.txt Sitemap lines, sitemaps, autodiscovered
    feeds and, as a last resort, listings; the row's paths are hints tried first."""

    @cached_property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    @cached_property
    def _article_path_re(self) -> re.Pattern[str]:
        return re.compile(self.article_path_pattern)

    def article_id(self, url: str) -> str | None:
        """The portal's article id in `url`, whatever its host, scheme, AMP prefix, slug or query."""
        match = self._article_path_re.match(urlsplit(url).path or "/")
        return match.group("id") if match else None

    def record_id(self, url: str) -> str | None:
        """The archive id `<portal>:<article id>` of `url`, or None if it is not an article URL."""
        article_id = self.article_id(url)
        return f"{self.name}:{article_id}" if article_id else None

    def desktop_path(self, url: str) -> str | None:
        """Desktop path of the article at `url` (AMP prefix, query and fragment dropped)."""
        match = self._article_path_re.match(urlsplit(url).path or "/")
        if not match:
            return None
        slug = match.groupdict().get("slug") or ""
        return self.desktop_path_template.format(id=match.group("id"), slug=slug).rstrip("/")

    def canonical_url(self, url: str) -> str | None:
        """The article's URL on the portal's real host: https, desktop, no query or fragment."""
        path = self.desktop_path(url)
        return f"{self.base_url}{path}" if path else None

    def with_base_url(self, base_url: str) -> PortalDefinition:
        """This definition served from another origin (mirror, archive, local replica)."""
        return replace(self, base_url=base_url.rstrip("/"))

    def is_own_host(self, url: str) -> bool:
        host = urlsplit(url).netloc.lower()
        return host == self.host or host in self.alias_hosts

    def rebase(self, url: str, base_url: str) -> str:
        """`url` moved from any of this portal's hosts onto `base_url` (scheme and host replaced)."""
        parts = urlsplit(url)
        base = urlsplit(base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    @cached_property
    def definition_version(self) -> str:
        """Short hash of the row, to tell which definition produced a record."""
        row = asdict(self)
        row["article_page"] = getattr(self.article_page, "__qualname__", repr(self.article_page))
        return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:12]


REGISTRY: dict[str, PortalDefinition] = {}
"""Every portal the archiver knows, by spider name."""


def register(*portals: PortalDefinition) -> None:
    for portal in portals:
        if portal.name in REGISTRY:
            raise ValueError(f"portal {portal.name!r} is defined twice")
        REGISTRY[portal.name] = portal


def load_registry() -> dict[str, PortalDefinition]:
    """Import every family module (each registers its rows) and return the registry."""
    import crawler.portals.antara
    import crawler.portals.generic  # noqa: F401  (each family registers its rows on import)

    return REGISTRY
