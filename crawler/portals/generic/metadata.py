"""Structured data of a generic article page: JSON-LD `NewsArticle`, OpenGraph and `article:*` meta.

Read once per page (fundus `Precomputed`) and trusted in that order: JSON-LD, then the
meta tags, then `<time datetime>` and tag links in the page. Raw values are kept beside
the normalised ones (`published_raw`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree

from crawler.extract import jsonld
from crawler.extract.dates import isoformat
from crawler.extract.select import css, css_first_all, head_link
from crawler.extract.text import inline_text
from crawler.items import Image

PUBLISHED_META = ("article:published_time", "og:published_time", "pubdate", "publishdate", "dc.date.issued")
MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified")
TAG_LINKS = ("a[rel~=tag]", ".tags a", ".tag a", ".post-tags a", ".td-tags a", ".tagcloud3 a", "ul.tag-list a")
TIME_ELEMENT = "time[datetime]"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
EARLIEST_YEAR = 1990
"""A date before this year is a placeholder (`0001-01-01` from a CMS default), not a news date."""
FUTURE_SLACK = timedelta(days=1)
"""How far after the fetch a stated date may lie (a wrong zone on the page) before it is taken for junk."""


class PageMetadata:
    """What the page states about itself in machine-readable form."""

    def __init__(self, root: etree._Element, *, page_url: str, zone: str, now: datetime | None = None) -> None:
        self.root = root
        self.page_url = page_url
        self.zone = zone
        self.now = now or datetime.now(UTC)
        """When the page was fetched: a date after it (beyond `FUTURE_SLACK`) is refused."""
        self.problems: list[str] = []
        """Dates refused as implausible, as `<field>: ...` warnings (said once each)."""

    @cached_property
    def ld(self) -> dict[str, Any]:
        return jsonld.news_article(self.root, self.root.find("body"))

    @cached_property
    def breadcrumbs(self) -> list[str]:
        """Names of a JSON-LD `BreadcrumbList`, in position order."""
        found = jsonld.objects_of_type(self.root, "BreadcrumbList")
        items = found[0].get("itemListElement", []) if found else []
        names = [jsonld.text(item.get("name") or item.get("item")) for item in items if isinstance(item, dict)]
        return [name for name in names if name]

    def meta(self, *keys: str) -> str | None:
        return jsonld.meta(self.root, *keys)

    def canonical(self) -> str | None:
        href = head_link(self.root, "canonical") or self.meta("og:url")
        return urljoin(self.page_url, href) if href else None

    def title(self) -> str | None:
        return jsonld.text(self.ld.get("headline")) or self.meta("og:title", "twitter:title")

    def published_raw(self) -> str | None:
        """The stated publication time: the first plausible one in order of trust, else the first one stated."""
        found = self._published_candidates
        return next((raw for raw in found if self._plausible(raw, "published_at")), found[0] if found else None)

    def published_at(self) -> str | None:
        raw = self.published_raw()
        return self._timestamp(raw) if raw is not None and self._plausible(raw, "published_at") else None

    def updated_at(self) -> str | None:
        raw = jsonld.text(self.ld.get("dateModified")) or self.meta(*MODIFIED_META)
        return self._timestamp(raw) if raw is not None and self._plausible(raw, "updated_at") else None

    @cached_property
    def _published_candidates(self) -> list[str]:
        found = [jsonld.text(self.ld.get("datePublished")), *(self.meta(key) for key in PUBLISHED_META)]
        found += [node.get("datetime", "").strip() for node in css(self.root, TIME_ELEMENT)[:1]]
        return list(dict.fromkeys(raw for raw in found if raw))

    def _plausible(self, raw: str, field: str | None = None) -> bool:
        """Whether a stated time lies between 1990 and the fetch; a refusal is said once as a `field` warning."""
        moment = self._timestamp(raw)
        if moment is None:
            return True  # unreadable, not implausible: the caller says it cannot read it
        when = datetime.fromisoformat(moment)
        if when.year < EARLIEST_YEAR:
            problem = f"{raw!r} is before {EARLIEST_YEAR} (a placeholder), refused"
        elif when > self.now + FUTURE_SLACK:
            problem = f"{raw!r} is after the fetch ({self.now.date().isoformat()}), refused"
        else:
            return True
        if field is not None and f"{field}: {problem}" not in self.problems:
            self.problems.append(f"{field}: {problem}")
        return False

    def _timestamp(self, raw: str | None) -> str | None:
        """An ISO timestamp; one without an offset is wall time in the portal's zone."""
        if not raw or not _ISO_DATE.match(raw.strip()):
            return None
        try:
            moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(self.zone))
        return isoformat(moment)

    def section(self, title: str | None = None) -> str | None:
        """`articleSection`, `article:section`, else the first breadcrumb after the home link (never the headline)."""
        found = jsonld.text(self.ld.get("articleSection")) or self.meta("article:section")
        if found:
            return found
        skip = {"home", "beranda", (title or "").lower()}
        crumbs = [name for name in self.breadcrumbs if name.lower() not in skip]
        return crumbs[0] if crumbs else None

    def tags(self) -> list[str]:
        keywords = self.ld.get("keywords")
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        found = [text for k in keywords if (text := jsonld.text(k))] if isinstance(keywords, list) else []
        found = found or _all_meta(self.root, "article:tag")
        found = found or [inline_text(node) for node in css_first_all(self.root, *TAG_LINKS)]
        return list(dict.fromkeys(tag.strip() for tag in found if tag and tag.strip()))

    def authors(self) -> list[str]:
        """Person names of JSON-LD `author` (organisations are not reporters), else `article:author`/`author` meta."""
        value = self.ld.get("author")
        people = [a for a in (value if isinstance(value, list) else [value]) if _is_person(a)]
        names = jsonld.names(people)
        if names:
            return names
        meta = self.meta("article:author", "author")
        return [meta] if meta and not meta.startswith("http") else []

    def image_urls(self) -> list[str]:
        image = self.ld.get("image")
        urls = [jsonld.text(item) for item in (image if isinstance(image, list) else [image]) if item]
        urls = [url for url in urls if url] or [self.meta("og:image", "twitter:image") or ""]
        return list(dict.fromkeys(urljoin(self.page_url, url) for url in urls if url))

    def images(self, captions: dict[str, str]) -> list[Image]:
        """The lead images, with the caption printed under the same picture (`captions` by URL), else JSON-LD's."""
        image = self.ld.get("image")
        objects = [i for i in (image if isinstance(image, list) else [image]) if isinstance(i, dict)]
        stated = {
            image_key(urljoin(self.page_url, jsonld.text(i) or "")): jsonld.text(i.get("caption")) for i in objects
        }
        return [
            Image(url=url, caption=captions.get(image_key(url)) or stated.get(image_key(url)))
            for url in self.image_urls()
        ]


def _is_person(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, dict) and value.get("@type", "Person") in ("Person", ["Person"])


def _all_meta(root: etree._Element, key: str) -> list[str]:
    head = root.find("head")
    if head is None:
        return []
    return [str(m.get("content", "")) for m in head.iter("meta") if key in (m.get("property"), m.get("name"))]


def image_key(url: str) -> str:
    """An image URL without its query (resizing parameters differ between og:image and the page)."""
    return url.split("?", 1)[0]
