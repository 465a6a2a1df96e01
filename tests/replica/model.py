"""The replica's data model: one article as written and as printed, and the site around it.

Plain frozen dataclasses, built from a data file by `tests.replica.data`. The renderer
turns them into pages and `tests.replica.expected` into the records the archiver must
export.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from tests.replica.portals import ZONE_OFFSETS, PortalFacts

ERAS = ("post-content", "post-content-footer", "wrap-br", "wrap-p", "unknown")
"""Template eras: older `post-content`; `post-content-footer`, the older template as the real 2022 banten page
prints it (caption in `header.post-header`, credits in `footer.post-meta > div.tags-wrapper`); current
`wrap__article-detail` with text+<br> or <p> bodies; `unknown`, a made-up future template that no layout knows
(the archiver's fallback, `antara/unknown`, must parse it and the drift watch alarm on it)."""
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
