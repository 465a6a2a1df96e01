"""The replica's data file: loading, validation and the reloading store.

A data file is JSON: `{"format": 1, "portal": {...}, "site": {...}, "articles": [...],
"non_articles": [...]}`. Each article states what was written (title, local publication
time, paragraphs, credits as label + names, ...) and how the page prints it (era, credit
style, dateline form); see `tests/replica/README.md`. The model is in
`tests.replica.model`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.replica.model import (
    CREDIT_STYLES,
    ERAS,
    ROLES,
    Article,
    Copyright,
    CreditLine,
    Dateline,
    Image,
    Inline,
    Link,
    NonArticle,
    SiteData,
    SiteOptions,
)
from tests.replica.portals import portal_facts

logger = logging.getLogger(__name__)

# A sentinel string (not None): no `zone_label` key means the portal's label, an explicit null means none printed.
_DEFAULT_LABEL = "__portal__"


class DataError(ValueError):
    """A data file that cannot be served; the message names the article and field."""


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
        disclaimer=raw.get("disclaimer", not era.startswith("post-content")),
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
