"""The archiver's Scrapy commands (COMMANDS_MODULE): crawl, crawlall, verify, reparse, export, resolve-initials.

Shared here: where a finished run left its files, for the human summary a crawl ends with.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crawler.paths import exports_dir, report_path, warc_dir

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from crawler.monitoring.monitor import Verdict


def places(settings: BaseSettings, verdict: Verdict) -> dict[str, Path | None]:
    """Label -> path of what a run wrote: records, WARC files, its run summary, the report."""
    report, records = report_path(settings), exports_dir(settings) / verdict.portal
    return {
        "records": records if records.exists() else None,
        "WARC files": warc_dir(settings) if settings.getbool("ARCHIVE_WARC_ENABLED") else None,
        "run summary": verdict.summary_path,
        "report": report if report.exists() else None,
    }
