"""The page-object interface shared by every portal family.

An article page object takes a response (live, from a fixture file or from a WARC record)
and the portal definition, and returns either an `ArticleItem` or an explicit
`NotAnArticle`. It never sees the spider, the settings or the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.items import ArticleItem
    from crawler.portals import PortalDefinition

T = TypeVar("T")


@dataclass(frozen=True)
class NotAnArticle:
    """A page that holds no article (listing, photo/video index, soft 404, empty body)."""

    reason: str
    """Short slug for stats, e.g. `soft_404`, `no_body`, `photo_page`."""


@dataclass(frozen=True)
class ListingEntry:
    """An article link found on a listing page, feed or sitemap."""

    url: str
    """Absolute URL as linked (any host, AMP or query string included)."""
    published_at: datetime | None = None
    """Publication time shown beside the link (timezone-aware), when there is one."""
    title: str | None = None


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
    ) -> ArticlePage: ...


class ArticlePageBase:
    """What every article page object shares: its inputs, and fields read in isolation.

    A field read through `_field` that raises becomes a `<field>: <error>` warning and its
    default, so one broken selector never loses the article; `strict=True` (fixture tests)
    re-raises instead.
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
    ) -> None:
        self.response = response
        self.portal = portal
        self.fetched_at = fetched_at or datetime.now(UTC)
        self.strict = strict
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
