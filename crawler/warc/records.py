"""One HTTP exchange as WARC 1.1 records, each serialised as its own gzip member.

What the archive stores, and why (this is the contract `reparse` and replay tools rely on):

- **Target URI**: the URL on the portal's *real* host (`https://kaltim.antaranews.com/...`),
  even when the crawl fetched a mirror or the local replica through `base_url`, so the archive
  indexes and replays under the portal's own URLs. The URL actually fetched is kept in
  `WARC-X-Fetched-URI`.
- **Payload**: the body bytes as received, *before* content decoding. The writer runs on
  Scrapy's `response_downloaded` signal, which fires before the downloader middlewares
  (HttpCompressionMiddleware among them), so a gzip/br body is stored compressed and its
  `Content-Encoding` / `Content-Length` headers stay true. Twisted has already removed the
  chunked transfer coding, so a `Transfer-Encoding` header is renamed
  `X-Archive-Orig-Transfer-Encoding` (pywb's convention): readers must not de-chunk a body
  that is no longer chunked.
- **Status line and headers**: the protocol Scrapy reports, the status code and the standard
  reason phrase (Scrapy does not keep the phrase the server sent); header values and order as
  received, names in Scrapy's Title-Case (Twisted and Scrapy normalise their case).
- **Request**: method, path and the headers Scrapy sent (plus `Host`, which Twisted adds on
  the wire), linked to the response by `WARC-Concurrent-To`.
- **WARC-Payload-Digest**: `sha1:<base32>` of the payload as stored. An identical payload of
  the same target URI is stored as a `revisit` record (identical-payload-digest profile) that
  names the original by `WARC-Refers-To`, `-Target-URI` and `-Date`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from http import HTTPStatus
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

WARC_VERSION = "WARC/1.1"
FETCHED_URI_HEADER = "WARC-X-Fetched-URI"
ORIG_TRANSFER_ENCODING = "X-Archive-Orig-Transfer-Encoding"
# zlib's default level: level 9 (warcio's own choice) costs more CPU for ~1% on HTML.
GZIP_LEVEL = 6
"""Compression level of each record's gzip member, written with zlib-ng (`_gzip`)."""


@dataclass(frozen=True)
class Exchange:
    """A fetched response and the request that produced it, as they went over the wire."""

    target_uri: str
    fetched_uri: str
    date: str
    """WARC-Date: ISO 8601 UTC with microseconds."""
    protocol: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    ip_address: str | None = None
    truncated: bool = False

    @cached_property
    def payload_digest(self) -> str:
        """Computed once: the writer needs it for the revisit lookup, the record header and the index."""
        return payload_digest(self.body)


@dataclass(frozen=True)
class PayloadRef:
    """Where a payload was first stored: what a revisit record points to."""

    record_id: str
    date: str
    warc_file: str
    offset: int


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest of `body`, in the `sha1:<base32>` form warcio and pywb use."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime | None = None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(moment, use_micros=True))


def exchange_from_scrapy(request: Request, response: Response, target_uri: str) -> Exchange:
    """The exchange as Scrapy's download handler returned it (before any middleware)."""
    host = urlsplit(response.url).netloc
    request_headers = [("Host", host), *_header_pairs(request.headers)]
    return Exchange(
        target_uri=target_uri,
        fetched_uri=response.url,
        date=warc_date(),
        protocol=response.protocol or "HTTP/1.1",
        status=response.status,
        headers=_response_headers(response),
        body=response.body,
        method=request.method,
        request_headers=request_headers,
        request_body=request.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated="dataloss" in response.flags,
    )


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    # latin-1 maps every byte to one code point, so header bytes round-trip unchanged.
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]


def _response_headers(response: Response) -> list[tuple[str, str]]:
    pairs = _header_pairs(response.headers)
    return [(ORIG_TRANSFER_ENCODING if n.lower() == "transfer-encoding" else n, v) for n, v in pairs]


class RecordBuilder:
    """Serialises exchanges into gzip members (one per record) ready to append to a WARC file."""

    def __init__(self) -> None:
        self._buffer = BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version=WARC_VERSION)

    def response(self, exchange: Exchange, record_id: str) -> bytes:
        http = _http_block(f"{exchange.protocol} {_statusline(exchange.status)}", exchange.headers)
        if http is not None:
            headers = [*self._common_headers(exchange, record_id).items(), ("WARC-Type", "response"),
                       ("WARC-Target-URI", exchange.target_uri)]  # fmt: skip
            return _member(headers, "response", http, exchange.body)
        record = self._writer.create_warc_record(
            exchange.target_uri,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict=self._common_headers(exchange, record_id),
            http_headers=self._status_and_headers(exchange),
        )
        return self._serialise(record)

    def revisit(self, exchange: Exchange, record_id: str, original: PayloadRef) -> bytes:
        headers = self._common_headers(exchange, record_id)
        del headers["WARC-Payload-Digest"]  # create_revisit_record adds it
        headers["WARC-Refers-To"] = original.record_id
        record = self._writer.create_revisit_record(
            exchange.target_uri,
            exchange.payload_digest,
            exchange.target_uri,
            original.date,
            http_headers=self._status_and_headers(exchange),
            warc_headers_dict=headers,
        )
        return self._serialise(record)

    def request(self, exchange: Exchange, concurrent_to: str) -> bytes:
        target = urlsplit(exchange.fetched_uri)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        headers = {"WARC-Date": exchange.date, "WARC-Concurrent-To": concurrent_to}
        http = _http_block(f"{exchange.method} {path} HTTP/1.1", exchange.request_headers)
        if http is not None:
            fields = [*headers.items(), ("WARC-Type", "request"), ("WARC-Record-ID", self.new_record_id()),
                      ("WARC-Target-URI", exchange.target_uri),
                      ("WARC-Payload-Digest", payload_digest(exchange.request_body))]  # fmt: skip
            return _member(fields, "request", http, exchange.request_body)
        record = self._writer.create_warc_record(
            exchange.target_uri,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            warc_headers_dict=headers,
            http_headers=StatusAndHeaders(
                f"{exchange.method} {path} HTTP/1.1", list(exchange.request_headers), is_http_request=True
            ),
        )
        return self._serialise(record)

    def warcinfo(self, filename: str, info: dict[str, str]) -> bytes:
        return self._serialise(self._writer.create_warcinfo_record(filename, info))

    @staticmethod
    def new_record_id() -> str:
        return str(StatusAndHeadersParser.make_warc_id())

    def _common_headers(self, exchange: Exchange, record_id: str) -> dict[str, str]:
        headers = {
            "WARC-Record-ID": record_id,
            "WARC-Date": exchange.date,
            "WARC-Payload-Digest": exchange.payload_digest,
            FETCHED_URI_HEADER: exchange.fetched_uri,
        }
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.truncated:
            headers["WARC-Truncated"] = "disconnect"
        return headers

    @staticmethod
    def _status_and_headers(exchange: Exchange) -> StatusAndHeaders:
        return StatusAndHeaders(_statusline(exchange.status), list(exchange.headers), protocol=exchange.protocol)

    def _serialise(self, record: Any) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        return _gzip(self._buffer.getvalue())


# Response and request records are written here directly, byte for byte as warcio's
# WARCWriter writes them (tests/test_warc.py holds the two together): warcio's generic path
# (header objects, streams, digesters) cost as much CPU as compressing the record. Headers
# that are not ASCII go through warcio, which percent-encodes them.
_CONTENT_TYPES = {"response": "application/http; msgtype=response", "request": "application/http; msgtype=request"}


def _statusline(status: int) -> str:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"{status} {reason}".rstrip()


def _http_block(first_line: str, headers: list[tuple[str, str]]) -> bytes | None:
    """The HTTP head as warcio writes it (`StatusAndHeaders.to_ascii_bytes`), or None when it is not ASCII."""
    text = first_line + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        return None


def _member(headers: list[tuple[str, str]], record_type: str, http: bytes, payload: bytes) -> bytes:
    block_digest = hashlib.sha1(http)
    block_digest.update(payload)
    headers += [
        ("WARC-Block-Digest", "sha1:" + base64.b32encode(block_digest.digest()).decode("ascii")),
        ("Content-Type", _CONTENT_TYPES[record_type]),
        ("Content-Length", str(len(http) + len(payload))),
    ]
    head = f"{WARC_VERSION}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return _gzip(b"".join((head.encode("utf-8"), http, payload, b"\r\n\r\n")))


def _gzip(data: bytes) -> bytes:
    # zlib-ng, not the standard library's zlib: the same gzip format (any reader inflates it),
    # at level 6 in about half the CPU time on real portal pages (2.0 against 3.8 ms for the
    # dev corpus's 119 KB median page) for 0.7% more bytes, and it releases the GIL as zlib does.
    # The smallest window that still spans the whole record: setting up the compressor's state
    # (its window and hash tables, sized by the window) cost more than compressing a record of
    # a few KB, and a window at least as long as the data finds the same matches. Readers
    # inflate with the largest window, which reads any smaller one.
    window_bits = min(zlib_ng.MAX_WBITS, max(9, (len(data) - 1).bit_length()))
    compressor = zlib_ng.compressobj(GZIP_LEVEL, zlib_ng.DEFLATED, window_bits | 16)
    return compressor.compress(data) + compressor.flush()
