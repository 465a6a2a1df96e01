"""A download handler that answers requests from the WARC archive: what `scrapy reparse` fetches with.

`scrapy reparse` installs it for http and https, so every request of a re-parse is served
from the record named in its meta (`archive_reparse`), and none can reach the network.
The response is built as Scrapy's HTTP handler builds one (status, headers and body as
received, class chosen by `responsetypes`), so every downloader middleware (decompression,
charset repair, ...), spider middleware and callback then runs exactly as in the crawl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.warc.extension import META_KEY
from crawler.warc.reader import ArchivedRecord, load

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

REPARSE_META = "archive_reparse"
"""Request meta key: the `ArchivedRecord` a re-parse request is answered from."""


class ArchiveDownloadHandler(BaseDownloadHandler):
    async def download_request(self, request: Request) -> Response:
        record = request.meta.get(REPARSE_META)
        if not isinstance(record, ArchivedRecord):
            raise IgnoreRequest(f"offline re-parse: {request.url} is not an archived record")
        stored = load(record)
        if stored is None:
            raise IgnoreRequest(f"offline re-parse: no payload for {record.record_id} in {record.warc}")
        # What the WARC extension sets in a crawl, so the spider copies the same provenance.
        request.meta[META_KEY] = {
            "file": record.warc.name, "record_id": record.record_id, "offset": record.offset,
            "payload_digest": record.digest, "date": record.date, "type": record.type,
        }  # fmt: skip
        headers = Headers(stored.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=stored.body)
        return cls(url=request.url, status=stored.status, headers=headers, body=stored.body,
                   protocol=stored.protocol, request=request)  # fmt: skip
