"""CSS selectors compiled once to lxml XPath objects, evaluated on bare elements.

Page objects run on every fetched page: wrapping each match in a parsel `Selector` and
translating CSS on each call cost more than parsing the page itself (benchmarks/parse.py),
so selectors are translated and compiled once per distinct string and applied to lxml
elements directly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree
from parsel.csstranslator import HTMLTranslator

if TYPE_CHECKING:
    from scrapy.http import TextResponse

_TRANSLATOR = HTMLTranslator()
_HEAD_LINK = etree.XPath("/html/head/link[@rel=$rel]/@href")


def page_root(response: TextResponse) -> etree._Element:
    """The page's element tree, parsed from the bytes in the response's encoding.

    Parsing `response.body` directly skips the decode-to-str and re-encode round trip of
    `response.selector`, which doubles the parse cost of a page.
    """
    try:
        parser = lxml.html.HTMLParser(encoding=response.encoding, recover=True, no_network=True)
        body: str | bytes = response.body or b"<html></html>"
    except LookupError:
        # An encoding Python knows but libxml2's iconv does not (`cp852`): parse Python's decoded text.
        parser = lxml.html.HTMLParser(recover=True, no_network=True)
        body = response.text or "<html></html>"
    try:
        root = lxml.html.document_fromstring(body, parser=parser)
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
    for query in queries:
        found = css(element, query)
        if found:
            return found[0]
    return None


def attr(element: etree._Element, query: str, name: str) -> str | None:
    """Attribute `name` of the first element matching `query` that has it, stripped."""
    for node in css(element, query):
        value: str | None = node.get(name)
        if value and value.strip():
            return value.strip()
    return None
