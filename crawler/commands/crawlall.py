"""`scrapy crawlall [portal ...]`: the cron entry point, several portals in one process.

Portals come from the command line, else from ARCHIVE_CRAWLALL_PORTALS. They run
concurrently in one Scrapy process, one crawler each, so each keeps its own politeness
(downloader slots, AutoThrottle, CONCURRENT_REQUESTS_PER_DOMAIN, Retry-After pauses: one
portal is one host). `-a NAME=VALUE` goes to every portal, `-a PORTAL:NAME=VALUE` to one.

Everything is checked before logging starts: an unknown portal, a bad argument or a bad
setting refuses the whole run (one stderr line, EXIT_CONFIG). A portal whose lock another
run holds is skipped with one stderr line and the others run. Logs go to a new file per run
(`crawler.monitoring.runlogs`) unless `--logfile`/`-s LOG_FILE` says otherwise. One report is written
at the end. Exit code, most severe first: EXIT_FAILURE (a crawler could not start),
EXIT_UNHEALTHY (the monitor flagged a portal; one stderr line each), EXIT_UNREACHABLE (a portal never
answered, and no other was unhealthy), EXIT_LOCKED (a portal
was skipped), else EXIT_OK.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands import BaseRunSpiderCommand
from scrapy.spiderloader import get_spider_loader

from crawler.arguments import ArgumentError
from crawler.commands import legacy_layout_problem
from crawler.commands.crawl import CRAWL_EXIT_CODES
from crawler.commands.help import SPIDER_ARGUMENTS, describe, program
from crawler.distributed.mode import DistributedModeError, lock_name
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, EXIT_UNHEALTHY, EXIT_UNREACHABLE
from crawler.monitoring.monitor import verdict_of
from crawler.monitoring.report.summary import outcome_line
from crawler.monitoring.runlogs import new_log_file, prune_logs
from crawler.paths import exports_dir, log_dir, state_dir, symlink_problem
from crawler.scheduling.politeness import apply_backfill_politeness
from crawler.store.lock import LockedError, PortalLock, acquire

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [portal ...]"

    def short_desc(self) -> str:
        return "Crawl several portals in one process (the cron entry point)"

    def long_desc(self) -> str:
        return (
            f"{self.short_desc()}. Without names, the portals of ARCHIVE_CRAWLALL_PORTALS. "
            "-a NAME=VALUE goes to every portal, -a PORTAL:NAME=VALUE to one. Logs go to a new file "
            "per run under ARCHIVE_LOG_DIR; on a terminal, one line per portal at the end. "
            "The exit code is the most severe of the portals' (1, 3, 69, 75 in that order)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        codes = dict(CRAWL_EXIT_CODES)
        codes[str(EXIT_LOCKED)] = "a portal's lock was held: that portal was skipped, the others ran"
        describe(
            parser,
            "crawlall",
            arguments=SPIDER_ARGUMENTS,
            arguments_title="Spider arguments (-a NAME=VALUE, or -a PORTAL:NAME=VALUE)",
            exit_codes=list(codes.items()),
            examples=(
                "scrapy crawlall                               # the portals of ARCHIVE_CRAWLALL_PORTALS",
                "scrapy crawlall antara_kaltim antara_kalsel -a since=2024-01-01",
                "scrapy crawlall antara_kaltim -a antara_kaltim:base_url=http://127.0.0.1:8080",
            ),
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        portals = list(dict.fromkeys(args or self.settings.getlist("ARCHIVE_CRAWLALL_PORTALS")))
        if not portals:
            self._refuse("no portal named and ARCHIVE_CRAWLALL_PORTALS is empty")
        if problem := legacy_layout_problem(self.settings):
            self._refuse(problem)
        self.spider_args = self._split_arguments(opts.spargs, portals)
        self._validate(portals)
        symlink = symlink_problem(self.settings)
        if symlink is not None:  # it could redirect a write outside the archive
            sys.stderr.write(f"{program()} crawlall: error: {symlink}\n")
            raise SystemExit(EXIT_FAILURE)
        self.locks: dict[str, PortalLock] = {}
        self.skipped: list[str] = []
        for name in portals:
            try:
                self.locks[name] = acquire(exports_dir(self.settings), lock_name(self.settings, name))
            except DistributedModeError as exc:
                self._refuse(str(exc))
            except LockedError as exc:
                sys.stderr.write(f"{program()} crawlall: skipped {exc}\n")
                self.skipped.append(name)
            except OSError as exc:  # the locks live in the exports: an unwritable exports dir shows here, first
                sys.stderr.write(f"{program()} crawlall: error: cannot write to {exports_dir(self.settings)}: {exc}\n")
                raise SystemExit(EXIT_FAILURE) from None
        self.log_file = self._log_to_file()

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        for name in self.skipped:
            logger.warning("%s skipped: another run holds its lock", name)
        report = self.settings.getbool("ARCHIVE_REPORT_ENABLED") and self.settings.getbool("ARCHIVE_MONITOR_ENABLED")
        crawlers: list[Crawler] = []
        try:
            for name in self.locks:
                crawler = self._create_crawler(name)
                # One report for the whole run, written below, instead of one per portal.
                crawler.settings.set("ARCHIVE_REPORT_ENABLED", False, priority="cmdline")
                apply_backfill_politeness(crawler.settings, self.spider_args[name])
                self.crawler_process.crawl(crawler, **self.spider_args[name])
                crawlers.append(crawler)
            if crawlers:
                self.crawler_process.start()
        finally:
            for lock in self.locks.values():
                lock.release()
        if report and crawlers:
            from crawler.monitoring.report.page import write_report

            logger.info("report: %s", write_report(exports_dir(self.settings), state_dir(self.settings)))
        self.exitcode = self._exit_code(crawlers)

    def _exit_code(self, crawlers: list[Crawler]) -> int:
        assert self.crawler_process is not None
        if self.crawler_process.bootstrap_failed:
            return EXIT_FAILURE
        verdicts = [v for c in crawlers if (v := verdict_of(c)) is not None]
        if sys.stderr.isatty():
            # A person at a terminal sees one line per portal; cron (no terminal) stays silent when all is well.
            sys.stderr.write("".join(f"{outcome_line(v.summary)}\n" for v in verdicts))
            if self.log_file is not None:
                sys.stderr.write(f"log: {self.log_file}\n")
        unhealthy = [v for v in verdicts if not v.healthy]
        for verdict in unhealthy:
            state = "unreachable" if verdict.unreachable else "unhealthy"
            sys.stderr.write(f"{program()} crawlall: {verdict.portal} {state}: {'; '.join(verdict.problems)}\n")
        if any(not verdict.unreachable for verdict in unhealthy):
            return EXIT_UNHEALTHY
        if unhealthy:
            return EXIT_UNREACHABLE
        return EXIT_LOCKED if self.skipped else EXIT_OK

    # --- checks before anything runs ------------------------------------------------------------------------
    def _split_arguments(self, spargs: dict[str, str], portals: list[str]) -> dict[str, dict[str, str]]:
        """`-a NAME=VALUE` for every portal, `-a PORTAL:NAME=VALUE` for one."""
        per_portal: dict[str, dict[str, str]] = {name: {} for name in portals}
        for key, value in spargs.items():
            portal, _, name = key.rpartition(":")
            if portal and portal not in per_portal:
                self._refuse(f"-a {key}: {portal!r} is not among the portals of this run ({', '.join(portals)})")
            for target in [portal] if portal else portals:
                per_portal[target][name] = value
        return per_portal

    def _validate(self, portals: list[str]) -> None:
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        unknown = [name for name in portals if name not in loader.list()]
        if unknown:
            self._refuse(f"unknown portal(s) {', '.join(unknown)}; valid portals: {', '.join(sorted(loader.list()))}")
        for name in portals:
            validate = getattr(loader.load(name), "validate_arguments", None)
            try:
                if validate is not None:
                    validate(**self.spider_args[name])
            except ArgumentError as exc:
                self._refuse(f"{name}: {exc}")
        if self.settings.getfloat("ARCHIVE_LOG_RETENTION_DAYS") <= 0:
            self._refuse("ARCHIVE_LOG_RETENTION_DAYS must be positive")

    def _log_to_file(self) -> Path | None:
        assert self.settings is not None
        if self.settings.getpriority("LOG_FILE") not in (None, 0) and self.settings.get("LOG_FILE"):
            return None  # --logfile or -s LOG_FILE chose the destination
        directory = log_dir(self.settings)
        prune_logs(directory, self.settings.getfloat("ARCHIVE_LOG_RETENTION_DAYS"))
        path = new_log_file(directory)
        self.settings.set("LOG_FILE", str(path), priority="cmdline")
        return path

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} crawlall: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
