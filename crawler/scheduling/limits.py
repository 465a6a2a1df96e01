"""Per-run limits that map onto Scrapy's own settings.

`PageCapAddon` turns ARCHIVE_MAX_PAGES_PER_RUN into CLOSESPIDER_PAGECOUNT (at add-on
priority, so an explicit `-s CLOSESPIDER_PAGECOUNT=` still wins): a backfill of years of
listings then fetches at most that many pages per run and ends with the close reason
`closespider_pagecount`; the next run continues where the stored articles end, since
deltafetch skips what is already archived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class PageCapAddon:
    """Settings: ARCHIVE_MAX_PAGES_PER_RUN (responses per run; 0 = no cap; negative is refused)."""

    def update_settings(self, settings: BaseSettings) -> None:
        cap = settings.getint("ARCHIVE_MAX_PAGES_PER_RUN")
        if cap < 0:
            raise ValueError(f"ARCHIVE_MAX_PAGES_PER_RUN must be >= 0, not {cap}")
        if cap:
            settings.set("CLOSESPIDER_PAGECOUNT", cap, priority="addon")
