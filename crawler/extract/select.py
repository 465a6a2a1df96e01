"""CSS selectors compiled once to lxml XPath objects, evaluated on bare elements.

Page objects run on every fetched page: wrapping each match in a parsel `Selector` and
translating CSS on each call cost more than parsing the page itself (benchmarks/parse.py),
so selectors are translated and compiled once per distinct string and applied to lxml
elements directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree
from parsel.csstranslator import HTMLTranslator

if TYPE_CHECKING:
    from scrapy.http import TextResponse

_TRANSLATOR = HTMLTranslator()
_HEAD_LINK = etree.XPath("/html/head/link[@rel=$rel]/@href")
_CLASS_ONLY = re.compile(
    r"^(?P<tag>[a-z][a-z0-9]*)?(?P<classes>(?:\.[A-Za-z_][\w-]*)+)(?: (?P<inner>[a-z][a-z0-9]*))?$"
)
"""A selector of classes, optionally on one tag, optionally then a descendant tag (`.entry-content`, `ul.tags a`)."""
_CLASS_ATTRS = etree.XPath("descendant-or-self::*/@class")


def page_root(response: TextResponse, body: bytes | None = None) -> etree._Element:
    """The page's element tree, parsed from the bytes (`body`, else the response's) in the response's encoding.

    Parsing `response.body` directly skips the decode-to-str and re-encode round trip of
    `response.selector`, which doubles the parse cost of a page.
    """
    data = (response.body if body is None else body) or b"<html></html>"
    markup: str | bytes = data
    try:
        parser = lxml.html.HTMLParser(encoding=response.encoding, recover=True, no_network=True)
    except LookupError:
        # An encoding Python knows but libxml2's iconv does not (`cp852`): parse Python's decoded text.
        parser = lxml.html.HTMLParser(recover=True, no_network=True)
        markup = data.decode(response.encoding, errors="replace")
    try:
        root = lxml.html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError):
        # Whitespace, NUL bytes, a lone doctype or BOM: "Document is empty". Such a page holds no
        # article; an empty tree lets the page object say so instead of raising.
        root = lxml.html.document_fromstring(b"<html></html>")
    assert isinstance(root, etree._Element)
    return root


def head_link(root: etree._Element, rel: str) -> str | None:
    """`href` of the first `<link rel=...>` in the head."""
    found = _HEAD_LINK(root, rel=rel)
    assert isinstance(found, list)
    return str(found[0]).strip() if found else None


@lru_cache(maxsize=1024)
def compiled(query: str) -> etree.XPath:
    """The XPath object of a CSS selector (pseudo-elements `::text`/`::attr()` included)."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(query))


def css(element: etree._Element, query: str) -> list[etree._Element]:
    """Elements under `element` matching the CSS `query`, in document order."""
    found = compiled(query)(element)
    assert isinstance(found, list)
    return [node for node in found if isinstance(node, etree._Element)]


def css_first(element: etree._Element, *queries: str) -> etree._Element | None:
    """The first match of the first query that matches."""
    for found in _per_query(element, queries):
        if found:
            return found[0]
    return None


def css_first_all(element: etree._Element, *queries: str) -> list[etree._Element]:
    """Every match of the first query that matches anything."""
    return next((found for found in _per_query(element, queries) if found), [])


def css_all(element: etree._Element, queries: tuple[str, ...]) -> list[etree._Element]:
    """Every element matching any of `queries`: those of the first query first, each once."""
    seen: dict[etree._Element, None] = {}
    for found in _per_query(element, queries):
        seen.update(dict.fromkeys(found))
    return list(seen)


def _per_query(element: etree._Element, queries: tuple[str, ...]) -> Iterator[list[etree._Element]]:
    """The matches of each query in turn, in document order.

    Class selectors (`.a`, `div.a.b`) are answered from one read of every `class` attribute under
    `element`: lxml's XPath for a class test costs about a walk of the whole page per query, and
    a page object tries a dozen of them, most finding nothing.
    """
    classes: list[Any] | None = None
    for query in queries:
        match = _CLASS_ONLY.match(query)
        if match is None:
            yield css(element, query)
            continue
        inner = match.group("inner")
        if classes is None:
            found_classes = _CLASS_ATTRS(element)  # lxml "smart" strings: each knows its element
            assert isinstance(found_classes, list)
            classes = found_classes
        tag, names = match.group("tag"), match.group("classes")[1:].split(".")
        wanted = frozenset(names)
        # Strings first (a substring test, then the tokens); an element object only for a match.
        hits = [value for value in classes if names[0] in value and wanted <= set(value.split())]
        found = [node for node in (hit.getparent() for hit in hits) if tag is None or node.tag == tag]
        if inner is not None:  # `.tags a`: those elements' descendants of one tag
            found = list(dict.fromkeys(child for node in found for child in node.iterdescendants(inner)))
        yield found


def attr(element: etree._Element, query: str, name: str) -> str | None:
    """Attribute `name` of the first element matching `query` that has it, stripped."""
    for node in css(element, query):
        value: str | None = node.get(name)
        if value and value.strip():
            return value.strip()
    return None
