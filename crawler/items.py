"""The archive record: one `ArticleItem` per article, exported as one JSON line.

The attribute docstrings are the schema documentation: the schema table in docs/reference.md and
`crawler/article.schema.json` are checked against them by `tests/test_schema.py`.
Declaration order is the export order (Scrapy >= 2.18), so identity comes first,
then content, then provenance, then `warnings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler import __version__

SCHEMA_VERSION = 3


def parser_version(layout: str) -> str:
    """`parser_version` of a record: the project version and the layout, e.g. `0.2.0+antara/post-content`."""
    return f"{__version__}+{layout}"


@dataclass
class Image:
    """An image shown with the article."""

    url: str
    """Absolute image URL as printed on the page."""
    caption: str | None = None
    """Caption text, verbatim (credit suffix included), or null."""


@dataclass
class Related:
    """A 'Baca juga' (read also) link that was removed from the body."""

    title: str
    """Link text."""
    url: str
    """Absolute link URL."""


@dataclass
class RevisionDiff:
    """What a revision changed against the revision before it."""

    title_changed: bool
    """Whether the headline changed."""
    paragraphs_added: int
    """Paragraphs in this revision that have no counterpart in the previous one."""
    paragraphs_removed: int
    """Paragraphs of the previous revision that are gone."""
    paragraphs_changed: int
    """Paragraphs edited in place (a changed paragraph counts here, not as added and removed)."""


@dataclass
class ArticleItem:
    """One archived article."""

    id: str
    """Stable id `<portal>:<article id>`, e.g. `antara_kaltim:63012`; independent of host, AMP and slug."""
    portal: str
    """Spider name of the portal, e.g. `antara_kaltim`."""
    site_name: str
    """Display name of the portal, e.g. `ANTARA News Kalimantan Timur`."""
    url: str
    """Canonical article URL on the portal's real host (https, desktop, no query), even when fetched from a mirror."""
    fetched_url: str
    """The URL actually fetched, e.g. `http://127.0.0.1:8000/amp/berita/63012/x?utm_source=rss`."""
    title: str
    """Headline, e.g. `Gubernur Kaltim terima audiensi BPJS Ketenagakerjaan`."""
    published_at: str | None = None
    """Publication time, ISO 8601 with offset, e.g. `2019-09-03T15:20:00+08:00`; the printed WIB/WITA/WIT label wins, else the portal's zone."""
    published_at_raw: str | None = None
    """The date text as printed on the page, e.g. `Selasa, 3 September 2019 15:20 WITA`."""
    updated_at: str | None = None
    """Last-modified time, ISO 8601 with offset, where the page states it; else null."""
    section: str | None = None
    """Category or rubric, e.g. `Kaltim`; null when the page names none."""
    tags: list[str] = field(default_factory=list)
    """Topic tags in page order, e.g. `["BPJS Ketenagakerjaan", "Isran Noor"]`."""
    dateline: str | None = None
    """Place of the dateline, e.g. `Samarinda` from `Samarinda (ANTARA) -`; null when absent."""
    body: str = ""
    """Article text, paragraphs separated by one blank line; without dateline prefix, credits, copyright, 'Baca juga' inserts, captions, ads, scripts and disclaimers."""
    reporters: list[str] = field(default_factory=list)
    """Names from `Pewarta` / `Reporter` / `Penulis` credits, as printed (initials stay initials), e.g. `["AHM"]`."""
    editors: list[str] = field(default_factory=list)
    """Names from `Editor` credits, e.g. `["Abdul Hakim Muhiddin"]`."""
    translators: list[str] = field(default_factory=list)
    """Names from `Penerjemah` / `Translator` credits."""
    photographers: list[str] = field(default_factory=list)
    """Names from `Fotografer` / `Foto` credits and from image caption credits such as `(ANTARA/Name)`."""
    contributors: list[str] = field(default_factory=list)
    """Names from a trailing credit inside the text, e.g. `["Ronny Dwikusuma Putra"]` from `(Ronny Dwikusuma Putra/Humas)`."""
    credit_lines: list[str] = field(default_factory=list)
    """Every credit text removed from the body, verbatim, in page order, e.g. `["(Ronny Dwikusuma Putra/Humas)", "Pewarta: AHM", "Editor : Abdul Hakim Muhiddin"]`."""
    copyright: str | None = None
    """The copyright line verbatim, e.g. `COPYRIGHT © ANTARA News Kalimantan Timur 2019`; null when the page has none."""
    copyright_holder: str | None = None
    """Holder named in the copyright line, e.g. `ANTARA News Kalimantan Timur`."""
    copyright_year: int | None = None
    """Year printed in the copyright line, e.g. `2019`; often the year the page was rendered (a 2022 article printed in 2023 says 2023), not the publication year: use `published_at` for that."""
    images: list[Image] = field(default_factory=list)
    """Article images as objects `{url, caption}`."""
    related: list[Related] = field(default_factory=list)
    """'Baca juga' links removed from the body, as objects `{title, url}`."""
    language: str = "id"
    """Language code of the text, e.g. `id`."""
    word_count: int = 0
    """Number of whitespace-separated words in `body`."""
    content_hash: str = ""
    """sha256 (hex) of the normalised title and body; equal hashes mean no editorial change."""
    layout: str = ""
    """Template era (page object) that parsed the page, e.g. `antara/wrap-article-detail`; `antara/unknown` when the page matched no known era and the generic fallback parsed it (the record then carries a `layout:` warning)."""
    parser_version: str = ""
    """Project version and the layout that parsed the page, e.g. `0.2.0+antara/post-content`."""
    revision: int = 0
    """0 for the first stored version of an article; 1, 2, ... for each later record whose `content_hash` changed."""
    previous_hash: str | None = None
    """`content_hash` of the revision this record replaces; null on revision 0."""
    near_duplicate_of: str | None = None
    """`id` of the earliest stored record with near-identical text (syndicated copy), e.g. `antara_kalbar:7781`; else null."""
    revision_diff: RevisionDiff | None = None
    """On revisions 1, 2, ...: a summary of what changed, as an object `{title_changed, paragraphs_added, paragraphs_removed, paragraphs_changed}`; null on revision 0."""
    crawled_at: str = ""
    """Time the page was fetched, ISO 8601 UTC, e.g. `2026-11-24T10:00:00+00:00`."""
    warc_file: str | None = None
    """Name of the WARC file holding the response this record was parsed from, e.g. `antara_kaltim-20261124-00001.warc.gz`; null when WARC archiving is off."""
    warc_record_id: str | None = None
    """`WARC-Record-ID` of that response record, e.g. `<urn:uuid:...>`; null when WARC archiving is off."""
    warc_offset: int | None = None
    """Byte offset of that response record in `warc_file` (where a WARC reader seeks); null when WARC archiving is off."""
    payload_digest: str | None = None
    """`WARC-Payload-Digest` of the response, e.g. `sha1:...`; proves which bytes the record was parsed from."""
    portal_definition_version: str | None = None
    """Short hash of the portal's registry row used by the crawl (`PortalDefinition.definition_version`); null outside a crawl."""
    warnings: list[str] = field(default_factory=list)
    """What could not be parsed, as `<field>: <problem>`, e.g. `editors: credit block not found`; empty when clean."""
    schema_version: int = SCHEMA_VERSION
    """Version of this record layout; bumped on any incompatible change."""


@dataclass(frozen=True)
class ListingEntry:
    """An article link found on a listing page, feed or sitemap (not exported: it becomes a request)."""

    url: str
    """Absolute URL as linked (any host, AMP or query string included)."""
    published_at: datetime | None = None
    """Publication time shown beside the link (timezone-aware), when there is one."""
    title: str | None = None
