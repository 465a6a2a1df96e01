"""`scrapy reparse <WARC files or directories> [-o EXPORTS_DIR] [--latest | --verify]`: re-parse the archive, offline.

Every archived 2xx response of an article URL goes through its portal's page object and
the same pipelines as in a crawl (validate, dedup with revisions, JSONL), portal after
portal, each in fetch order. Into an empty exports directory this rebuilds the records
the crawls exported (their `crawled_at` aside), revisions included. Into the live one,
use `--latest` (only each article's most recent fetch): it adds a revision wherever an
improved parser now reads an article differently, and nothing elsewhere. (Without it,
an older fetch whose text differs from the latest stored version is a revision, as a
page that reverted would be in a crawl: dedup compares with the latest version.)

Nothing is fetched: http and https requests are answered from the archive
(`crawler.warc.handler`), so each response runs through every downloader and spider
middleware as in the crawl; robots.txt, deltafetch and the WARC writer are off. Each
portal's run lock is taken first, as `scrapy crawl` does.
`--verify` writes nothing: it re-derives every stored record from its WARC record and
reports the fields that differ (`crawler.store.provenance`); exit 1 when any does.
Exit codes: 0 ok, 1 a run failed (or `--verify` found differences), 64 no WARC input, 75 a portal's lock is held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scrapy.commands import ScrapyCommand
from scrapy.spiderloader import get_spider_loader

from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_LOCKED, EXIT_OK
from crawler.paths import exports_dir
from crawler.spiders.portal import PortalSpider
from crawler.spiders.reparse import article_records, reparse_spider
from crawler.store.lock import LockedError, acquire
from crawler.store.provenance import all_records, compare, report_lines
from crawler.warc.reader import ArchivedRecord, revisit_originals, scan, warc_inputs

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)

_FROM_ARCHIVE = "crawler.warc.handler.ArchiveDownloadHandler"
OFFLINE_SETTINGS: dict[str, Any] = {
    # Every http(s) request is answered from the archive; no other scheme is served at all.
    "DOWNLOAD_HANDLERS": {"http": _FROM_ARCHIVE, "https": _FROM_ARCHIVE, "ftp": None, "s3": None, "file": None},
    "ROBOTSTXT_OBEY": False,
    "ARCHIVE_WARC_ENABLED": False,
    "ARCHIVE_DELTAFETCH_ENABLED": False,  # stored articles are re-parsed too; dedup decides
    # Politeness is for servers; the archive is a local file.
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
}


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] <WARC file or directory> ..."

    def short_desc(self) -> str:
        return "Re-parse archived responses from WARC files through the page objects and pipelines (no network)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", metavar="EXPORTS_DIR", help="exports root to write to; default ARCHIVE_EXPORTS_DIR"
        )
        parser.add_argument("--latest", action="store_true", help="only the most recent archived fetch of each article")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="write nothing: re-derive every record of the exports (-o or ARCHIVE_EXPORTS_DIR) from its WARC "
            "record and report the fields that differ (crawler/store/provenance.py)",
        )
        describe(
            parser,
            "reparse",
            arguments=(("WARC", "WARC files (*.warc.gz) or directories holding them, e.g. exports/warc"),),
            exit_codes=(
                (str(EXIT_OK), "ok"),
                (str(EXIT_FAILURE), "a run failed, or --verify found fields that differ"),
                (str(EXIT_CONFIG), "no WARC input (no such file, no *.warc.gz in the directories)"),
                (str(EXIT_LOCKED), "a portal's run lock is held: stop the crawl first"),
            ),
            examples=(
                "scrapy reparse exports/warc -o /tmp/rebuilt       # rebuild the records offline",
                "scrapy reparse exports/warc --latest              # add revisions an improved parser reads",
                "scrapy reparse exports/warc --verify              # re-derive every record, report differences",
            ),
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if not args:
            self._refuse("give at least one WARC file or directory")
        assert self.settings is not None
        if opts.output:
            self.settings.set("ARCHIVE_EXPORTS_DIR", opts.output, priority="cmdline")
        self.settings.setdict(OFFLINE_SETTINGS, priority="cmdline")
        self._verified: Path | None = None
        self._originals: dict[str, str] = {}
        if opts.verify:
            # Re-derived records go to a scratch root (with its own state); the real exports are only read.
            self._verified = exports_dir(self.settings)
            scratch = Path(tempfile.mkdtemp(prefix="reparse-verify-"))
            self.settings.setdict(
                {"ARCHIVE_EXPORTS_DIR": str(scratch), "ARCHIVE_STATE_DIR": "", "ARCHIVE_MONITOR_ENABLED": False},
                priority="cmdline",
            )
        missing = [arg for arg in args if not Path(arg).exists()]
        if missing:
            self._refuse(f"no such file or directory: {', '.join(missing)}")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        files = warc_inputs(Path(arg) for arg in args)
        if not files:
            self._refuse(f"no *.warc.gz file in {', '.join(args)}")
        scanned = scan(files)
        self._originals = revisit_originals(scanned)
        plan = article_records(scanned, latest=opts.latest)
        logger.info("reparse: %d WARC files, %s", len(files), {p: len(r) for p, r in plan.items()} or "no article")
        try:
            locks = [acquire(exports_dir(self.settings), portal) for portal in plan]
        except LockedError as exc:
            sys.stderr.write(f"{program()} reparse: {exc}\n")
            self.exitcode = EXIT_LOCKED
            return
        try:
            self._run_in_turn(plan)
        finally:
            for lock in locks:
                lock.release()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_FAILURE
        elif self._verified is not None:
            self._report_verification(self._verified, exports_dir(self.settings))

    def _report_verification(self, stored: Path, scratch: Path) -> None:
        try:
            result = compare(all_records(stored), all_records(scratch), self._originals)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for line in report_lines(result):
            sys.stdout.write(line + "\n")
        if not result.ok:
            self.exitcode = EXIT_FAILURE

    def _run_in_turn(self, plan: dict[str, list[ArchivedRecord]]) -> None:
        """One crawler per portal, one after the other (cross-portal near-duplicates keep their order)."""
        assert self.crawler_process is not None and self.settings is not None
        loader = get_spider_loader(self.settings)
        process = self.crawler_process

        async def run_all() -> None:
            for portal, records in plan.items():
                spider_class = loader.load(portal)
                assert issubclass(spider_class, PortalSpider)
                await process.crawl(reparse_spider(spider_class, records))

        def stop(task: asyncio.Task[None]) -> None:
            from twisted.internet import reactor as _reactor

            reactor: Any = _reactor
            if not task.cancelled() and task.exception() is not None:
                logger.error("reparse failed", exc_info=task.exception())
                process.bootstrap_failed = True
            with contextlib.suppress(RuntimeError):  # already stopping (Ctrl-C)
                reactor.stop()

        asyncio.get_event_loop().create_task(run_all()).add_done_callback(stop)
        process.start(stop_after_crawl=False)

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} reparse: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
