"""`scrapy browse [--db PATH] [--host HOST] [--port N] [--replay-url URL]`: the archive's web page.

Brings the search index up to date (as `scrapy index`), then serves it with Datasette
(`crawler.browse`) until interrupted: search, facets, canned searches, and an article page
with its credits, copyright line, revisions with their diffs and a link replaying the
archived page in pywb (`--replay-url`, default `ARCHIVE_BROWSE_REPLAY_URL`).
Exit codes: 0 stopped, 64 no exports root or a bad option, 1 the server could not start (port
taken, Datasette not installed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.browse.site import DATABASE, valid_replay_url
from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from crawler.paths import exports_dir, index_path
from crawler.store.index import update_index

if TYPE_CHECKING:
    import argparse

DEFAULT_PORT = 8001  # Datasette's own default


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--host HOST] [--port N] [--replay-url URL]"

    def short_desc(self) -> str:
        return "Serve the archive's web page (Datasette on the search index): search, facets, articles, revisions"

    def long_desc(self) -> str:
        return f"{self.short_desc()}; the index is brought up to date first. Ctrl-C stops it."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", metavar="PATH", help="the index database (default: <state dir>/index.sqlite3)")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
        parser.add_argument(
            "--port", metavar="N", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
        )
        replay = "the pywb collection replay links point to (default ARCHIVE_BROWSE_REPLAY_URL)"
        parser.add_argument("--replay-url", metavar="URL", help=replay)
        describe(
            parser,
            "browse",
            exit_codes=(
                (str(EXIT_OK), "stopped (Ctrl-C)"),
                (str(EXIT_CONFIG), "no exports root, or a bad option"),
                (str(EXIT_FAILURE), "the server could not start (the port is taken, no Datasette)"),
            ),  # fmt: skip
            examples=(
                "scrapy browse",
                "scrapy browse --port 8080 --host 0.0.0.0",
                "scrapy browse --replay-url http://localhost:8080/archive",
            ),
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        root = exports_dir(self.settings)
        replay_url = opts.replay_url or self.settings.get("ARCHIVE_BROWSE_REPLAY_URL")
        if not root.is_dir():
            self._usage(f"no exports root {root}")
        if not valid_replay_url(replay_url):
            self._usage(f"--replay-url must be an http(s) URL, e.g. http://localhost:8080/archive: {replay_url!r}")
        if not 0 < opts.port < 65536:
            self._usage(f"--port must be 1-65535: {opts.port}")
        try:
            from crawler.browse.serve import serve  # Datasette is imported only to serve
        except ImportError as exc:
            sys.stderr.write(f"{program()} browse: error: {exc}; install it: pip install -r requirements.txt\n")
            raise SystemExit(EXIT_FAILURE) from exc
        db = Path(opts.db) if opts.db else index_path(self.settings)
        run = update_index(root, db)
        sys.stderr.write(f"{program()} browse: {run.records} records ({run.bytes} bytes) read into {db}\n")
        sys.stderr.write(f"{program()} browse: serving http://{opts.host}:{opts.port}/{DATABASE} (Ctrl-C stops)\n")
        sys.stderr.flush()
        try:
            serve(db, host=opts.host, port=opts.port, replay_url=replay_url)
        except SystemExit as exc:  # uvicorn exits 1 when it cannot bind
            raise SystemExit(EXIT_FAILURE if exc.code else EXIT_OK) from exc
        self.exitcode = EXIT_OK

    def _usage(self, message: str) -> None:
        sys.stderr.write(f"{program()} browse: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)
