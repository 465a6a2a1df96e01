"""`scrapy crawl`, with argument validation up front and the archiver's exit codes.

A bad `-a` value or an unknown portal ends the run before anything is fetched, with one
line on stderr and `EXIT_CONFIG`, instead of a traceback from inside the engine.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.arguments import ArgumentError
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one portal name (see `scrapy list`)")
        assert self.crawler_process
        loader = self.crawler_process.spider_loader
        name = args[0]
        if name not in loader.list():
            self._refuse(f"unknown portal {name!r}; valid portals: {', '.join(sorted(loader.list()))}")
            return
        validate = getattr(loader.load(name), "validate_arguments", None)
        try:
            if validate is not None:
                validate(**opts.spargs)
        except ArgumentError as exc:
            self._refuse(f"{name}: {exc}")
            return
        self.crawler_process.crawl(self._create_crawler(name), **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_FAILURE

    def _refuse(self, message: str) -> None:
        sys.stderr.write(f"scrapy crawl: error: {message}\n")
        self.exitcode = EXIT_CONFIG
