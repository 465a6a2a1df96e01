"""`scrapy extract FILE_OR_URL [--url URL] [--portal NAME]`: one page to its record, printed as JSON.

The record is the one a crawl would archive (`crawler.extract_article`): the page object of
the portal named by `--portal`, else of the registered portal serving the URL's host, else
the generic one. Nothing is written: no export, no WARC, no dedup state, no run lock.

- a file (or `-` for stdin) is read as the page's bytes; `--url` gives the address it was
  served at (it names the article and, by its host, the portal) and is required;
- an http(s) URL is fetched once (the project's User-Agent and DOWNLOAD_TIMEOUT, no robots.txt
  check: it is one page a person asked for), then parsed.

Exit codes: 0 a record was printed, 1 the page holds no article (`{"not_an_article": reason}`
is printed) or could not be fetched, 2 a usage error (no page, a file without `--url`, a
relative URL), 64 an unknown portal.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands import ScrapyCommand

from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from crawler.extract.limits import PageLimits
from crawler.portals.page import NOT_AN_ARTICLE, UnknownPortalError, extract_record

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # one page, no engine
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] <file | - | http(s) URL>"

    def short_desc(self) -> str:
        return "Parse one page (file or URL) with its portal's page object and print the record as JSON"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", metavar="URL", help="address the page was served at (required for a file)")
        parser.add_argument("--portal", metavar="NAME", help="portal whose page object reads the page (a spider name)")
        describe(
            parser,
            "extract",
            arguments=(("FILE | - | URL", "the page: a saved file, standard input, or an http(s) URL to fetch"),),
            exit_codes=(
                (str(EXIT_OK), "the record was printed"),
                (str(EXIT_FAILURE), "not an article (its reason printed) or the URL could not be fetched"),
                (str(EXIT_CONFIG), "usage: a file without --url, an unknown portal, a URL that is not http(s)"),
            ),
            examples=(
                "scrapy extract page.html --url https://kaltim.antaranews.com/berita/63012/judul",
                "scrapy extract https://kaltim.antaranews.com/berita/63012/judul",
            ),
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) != 1:
            self._refuse("give one file, '-' or an http(s) URL")
        source = args[0]
        limits = PageLimits.from_settings(self.settings)
        headers: dict[str, str] | None = None
        if source.startswith(("http://", "https://")):
            url = opts.url or source
            try:
                html, headers = self._fetch(source, limits)
            except OSError as exc:
                sys.stderr.write(f"problem: cannot fetch {source}: {exc}\n")
                self.exitcode = EXIT_FAILURE
                return
        else:
            if not opts.url:
                self._refuse("--url URL is required for a file: it names the article and its portal")
            url = opts.url
            html = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        try:
            record = extract_record(html, url, opts.portal, limits=limits, headers=headers)
        except UnknownPortalError as exc:
            sys.stderr.write(f"problem: {exc}\n")
            self.exitcode = EXIT_CONFIG
            return
        except ValueError as exc:
            self._refuse(str(exc))
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        self.exitcode = EXIT_FAILURE if NOT_AN_ARTICLE in record else EXIT_OK

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} extract: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)

    def _fetch(self, url: str, limits: PageLimits) -> tuple[bytes, dict[str, str]]:
        assert self.settings is not None
        request = urllib.request.Request(url, headers={"User-Agent": self.settings.get("USER_AGENT")})
        with urllib.request.urlopen(request, timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT")) as answer:
            # Beyond the parse cap nothing is read: the page object would cut it anyway.
            return answer.read(limits.max_bytes + 1), dict(answer.headers.items())
