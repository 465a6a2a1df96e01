"""The contract between the crawler and a portal family: the portal row and its page objects.

A portal is data (hosts, time zone, discovery paths, URL pattern) plus the page-object
classes that parse its pages: `PortalDefinition`. An article page object takes a response
(live, from a fixture file or from a WARC record) and the portal definition, and returns
either an `ArticleItem` or an explicit `NotAnArticle`. It never sees the spider, the
settings or the network. This module imports nothing of the families: they import it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from w3lib.url import safe_url_string

from crawler.extract.limits import PageLimits, bounded_root
from crawler.extract.select import head_link
from crawler.extract.text import content_hash
from crawler.items import ArticleItem, ListingEntry, parser_version

if TYPE_CHECKING:
    from scrapy.http import TextResponse

T = TypeVar("T")
logger = logging.getLogger(__name__)

__all__ = ["ListingEntry", "NotAnArticle", "PortalDefinition", "ArticlePageBase"]


@dataclass(frozen=True)
class NotAnArticle:
    """A page that holds no article (listing, photo/video index, soft 404, empty body)."""

    reason: str
    """Short slug for stats, e.g. `soft_404`, `no_body`, `photo_page`."""


class ListingPage(Protocol):
    def entries(self) -> list[ListingEntry]: ...

    def next_page_url(self) -> str | None: ...


class ListingPageFactory(Protocol):
    def __call__(
        self, response: TextResponse, portal: PortalDefinition, *, now: datetime | None = None
    ) -> ListingPage: ...


class ArticlePage(Protocol):
    def to_item(self) -> ArticleItem | NotAnArticle: ...


class ArticlePageFactory(Protocol):
    def __call__(
        self,
        response: TextResponse,
        portal: PortalDefinition,
        *,
        fetched_at: datetime | None = None,
        strict: bool = False,
        limits: PageLimits | None = None,
    ) -> ArticlePage: ...


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


class ArticlePageBase:
    """What every article page object shares: its inputs, fields read in isolation, the record's envelope.

    A field read through `_field` that raises becomes a `<field>: <error>` warning and its
    default, so one broken selector never loses the article; `strict=True` (fixture tests)
    re-raises instead. A family extracts the content fields (title, dates, body, credits,
    images...) and hands them to `build_item`, which fills the envelope every record shares:
    id, portal, site_name, url, fetched_url, word_count, content_hash, layout,
    parser_version, crawled_at and warnings (web-poet's page-object/`to_item` split).
    """

    INITIAL_WARNINGS: ClassVar[tuple[str, ...]] = ()
    """Warnings every record of this page object carries (e.g. that its text is a heuristic extraction)."""

    def __init__(
        self,
        response: TextResponse,
        portal: PortalDefinition,
        *,
        fetched_at: datetime | None = None,
        strict: bool = False,
        limits: PageLimits | None = None,
    ) -> None:
        self.response = response
        self.portal = portal
        self.fetched_at = fetched_at or datetime.now(UTC)
        self.strict = strict
        self.limits = limits or PageLimits()
        """Caps on the page's size (`ARCHIVE_PARSE_MAX_*`): the tree is cut to them before any field is read."""
        self.warnings: list[str] = list(self.INITIAL_WARNINGS)

    def _field(self, name: str, read: Callable[[], T], default: T) -> T:
        """`read()`, or `default` plus a warning when it raises (re-raised in strict mode)."""
        try:
            return read()
        except Exception as exc:
            if self.strict:
                raise
            self.warnings.append(f"{name}: {type(exc).__name__}: {exc}")
            return default

    # --- the envelope: the same for every family ------------------------------------------
    def canonical_link(self) -> str | None:
        """The page's own canonical link (absolute, made safe), if it has one."""
        href = head_link(self._page_root, "canonical")
        # Page text, not a trusted URL: percent-encode whitespace, controls and junk before using it.
        return safe_url_string(urljoin(self.response.url, href)) if href else None

    @cached_property
    def _page_root(self) -> etree._Element:
        root, cuts = bounded_root(self.response, self.limits)
        self.warnings += cuts
        return root

    @cached_property
    def _canonical(self) -> str | None:
        return self.canonical_link()

    def record_id(self) -> str | None:
        """`<portal>:<article id>` from the fetched URL, else from a canonical link on the portal's hosts."""
        found = self.portal.record_id(self.response.url)
        if found is None and self._canonical and self._on_portal(self._canonical):
            found = self.portal.record_id(self._canonical)
        return found

    @cached_property
    def _record_id(self) -> str | None:
        # Read by the refusal check, the layout, `url` and the envelope: computed once per page.
        return self.record_id()

    def url(self) -> str:
        """The canonical URL on the real host; the page's canonical link wins when it names this article."""
        canonical = self._canonical
        if canonical and self._on_portal(canonical) and self.portal.record_id(canonical) == self._record_id:
            return self.portal.canonical_url(canonical) or canonical
        return self.portal.canonical_url(self.response.url) or self.response.url

    @cached_property
    def _url(self) -> str:
        return self.url()

    def _on_portal(self, link: str) -> bool:
        host = urlsplit(link).netloc.lower()
        return self.portal.is_own_host(link) or host == urlsplit(self.response.url).netloc.lower()

    def _encodable(self, name: str, value: Any) -> Any:
        """`value` with lone surrogates (e.g. a JSON-LD `"\\ud800"`) replaced by U+FFFD, with a warning.

        Such text cannot be encoded as UTF-8: left in, it would fail the content hash and the line.
        """
        cleaned = _without_surrogates(value)
        if cleaned is not value:
            self.warnings.append(f"{name}: unencodable characters (lone surrogates) replaced with U+FFFD")
        return cleaned

    def build_item(self, fields: Mapping[str, Any], *, layout: str, problems: Sequence[str] = ()) -> ArticleItem:
        """The record: the family's extracted `fields` inside the envelope every family shares."""
        record_id = self._record_id
        if record_id is None:  # families refuse such pages before extracting anything
            raise ValueError(f"{self.response.url}: not an article URL of {self.portal.name}")
        fields = {name: self._encodable(name, value) for name, value in fields.items()}
        title, body = fields["title"], fields["body"]
        item = ArticleItem(
            id=record_id,
            portal=self.portal.name,
            site_name=self.portal.site_name,
            url=self._url,
            fetched_url=self.response.url,
            word_count=len(body.split()),
            content_hash=content_hash(title, body),
            layout=layout,
            parser_version=parser_version(layout),
            crawled_at=self.fetched_at.astimezone(UTC).isoformat(timespec="seconds"),
            **fields,
        )
        item.warnings = [*self.warnings, *problems]
        for warning in item.warnings:
            if warning not in self.INITIAL_WARNINGS:  # said on every record: not news for the log
                logger.warning("%s: %s", self.response.url, warning.encode("unicode_escape").decode("ascii"))
        return item


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    """`value` itself when it holds no lone surrogate, else a copy with each replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list | tuple):
        cleaned = [_without_surrogates(item) for item in value]
        changed = any(new is not old for new, old in zip(cleaned, value, strict=True))
        return type(value)(cleaned) if changed else value
    if isinstance(value, dict):
        pairs = {key: _without_surrogates(item) for key, item in value.items()}
        return pairs if any(pairs[key] is not value[key] for key in value) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: new for f in dataclasses.fields(value)
                   if (new := _without_surrogates(old := getattr(value, f.name))) is not old}  # fmt: skip
        return dataclasses.replace(value, **changes) if changes else value
    return value
