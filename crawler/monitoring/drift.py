"""Drift alarms: a field's coverage compared with the portal's own history, not only with a fixed minimum.

Static thresholds (`crawler.monitoring.monitor`) catch a field that is gone; they miss a field that
was always at 100% and falls to 85% on a portal whose threshold is 80%, which is what a
template change hitting some pages looks like. So each run's coverage is also compared
with the portal's own baseline, read from its earlier run summaries (`<state>/runs/`).

The rule, per coverage field (`crawler.monitoring.report.summary.COVERAGE_FIELDS`):

* **Samples.** A share of two records means nothing, so runs are pooled into samples of at
  least ARCHIVE_DRIFT_MIN_RECORDS records: consecutive runs, newest first, runs that wrote
  nothing skipped. The *current* sample is this run plus, if it wrote fewer records, the
  runs just before it. A run that wrote no record is not judged.
* **Baseline.** The next ARCHIVE_DRIFT_BASELINE_RUNS samples before the current one, from
  runs that raised no drift alarm themselves (so a drift never becomes its own baseline and
  the alarm stays on until the parser is fixed). With fewer than
  ARCHIVE_DRIFT_MIN_BASELINE_RUNS samples (a new archive) nothing is judged.
* **Alarm.** share < mean - max(ARCHIVE_DRIFT_MIN_DROP, ARCHIVE_DRIFT_SIGMAS x sd), with the
  mean and the (population) standard deviation of the baseline samples' shares: a drop of
  at least 15 points by default, more on a portal whose coverage always wobbles.

An alarm is a problem of the run (exit code 3) and writes the offending pages as parser
fixtures (`crawler.monitoring.drift_fixtures`). Later runs of the same drift episode (the previous
judged run alarmed on the same field) name the episode's fixtures instead of writing more.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from crawler.monitoring.drift_fixtures import FixturePage, save_fixtures
from crawler.monitoring.report import history
from crawler.monitoring.report.summary import COVERAGE_FIELDS, is_covered
from crawler.paths import drift_dir, warc_dir, within

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

UNKNOWN_LAYOUT_SUFFIX = "/unknown"
"""`layout` of records parsed by a family's fallback page object (e.g. `antara/unknown`)."""
GAP_KEYS = ("id", "url", "warc_file", "warc_offset", "warc_record_id", "crawled_at")
"""What the run summary keeps of a record lacking a field (`coverage_gaps`): enough to find its page again."""


@dataclass(frozen=True)
class DriftRule:
    baseline_runs: int = 20
    min_baseline_runs: int = 3
    min_records: int = 10
    min_drop: float = 0.15
    sigmas: float = 3.0
    max_fixtures: int = 5


@dataclass
class Sample:
    """Pooled coverage of consecutive runs (their summaries, newest first)."""

    runs: list[Mapping[str, Any]] = field(default_factory=list)
    records: int = 0
    covered: Counter[str] = field(default_factory=Counter)

    def add(self, run: Mapping[str, Any]) -> None:
        coverage = run.get("coverage", {})
        self.runs.append(run)
        self.records += int(coverage.get("records", 0))
        self.covered.update({k: int(v) for k, v in dict(coverage.get("fields", {})).items()})

    def share(self, name: str) -> float:
        return self.covered[name] / self.records if self.records else 1.0


@dataclass(frozen=True)
class Alarm:
    field: str
    share: float
    covered: int
    records: int
    runs: int
    mean: float
    sd: float
    threshold: float
    samples: int


def samples(runs: Iterable[Mapping[str, Any]], min_records: int, limit: int) -> list[Sample]:
    """Consecutive runs (newest first) pooled into up to `limit` samples of >= min_records records each."""
    pooled: list[Sample] = []
    current = Sample()
    for run in runs:
        if not run.get("coverage", {}).get("records"):
            continue
        current.add(run)
        if current.records >= min_records:
            pooled.append(current)
            current = Sample()
            if len(pooled) >= limit:
                break
    return pooled


def judge(
    this_run: Mapping[str, Any], earlier: Iterable[Mapping[str, Any]], rule: DriftRule
) -> tuple[Sample, list[Alarm], int]:
    """(current sample, alarms, baseline sample count) for `this_run` after `earlier` runs (newest first).

    `earlier` is read lazily and only as far as the current sample and the baseline need.
    """
    current = Sample()
    current.add(this_run)
    runs = iter(earlier)
    following: list[Mapping[str, Any]] = []
    for run in runs:
        if current.records >= rule.min_records:
            following = [run]
            break
        if run.get("coverage", {}).get("records"):
            current.add(run)
    clean = (run for run in chain(following, runs) if not run.get("drift", {}).get("alarms"))
    baseline = samples(clean, rule.min_records, rule.baseline_runs)
    if current.records < rule.min_records or len(baseline) < rule.min_baseline_runs:
        return current, [], len(baseline)
    alarms = []
    for name in COVERAGE_FIELDS:
        shares = [sample.share(name) for sample in baseline]
        mean, sd = statistics.fmean(shares), statistics.pstdev(shares)
        threshold = mean - max(rule.min_drop, rule.sigmas * sd)
        share = current.share(name)
        if share < threshold:
            alarms.append(Alarm(name, share, current.covered[name], current.records, len(current.runs), mean, sd,
                                threshold, len(baseline)))  # fmt: skip
    return current, alarms, len(baseline)


class DriftWatch:
    """Collects this run's records that lack a field, judges the run, saves fixtures; used by `RunMonitor`.

    Settings: ARCHIVE_DRIFT_ENABLED, ARCHIVE_DRIFT_BASELINE_RUNS, ARCHIVE_DRIFT_MIN_BASELINE_RUNS,
    ARCHIVE_DRIFT_MIN_RECORDS, ARCHIVE_DRIFT_MIN_DROP, ARCHIVE_DRIFT_SIGMAS, ARCHIVE_DRIFT_MAX_FIXTURES,
    ARCHIVE_DRIFT_DIR, ARCHIVE_WARC_DIR.
    Summary keys: `coverage_gaps` {field: [page]}, `drift` {judged, baseline_samples, alarms}.
    """

    def __init__(self, rule: DriftRule, state_root: Path, drift_dir: Path, warc_dir: Path) -> None:
        self.rule = rule
        self.state_root = state_root
        self.drift_dir = drift_dir
        self.warc_dir = warc_dir
        self.gaps: dict[str, list[dict[str, Any]]] = {name: [] for name in COVERAGE_FIELDS}
        self.unknown_layouts: list[dict[str, Any]] = []
        """Records parsed by a family's fallback (`layout` ending `/unknown`): a template no layout knows."""

    @classmethod
    def from_settings(cls, settings: BaseSettings, state_root: Path) -> Self | None:
        if not settings.getbool("ARCHIVE_DRIFT_ENABLED"):
            return None
        rule = DriftRule(
            baseline_runs=settings.getint("ARCHIVE_DRIFT_BASELINE_RUNS"),
            min_baseline_runs=settings.getint("ARCHIVE_DRIFT_MIN_BASELINE_RUNS"),
            min_records=settings.getint("ARCHIVE_DRIFT_MIN_RECORDS"),
            min_drop=settings.getfloat("ARCHIVE_DRIFT_MIN_DROP"),
            sigmas=settings.getfloat("ARCHIVE_DRIFT_SIGMAS"),
            max_fixtures=settings.getint("ARCHIVE_DRIFT_MAX_FIXTURES"),
        )
        return cls(rule, state_root, drift_dir(settings), warc_dir(settings))

    def add(self, record: Mapping[str, Any]) -> None:
        """Remember where a record lacking a field was archived (a few per field: fixtures need no more)."""
        for name in COVERAGE_FIELDS:
            if not is_covered(name, record) and len(self.gaps[name]) < self.rule.max_fixtures:
                self.gaps[name].append({key: record.get(key) for key in GAP_KEYS})
        layout = str(record.get("layout") or "")
        if layout.endswith(UNKNOWN_LAYOUT_SUFFIX) and len(self.unknown_layouts) < self.rule.max_fixtures:
            self.unknown_layouts.append({**{key: record.get(key) for key in GAP_KEYS}, "layout": layout})

    def check(self, spider: Spider, summary: dict[str, Any]) -> list[dict[str, Any]]:
        """Judge the run; adds `coverage_gaps` and `drift` to `summary` and returns its drift problems."""
        portal = summary["portal"]
        summary["coverage_gaps"] = {name: pages for name, pages in self.gaps.items() if pages}
        if not summary["coverage"]["records"]:
            summary["drift"] = {"judged": False, "baseline_samples": 0, "alarms": []}
            return []
        current, alarms, baseline_count = judge(summary, self._earlier(portal), self.rule)
        judged = current.records >= self.rule.min_records and baseline_count >= self.rule.min_baseline_runs
        if not judged:
            logger.info("%s: drift not judged (%d records, %d samples)", portal, current.records, baseline_count)
        previous = next((run for run in self._earlier(portal) if run.get("drift", {}).get("judged")), None)
        found = self._fixtures(spider, summary["run_id"], alarms, current, previous)
        summary["drift"] = {"judged": judged, "baseline_samples": baseline_count,
                            "alarms": [_alarm_json(a, found[a.field]) for a in alarms]}  # fmt: skip
        problems = [_problem(portal, alarm, found[alarm.field]) for alarm in alarms]
        if self.unknown_layouts:
            problems.append(self._unknown_layout_problem(spider, summary))
        return problems

    def _unknown_layout_problem(self, spider: Spider, summary: dict[str, Any]) -> dict[str, Any]:
        """Pages of no known template: an alarm on the first such run, no baseline needed; pages saved as fixtures."""
        directory = self.drift_dir / spider.name / summary["run_id"]
        pages = [FixturePage(gap, ["layout"]) for gap in self.unknown_layouts]
        written = save_fixtures(spider, pages, directory, self.warc_dir, summary["run_id"])
        files = [str(path) for _, path in written]
        names = ", ".join(Path(f).name for f in files) or "no page readable from the WARC files"
        layouts = sorted({str(gap["layout"]) for gap in self.unknown_layouts})
        message = (
            f"{summary['portal']}: {len(self.unknown_layouts)}+ page(s) matched no known template and were parsed by "
            f"the fallback ({', '.join(layouts)}): template changed? pages saved as fixtures in {directory}: {names}"
        )
        summary["drift"]["unknown_layout"] = {"pages": len(self.unknown_layouts), "dir": str(directory), "files": files}
        return {"check": "drift", "field": "layout", "value": len(self.unknown_layouts), "threshold": 0,
                "message": message, "fixtures": files}  # fmt: skip

    def _earlier(self, portal: str) -> Iterator[Mapping[str, Any]]:
        """The portal's earlier run summaries, newest first, read lazily (a long history is never loaded whole)."""
        return (run for run in history.summaries(self.state_root, newest_first=True) if run.get("portal") == portal)

    def _fixtures(self, spider: Spider, run_id: str, alarms: list[Alarm], current: Sample,
                  previous: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:  # fmt: skip
        """Per alarmed field: {"dir", "files", "from_run"}, new files, or those of the episode's first run."""
        ongoing = {a["field"]: a for a in (previous or {}).get("drift", {}).get("alarms", [])}
        found: dict[str, dict[str, Any]] = {}
        pages: dict[str, FixturePage] = {}
        for alarm in alarms:
            if alarm.field in ongoing:
                found[alarm.field] = ongoing[alarm.field]["fixtures"]
                continue
            gaps = [gap for run in current.runs for gap in run.get("coverage_gaps", {}).get(alarm.field, [])]
            for gap in gaps[: self.rule.max_fixtures]:
                page = pages.setdefault(str(gap["id"]), FixturePage(gap))
                page.fields.append(alarm.field)
        directory = within(self.drift_dir, spider.name, run_id)
        chosen = list(pages.values())[: self.rule.max_fixtures]
        written = save_fixtures(spider, chosen, directory, self.warc_dir, run_id) if chosen else []
        for alarm in alarms:
            if alarm.field not in found:
                files = [str(path) for page, path in written if alarm.field in page.fields]
                found[alarm.field] = {"dir": str(directory), "files": files, "from_run": run_id}
        return found


def _alarm_json(alarm: Alarm, fixtures: dict[str, Any]) -> dict[str, Any]:
    return {
        "field": alarm.field, "share": round(alarm.share, 4), "records": alarm.records, "runs": alarm.runs,
        "baseline_mean": round(alarm.mean, 4), "baseline_sd": round(alarm.sd, 4),
        "threshold": round(alarm.threshold, 4), "baseline_samples": alarm.samples, "fixtures": fixtures,
    }  # fmt: skip


def _problem(portal: str, alarm: Alarm, fixtures: dict[str, Any]) -> dict[str, Any]:
    names = ", ".join(Path(f).name for f in fixtures["files"]) or "no page readable from the WARC files"
    message = (
        f"{portal}: field {alarm.field} coverage {alarm.share:.1%} ({alarm.covered}/{alarm.records} records over "
        f"{alarm.runs} run(s)) dropped below its baseline {alarm.mean:.1%} ± {alarm.sd:.1%} of {alarm.samples} "
        f"earlier samples (alarm below {alarm.threshold:.1%}): template changed? pages saved as fixtures in "
        f"{fixtures['dir']}: {names}"
    )
    return {"check": "drift", "field": alarm.field, "value": round(alarm.share, 4),
            "threshold": round(alarm.threshold, 4), "message": message, "fixtures": fixtures["files"]}  # fmt: skip
