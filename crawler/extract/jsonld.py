"""JSON-LD and meta-tag readers: structured data first, as fundus and news-please do."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

# Structured data is looked for in the head and in the article container only: a search of
# the whole page costs as much as a third of parsing it, and sidebars carry no article data.
_LD_IN_HEAD = etree.XPath('/html/head/script[@type="application/ld+json"]/text()')
_LD_IN_SCOPE = etree.XPath('.//script[@type="application/ld+json"]/text()')
_META = etree.XPath("/html/head/meta[@property=$key or @name=$key]/@content")

ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNews", "BlogPosting", "AnalysisNewsArticle"})
MAX_DEPTH = 32
"""JSON-LD nested deeper than this is skipped (real NewsArticle data is a few levels deep): a hostile
block nested hundreds of levels would otherwise raise RecursionError somewhere and cost the page."""


def news_article(root: etree._Element, scope: etree._Element | None = None) -> dict[str, Any]:
    """The first JSON-LD object of an article type in the head or in `scope` (also inside `@graph`), or {}."""
    scripts = _LD_IN_HEAD(root)
    assert isinstance(scripts, list)
    if scope is not None:
        scripts += _LD_IN_SCOPE(scope)
    for raw in scripts:
        data = _loads(str(raw))
        for candidate in _objects(data):
            types = candidate.get("@type")
            names = set(types) if isinstance(types, list) else {types}
            if names & ARTICLE_TYPES:
                return candidate
    return {}


def objects_of_type(root: etree._Element, type_name: str) -> list[dict[str, Any]]:
    """Every JSON-LD object of `@type` `type_name` in the head (also inside `@graph`), in page order."""
    scripts = _LD_IN_HEAD(root)
    assert isinstance(scripts, list)
    found = []
    for raw in scripts:
        data = _loads(str(raw))
        for candidate in _objects(data):
            types = candidate.get("@type")
            if type_name in (types if isinstance(types, list) else [types]):
                found.append(candidate)
    return found


def _loads(raw: str) -> Any:
    """The parsed block, or None when it is not JSON or nested deeper than MAX_DEPTH."""
    if raw.count("[") + raw.count("{") > MAX_DEPTH and _depth(raw) > MAX_DEPTH:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _depth(raw: str) -> int:
    """Deepest nesting of arrays and objects in `raw` (brackets inside strings do not count)."""
    deepest = depth = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


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


def meta(root: etree._Element, *keys: str) -> str | None:
    """Content of the first `<meta property|name=key>` present among `keys`."""
    for key in keys:
        found = _META(root, key=key)
        assert isinstance(found, list)
        for value in found:
            if str(value).strip():
                return str(value).strip()
    return None
