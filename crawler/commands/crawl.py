"""`scrapy crawl`, with argument validation up front and the archiver's exit codes.

A bad `-a` value or an unknown portal ends the run before anything is fetched, with one
line on stderr and `EXIT_CONFIG`, instead of a traceback from inside the engine. A second
run of a portal while the first still runs (overlapping cron jobs) refuses the same way,
with `EXIT_LOCKED`; the lock (`crawler.store.lock`) is held until the crawl has finished. In
distributed mode the lock is per portal and worker id (`crawler.distributed.mode.lock_name`):
workers of one portal run side by side, one worker id never twice.
A crawl that the monitor (`crawler.monitoring.monitor`) found unhealthy exits with `EXIT_UNHEALTHY`,
one whose portal never answered (`crawler.middlewares.unreachable`) with `EXIT_UNREACHABLE`.
Backfills (`-a since=`/`until=`) get the slower backfill download delay (`crawler.scheduling.politeness`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.spiderloader import get_spider_loader

from crawler.arguments import ArgumentError
from crawler.commands import legacy_layout_problem, places
from crawler.commands.help import SPIDER_ARGUMENTS, describe, program
from crawler.distributed.mode import DistributedModeError, lock_name
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, EXIT_UNHEALTHY, EXIT_UNREACHABLE
from crawler.monitoring.monitor import verdict_of
from crawler.monitoring.report.summary import human_summary
from crawler.paths import exports_dir, symlink_problem
from crawler.scheduling.politeness import apply_backfill_politeness
from crawler.store.lock import LockedError, PortalLock, acquire

if TYPE_CHECKING:
    import argparse


CRAWL_EXIT_CODES = (
    (str(EXIT_OK), "ok"),
    (str(EXIT_FAILURE), "the crawl could not start (Scrapy bootstrap failure, unexpected error)"),
    (str(EXIT_UNHEALTHY), "the crawl ran but was unhealthy (monitor or drift alarm): treat it as the alarm"),
    (str(EXIT_CONFIG), "bad argument, bad setting or unknown portal: nothing ran"),
    (str(EXIT_UNREACHABLE), "the portal never answered (DNS, refused, TLS, timeouts): one line names the cause"),
    (str(EXIT_LOCKED), "another run of the same portal holds the lock"),
)


class Command(ScrapyCrawlCommand):
    _lock: PortalLock

    def syntax(self) -> str:
        return "[options] <portal> [-a NAME=VALUE ...]"

    def short_desc(self) -> str:
        return "Crawl one portal into the archive (records, WARC files, run summary)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        describe(
            parser,
            "crawl",
            arguments=SPIDER_ARGUMENTS,
            arguments_title="Spider arguments (-a NAME=VALUE)",
            exit_codes=CRAWL_EXIT_CODES,
            examples=(
                "scrapy list                                   # the portals",
                "scrapy crawl antara_kaltim",
                "scrapy crawl antara_kaltim -a since=2024-01-01 -a until=2024-01-31",
                "scrapy crawl antara_kaltim -a base_url=http://127.0.0.1:8080   # a local replica",
                "scrapy crawl portal -a base_url=https://example-portal.id      # any portal, generic spider",
            ),
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        # Validated here, before Scrapy creates the crawler process and configures logging,
        # so that a refusal is exactly one line on stderr and nothing else.
        super().process_options(args, opts)
        if len(args) != 1:
            self._refuse("give exactly one portal name (see `scrapy list`)")
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        name = args[0]
        if name not in loader.list():
            self._refuse(f"unknown portal {name!r}; valid portals: {', '.join(sorted(loader.list()))}")
        if problem := legacy_layout_problem(self.settings):
            self._refuse(problem)
        spider_class = loader.load(name)
        validate = getattr(spider_class, "validate_arguments", None)
        try:
            if validate is not None:
                validate(**opts.spargs)
        except ArgumentError as exc:
            self._refuse(f"{name}: {exc}")
        symlink = symlink_problem(self.settings)
        if symlink is not None:  # it could redirect a write outside the archive
            sys.stderr.write(f"{program()} crawl: error: {symlink}\n")
            raise SystemExit(EXIT_FAILURE)
        # Taken here for the same reason; held by this process until `run` has finished the crawl.
        try:
            key = spider_class.lock_key(**opts.spargs) if hasattr(spider_class, "lock_key") else name
            self._lock = acquire(exports_dir(self.settings), lock_name(self.settings, key))
        except DistributedModeError as exc:
            self._refuse(str(exc))
        except LockedError as exc:
            sys.stderr.write(f"{program()} crawl: {exc}\n")
            raise SystemExit(EXIT_LOCKED) from None
        except OSError as exc:  # the lock lives in the exports: an unwritable exports dir shows here, first
            sys.stderr.write(f"{program()} crawl: error: cannot write to {exports_dir(self.settings)}: {exc}\n")
            raise SystemExit(EXIT_FAILURE) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process
        try:
            crawler = self._create_crawler(args[0])
            apply_backfill_politeness(crawler.settings, opts.spargs)
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            self._lock.release()
        verdict = verdict_of(crawler)
        if verdict is not None and self.settings is not None:
            # The last word of a crawl, after Scrapy's stats dump: what it did and where the files are.
            lines = human_summary(verdict.summary, places(self.settings, verdict))
            sys.stderr.write("".join(f"{line}\n" for line in lines))
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_FAILURE
        elif verdict is not None and not verdict.healthy:
            self.exitcode = EXIT_UNREACHABLE if verdict.unreachable else EXIT_UNHEALTHY

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} crawl: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
