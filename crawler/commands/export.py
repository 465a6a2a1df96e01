"""`scrapy export --format parquet [-o DIR] [--revisions] [portal ...]`: the archive as typed Parquet partitions.

Reads the JSONL archive (`crawler.read_archive`: complete records, worker partitions
merged) and writes `<DIR>/<portal>/<YYYY>/<YYYY-MM>.parquet` (`crawler.store.parquet`).
Default DIR: `<ARCHIVE_EXPORTS_DIR>-parquet`, beside the exports. Needs pyarrow.
Exit codes: 0 ok, 64 bad usage (unknown format, a named portal without exports).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands import ScrapyCommand

from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from crawler.paths import exports_dir
from crawler.store.consume import portal_directories
from crawler.store.parquet import export_parquet

if TYPE_CHECKING:
    import argparse

FORMATS = ("parquet",)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "--format parquet [-o DIR] [--revisions] [portal ...]"

    def short_desc(self) -> str:
        return "Write the archive as typed Parquet partitions (types from the record's JSON Schema)"

    def long_desc(self) -> str:
        return f"{self.short_desc()}: <DIR>/<portal>/<YYYY>/<YYYY-MM>.parquet, read from ARCHIVE_EXPORTS_DIR."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--format", default="parquet", help=f"output format: {', '.join(FORMATS)}")
        parser.add_argument(
            "-o", "--output", metavar="DIR", help="output root (default: <ARCHIVE_EXPORTS_DIR>-parquet)"
        )
        parser.add_argument("--revisions", action="store_true", help="every revision (default: the latest per article)")
        describe(
            parser,
            "export",
            arguments=(("portal", "portals to export (default: every portal under ARCHIVE_EXPORTS_DIR)"),),
            exit_codes=((str(EXIT_OK), "ok"), (str(EXIT_CONFIG), "unknown format, or a named portal has no exports")),
            examples=(
                "scrapy export --format parquet",
                "scrapy export --format parquet -o /data/parquet --revisions antara_kaltim",
            ),
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        if opts.format not in FORMATS:
            self._refuse(f"unknown format {opts.format!r}; formats: {', '.join(FORMATS)}")
        present = {d.name for d in portal_directories(root)} if root.is_dir() else set()
        if missing := sorted(set(args) - present):
            self._refuse(f"no exports under {root} for {', '.join(missing)}")
        out = Path(opts.output) if opts.output else root.absolute().with_name(root.absolute().name + "-parquet")
        written = export_parquet(root, out, args or None, revisions=opts.revisions)
        sys.stderr.write(f"{program()} export: {len(written)} Parquet files under {out}\n")
        self.exitcode = EXIT_OK

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} export: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
