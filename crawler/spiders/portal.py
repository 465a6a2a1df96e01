"""Portal spiders: one generated class per registry row; they discover and fetch, never parse.

Discovery follows the portal definition: latest-article listings through their pager,
feeds and sitemaps. Every article link, whatever its host (real host, alias, mirror),
AMP prefix, slug or query string, is reduced to the portal's article id and fetched once,
as the desktop page on the origin being crawled (`base_url`). Parsing is the page
object's job (`portal.article_page`).

Request meta keys (all namespaced):
    archive_record_id: `<portal>:<article id>` of an article request.
    archive_listing_page: 1-based page number of a listing request.
    archive_conditional: True on listing, feed and sitemap requests of scheduled runs
        (sent with remembered validators by `crawler.scheduling.conditional`; a `304` never reaches a callback).
    archive_walk: the listing walk a listing request belongs to (`crawler.scheduling.walks`).
    archive_parsed: the parsed article page, when a worker process parsed it (`crawler.middlewares.parseworkers`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import islice
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.arguments import ArgumentError, CrawlArguments
from crawler.dedup.state import shared_state
from crawler.extract.feeds import parse_feed
from crawler.extract.limits import PageLimits
from crawler.items import ArticleItem
from crawler.portals.base import ListingEntry, NotAnArticle, PortalDefinition
from crawler.portals.registry import load_registry
from crawler.portals.worker import PARSED_META, fetched_at, parse_page
from crawler.scheduling.walks import WALK_META, covers, end_walk, walk_unfinished

SITEMAP_MAX_URLS = 50_000
"""URLs read from one sitemap file: the sitemap protocol's own maximum."""
DEFINITE_NOT_ARTICLE = frozenset(
    {"photo_page", "video_page", "infographic_page", "listing_page", "not_article_url", "no_article_markup"}
)
"""Not-an-article reasons that another fetch will not change (others may be a server's passing fault)."""
_CRAWL_ARGUMENTS = ("base_url", "since", "until", "refresh")
_SCRAPYD_ARGUMENTS = ("_job",)
"""Arguments scrapyd adds to every run it starts (`-a _job=<job id>`)."""


class PortalSpider(scrapy.Spider):
    """Crawls one portal. Subclasses set `name` and `registry_portal`.

    Settings: ARCHIVE_MAX_LISTING_PAGES, ARCHIVE_BACKFILL_MAX_LISTING_PAGES, ARCHIVE_INCREMENTAL_ENABLED.
    Stats: archive/discovery/{listing_pages,feeds,sitemaps,links,duplicate_links,
    foreign_links,out_of_range}, archive/parse/{articles,layout/<layout>,not_an_article/<reason>,out_of_range},
    archive/incremental/{listing_stops,feed_only_stored}.
    """

    registry_portal: ClassVar[PortalDefinition]
    ARGUMENTS: ClassVar[tuple[str, ...]] = ("base_url", "since", "until", "refresh")
    """The `-a` arguments a portal spider accepts; any other is refused before the crawl starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.validate_arguments(**kwargs)
        arguments = CrawlArguments.parse(**{key: kwargs[key] for key in _CRAWL_ARGUMENTS if key in kwargs})
        # Scrapy would make every -a an attribute, `name` and `registry_portal` included: only scrapyd's job id passes.
        super().__init__(*args, **{key: kwargs[key] for key in _SCRAPYD_ARGUMENTS if key in kwargs})
        self.arguments = arguments
        self.refresh = arguments.refresh
        self.real_portal = self.registry_portal
        self.portal = self.real_portal.with_base_url(arguments.base_url or self.real_portal.base_url)
        self.allowed_domains = [urlsplit(self.portal.base_url).hostname or self.portal.host]
        self._zone = ZoneInfo(self.portal.timezone)
        self._requested_ids: set[str] = set()
        self._listed_ids: set[str] = set()
        self._met_unstored: set[str] = set()

    @classmethod
    def lock_key(cls, **kwargs: Any) -> str:
        """Name of the run lock: one run per portal at a time (`crawler.store.lock`)."""
        return cls.name

    @classmethod
    def validate_arguments(cls, **kwargs: Any) -> None:
        """Raise `ArgumentError` for an unknown `-a` name or a bad value before the crawl starts."""
        unknown = sorted(set(kwargs) - set(cls.ARGUMENTS) - set(_SCRAPYD_ARGUMENTS))
        if unknown:
            shown = ", ".join(repr(name)[:40] for name in unknown)
            raise ArgumentError(f"unknown argument {shown}; accepted: {', '.join(cls.ARGUMENTS)}")
        CrawlArguments.parse(**{key: kwargs[key] for key in _CRAWL_ARGUMENTS if key in kwargs})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in self.portal.listing_paths:
            request = self._listing_request(self.portal.base_url + path, page=1, path=path)
            if walk_unfinished(self.crawler, path):
                request.meta.pop("archive_conditional", None)  # a 304 would end the walk before it resumes
            yield request
        for path in self.portal.feed_paths:
            yield scrapy.Request(self.portal.base_url + path, callback=self.parse_feed, meta=self._conditional())
        for path in self.portal.sitemap_paths:
            yield scrapy.Request(self.portal.base_url + path, callback=self.parse_sitemap, meta=self._conditional())

    # --- listings ------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        self._count("archive/discovery/listing_pages")
        page = self.portal.listing_page(response, self.real_portal, now=datetime.now(UTC))
        entries = self._capped(page.entries(), response)
        number, path = response.meta.get("archive_listing_page", 1), response.meta["archive_listing"]
        walk = self._walk_step(response, self._article_ids(entries))
        only_stored = self._only_stored(entries, known=self._listed_ids) and (walk is None or walk["covered"])
        self._listed_ids.update(self._article_ids(entries))
        if only_stored:
            self.logger.info("incremental stop: listing page %d holds only stored articles (%s)", number, response.url)
            self._count("archive/incremental/listing_stops")
        if not only_stored and self._walk_on(entries, number):
            next_url = page.next_page_url() or self.portal.pagination_template.format(
                path=self.portal.base_url + path, page=number + 1
            )
            # The next page first: the walk is the crawl's critical path (every article is found
            # through it), and outputs reach the scheduler in this order, a loop turn or more apart.
            yield self._listing_request(self._on_origin(next_url), page=number + 1, path=path, walk=walk)
        elif walk is not None:
            walk["end"] = True  # checkpointed by WalkCheckpointMiddleware once the page's links are remembered
        yield from self._article_requests(entries)

    def _walk_step(self, response: Response, ids: list[str]) -> dict[str, Any] | None:
        """This page's step of the listing walk (`crawler.scheduling.walks`); None in backfills, which end by date."""
        if self.arguments.since or self.arguments.until:
            return None
        previous = response.meta.get(WALK_META) or {}
        covered = previous.get("covered") or covers(self.crawler, response.meta["archive_listing"], ids)
        walk = {"start": previous.get("start", ids), "covered": covered}
        response.meta[WALK_META] = walk
        return walk

    def listing_failed(self, failure: Failure) -> None:
        """A listing page past the end may be a 404: the walk ended there. Other failures leave it to resume."""
        error = failure.value
        if isinstance(error, HttpError) and error.response.status in (404, 410):
            meta = error.response.meta
            if meta.get(WALK_META) and meta.get("archive_listing_page", 1) > 1:
                end_walk(self.crawler, meta["archive_listing"], meta[WALK_META]["start"])

    def _walk_on(self, entries: list[ListingEntry], number: int) -> bool:
        """Whether the next listing page can still hold articles we want."""
        since = self.arguments.since
        limit_name = "ARCHIVE_BACKFILL_MAX_LISTING_PAGES" if since else "ARCHIVE_MAX_LISTING_PAGES"
        if not entries or number >= self.settings.getint(limit_name):
            return False
        dated = [self._local_day(e.published_at) for e in entries if e.published_at]
        # Listing order is not a contract, so stop only when a whole page is older than `since`.
        return since is None or not dated or max(dated) >= since

    def _only_stored(self, entries: Iterable[ListingEntry], *, known: Collection[str] = ()) -> bool:
        """Incremental stop rule: every article a page links was stored before this run (or is in `known`).

        "Before this run": an article first met unstored in this run (in the feed, on an earlier
        page) and stored since is news, and news means older pages may hold more. `known` holds
        the ids of earlier pages of the listing walk, because a page may repeat the previous
        page's last entry. Backfills (`since`/`until`) and `refresh` runs never stop by this
        rule, and neither does a page linking no article.
        """
        if self.arguments.since or self.arguments.until or self.refresh:
            return False
        if not self.settings.getbool("ARCHIVE_INCREMENTAL_ENABLED"):
            return False
        ids = self._article_ids(entries)
        state = shared_state(self.crawler)
        self._met_unstored.update(rid for rid in ids if not state.is_stored(rid))
        return bool(ids) and all(rid in known or rid not in self._met_unstored for rid in ids)

    def _article_ids(self, entries: Iterable[ListingEntry]) -> list[str]:
        return [rid for e in entries if self._is_portal_url(e.url) and (rid := self.portal.record_id(e.url))]

    def _listing_request(self, url: str, *, page: int, path: str, walk: dict[str, Any] | None = None) -> scrapy.Request:
        meta: dict[str, Any] = {"archive_listing_page": page, "archive_listing": path, **self._conditional()}
        if walk is not None:
            meta[WALK_META] = {"start": walk["start"], "covered": walk["covered"]}
        return scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed, meta=meta)

    def _conditional(self) -> dict[str, bool]:
        """Meta of a discovery request: conditional (`crawler.scheduling.conditional`) in scheduled runs only.

        A `304` ends the request before any callback, and a listing walk with it: backfills and
        `refresh` runs must read unchanged pages, so they never send validators.
        """
        scheduled = not (self.arguments.since or self.arguments.until or self.refresh)
        return {"archive_conditional": True} if scheduled else {}

    # --- feeds and sitemaps ----------------------------------------------------
    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        self._count("archive/discovery/feeds")
        entries = self._capped(list(parse_feed(response)), response)
        if self._only_stored(entries):
            # A feed has no pager to stop walking; deltafetch drops its stored links before any fetch.
            self._count("archive/incremental/feed_only_stored")
        yield from self._article_requests(entries)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        self._count("archive/discovery/sitemaps")
        sitemap = Sitemap(response.body)
        urls = [entry["loc"] for entry in islice(sitemap, SITEMAP_MAX_URLS) if "loc" in entry]
        if sitemap.type == "sitemapindex":
            for url in urls:
                yield scrapy.Request(self._on_origin(url), callback=self.parse_sitemap, meta=self._conditional())
            return
        yield from self._article_requests(ListingEntry(url=url) for url in urls)

    # --- articles ------------------------------------------------------------
    def _article_requests(self, entries: Iterable[ListingEntry]) -> Iterable[scrapy.Request]:
        for entry in entries:
            request = self._article_request(entry)
            if request is not None:
                yield request

    def _article_request(self, entry: ListingEntry) -> scrapy.Request | None:
        record_id = self.portal.record_id(entry.url)
        if record_id is None or not self._is_portal_url(entry.url):
            self._count("archive/discovery/foreign_links")
            return None
        if entry.published_at and not self.arguments.in_range(self._local_day(entry.published_at)):
            self._count("archive/discovery/out_of_range")
            return None
        if record_id in self._requested_ids:
            self._count("archive/discovery/duplicate_links")
            return None
        self._requested_ids.add(record_id)
        self._count("archive/discovery/links")
        url = self.portal.base_url + (self.portal.desktop_path(entry.url) or "")
        return scrapy.Request(url, callback=self.parse_article, meta={"archive_record_id": record_id}, priority=1)

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        if not isinstance(response, TextResponse):
            self._count("archive/parse/not_an_article/not_text")
            return
        parsed = response.meta.pop(PARSED_META, None)  # parsed in a worker (crawler.middlewares.parseworkers)
        if parsed is not None:
            result = parsed.replay()
        else:
            result = parse_page(response, self.real_portal, self._page_limits, fetched_at(response.meta))
        if isinstance(result, NotAnArticle):
            self.logger.info("not an article (%s): %s", result.reason, response.url)
            self._count(f"archive/parse/not_an_article/{result.reason}")
            # An error page or an empty body may be a passing fault: the frontier tries the article again.
            response.meta["archive_unresolved"] = result.reason not in DEFINITE_NOT_ARTICLE
            return
        if not self._item_in_range(result):
            self._count("archive/parse/out_of_range")
            return
        self._count("archive/parse/articles")
        # Per layout, e.g. archive/parse/layout/antara_unknown: pages of no known template era.
        self._count(f"archive/parse/layout/{result.layout.replace('/', '_')}")
        for warning in result.warnings:
            self._count(f"archive/parse/warnings/{warning.split(':', 1)[0]}")
        result.portal_definition_version = self.real_portal.definition_version
        warc = response.meta.get("archive_warc")
        if warc:  # set by the WARC extension when it archived this response
            result.warc_file, result.warc_record_id = warc.get("file"), warc.get("record_id")
            result.warc_offset, result.payload_digest = warc.get("offset"), warc.get("payload_digest")
        yield result

    # --- helpers ---------------------------------------------------------------
    @cached_property
    def _page_limits(self) -> PageLimits:
        return PageLimits.from_settings(self.settings)

    def _capped(self, entries: list[ListingEntry], response: Response) -> list[ListingEntry]:
        """The first ARCHIVE_DISCOVERY_MAX_LINKS_PER_PAGE links of a listing page or feed: a hostile page
        linking 100,000 articles must not queue (and remember in the frontier) them all."""
        limit = self.settings.getint("ARCHIVE_DISCOVERY_MAX_LINKS_PER_PAGE")
        if len(entries) <= limit:
            return entries
        self.logger.warning("%s links %d articles; following the first %d (ARCHIVE_DISCOVERY_MAX_LINKS_PER_PAGE)",
                            response.url, len(entries), limit)  # fmt: skip
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/discovery/links_over_cap", len(entries) - limit)
        return entries[:limit]

    def _item_in_range(self, item: ArticleItem) -> bool:
        if (self.arguments.since is None and self.arguments.until is None) or not item.published_at:
            return True
        return self.arguments.in_range(datetime.fromisoformat(item.published_at).date())

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    def _is_portal_url(self, url: str) -> bool:
        host = urlsplit(url).netloc.lower()
        return not host or host == self.portal.host or self.real_portal.is_own_host(url)

    def _on_origin(self, url: str) -> str:
        """`url` (found on a page, maybe on the real host) moved onto the origin being crawled."""
        if self._is_portal_url(url):
            return self.portal.rebase(url, self.portal.base_url)
        return url

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)


def _spider_class(portal: PortalDefinition) -> type[PortalSpider]:
    class_name = "".join(part.capitalize() for part in portal.name.split("_")) + "Spider"
    attributes: dict[str, Any] = {
        "name": portal.name,
        "registry_portal": portal,
        "__module__": __name__,  # Scrapy's spider loader only picks classes defined in this module
        "__doc__": f"Archives {portal.site_name} ({portal.base_url}).",
    }
    if portal.custom_settings:
        attributes["custom_settings"] = dict(portal.custom_settings)
    return type(class_name, (PortalSpider,), attributes)


for _portal in load_registry().values():
    if _portal.discovery != "declared":
        continue  # rows with automatic discovery get their spider in crawler/spiders/generic.py
    _cls = _spider_class(_portal)
    globals()[_cls.__name__] = _cls
# Left in the module, the loop variable would be a second binding of the last spider class.
del _portal, _cls
