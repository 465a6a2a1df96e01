"""One page to one record, outside any crawl: the engine of `crawler.extract_article` and `scrapy extract`.

The page object is the one a crawl would use: the portal named by `portal`, else the
registered portal serving the URL's host (its aliases, `www.`/`m.` forms included), else
the generic page object on a row made from the URL (`any_portal`). Nothing is fetched and
nothing is written; the page is cut to the parse caps (`PageLimits`) like any crawled page.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse

from crawler.extract.limits import PageLimits
from crawler.portals.base import NotAnArticle, PortalDefinition
from crawler.portals.generic import any_portal
from crawler.portals.registry import REGISTRY

NOT_AN_ARTICLE = "not_an_article"
"""The key of the result for a page that holds no article: `{"not_an_article": "<reason>"}`."""


class UnknownPortalError(ValueError):
    """`portal` names no registered portal."""


def portal_for(url: str, name: str | None = None) -> PortalDefinition:
    """The row whose page object reads `url`: `name`'s, else the one serving the URL's host, else a generic row."""
    if name is not None:
        if name not in REGISTRY:
            raise UnknownPortalError(f"unknown portal {name!r}; known: {', '.join(sorted(REGISTRY))}")
        return REGISTRY[name]
    for row in REGISTRY.values():
        if row.is_own_host(url):
            return row
    parts = urlsplit(url)
    return any_portal(f"{parts.scheme or 'https'}://{parts.netloc}")


def extract_record(
    html: str | bytes,
    url: str,
    portal: str | None = None,
    *,
    fetched_at: datetime | None = None,
    limits: PageLimits | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The record of the page `html` served at `url`, as plain dicts and lists (the JSONL line's fields).

    `headers` are the response headers when known (a fetched page): the charset of bytes comes
    from their Content-Type first.
    """
    if not urlsplit(url).scheme.startswith("http") or not urlsplit(url).netloc:
        raise ValueError(f"url {url!r}: an absolute http(s) URL is needed (it names the article and its portal)")
    row = portal_for(url, portal)
    if isinstance(html, str):
        response = HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")
    else:
        # The charset: the response's Content-Type (`headers`), else the page's own declaration.
        response = HtmlResponse(url=url, body=html, headers=headers)
    result = row.article_page(response, row, fetched_at=fetched_at, limits=limits).to_item()
    if isinstance(result, NotAnArticle):
        return {NOT_AN_ARTICLE: result.reason}
    return dataclasses.asdict(result)
