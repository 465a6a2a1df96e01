"""Scrapy's HttpCompressionMiddleware, counting the responses it refuses for inflating past the size cap.

Scrapy (>= 2.11.1) already stops decompressing once the inflated body would exceed
DOWNLOAD_MAXSIZE (a "gzip bomb": a small body that inflates to gigabytes), logs a warning
and raises IgnoreRequest; it keeps no stat of it. This subclass adds one, so that a run's
stats say how many responses the cap refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Stats: archive/faults/decompression_cap, besides Scrapy's httpcompression/* stats.

    Settings: DOWNLOAD_MAXSIZE, DOWNLOAD_WARNSIZE (Scrapy's; they cap the inflated size too).
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("archive/faults/decompression_cap")
            raise
