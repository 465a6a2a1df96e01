"""Element trees to text blocks: the one node-to-text helper every page object uses.

Article bodies on regional portals mix bare text nodes split by `<br>` pairs, real `<p>`
paragraphs, inline markup and noise (ads, scripts, 'Baca juga' inserts, captions). The
walker keeps inline text (links, bold) inside its paragraph, starts a new block at every
`<br>` and block element, drops what the caller names as noise, and hands the caller the
elements it asked to take out (inserts, credit paragraphs) in document order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from lxml.html import HtmlElement

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "figure",
        "figcaption",
        "blockquote",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "hr",
        "form",
        "nav",
        "main",
    ]
)
NOISE_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "ins",
        "object",
        "embed",
        "template",
        "svg",
        "button",
        "input",
        "select",
        "textarea",
    ]
)


class Take(Enum):
    """What the caller wants done with an element met in the walk."""

    KEEP = "keep"
    DROP = "drop"
    """Noise: not text, not collected."""
    COLLECT = "collect"
    """Taken out of the text and handed back as a `Collected` block in document order."""


@dataclass
class Block:
    """A paragraph of text, or an element the caller collected."""

    text: str = ""
    element: HtmlElement | None = None
    links: list[HtmlElement] = field(default_factory=list)
    """The `<a>` elements inside this paragraph's text (a loose 'Baca juga:' line is known by them)."""


@dataclass
class _Walk:
    decide: Callable[[HtmlElement], Take]
    blocks: list[Block] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    links: list[HtmlElement] = field(default_factory=list)

    def flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.blocks.append(Block(text, links=self.links))
        self.parts.clear()
        self.links = []

    def walk(self, element: HtmlElement) -> None:
        if element.text:
            self.parts.append(element.text)
        for child in element:
            self.child(child)

    def child(self, child: HtmlElement) -> None:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag:
            take = Take.DROP if tag.lower() in NOISE_TAGS else self.decide(child)
            if take is Take.COLLECT:
                self.flush()
                self.blocks.append(Block(element=child))
            elif tag.lower() == "br":
                self.flush()
            elif take is Take.KEEP:
                block = tag.lower() in BLOCK_TAGS
                if block:
                    self.flush()
                elif tag == "a":
                    self.links.append(child)
                self.walk(child)
                if block:
                    self.flush()
        # Comments and processing instructions carry no text but their tail does.
        if child.tail:
            self.parts.append(child.tail)


def blocks(element: HtmlElement, decide: Callable[[HtmlElement], Take] = lambda _: Take.KEEP) -> list[Block]:
    """The paragraphs under `element`, whitespace collapsed, with collected elements in place."""
    walk = _Walk(decide)
    walk.walk(element)
    walk.flush()
    return walk.blocks


def lines(element: HtmlElement) -> str:
    """Text of `element` with `<br>` and block boundaries as newlines (for credit paragraphs)."""
    return "\n".join(block.text for block in blocks(element))


def inline_text(element: HtmlElement) -> str:
    """All text of `element` on one line, whitespace collapsed, scripts dropped."""
    return " ".join(block.text for block in blocks(element))


def has_class(element: HtmlElement, *names: str) -> bool:
    classes = element.get("class")
    return bool(classes) and any(name in classes.split() for name in names)


def normalise(text: str) -> str:
    return " ".join(text.split())


def content_hash(title: str, body: str) -> str:
    """sha256 (hex) of the normalised title and the body: equal hashes mean no editorial change."""
    return hashlib.sha256(f"{normalise(title)}\n\n{body}".encode()).hexdigest()
