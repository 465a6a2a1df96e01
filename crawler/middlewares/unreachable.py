"""A portal that never answers is reported as unreachable with its cause, once, instead of a traceback per request.

A connection-level failure (the host name does not resolve, the connection is refused,
the TLS handshake fails, the connection times out) that Scrapy's RetryMiddleware has
given up on, on a host that has not answered a single request in this run, means the
portal is unreachable from here: not a broken page, not a changed template. The failure
is turned into `IgnoreRequest` (Scrapy logs no traceback for it), its cause is kept in the
stats, and later requests to that host are refused before they are sent, so the run ends
after one request's retries instead of walking every listing into the same wall.
The run monitor (`crawler.monitoring.monitor`) reads the stats: a run without a single
response and with such a cause is `unreachable`, with its own exit code.

A host that answered at least once keeps Scrapy's ordinary handling of later failures.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

CAUSE_STAT = "archive/unreachable/cause"
"""Stat holding `<host>: <cause>` of the first host found unreachable."""


def connection_failure(exception: BaseException) -> str | None:
    """A one-line cause for a failure to reach the server at all; None for anything else."""
    if isinstance(exception, CannotResolveHostError):
        return f"the host name does not resolve ({_reason(exception)})"
    if isinstance(exception, DownloadConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exception, DownloadTimeoutError):
        return f"timed out ({_reason(exception)})"
    if isinstance(exception, DownloadFailedError) and _is_tls_failure(exception):
        return f"the TLS handshake failed ({_reason(exception)})"
    return None


def _reason(exception: BaseException) -> str:
    return " ".join(str(exception).split()).rstrip(".") or type(exception).__name__


def _is_tls_failure(exception: BaseException) -> bool:
    """Twisted reports a failed handshake as ResponseNeverReceived([Failure(OpenSSL.SSL.Error)])."""
    cause = exception.__cause__
    reasons = getattr(cause, "reasons", None) or []
    return any(type(getattr(r, "value", r)).__module__.startswith("OpenSSL") for r in reasons) or "SSL" in str(
        exception
    )


class UnreachableHostMiddleware:
    """Downloader middleware, just below RetryMiddleware: sees only failures it gave up on.

    Settings: ARCHIVE_UNREACHABLE_ENABLED.
    Stats: archive/unreachable/cause (`<host>: <cause>`), archive/unreachable/refused
    (requests not sent to a host already found unreachable).
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.answered: set[str] = set()
        self.unreachable: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_UNREACHABLE_ENABLED"):
            raise NotConfigured("ARCHIVE_UNREACHABLE_ENABLED is off")
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        if host in self.unreachable:
            self.stats.inc_value("archive/unreachable/refused")
            raise IgnoreRequest(f"{host} is unreachable: {self.unreachable[host]}")

    def process_response(self, request: Request, response: Response) -> Response:
        self.answered.add(urlparse_cached(request).netloc)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        host = urlparse_cached(request).netloc
        cause = connection_failure(exception)
        if cause is None or host in self.answered:
            return
        if host not in self.unreachable:
            self.unreachable[host] = cause
            logger.debug("%s unreachable after %s: %s", host, request.url, cause)
            if self.stats.get_value(CAUSE_STAT) is None:
                self.stats.set_value(CAUSE_STAT, f"{host}: {cause}")
        raise IgnoreRequest(f"{host} is unreachable: {cause}")
