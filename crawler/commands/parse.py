"""`scrapy parse <article URL>`: fetch one article page, run its portal's page object, print the record.

Replaces Scrapy's `parse`, which finds no spider for a portal URL and has no callback to
call. The portal is the one whose host (or alias) the URL is on, or `--spider NAME`;
`-a base_url=...` fetches the page from another origin (the local replica), as in a crawl.
The request goes through the crawl's downloader middlewares (robots.txt, charset repair,
retries) and the spider's article callback, so the record printed is the one a crawl would
hand to the pipelines, checked against the schema (`ValidatePipeline`: problems land in
`warnings`).

Nothing is written: no dedup, JSONL or other storing pipeline, no WARC file, no monitor
(run summary, report), no deltafetch, frontier or conditional-request state, no run lock,
no Redis. The record goes to stdout as indented JSON, everything else to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, NoReturn

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.commands import BaseRunSpiderCommand
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiderloader import get_spider_loader

from crawler.arguments import ArgumentError
from crawler.commands.help import describe, program
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE
from crawler.items import ListingEntry
from crawler.spiders.portal import PortalSpider

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

WRITES_NOTHING: dict[str, Any] = {
    "ITEM_PIPELINES": {"pipelines.validate.ValidatePipeline": 100},  # attaches schema problems, stores nothing
    "ARCHIVE_WARC_ENABLED": False,
    "ARCHIVE_MONITOR_ENABLED": False,
    "ARCHIVE_REPORT_ENABLED": False,
    "ARCHIVE_DRIFT_ENABLED": False,
    "ARCHIVE_INITIALS_ENABLED": False,
    "ARCHIVE_DELTAFETCH_ENABLED": False,  # a stored article is parsed too
    "ARCHIVE_FRONTIER_ENABLED": False,
    "ARCHIVE_WALK_CHECKPOINT_ENABLED": False,
    "ARCHIVE_CONDITIONAL_ENABLED": False,
    "ARCHIVE_DEDUP_ENABLED": False,
    "ARCHIVE_JSONL_ENABLED": False,
    "ARCHIVE_REDIS_URL": "",
    "ARCHIVE_PROGRESS_INTERVAL_SECONDS": 0,
}


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] <article URL>"

    def short_desc(self) -> str:
        return "Fetch one article page, parse it with its portal's page object and print the record (writes nothing)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--spider", metavar="PORTAL", help="the portal to parse with (default: by the URL's host)")
        describe(
            parser,
            "parse",
            arguments=(
                ("base_url=URL", "fetch the page from this origin instead of the portal's host (-a)"),
                ("name=NAME", "generic spider `portal` only (-a, with --spider portal)"),
            ),
            arguments_title="Spider arguments (-a NAME=VALUE)",
            exit_codes=(
                (str(EXIT_OK), "the record is on stdout"),
                (str(EXIT_FAILURE), "no record: the page is not an article (the reason on stderr) or no response"),
                (str(EXIT_CONFIG), "no portal for the URL, not an article URL of the portal, or a bad argument"),
                (str(EXIT_UNREACHABLE), "the portal never answered (DNS, refused, TLS, timeouts)"),
            ),
            examples=(
                "scrapy parse https://kaltim.antaranews.com/berita/123456/judul-berita",
                "scrapy parse https://kaltim.antaranews.com/berita/123456/x -a base_url=http://127.0.0.1:8080",
                "scrapy parse https://example-portal.id/2024/01/02/judul --spider portal "
                "-a base_url=https://example-portal.id",
            ),
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            self._refuse("give exactly one article URL")
        assert self.settings is not None
        self.settings.setdict(WRITES_NOTHING, priority="cmdline")
        if (self.settings.getpriority("LOG_LEVEL") or 0) < SETTINGS_PRIORITIES["cmdline"]:
            # The record is the answer; the log (components switched off above included) only when asked, with -L.
            self.settings.set("LOG_LEVEL", "ERROR", priority="cmdline")
        self.spider_class = self._spider_class(args[0], opts.spider)
        try:
            self.spider_class.validate_arguments(**opts.spargs)
        except ArgumentError as exc:
            self._refuse(f"{self.spider_class.name}: {exc}")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        crawler = self._create_crawler(_one_page(self.spider_class, args[0]))
        self.records: list[dict[str, Any]] = []
        crawler.signals.connect(self._collect, signal=signals.item_scraped)  # (held weakly: a bound method)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        for record in self.records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
        self.exitcode = EXIT_OK if self.records else self._no_record(crawler)

    def _collect(self, item: Any) -> None:
        self.records.append(ItemAdapter(item).asdict())

    def _no_record(self, crawler: Crawler) -> int:
        assert self.crawler_process is not None and crawler.stats is not None
        stats = crawler.stats.get_stats()
        if self.crawler_process.bootstrap_failed:
            return EXIT_FAILURE
        if cause := stats.get("archive/unreachable/cause"):
            sys.stderr.write(f"{program()} parse: error: unreachable: {cause}\n")
            return EXIT_UNREACHABLE
        reasons = [key.rsplit("/", 1)[1] for key in stats if key.startswith("archive/parse/not_an_article/")]
        statuses = [key.rsplit("/", 1)[1] for key in stats if key.startswith("downloader/response_status_count/")]
        if reasons:
            what = f"not an article ({', '.join(reasons)})"
        elif errors := [status for status in statuses if status >= "400"]:
            what = f"the page answered HTTP {', '.join(errors)}"
        else:
            what = "no response parsed (run with -L INFO for the log)"
        sys.stderr.write(f"{program()} parse: no record: {what}\n")
        return EXIT_FAILURE

    def _spider_class(self, url: str, name: str | None) -> type[PortalSpider]:
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        classes = {spider: loader.load(spider) for spider in loader.list()}
        portal_spiders = {spider: cls for spider, cls in classes.items() if issubclass(cls, PortalSpider)}
        if name is not None:
            if name not in portal_spiders:
                self._refuse(f"unknown portal {name!r}; valid portals: {', '.join(sorted(portal_spiders))}")
            chosen = portal_spiders[name]
        else:
            owners = [cls for cls in portal_spiders.values() if _portal_of(cls) and _portal_of(cls).is_own_host(url)]
            if not owners:
                self._refuse(f"no portal serves {url}; name one with --spider (see `scrapy list`)")
            chosen = owners[0]
        portal = _portal_of(chosen)
        if portal is not None and portal.record_id(url) is None:
            self._refuse(f"{url} is not an article URL of {chosen.name} (pattern {portal.article_path_pattern})")
        return chosen

    def _refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{program()} parse: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)


def _portal_of(spider_class: type[PortalSpider]) -> Any:
    """The class's registry row; None for `portal`, whose row is made from its arguments."""
    return spider_class.__dict__.get("registry_portal") or getattr(spider_class, "registry_portal", None)


def _one_page(spider_class: type[PortalSpider], url: str) -> type[PortalSpider]:
    """`spider_class` starting from the one article request of `url` (on the origin being crawled)."""

    async def start(self: PortalSpider) -> AsyncIterator[scrapy.Request]:
        request = self._article_request(ListingEntry(url=url))
        if request is None:
            self.logger.error("not an article URL of %s: %s", self.name, url)
            return
        yield request

    return type(spider_class.__name__, (spider_class,), {"start": start, "__module__": spider_class.__module__})
