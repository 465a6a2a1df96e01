"""Initials resolution written beside a portal's exports: `scrapy resolve-initials` and the end-of-crawl extension.

For each portal directory, over its exported records only (`crawler.store.layout.read_archive`:
every worker's files, each up to its manifest's byte count), `crawler.initials.resolve` resolves
every initials-only reporter name, and two sidecar files replace the previous ones:

    <ARCHIVE_EXPORTS_DIR>/<portal>/reporters_resolved.ndjson   one line per article with initials
    <ARCHIVE_EXPORTS_DIR>/<portal>/initials.json               summary: one row per initials string

Exports are never rewritten. The sidecar is JSON Lines, but named `.ndjson`: every
`*.jsonl` under a portal directory is taken for an export partition (the writer's crash
recovery, `scrapy verify`, the report), and a sidecar must never be. Both files are
replaced atomically (temporary file, fsync, rename, fsync of the directory), so a reader
sees the old or the new version, never a mix.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import NotConfigured

from crawler.durable import replace_atomically
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from crawler.initials.resolve import Resolution, is_initials, latest_credits, resolve
from crawler.paths import exports_dir
from crawler.store.layout import portal_dir, read_archive

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

SIDECAR_NAME = "reporters_resolved.ndjson"
SUMMARY_NAME = "initials.json"
SUMMARY_FORMAT = 1


def resolve_portal(root: Path, portal: str, *, min_confidence: float, period_days: int) -> dict[str, Any]:
    """Recompute and replace the portal's two sidecar files; return the summary written."""
    directory = portal_dir(root, portal)
    articles = latest_credits(read_archive(directory))
    resolutions = resolve(articles, min_confidence=min_confidence, period_days=period_days)
    lines = []
    for article in articles:
        printed = list(dict.fromkeys(n for n in article.roles["reporters"] if is_initials(n)))
        if printed:
            entries = [resolutions[p].entry() for p in printed]
            lines.append(json.dumps({"id": article.id, "reporters_resolved": entries}, ensure_ascii=False) + "\n")
    summary = _summary(portal, len(articles), len(lines), resolutions, min_confidence, period_days)
    replace_atomically(directory / SIDECAR_NAME, "".join(lines).encode())
    replace_atomically(directory / SUMMARY_NAME, (json.dumps(summary, ensure_ascii=False, indent=1) + "\n").encode())
    return summary


def load_resolved(directory: Path) -> dict[str, list[str]]:
    """Full name -> the initials resolved to it, from a portal directory's summary (empty without one)."""
    try:
        summary = json.loads((directory / SUMMARY_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:  # a hand-edited or foreign file: the index goes on without initials
        logger.warning("%s: not an initials summary (%s); its initials are left out", directory / SUMMARY_NAME, exc)
        return {}
    if not isinstance(summary, dict) or summary.get("format") != SUMMARY_FORMAT:
        logger.warning("%s: not an initials summary of format %d; left out", directory / SUMMARY_NAME, SUMMARY_FORMAT)
        return {}
    resolved: dict[str, list[str]] = {}
    for row in summary.get("initials") or []:
        if isinstance(row, dict) and row.get("name") and row.get("printed"):
            resolved.setdefault(str(row["name"]), []).append(str(row["printed"]))
    return resolved


def _summary(portal: str, records: int, with_initials: int, resolutions: dict[str, Resolution],
             min_confidence: float, period_days: int) -> dict[str, Any]:  # fmt: skip
    outcome = Counter("resolved" if r.name else str(r.reason) for r in resolutions.values())
    rows = [{"printed": r.printed, "records": len(r.records), "name": r.name, "confidence": r.confidence,
             "reason": r.reason, "evidence": r.evidence,
             "candidates": [{"name": c.name, "score": c.score, "records": c.records} for c in r.candidates]}
            for r in resolutions.values()]  # fmt: skip
    return {
        "format": SUMMARY_FORMAT,
        "portal": portal,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "min_confidence": min_confidence,
        "period_days": period_days,
        "records": records,
        "records_with_initials": with_initials,
        "initials_resolved": outcome["resolved"],
        "initials_ambiguous": outcome["ambiguous"],
        "initials_unknown": outcome["unknown"],
        "initials": rows,
    }


def _options(settings: BaseSettings) -> dict[str, Any]:
    return {"min_confidence": settings.getfloat("ARCHIVE_INITIALS_MIN_CONFIDENCE"),
            "period_days": settings.getint("ARCHIVE_INITIALS_PERIOD_DAYS")}  # fmt: skip


def describe(summary: dict[str, Any]) -> str:
    return (f"{summary['portal']}: {summary['records_with_initials']} of {summary['records']} articles bylined "
            f"with initials; {len(summary['initials'])} initials: {summary['initials_resolved']} resolved, "
            f"{summary['initials_ambiguous']} ambiguous, {summary['initials_unknown']} unknown")  # fmt: skip


class InitialsExtension:
    """Recompute the sidecars of the portals a crawl exported to when it closes (off by default).

    Those are the spider's own portal and the `portal` of every record the crawl scraped
    (a generic-spider run names its site's portal in its records). The command does the
    same on demand, for any portal.

    Settings: ARCHIVE_INITIALS_ENABLED, ARCHIVE_INITIALS_MIN_CONFIDENCE, ARCHIVE_INITIALS_PERIOD_DAYS,
    ARCHIVE_EXPORTS_DIR. Stats: archive/initials/resolved, archive/initials/ambiguous, archive/initials/unknown.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.root = exports_dir(crawler.settings)
        self.options = _options(crawler.settings)
        self.portals: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_INITIALS_ENABLED"):
            # Off by default: without a message Scrapy disables it quietly (no warning nobody can act on).
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_scraped(self, item: Any) -> None:
        portal = ItemAdapter(item).get("portal")
        if isinstance(portal, str):
            self.portals.add(portal)

    def spider_closed(self, spider: Spider) -> None:
        # The pipelines have closed their files by now; the archive is read up to the manifests.
        for portal in sorted(self.portals | {spider.name}):
            try:
                directory = portal_dir(self.root, portal)
            except ValueError:
                continue
            if not any(directory.glob("manifest*.json")):
                continue
            summary = resolve_portal(self.root, portal, **self.options)
            logger.info("initials: %s", describe(summary))
            if self.crawler.stats is not None:
                for outcome in ("resolved", "ambiguous", "unknown"):
                    self.crawler.stats.inc_value(f"archive/initials/{outcome}", summary[f"initials_{outcome}"])


class ResolveInitialsCommand(ScrapyCommand):
    """`scrapy resolve-initials [portal ...]` (registered by `crawler/commands/resolve-initials.py`)."""

    requires_project = True
    requires_crawler_process = False  # reads files only, like `scrapy verify`
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] [portal ...]"

    def short_desc(self) -> str:
        return "Resolve initials-only reporter names from each portal's own bylines into sidecar files"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        found = (
            sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []
        )
        self.exitcode = EXIT_OK
        for portal in args or found:
            if portal not in found or not any((root / portal).glob("manifest*.json")):
                sys.stderr.write(f"scrapy resolve-initials: error: no exports of {portal!r} under {root}\n")
                self.exitcode = EXIT_CONFIG
                continue
            sys.stdout.write(describe(resolve_portal(root, portal, **_options(self.settings))) + "\n")
