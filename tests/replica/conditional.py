"""Conditional GET for the replica (`--conditional`): validators on every page, `304 Not Modified` when they match.

Every `200` reply carries `ETag` (a hash of the body as served, so it changes with any
byte of the page) and `Last-Modified` (the newest article's publication time: what a news
CMS typically reports for its listings and feeds). A request whose `If-None-Match` names
the current ETag, or, without `If-None-Match`, whose `If-Modified-Since` is not older than
Last-Modified, gets `304` with the validators and no body (RFC 9110 section 13.2.2: the
entity tag wins over the date). The access log then records `bytes: 0`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.replica.model import SiteData
    from tests.replica.server import Dispatch, Reply, Request


class ConditionalGet:
    """Server middleware; `data` returns the site currently served (for the newest article's time)."""

    def __init__(self, data: Callable[[], SiteData]) -> None:
        self.data = data

    def __call__(self, request: Request, forward: Dispatch) -> Reply:
        reply = forward(request)
        if reply.status != 200 or request.method not in ("GET", "HEAD"):
            return reply
        validators = (("ETag", etag(reply.body)), *self._last_modified())
        reply = replace(reply, headers=(*reply.headers, *validators))
        if not_modified(request.headers, dict(validators)):
            return replace(reply, status=304, body=b"")
        return reply

    def _last_modified(self) -> tuple[tuple[str, str], ...]:
        data = self.data()
        if not data.newest_first:
            return ()
        newest = data.newest_first[0].instant(data.portal).astimezone(UTC)
        return (("Last-Modified", format_datetime(newest, usegmt=True)),)


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


def not_modified(request_headers: dict[str, str], validators: dict[str, str]) -> bool:
    """Whether a request with these (lower-cased) headers may be answered 304."""
    if "if-none-match" in request_headers:
        tags = {tag.strip().removeprefix("W/") for tag in request_headers["if-none-match"].split(",")}
        return "*" in tags or validators["ETag"] in tags
    since, modified = request_headers.get("if-modified-since"), validators.get("Last-Modified")
    if not since or not modified:
        return False
    try:
        return _http_date(modified) <= _http_date(since)
    except (TypeError, ValueError):  # an unreadable date: RFC 9110 says ignore the condition
        return False


def _http_date(text: str) -> datetime:
    moment = parsedate_to_datetime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
