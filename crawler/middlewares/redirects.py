"""Stop redirect loops and redirects off the portal before Scrapy follows them, and count both.

Scrapy's RedirectMiddleware follows a loop until REDIRECT_MAX_TIMES (or until the
dupefilter silently drops the way back), and hands a redirect to another domain to the
offsite filter, which counts it with every other offsite request. For an archive both are
faults of the portal worth their own line and stat: this middleware sits just before
RedirectMiddleware and refuses them with `IgnoreRequest`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class RedirectGuardMiddleware:
    """Refuses a redirect back to a URL already visited in the same chain, or to a host outside `allowed_domains`.

    Settings: ARCHIVE_REDIRECT_GUARD_ENABLED.
    Stats: archive/faults/redirect_loop, archive/faults/offsite_redirect.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_REDIRECT_GUARD_ENABLED"):
            raise NotConfigured("ARCHIVE_REDIRECT_GUARD_ENABLED is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in _REDIRECTS or not location:
            return response
        target = safe_url_string(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self._refuse("redirect_loop", f"redirect loop {' -> '.join([*chain, target])}")
        allowed = getattr(self.crawler.spider, "allowed_domains", None)
        if allowed and not _on_domains(target, allowed):
            self._refuse("offsite_redirect", f"redirect off the portal: {request.url} -> {target}")
        return response

    def _refuse(self, kind: str, message: str) -> None:
        self._stats().inc_value(f"archive/faults/{kind}")
        logger.warning("%s (not followed)", message)
        raise IgnoreRequest(message)

    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats


def _on_domains(url: str, domains: list[str]) -> bool:
    """Whether the URL's host is one of `domains` or below one (Scrapy's offsite rule, ports ignored)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain.lower() or host.endswith("." + domain.lower()) for domain in domains)
