"""`scrapy verify [portal ...]`: check every export against its manifest and the record schema.

Exit code 0 when everything checks, `EXIT_FAILURE` (1) with one `problem:` line per problem
on stderr otherwise. Reads ARCHIVE_EXPORTS_DIR and ARCHIVE_STATE_DIR like the crawl does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.exitcodes import EXIT_FAILURE, EXIT_OK
from crawler.paths import exports_dir
from crawler.store.verify import report_and_exit_code, verify

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    # Checking files needs no engine or spiders (and must work even if a spider fails to import).
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] [portal ...]"

    def short_desc(self) -> str:
        return "Check every export file against its manifest and the record JSON Schema"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        report = verify(root, args or None)
        self.exitcode = EXIT_FAILURE if report_and_exit_code(report) else EXIT_OK
