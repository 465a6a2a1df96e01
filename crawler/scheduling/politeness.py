"""Politeness that depends on the run rather than on the portal: backfills go slower than scheduled runs.

A scheduled run makes a handful of requests; a `since` backfill walks thousands of listing
and article pages in one go, so it gets a longer DOWNLOAD_DELAY. The value is set at
"spider" priority before the crawl starts: `-s DOWNLOAD_DELAY=...` (command line) still
wins, and a portal's own larger delay is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def is_backfill(spider_args: Mapping[str, str]) -> bool:
    return bool(spider_args.get("since") or spider_args.get("until"))


def apply_backfill_politeness(settings: BaseSettings, spider_args: Mapping[str, str]) -> None:
    """Settings: ARCHIVE_BACKFILL_DOWNLOAD_DELAY_SECONDS (raises DOWNLOAD_DELAY of backfill runs)."""
    if not is_backfill(spider_args):
        return
    delay = max(settings.getfloat("ARCHIVE_BACKFILL_DOWNLOAD_DELAY_SECONDS"), settings.getfloat("DOWNLOAD_DELAY"))
    settings.set("DOWNLOAD_DELAY", delay, priority="spider")
