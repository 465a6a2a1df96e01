"""`scrapy changes [--since CURSOR | --cursor-file FILE] [--limit N]`: records written since a cursor, as JSON Lines.

Prints every record written since the cursor (`crawler.read_changes`: all portals, every
worker partition, complete records only) on stdout, one JSON object a line, then the new
cursor on stderr, or into `--cursor-file` (read from it first when it exists; replaced
atomically once stdout is flushed). Exit codes: 0 ok, 64 bad usage (a malformed cursor,
no exports root).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands import ScrapyCommand

from crawler.commands.help import describe, program
from crawler.durable import replace_atomically
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from crawler.paths import exports_dir
from crawler.store.changes import read_changes

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--since CURSOR | --cursor-file FILE] [--limit N]"

    def short_desc(self) -> str:
        return "Print the records written since a cursor as JSON Lines (a change feed)"

    def long_desc(self) -> str:
        return f"{self.short_desc()}; the new cursor goes to stderr, or to --cursor-file."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="CURSOR", help="cursor printed by the last run (default: the beginning)")
        parser.add_argument(
            "--cursor-file", metavar="FILE", help="read the cursor from FILE if it exists; write the new one there"
        )
        parser.add_argument("--limit", type=int, metavar="N", help="at most N records")
        describe(
            parser,
            "changes",
            exit_codes=((str(EXIT_OK), "ok"), (str(EXIT_CONFIG), "a malformed cursor, or no exports root")),
            examples=(
                "scrapy changes > all.jsonl 2> cursor.txt",
                "scrapy changes --cursor-file feed.cursor --limit 1000 | my-loader",
            ),
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        if not root.is_dir():
            self._refuse(f"no exports root {root}")
        cursor_file = Path(opts.cursor_file) if opts.cursor_file else None
        cursor = opts.since
        if cursor is None and cursor_file is not None and cursor_file.exists():
            cursor = cursor_file.read_text("ascii").strip()
        try:
            records, new_cursor = read_changes(root, cursor, limit=opts.limit)
        except ValueError as exc:
            self._refuse(str(exc))
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        if cursor_file is not None:
            replace_atomically(cursor_file, new_cursor + "\n")
        else:
            sys.stderr.write(new_cursor + "\n")
        self.exitcode = EXIT_OK

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} changes: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
