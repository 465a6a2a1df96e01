"""`scrapy resolve-initials [portal ...]`: recompute each portal's reporter-initials sidecar files.

Scrapy names a command after its module, hence the hyphen; the command is
`crawler.initials.sidecars.ResolveInitialsCommand` (typed and tested there). Exit code 0,
or 64 when a named portal has no exports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.commands.help import describe
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from crawler.initials.sidecars import ResolveInitialsCommand

if TYPE_CHECKING:
    import argparse


class Command(ResolveInitialsCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        describe(
            parser,
            "resolve-initials",
            arguments=(("portal", "portals to resolve (default: every portal under ARCHIVE_EXPORTS_DIR)"),),
            exit_codes=((str(EXIT_OK), "ok"), (str(EXIT_CONFIG), "a named portal has no exports")),
            examples=("scrapy resolve-initials", "scrapy resolve-initials antara_kaltim"),
        )
