"""The archiver's Scrapy commands (COMMANDS_MODULE): crawl, crawlall, verify, reparse, export, resolve-initials.

Shared here: where a finished run left its files, for the human summary a crawl ends with.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crawler.paths import exports_dir, legacy_bookkeeping, report_path, state_dir, warc_dir

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from crawler.monitoring.monitor import Verdict


def legacy_layout_problem(settings: BaseSettings) -> str | None:
    """Bookkeeping of an earlier version inside the exports root: what to move where, or None.

    A run must not start beside it: an older cron job would take its locks in the old place
    and two runs of one portal could write at once.
    """
    found = legacy_bookkeeping(settings)
    if not found:
        return None
    target = state_dir(settings)
    moves = [f"mv {path}/* {target}/" if path.name == ".state" else f"mv {path} {target / path.name.lstrip('.')}"
             for path in found]  # fmt: skip
    return (
        f"bookkeeping of an earlier version is inside the exports root; it now lives in {target}. "
        f"Stop every run, then: mkdir -p {target}; " + "; ".join(moves)
    )


def places(settings: BaseSettings, verdict: Verdict) -> dict[str, Path | None]:
    """Label -> path of what a run wrote: records, WARC files, its run summary, the report."""
    report, records = report_path(settings), exports_dir(settings) / verdict.portal
    return {
        "records": records if records.exists() else None,
        "WARC files": warc_dir(settings) if settings.getbool("ARCHIVE_WARC_ENABLED") else None,
        "run summary": verdict.summary_path,
        "report": report if report.exists() else None,
    }
