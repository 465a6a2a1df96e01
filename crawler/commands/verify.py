"""`scrapy verify [portal ...]`: check every export against its manifest and the record schema.

Exit code 0 when everything checks, `EXIT_FAILURE` (1) with one `problem:` line per problem
on stderr otherwise, `EXIT_CONFIG` (64) when there is nothing to check: no exports root, or
a named portal without an export directory (a typo is a usage error, not a broken archive).
Reads ARCHIVE_EXPORTS_DIR and ARCHIVE_STATE_DIR like the crawl does.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands import ScrapyCommand

from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
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

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        describe(
            parser,
            "verify",
            arguments=(("portal", "portals to check (default: every portal under ARCHIVE_EXPORTS_DIR)"),),
            exit_codes=(
                (str(EXIT_OK), "every file checks"),
                (str(EXIT_FAILURE), "one `problem:` line per problem on stderr"),
                (str(EXIT_CONFIG), "nothing to check: no exports root, or a named portal has no exports"),
            ),
            examples=("scrapy verify", "scrapy verify antara_kaltim -s ARCHIVE_EXPORTS_DIR=/data/exports"),
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        if not root.is_dir():
            self._refuse(f"no exports under {root} (ARCHIVE_EXPORTS_DIR)")
        if missing := [name for name in args if not (root / name).is_dir()]:
            self._refuse(f"no exports under {root} for {', '.join(missing)}")
        report = verify(root, args or None)
        self.exitcode = EXIT_FAILURE if report_and_exit_code(report) else EXIT_OK

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} verify: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
