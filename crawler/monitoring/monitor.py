"""Run monitoring: per portal run, what was found, written and dropped, request errors, field coverage, health.

Coverage is the share of records written by the run (new articles and revisions) with a
non-empty title, published_at, reporters, editors, copyright, and a body of at least 200
characters. A cron run every few minutes writes a handful of records, too few to judge a
share on (one article without an editor is not a broken parser), so each threshold is
applied to this run's records plus those of the portal's previous runs, newest first,
until at least ARCHIVE_MONITOR_MIN_RECORDS are counted; with fewer records in the whole
kept history (a new archive, a small backfill) coverage is reported but not judged. A
template that changed silently therefore turns the run unhealthy within a few runs, and a
fixed parser clears it the same way. A run that found fewer article links than ARCHIVE_MONITOR_MIN_LINKS (listing markup
changed, portal down) or did not finish normally is unhealthy too; one whose listings and feeds were all answered
`304 Not Modified` (`crawler.scheduling.conditional`) found nothing because nothing changed,
and is healthy. Each run's coverage is also compared with the portal's own history
(`crawler.monitoring.drift`), which saves the pages behind a drop as fixtures.

An unhealthy run logs one ERROR line per problem naming portal, field and figure, says so
in its summary, and `scrapy crawl` / `scrapy crawlall` exit with EXIT_UNHEALTHY. A run in which
no request got an answer (`crawler.middlewares.unreachable`: DNS, refused, TLS, timeouts) has one
problem only, `unreachable` with its cause, and exits with EXIT_UNREACHABLE; the hint at a
changed listing markup is given only when listing pages were fetched and parsed.

The run is judged and its summary written on `spider_closed`; the HTML report (reading the
whole archive and drawing with matplotlib, seconds of CPU) only on `engine_stopped`, once
the crawl's work is done and Scrapy has counted its `elapsed_time_seconds`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.monitoring.drift import DriftWatch
from crawler.monitoring.report import history
from crawler.monitoring.report.summary import COVERAGE_FIELDS, SUMMARY_FORMAT, Coverage, articles_block, requests_block
from crawler.paths import exports_dir, state_dir
from crawler.storage import REASON as STORAGE_REASON
from crawler.storage import STAT as STORAGE_STAT
from crawler.storage import storage_error

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_NORMAL_FINISH = ("finished", "closespider_")


@dataclass(frozen=True)
class Verdict:
    """The outcome of a run as the commands need it for their exit code."""

    portal: str
    healthy: bool
    problems: tuple[str, ...] = ()
    summary_path: Path | None = None
    unreachable: bool = False
    """No request got an answer (DNS, refused, TLS, timeouts): the portal, not the archiver, is the problem."""
    summary: dict[str, Any] = field(default_factory=dict)
    """The run summary as recorded (`crawler.monitoring.report.summary`)."""


_VERDICTS: WeakKeyDictionary[Crawler, Verdict] = WeakKeyDictionary()


def verdict_of(crawler: Crawler) -> Verdict | None:
    """The monitor's verdict on a finished crawl (None when monitoring is off or the spider never closed)."""
    return _VERDICTS.get(crawler)


@dataclass
class Thresholds:
    min_coverage: dict[str, float] = field(default_factory=dict)
    min_records: int = 20
    min_links: int = 1


class RunMonitor:
    """Extension: counts coverage on `item_scraped`, judges and records the run on `spider_closed`,
    renders the report on `engine_stopped`.

    Settings: ARCHIVE_MONITOR_ENABLED, ARCHIVE_MONITOR_MIN_RECORDS, ARCHIVE_MONITOR_MIN_LINKS,
    ARCHIVE_MONITOR_MIN_<FIELD>_COVERAGE (TITLE, PUBLISHED_AT, BODY, REPORTERS, EDITORS, COPYRIGHT),
    ARCHIVE_REPORT_ENABLED, ARCHIVE_REPORT_RETENTION_DAYS, ARCHIVE_EXPORTS_DIR.
    Stats: archive/monitor/healthy (1/0), archive/monitor/problems.
    """

    def __init__(self, crawler: Crawler, thresholds: Thresholds, exports_root: Path) -> None:
        self.crawler = crawler
        self.thresholds = thresholds
        self.exports_root = exports_root
        self.state_root = exports_root
        self.coverage = Coverage()
        self.started_at = datetime.now(UTC)
        self._pooled_runs = 1
        self.drift: DriftWatch | None = None
        self._report_due = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_MONITOR_ENABLED"):
            raise NotConfigured("ARCHIVE_MONITOR_ENABLED is off")
        thresholds = Thresholds(
            min_coverage={
                name: settings.getfloat(f"ARCHIVE_MONITOR_MIN_{name.upper()}_COVERAGE") for name in COVERAGE_FIELDS
            },
            min_records=settings.getint("ARCHIVE_MONITOR_MIN_RECORDS"),
            min_links=settings.getint("ARCHIVE_MONITOR_MIN_LINKS"),
        )
        monitor = cls(crawler, thresholds, exports_dir(settings))
        monitor.state_root = state_dir(settings)
        monitor.drift = DriftWatch.from_settings(settings, monitor.state_root)
        crawler.signals.connect(monitor.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(monitor.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(monitor.engine_stopped, signal=signals.engine_stopped)
        return monitor

    def item_scraped(self, item: Any) -> None:
        # item_scraped fires only for items every pipeline kept, i.e. records written by this run.
        # Fields are only read here, through the adapter: no copy of the record (asdict) per item.
        record = ItemAdapter(item)
        self.coverage.add(record)
        if self.drift is not None:
            self.drift.add(record)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        summary = self._summary(spider, reason, stats)
        judged = self._judged_coverage(spider.name)
        problems = self._problems(summary, judged)
        if self.drift is not None:
            problems += self.drift.check(spider, summary)
        summary["judged_coverage"] = {**judged.as_json(), "runs": self._pooled_runs,
                                      "judged": judged.records >= self.thresholds.min_records}  # fmt: skip
        summary["problems"] = problems
        summary["status"] = "unhealthy" if problems else "ok"
        for problem in problems:
            label = "UNREACHABLE" if problem["check"] == "unreachable" else "UNHEALTHY"
            logger.error("%s %s", label, problem["message"])
        self.crawler.stats.set_value("archive/monitor/healthy", 0 if problems else 1)
        self.crawler.stats.set_value("archive/monitor/problems", len(problems))
        path = self._record(summary)
        _VERDICTS[self.crawler] = Verdict(spider.name, not problems, tuple(p["message"] for p in problems), path,
                                          unreachable=any(p["check"] == "unreachable" for p in problems),
                                          summary=summary)  # fmt: skip
        logger.info("run summary of %s (%s): %s", spider.name, summary["status"], path)

    # --- summary -------------------------------------------------------------------------------------
    def _summary(self, spider: Spider, reason: str, stats: dict[str, Any]) -> dict[str, Any]:
        arguments = getattr(spider, "arguments", None)
        return {
            "format": SUMMARY_FORMAT,
            "portal": spider.name,
            "run_id": uuid.uuid4().hex[:12],
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "finish_reason": reason,
            "arguments": {k: str(getattr(arguments, k)) for k in ("since", "until") if getattr(arguments, k, None)}
            | ({"refresh": "1"} if getattr(spider, "refresh", False) else {}),
            "articles": articles_block(stats),
            "requests": requests_block(stats),
            "coverage": self.coverage.as_json(),
        }

    def _judged_coverage(self, portal: str) -> Coverage:
        """This run's coverage, topped up with the portal's earlier runs until min_records are counted."""
        pooled = Coverage(self.coverage.records, self.coverage.covered.copy())
        self._pooled_runs = 1
        if pooled.records >= self.thresholds.min_records:
            return pooled
        for earlier in history.summaries(self.state_root, newest_first=True):
            if earlier.get("portal") != portal:
                continue
            pooled.merge(earlier.get("coverage", {}))
            self._pooled_runs += 1
            if pooled.records >= self.thresholds.min_records:
                break
        return pooled

    def _problems(self, summary: dict[str, Any], judged: Coverage) -> list[dict[str, Any]]:
        problems: list[dict[str, Any]] = []
        portal, reason = summary["portal"], summary["finish_reason"]
        if not reason.startswith(_NORMAL_FINISH):
            problems.append(_problem("finish", None, reason, "finished", f"{portal}: the run ended with {reason!r}"))
        storage = self.crawler.stats.get_value(STORAGE_STAT) if self.crawler.stats is not None else None
        if storage and not reason.startswith(STORAGE_REASON):  # struck while the run was closing anyway
            problems.append(_problem("storage", None, storage, None, f"{portal}: storage error: {storage}"))
        found = summary["articles"]["found"]
        unreachable = summary["requests"]["unreachable"]
        if unreachable:
            problems.append(_problem("unreachable", None, unreachable, None, f"{portal}: {unreachable}"))
        elif found < self.thresholds.min_links and not _all_sources_unchanged(self.crawler):
            message = f"{portal}: found {found} article links (minimum {self.thresholds.min_links}): " + _links_hint(
                self.crawler, summary["requests"]
            )
            problems.append(_problem("links", None, found, self.thresholds.min_links, message))
        if judged.records < self.thresholds.min_records:
            # Too few records, even with the portal's earlier runs, for a share to mean anything yet.
            logger.info("%s: coverage not judged, %d records so far (minimum %d)", portal, judged.records,
                        self.thresholds.min_records)  # fmt: skip
            return problems
        for name, minimum in self.thresholds.min_coverage.items():
            share = judged.share(name)
            if share < minimum:
                message = (
                    f"{portal}: field {name} coverage {share:.1%} ({judged.covered[name]}/{judged.records} records"
                    f" over {self._pooled_runs} run(s)) is below the minimum {minimum:.0%}"
                )
                problems.append(_problem("coverage", name, round(share, 4), minimum, message))
        return problems

    def _record(self, summary: dict[str, Any]) -> Path | None:
        settings = self.crawler.settings
        try:
            path = history.record(self.state_root, summary)
            history.prune(self.state_root, settings.getint("ARCHIVE_REPORT_RETENTION_DAYS"))
        except OSError as exc:  # a full disk: one line, the verdict stands (and the exit code says it)
            logger.error("could not write the run summary under %s: %s", self.state_root, exc)
            return None
        self._report_due = settings.getbool("ARCHIVE_REPORT_ENABLED")
        return path

    def engine_stopped(self) -> None:
        """Render the report once the crawl is over (not in `spider_closed`, on the crawl's close path)."""
        if not self._report_due:
            return
        self._report_due = False
        from crawler.monitoring.report.page import write_report  # matplotlib loads only when a report is drawn

        try:
            logger.info("report: %s", write_report(self.exports_root, self.state_root))
        except OSError as exc:
            cause = storage_error(exc)
            if cause is None:
                logger.exception("could not write the report under %s", self.state_root)
            else:  # a full disk is already the run's reported problem: one line, no traceback
                logger.error("could not write the report under %s: %s", self.state_root, cause)


def _links_hint(crawler: Crawler, requests: dict[str, Any]) -> str:
    """Why no links: a markup change only if listing pages were fetched and parsed; else what the fetches got."""
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    parsed = sum(int(stats.get(f"archive/discovery/{kind}", 0)) for kind in ("listing_pages", "feeds", "sitemaps"))
    if parsed:
        return f"{parsed} listing, feed and sitemap pages were parsed without an article link: listing markup changed?"
    errors = ", ".join(f"{name} {count}" for name, count in requests["errors"].items()) or "none"
    return f"no listing, feed or sitemap page could be read ({requests['responses']} responses; errors: {errors})"


def _all_sources_unchanged(crawler: Crawler) -> bool:
    """Every listing, feed and sitemap was answered `304 Not Modified` (conditional requests): nothing changed."""
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    parsed = sum(int(stats.get(f"archive/discovery/{kind}", 0)) for kind in ("listing_pages", "feeds", "sitemaps"))
    return parsed == 0 and int(stats.get("archive/conditional/not_modified", 0)) > 0


def _problem(check: str, field_name: str | None, value: Any, threshold: Any, message: str) -> dict[str, Any]:
    return {"check": check, "field": field_name, "value": value, "threshold": threshold, "message": message}
