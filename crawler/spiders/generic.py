"""Generic portal spiders: `portal` (any site, `-a base_url=...`) and one class per generic preset row.

Discovery, in order of trust: the `Sitemap:` lines of robots.txt and the row's sitemap
paths (sitemap indexes followed, newest child first; news sitemaps give publication
times), the row's feed paths and the feeds the home page announces (`<link
rel="alternate">`); listing pages only as a last resort, when those gave no article link
of the portal (the spider-idle signal decides). Only the portal's own hosts are followed.
Article requests, identity (`<portal>:<stable id>`, see
`crawler/portals/generic/definition.py`), date ranges and parsing are `PortalSpider`'s.

Request meta keys: as `PortalSpider`, plus `archive_sitemap_depth` (index nesting level).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse

from crawler.arguments import ArgumentError, parse_base_url
from crawler.extract.discovery import feed_links, parse_sitemap, robots_sitemaps
from crawler.extract.feeds import parse_feed
from crawler.extract.select import page_root
from crawler.items import ListingEntry
from crawler.portals.base import PortalDefinition
from crawler.portals.generic import any_portal
from crawler.portals.registry import load_registry
from crawler.spiders.portal import SITEMAP_MAX_URLS, PortalSpider

SKIPPED_SITEMAPS = re.compile(
    r"(?:^|[/_-])(?:tag|category|categories|kategori|author|penulis|page|image|video)s?[-_.]", re.IGNORECASE
)
"""Child sitemaps of an index that list no articles (WordPress/Yoast `category-sitemap.xml`, ...)."""
MAX_SITEMAP_DEPTH = 3
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")


class GenericPortalSpider(PortalSpider):
    """Crawls a generic portal by automatic discovery.

    Settings: ARCHIVE_GENERIC_MAX_SITEMAPS, ARCHIVE_MAX_LISTING_PAGES (listing fallback).
    Stats: archive/discovery/{robots_sitemaps,feeds_found,listing_fallback} besides PortalSpider's.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GenericPortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.listing_fallback, signal=signals.spider_idle)
        return spider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._portal_links = 0
        self._sitemaps_read = 0
        self._fallback_started = False
        # Subdomains of the portal's host (`www.`, `m.`) are the portal too; other hosts never are.
        self.allowed_domains = [_bare(urlsplit(self.portal.base_url).hostname or self.portal.host)]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        base = self.portal.base_url
        yield scrapy.Request(base + "/robots.txt", callback=self.parse_robots)
        for path in self.portal.sitemap_paths:
            for request in self._sitemap_request(base + path, depth=0):
                yield request
        for path in self.portal.feed_paths:
            yield scrapy.Request(base + path, callback=self.parse_feed)
        yield scrapy.Request(base + "/", callback=self.parse_home)

    # --- discovery ---------------------------------------------------------------------------
    def parse_robots(self, response: Response) -> Iterable[scrapy.Request]:
        for url in robots_sitemaps(response.text if isinstance(response, TextResponse) else "", response.url):
            if self._is_portal_url(url):
                self._count("archive/discovery/robots_sitemaps")
                yield from self._sitemap_request(self._on_origin(url), depth=0)

    def parse_home(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for url in feed_links(page_root(response), response.url):
            if self._is_portal_url(url):
                self._count("archive/discovery/feeds_found")
                yield scrapy.Request(self._on_origin(url), callback=self.parse_feed)

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        self._count("archive/discovery/feeds")
        yield from self._found(parse_feed(response), response)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        self._count("archive/discovery/sitemaps")
        document = parse_sitemap(response.body, response.url)
        depth = response.meta.get("archive_sitemap_depth", 0) + 1
        for child in self._newest_first(document.sitemaps):
            if depth > MAX_SITEMAP_DEPTH or not self._is_portal_url(child.url):
                continue
            if not SKIPPED_SITEMAPS.search(urlsplit(child.url).path):
                yield from self._sitemap_request(self._on_origin(child.url), depth=depth)
        yield from self._found(document.entries, response)

    def _newest_first(self, sitemaps: list[ListingEntry]) -> list[ListingEntry]:
        """Child sitemaps by `lastmod`, newest first; with `since`, none last modified before it."""
        since = self.arguments.since
        if since is not None:
            sitemaps = [s for s in sitemaps if s.published_at is None or self._local_day(s.published_at) >= since]
        return sorted(sitemaps, key=lambda s: s.published_at.timestamp() if s.published_at else 0.0, reverse=True)

    def _sitemap_request(self, url: str, *, depth: int) -> Iterable[scrapy.Request]:
        if self._sitemaps_read >= self.settings.getint("ARCHIVE_GENERIC_MAX_SITEMAPS"):
            self._count("archive/discovery/sitemaps_over_limit")
            return
        self._sitemaps_read += 1
        yield scrapy.Request(url, callback=self.parse_sitemap, meta={"archive_sitemap_depth": depth})

    def _found(self, entries: Iterable[ListingEntry], response: Response) -> Iterable[scrapy.Request]:
        entries = (
            self._capped(list(entries), response)
            if response.meta.get("archive_sitemap_depth") is None
            else (list(islice(entries, SITEMAP_MAX_URLS)))
        )
        self._portal_links += sum(1 for entry in entries if self._is_portal_url(entry.url))
        yield from self._article_requests(entries)

    # --- listings: the last resort -------------------------------------------------------------
    def listing_fallback(self) -> None:
        """On idle: if sitemaps and feeds gave no article link of the portal, walk the listing pages."""
        if self._fallback_started or self._portal_links:
            return
        self._fallback_started = True
        self.logger.info("no sitemap or feed listed an article; falling back to listing pages")
        self._count("archive/discovery/listing_fallback")
        assert self.crawler.engine is not None
        for path in self.portal.listing_paths:
            # The home page was fetched already (feed autodiscovery): read it again, as a listing.
            request = self._listing_request(self.portal.base_url + path, page=1, path=path)
            self.crawler.engine.crawl(request.replace(dont_filter=True))
        raise DontCloseSpider

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        self._count("archive/discovery/listing_pages")
        page = self.portal.listing_page(response, self.real_portal, now=datetime.now(UTC))
        entries = self._capped(page.entries(), response)
        yield from self._article_requests(entries)
        number = response.meta.get("archive_listing_page", 1)
        next_url = page.next_page_url()
        # Only the pager's own link is followed: page URLs of an unknown portal cannot be built.
        if next_url and self._is_portal_url(next_url) and self._walk_on(entries, number):
            path = response.meta["archive_listing"]
            yield self._listing_request(self._on_origin(next_url), page=number + 1, path=path)


class AnyPortalSpider(GenericPortalSpider):
    """Archives any news portal: `scrapy crawl portal -a base_url=https://example-portal.id [-a name=...]`.

    The row is made from the arguments: `name` (default: from the host, `example_portal_id`)
    is the record id prefix, the export folder and the stats' spider name.
    """

    name = "portal"
    ARGUMENTS = ("base_url", "name", "since", "until", "refresh")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        portal = any_portal(*self.portal_arguments(**kwargs))
        # The row exists only for this run; PortalSpider reads it from `registry_portal`.
        self.__dict__["registry_portal"] = portal
        super().__init__(*args, **kwargs)
        self.name = portal.name

    @classmethod
    def validate_arguments(cls, **kwargs: Any) -> None:
        cls.portal_arguments(**kwargs)
        super().validate_arguments(**kwargs)

    @classmethod
    def lock_key(cls, **kwargs: Any) -> str:
        """Runs for different sites may overlap: the lock is the site's portal name, not `portal`."""
        return any_portal(*cls.portal_arguments(**kwargs)).name

    @staticmethod
    def portal_arguments(**kwargs: Any) -> tuple[str, str | None]:
        """(base_url, name or None), validated; `ArgumentError` when base_url is missing or name is malformed."""
        if not kwargs.get("base_url"):
            raise ArgumentError("base_url is required: scrapy crawl portal -a base_url=https://example-portal.id")
        base_url = parse_base_url(str(kwargs["base_url"]))
        name = kwargs.get("name")
        if name is not None and not _NAME.match(str(name)):
            raise ArgumentError(f"name={name!r} must be lower-case letters, digits and '_', starting with a letter")
        chosen = any_portal(base_url, name).name
        if chosen in load_registry() or chosen == AnyPortalSpider.name:
            # Another spider's name would share its files, state and lock with a different site.
            raise ArgumentError(f"name={chosen!r} is a registry portal's name; choose another with -a name=")
        return base_url, str(name) if name is not None else None


def _bare(host: str) -> str:
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


def _spider_class(portal: PortalDefinition) -> type[GenericPortalSpider]:
    attributes: dict[str, Any] = {
        "name": portal.name,
        "registry_portal": portal,
        "__module__": __name__,  # Scrapy's spider loader only picks classes defined in this module
        "__doc__": f"Archives {portal.site_name} ({portal.base_url}) by automatic discovery.",
    }
    if portal.custom_settings:
        attributes["custom_settings"] = dict(portal.custom_settings)
    class_name = "".join(part.capitalize() for part in portal.name.split("_")) + "Spider"
    return type(class_name, (GenericPortalSpider,), attributes)


for _portal in load_registry().values():
    if _portal.discovery == "auto":
        _cls = _spider_class(_portal)
        globals()[_cls.__name__] = _cls
del _portal, _cls
