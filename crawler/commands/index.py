"""`scrapy index [--db PATH] [--rebuild] [--search QUERY]`: build or update the SQLite search index of the archive.

Reads only the bytes written since the last run (the change feed, `crawler.store.index`);
`--rebuild` starts from the exports again. Default database: `<state dir>/index.sqlite3`.
Exit codes: 0 ok, 64 no exports root.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from crawler.paths import exports_dir, index_path
from crawler.store.index import search, update_index

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--rebuild] [--search QUERY]"

    def short_desc(self) -> str:
        return "Build or update the SQLite search index of the archive (FTS5 over title and body)"

    def long_desc(self) -> str:
        return f"{self.short_desc()}; only records written since the last run are read."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", metavar="PATH", help="the database (default: <state dir>/index.sqlite3)")
        parser.add_argument("--rebuild", action="store_true", help="delete the database and index every record again")
        parser.add_argument("--search", metavar="QUERY", help="after updating, print the id and title of matches")
        describe(
            parser,
            "index",
            exit_codes=((str(EXIT_OK), "ok"), (str(EXIT_CONFIG), "no exports root")),
            examples=(
                "scrapy index",
                "scrapy index --rebuild --db /data/archive.sqlite3",
                "scrapy index --search banjir",
            ),
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        if not root.is_dir():
            sys.stderr.write(f"{program()} index: error: no exports root {root}\n")
            raise SystemExit(EXIT_CONFIG)
        db = Path(opts.db) if opts.db else index_path(self.settings)
        run = update_index(root, db, rebuild=opts.rebuild)
        built = " (a new database)" if run.rebuilt else ""
        sys.stderr.write(f"{program()} index: {run.records} records ({run.bytes} bytes) read into {db}{built}\n")
        if opts.search:
            for article_id, title in search(db, opts.search):
                sys.stdout.write(f"{article_id}\t{title}\n")
        self.exitcode = EXIT_OK
