"""JSON-LD and meta-tag readers: structured data first, as fundus and news-please do."""

from __future__ import annotations

import json
import logging
from typing import Any

from parsel import Selector

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNews", "BlogPosting", "AnalysisNewsArticle"})


def news_article(selector: Selector) -> dict[str, Any]:
    """The first JSON-LD object of an article type on the page (also inside `@graph`), or {}."""
    for raw in selector.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for candidate in _objects(data):
            types = candidate.get("@type")
            names = set(types) if isinstance(types, list) else {types}
            if names & ARTICLE_TYPES:
                return candidate
    return {}


def _objects(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [obj for item in data for obj in _objects(item)]
    if isinstance(data, dict):
        return [data, *_objects(data.get("@graph", []))]
    return []


def names(value: Any) -> list[str]:
    """Person names from a JSON-LD `author`/`editor` value (object, list or string)."""
    if isinstance(value, list):
        return [name for item in value for name in names(item)]
    if isinstance(value, dict):
        value = value.get("name")
    return [" ".join(value.split())] if isinstance(value, str) and value.strip() else []


def text(value: Any) -> str | None:
    """A JSON-LD scalar (or the first of a list, or an object's `url`/`name`) as text."""
    if isinstance(value, list):
        return text(value[0]) if value else None
    if isinstance(value, dict):
        return text(value.get("url") or value.get("name"))
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def meta(selector: Selector, *keys: str) -> str | None:
    """Content of the first `<meta property|name=key>` present among `keys`."""
    for key in keys:
        value = selector.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content').get()
        if value and value.strip():
            return value.strip()
    return None
