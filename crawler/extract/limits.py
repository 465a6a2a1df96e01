"""Bounded parsing: a page is cut to size before any extractor reads it.

Extraction cost grows faster than the page: trafilatura spends 0.4 s on a paragraph of 2,000
links, 11 s on 8,000 and a minute on 16,000, and while it runs the reactor serves nothing and
the process does not even see SIGTERM. So every page object reads a tree cut to three caps
(the `ARCHIVE_PARSE_MAX_*` settings, `PageLimits` here with the same defaults):

- bytes: the body beyond `max_bytes` is not parsed (the HTML parser closes what is open);
- elements: the tree is cut after its `max_elements`-th element in document order, as if the
  download had stopped there;
- links: the links after the `max_links`-th are removed with their text (their tails stay). A
  page holding more links than that is a link farm or a tag cloud: the links beyond the cap are
  furniture, and a paragraph of them is exactly what makes the extractors slow.

Each cut is reported as a `page: ...` warning on the record (and so counted in the stats).
A real news page is far below every cap (the development pages: at most 1.5 MB, 1,700
elements and 610 links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler.extract.select import page_root

if TYPE_CHECKING:
    from scrapy.http import TextResponse


_ALL_ELEMENTS = etree.XPath("count(descendant-or-self::*)")
_ALL_LINKS = etree.XPath("count(descendant::a)")


@dataclass(frozen=True)
class PageLimits:
    """The caps of one page; the defaults are those of `crawler/settings.py`."""

    max_bytes: int = 5_000_000
    max_elements: int = 30_000
    max_links: int = 3_000

    @classmethod
    def from_settings(cls, settings: Any) -> PageLimits:
        """The caps of a Scrapy `Settings` object (`ARCHIVE_PARSE_MAX_BYTES`, `_ELEMENTS`, `_LINKS`)."""
        return cls(
            max_bytes=settings.getint("ARCHIVE_PARSE_MAX_BYTES", cls.max_bytes),
            max_elements=settings.getint("ARCHIVE_PARSE_MAX_ELEMENTS", cls.max_elements),
            max_links=settings.getint("ARCHIVE_PARSE_MAX_LINKS", cls.max_links),
        )


def bounded_root(response: TextResponse, limits: PageLimits) -> tuple[etree._Element, list[str]]:
    """The page's tree within `limits`, and a warning for each cut made."""
    problems: list[str] = []
    body = response.body or b""
    if len(body) > limits.max_bytes > 0:
        problems.append(f"page: {len(body)} bytes, only the first {limits.max_bytes} parsed (ARCHIVE_PARSE_MAX_BYTES)")
        body = body[: limits.max_bytes]
    root = page_root(response, body)
    problems += cap_tree(root, limits)
    return root, problems


def cap_tree(root: etree._Element, limits: PageLimits) -> list[str]:
    """Cut `root` to `limits.max_elements` elements and `limits.max_links` links, in place; what was cut."""
    problems: list[str] = []
    # Counted by XPath: no Python object per element on the pages (nearly all) below the caps.
    if limits.max_elements > 0 and _count(root, _ALL_ELEMENTS) > limits.max_elements:
        for elements, node in enumerate(root.iter(), start=1):
            if elements > limits.max_elements:
                total = elements + sum(1 for _ in node.iterdescendants()) + _following(node)
                _cut_from(node)
                problems.append(f"page: {total} elements, cut after {limits.max_elements} (ARCHIVE_PARSE_MAX_ELEMENTS)")
                break
    if limits.max_links > 0 and _count(root, _ALL_LINKS) > limits.max_links:
        links = list(root.iter("a"))
        for link in links[limits.max_links :]:
            _remove_keeping_tail(link)
        problems.append(
            f"page: {len(links)} links, those after the first {limits.max_links} removed (ARCHIVE_PARSE_MAX_LINKS)"
        )
    return problems


def _count(root: etree._Element, query: etree.XPath) -> int:
    found = query(root)
    assert isinstance(found, float)
    return int(found)


def _following(node: etree._Element) -> int:
    """How many elements come after `node`'s subtree in document order."""
    count = 0
    for ancestor in (node, *node.iterancestors()):
        for sibling in ancestor.itersiblings():
            count += 1 + sum(1 for _ in sibling.iterdescendants())
    return count


def _cut_from(node: etree._Element) -> None:
    """Remove `node` and everything after it in document order (a download stopped there)."""
    for ancestor in (node, *node.iterancestors()):
        parent = ancestor.getparent()
        if parent is None:
            break
        for sibling in list(ancestor.itersiblings()):
            parent.remove(sibling)
    parent = node.getparent()
    if parent is not None:
        node.tail = None
        parent.remove(node)


def _remove_keeping_tail(node: etree._Element) -> None:
    """Remove `node` with its text; the text after it stays in the paragraph (in constant time: no index lookup)."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
