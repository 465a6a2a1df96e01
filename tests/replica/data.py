"""The replica's data file: typed model, loader and the reloading store.

A data file is JSON: `{"format": 1, "portal": {...}, "site": {...}, "articles": [...],
"non_articles": [...]}`. Each article states what was written (title, local publication
time, paragraphs, credits as label + names, ...) and how the page prints it (era, credit
style, dateline form). The renderer turns it into the portal's markup and
`tests.replica.expected` turns it into the record the archiver must export, so data and
expectation come from one place. The format is described in `tests/replica/README.md`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.replica.portals import ZONE_OFFSETS, PortalFacts, portal_facts

logger = logging.getLogger(__name__)

ERAS = ("post-content", "wrap-br", "wrap-p")
"""Template eras: older `post-content`, current `wrap__article-detail` with text+<br> or <p> bodies."""
CREDIT_STYLES = ("br", "one-line", "glued")
ROLES = {
    "Pewarta": "reporters",
    "Reporter": "reporters",
    "Penulis": "reporters",
    "Editor": "editors",
    "Penerjemah": "translators",
    "Translator": "translators",
    "Fotografer": "photographers",
    "Foto": "photographers",
}
"""Credit label -> record field, as in the site facts."""
# A sentinel string (not None): no `zone_label` key means the portal's label, an explicit null means none printed.
_DEFAULT_LABEL = "__portal__"


class DataError(ValueError):
    """A data file that cannot be served; the message names the article and field."""


@dataclass(frozen=True)
class CreditLine:
    """One credit, printed as `<label><sep><names joined>`, e.g. `Editor : Abdul Hakim Muhiddin`."""

    label: str
    names: tuple[str, ...]
    sep: str = ": "
    joiner: str = ", "
    last_joiner: str | None = None
    """Joiner before the last name, e.g. ` dan `; defaults to `joiner`."""

    @property
    def role(self) -> str:
        return ROLES[self.label]

    @property
    def names_text(self) -> str:
        if len(self.names) < 2:
            return "".join(self.names)
        last = self.last_joiner if self.last_joiner is not None else self.joiner
        return self.joiner.join(self.names[:-1]) + last + self.names[-1]

    @property
    def text(self) -> str:
        """The line as a reader sees it (an empty name list leaves `Editor :`)."""
        return f"{self.label}{self.sep}{self.names_text}".strip()


@dataclass(frozen=True)
class Copyright:
    holder: str
    """`site` (the portal's site name) or a literal holder such as `ANTARA`."""
    year: int
    word: str = "COPYRIGHT"
    placement: str = "block"
    """`block`: inside the credits paragraph; `separate`: its own small paragraph after the body."""

    def holder_name(self, portal: PortalFacts) -> str:
        return portal.site_name if self.holder == "site" else self.holder

    def text(self, portal: PortalFacts) -> str:
        return f"{self.word} © {self.holder_name(portal)} {self.year}"


@dataclass(frozen=True)
class Dateline:
    place: str
    agency: str = "ANTARA"
    dash: str = "-"
    own_line: bool = False
    """Printed as its own paragraph instead of prefixing the first one."""
    nbsp: bool = False
    """`&nbsp;` after the dash instead of a space."""


@dataclass(frozen=True)
class Image:
    url: str
    caption: str
    credit_name: str | None = None
    credit_style: str = "paren"
    """`paren`: `(ANTARA/Name)`; `antara-foto`: `ANTARA FOTO/Name/initials`."""
    credit_initials: str = ""

    @property
    def full_caption(self) -> str:
        if not self.credit_name:
            return self.caption
        if self.credit_style == "antara-foto":
            return f"{self.caption} ANTARA FOTO/{self.credit_name}/{self.credit_initials}"
        return f"{self.caption} (ANTARA/{self.credit_name})"


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    after: int = 0
    """For `related`: index of the paragraph the insert follows."""


@dataclass(frozen=True)
class Inline:
    p: int
    text: str
    tag: str
    href: str | None = None


@dataclass(frozen=True)
class Article:
    """One article as written and as printed; see the module docstring."""

    id: int
    slug: str
    era: str
    title: str
    published: datetime
    """Local wall time as printed (naive)."""
    zone_label: str | None
    """Zone printed after the time; None when the page prints none."""
    section: str
    paragraphs: tuple[str, ...]
    credits: tuple[CreditLine, ...]
    credit_style: str = "br"
    copyright: Copyright | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    dateline: Dateline | None = None
    inline: tuple[Inline, ...] = ()
    related: tuple[Link, ...] = ()
    ads: tuple[int, ...] = ()
    images: tuple[Image, ...] = ()
    contributor: tuple[str, str] | None = None
    """`(name, organisation)` printed as `(Name/Humas)` at the end of the last paragraph."""
    reprint: Link | None = None
    disclaimer: bool = True
    listing_links: tuple[str, ...] = ()
    """Extra listing links to this article before its canonical one: `amp`, `utm`, `slug:<other>`."""
    expect: dict[str, Any] = field(default_factory=dict)
    """Hand-written overrides of expected record fields."""

    def offset(self, portal: PortalFacts) -> timezone:
        """The UTC offset of the printed zone label, else the portal's."""
        text = ZONE_OFFSETS[self.zone_label] if self.zone_label else portal.utc_offset
        sign = -1 if text.startswith("-") else 1
        hours, minutes = (int(part) for part in text[1:].split(":"))
        return timezone(sign * timedelta(hours=hours, minutes=minutes))

    def instant(self, portal: PortalFacts) -> datetime:
        return self.published.replace(tzinfo=self.offset(portal))

    @property
    def section_slug(self) -> str:
        return slugify(self.section)

    def credited(self, role: str) -> list[str]:
        """Names credited in `role` (a record field such as `reporters`), in page order."""
        return [name for line in self.credits if line.role == role for name in line.names]


@dataclass(frozen=True)
class NonArticle:
    """A `/foto/` or `/video/` page linked from listings; never an archive record."""

    kind: str
    id: int
    slug: str
    title: str
    published: datetime
    caption: str
    credit: str


@dataclass(frozen=True)
class SiteOptions:
    page_size: int = 10
    pagination: str = "path"
    """Pager links as `/terkini/<n>` (`path`) or `/terkini?page=<n>` (`query`); both are served."""
    rss_size: int = 20
    listing_era: str = "wrap"
    repeat_across_pages: bool = True
    """Each listing page starts with the previous page's last entry, as a shifting live listing does."""
    extra_links: tuple[Link, ...] = ()
    """Listing entries that are not this portal's articles (e.g. `/nasional/berita/...`), by `after` index."""


@dataclass(frozen=True)
class SiteData:
    """Everything one replica serves."""

    portal: PortalFacts
    site: SiteOptions
    articles: tuple[Article, ...]
    non_articles: tuple[NonArticle, ...] = ()

    # cached_property writes the instance __dict__ directly, so it works on a frozen dataclass.
    @cached_property
    def newest_first(self) -> list[Article]:
        return sorted(self.articles, key=lambda a: (a.instant(self.portal), a.id), reverse=True)

    @cached_property
    def _by_id(self) -> dict[int, Article]:
        return {a.id: a for a in self.articles}

    def article(self, article_id: int) -> Article | None:
        return self._by_id.get(article_id)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- parsing -----------------------------------------------------------------------


def parse_document(doc: dict[str, Any], *, portal: str | None = None) -> SiteData:
    """Typed `SiteData` from a decoded data file; `portal` overrides the file's portal name."""
    facts = portal_facts(portal or doc["portal"]["name"])
    facts = replace(facts, **{k: v for k, v in doc["portal"].items() if k in ("zone_label", "host", "region")})
    options = _site_options(doc.get("site", {}))
    articles = tuple(_article(raw) for raw in doc.get("articles", []))
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        raise DataError(f"duplicate article ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    non_articles = tuple(_non_article(raw) for raw in doc.get("non_articles", []))
    return _resolve_labels(SiteData(facts, options, articles, non_articles))


def _site_options(raw: dict[str, Any]) -> SiteOptions:
    values = {k: v for k, v in raw.items() if k != "extra_links"}
    links = tuple(Link(**link) for link in raw.get("extra_links", []))
    options = SiteOptions(**values, extra_links=links)
    if options.pagination not in ("path", "query"):
        raise DataError(f"site.pagination must be 'path' or 'query', not {options.pagination!r}")
    return options


def _article(raw: dict[str, Any]) -> Article:
    try:
        return _build_article(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"article {raw.get('id')!r}: {exc}") from exc


def _build_article(raw: dict[str, Any]) -> Article:
    era = raw["era"]
    if era not in ERAS:
        raise ValueError(f"era must be one of {ERAS}, not {era!r}")
    style = raw.get("credit_style", "br")
    if style not in CREDIT_STYLES:
        raise ValueError(f"credit_style must be one of {CREDIT_STYLES}")
    copyright_raw = raw.get("copyright")
    default_placement = "separate" if era == "post-content" and style == "br" else "block"
    return Article(
        id=int(raw["id"]),
        slug=raw["slug"],
        era=era,
        title=raw["title"],
        published=datetime.fromisoformat(raw["published"]),
        zone_label=raw.get("zone_label", _DEFAULT_LABEL),
        section=raw["section"],
        paragraphs=tuple(raw["paragraphs"]),
        credits=tuple(_credit(line) for line in raw["credits"]),
        credit_style=style,
        copyright=Copyright(**{"placement": default_placement, **copyright_raw}) if copyright_raw else None,
        updated=datetime.fromisoformat(raw["updated"]) if raw.get("updated") else None,
        tags=tuple(raw.get("tags", ())),
        dateline=Dateline(**raw["dateline"]) if raw.get("dateline") else None,
        inline=tuple(Inline(**item) for item in raw.get("inline", ())),
        related=tuple(Link(**item) for item in raw.get("related", ())),
        ads=tuple(raw.get("ads", ())),
        images=tuple(Image(**item) for item in raw.get("images", ())),
        contributor=tuple(raw["contributor"]) if raw.get("contributor") else None,
        reprint=Link(**raw["reprint"]) if raw.get("reprint") else None,
        disclaimer=raw.get("disclaimer", era != "post-content"),
        listing_links=tuple(raw.get("listing_links", ())),
        expect=dict(raw.get("expect", {})),
    )


def _credit(raw: dict[str, Any]) -> CreditLine:
    line = CreditLine(**{**raw, "names": tuple(raw.get("names", ()))})
    if line.label not in ROLES:
        raise ValueError(f"credit label {line.label!r} is not one of {sorted(ROLES)}")
    return line


def _non_article(raw: dict[str, Any]) -> NonArticle:
    return NonArticle(**{**raw, "published": datetime.fromisoformat(raw["published"])})


def _resolve_labels(data: SiteData) -> SiteData:
    """Replace the 'portal default' zone label of each article by the portal's label."""
    articles = tuple(
        replace(a, zone_label=data.portal.zone_label) if a.zone_label == _DEFAULT_LABEL else a for a in data.articles
    )
    return replace(data, articles=articles)


def load_file(path: Path, *, portal: str | None = None) -> SiteData:
    """Read and type-check a data file."""
    with path.open(encoding="utf-8") as handle:
        doc = json.load(handle)
    return parse_document(doc, portal=portal)


def write_file(path: Path, doc: dict[str, Any]) -> None:
    """Write a data document atomically, so that a reloading replica never reads half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class DataStore:
    """The served `SiteData`, re-read when the file's mtime, size or inode changes.

    A file that fails to parse keeps the previous data (and is logged), because tests
    editing the file between runs must never see the replica die half-way.
    """

    def __init__(self, path: Path, *, portal: str | None = None) -> None:
        self.path = path
        self.portal = portal
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._data = self._load()

    def _signature(self) -> tuple[int, int, int]:
        stat = self.path.stat()
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _load(self) -> SiteData:
        stamp = self._signature()
        data = load_file(self.path, portal=self.portal)
        self._stamp = stamp
        return data

    def get(self) -> SiteData:
        with self._lock:
            try:
                if self._signature() != self._stamp:
                    self._data = self._load()
                    logger.info("reloaded %s: %d articles", self.path, len(self._data.articles))
            except (OSError, ValueError) as exc:
                logger.warning("keeping previous data, %s does not load: %s", self.path, exc)
            return self._data
