"""A `304 Not Modified` answer as a WARC 1.1 revisit record of the server-not-modified profile.

A conditional request (`crawler.scheduling.conditional`) answered `304` carries no payload: the
server says the page is the one we archived before. WARC 1.1 (section 6.7.3) records that
as a `revisit` record with `WARC-Profile: .../revisit/server-not-modified`, whose block is
the 304's status line and headers; `WARC-Refers-To` and `-Date` name the earlier response
whose validators were sent, when known. There is no payload, hence no
`WARC-Payload-Digest`: readers must not look for one (`crawler.warc.reader` skips revisits
it cannot resolve, and `reparse` reads only 2xx records).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.warc.records import Exchange, RecordBuilder

PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
ORIGINAL_META_KEY = "archive_conditional_original"
"""Request meta (set by conditional requests): {"record_id", "date"} of the response whose validators were sent."""


def is_not_modified(exchange: Exchange) -> bool:
    return exchange.status == HTTPStatus.NOT_MODIFIED


def not_modified_revisit(
    builder: RecordBuilder, exchange: Exchange, record_id: str, original: Mapping[str, Any]
) -> bytes:
    """The serialised revisit record (one gzip member) for a 304 exchange.

    `original` is the request's `ORIGINAL_META_KEY` meta ({"record_id", "date"}, or empty).
    """
    headers = builder._common_headers(exchange, record_id)
    del headers["WARC-Payload-Digest"]  # a 304 has no payload to digest
    headers["WARC-Profile"] = PROFILE
    headers["WARC-Refers-To-Target-URI"] = exchange.target_uri
    if original.get("record_id"):
        headers["WARC-Refers-To"] = original["record_id"]
    if original.get("date"):
        headers["WARC-Refers-To-Date"] = original["date"]
    record = builder._writer.create_warc_record(
        exchange.target_uri,
        "revisit",
        warc_headers_dict=headers,
        http_headers=builder._status_and_headers(exchange),
    )
    return builder._serialise(record)
