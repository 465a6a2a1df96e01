"""Honour `Retry-After` (and back off exponentially without it) when a portal answers 429 or 503.

Scrapy's RetryMiddleware retries 429/503 at once, which is exactly what a rate-limiting
server does not want. This middleware pauses the download slot (the host) for the time the
server asked for, or for an exponential backoff when it named none, and leaves the retry
itself to RetryMiddleware (RETRY_TIMES). Other hosts are not affected. A pause longer than
the cap is not waited for: the request is given up (no retry) and the host paused for the
cap only, so that one odd header cannot stall a cron run for hours.

The pause has to start before the slot sends its next queued request. Scrapy sends
`response_downloaded` right before it looks at the slot's queue again, and has no public
way to hold a slot, so the handler sets the slot's `latercall` (the same mechanism
DOWNLOAD_DELAY uses to hold the queue) to a call of the downloader's `_latercall` after
the pause. The pinned Scrapy minor and `tests/test_politeness.py` guard this.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import call_later

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

PAUSE_STATUSES = frozenset({429, 503})


def parse_retry_after(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait for a Retry-After value (delta-seconds or HTTP-date, RFC 9110 10.2.3); None if absent/bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # an HTTP-date is always GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Pauses a host after 429/503 for Retry-After seconds, or base * 2**retries without it, at most the cap.

    Settings: ARCHIVE_RETRY_AFTER_ENABLED, ARCHIVE_RETRY_AFTER_BASE_SECONDS, ARCHIVE_RETRY_AFTER_MAX_SECONDS
    (the retries themselves are Scrapy's RETRY_TIMES / RETRY_HTTP_CODES).
    Stats: archive/retry_after/pauses, archive/retry_after/pause_ms, archive/retry_after/gave_up.
    """

    def __init__(self, crawler: Crawler, base: float, cap: float) -> None:
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self._paused_until: dict[str, float] = {}
        """Download slot -> time.monotonic() until which it is paused."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_RETRY_AFTER_ENABLED"):
            raise NotConfigured("ARCHIVE_RETRY_AFTER_ENABLED is off")
        base = settings.getfloat("ARCHIVE_RETRY_AFTER_BASE_SECONDS")
        middleware = cls(crawler, base, settings.getfloat("ARCHIVE_RETRY_AFTER_MAX_SECONDS"))
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    def response_downloaded(self, response: Response, request: Request) -> None:
        if response.status not in PAUSE_STATUSES:
            return
        slot_key = self._slot(request)
        until = max(
            self._paused_until.get(slot_key, 0.0), time.monotonic() + min(self._delay(request, response), self.cap)
        )
        self._paused_until[slot_key] = until
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(slot_key)
        if slot is None:
            return
        if slot.latercall:
            slot.latercall.cancel()
        slot.latercall = call_later(max(0.0, until - time.monotonic()), downloader._latercall, slot)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in PAUSE_STATUSES:
            return response
        delay = self._delay(request, response)
        if delay > self.cap:
            # RetryMiddleware reads this same request's meta next: do not hammer a host that asked for a long rest.
            request.meta["dont_retry"] = True
            self._inc("archive/retry_after/gave_up")
            logger.warning("%s asked to wait %.0f s (cap %.0f s): giving up %s", response.status, delay, self.cap,
                           request.url)  # fmt: skip
        self._inc("archive/retry_after/pauses")
        self._inc("archive/retry_after/pause_ms", round(min(delay, self.cap) * 1000))
        source = "Retry-After" if response.headers.get(b"Retry-After") else "backoff"
        logger.info(
            "%s from %s: pausing the host %.1f s (%s)", response.status, request.url, min(delay, self.cap), source
        )
        return response

    def _delay(self, request: Request, response: Response) -> float:
        """Retry-After if the server sent one, else base * 2**(retries so far); not capped."""
        told = parse_retry_after(response.headers.get(b"Retry-After"))
        return told if told is not None else self.base * 2 ** int(request.meta.get("retry_times", 0))

    def _slot(self, request: Request) -> str:
        assert self.crawler.engine is not None
        return str(self.crawler.engine.downloader.get_slot_key(request))

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)
