"""The machine-readable summary of one portal run, built from the crawler's stats and the field coverage.

Summary keys (format 1): `portal`, `run_id`, `started_at`, `finished_at` (ISO UTC),
`finish_reason`, `arguments`, `status` (`ok` / `unhealthy`), `problems` (list of
{check, field, value, threshold, message}), `articles` {found, skipped_stored, fetched,
new, revised, written, dropped: {reason: n}}, `requests` {total, responses, errors: {type: n} (every
failed attempt), failed: {type: n} (requests that finally failed, see `failures`),
not_modified (conditional requests answered 304), unreachable (`<host>: <cause>` when no request got
an answer, see `crawler.middlewares.unreachable`; else null)}, `coverage` {records, fields: {field:
covered}} for this run and `judged_coverage` (the same over the records the thresholds were
applied to, see `crawler.monitoring.monitor`); `coverage_gaps` and `drift` (see `crawler.monitoring.drift`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SUMMARY_FORMAT = 1
BODY_MIN_CHARS = 200
COVERAGE_FIELDS = ("title", "published_at", "body", "reporters", "editors", "copyright")
"""Fields whose coverage is measured, in report order; `body` counts only bodies of at least BODY_MIN_CHARS."""


def is_covered(field_name: str, record: Mapping[str, Any]) -> bool:
    value = record.get(field_name)
    if field_name == "body":
        return isinstance(value, str) and len(value) >= BODY_MIN_CHARS
    return bool(value)


@dataclass
class Coverage:
    """How many records had each field filled."""

    records: int = 0
    covered: Counter[str] = field(default_factory=Counter)

    def add(self, record: Mapping[str, Any]) -> None:
        self.records += 1
        self.covered.update(name for name in COVERAGE_FIELDS if is_covered(name, record))

    def merge(self, other: Mapping[str, Any]) -> None:
        """Add a summary's `coverage` block (as stored in JSON)."""
        self.records += int(other.get("records", 0))
        self.covered.update({k: int(v) for k, v in dict(other.get("fields", {})).items()})

    def share(self, field_name: str) -> float:
        return self.covered[field_name] / self.records if self.records else 1.0

    def as_json(self) -> dict[str, Any]:
        return {"records": self.records, "fields": {name: self.covered[name] for name in COVERAGE_FIELDS}}


_DROPPED_PREFIXES = {
    "archive/dedup/dropped/": "",
    "archive/parse/not_an_article/": "not_an_article/",
}
_DROPPED_KEYS = {"archive/parse/out_of_range": "out_of_range", "archive/jsonl/failed": "write_failed"}


def articles_block(stats: Mapping[str, Any]) -> dict[str, Any]:
    dropped: dict[str, int] = {}
    for key, value in stats.items():
        for prefix, label in _DROPPED_PREFIXES.items():
            if key.startswith(prefix):
                dropped[label + key[len(prefix) :]] = int(value)
        if key in _DROPPED_KEYS:
            dropped[_DROPPED_KEYS[key]] = int(value)
    return {
        "found": int(stats.get("archive/discovery/links", 0)),
        "skipped_stored": int(stats.get("archive/deltafetch/skipped", 0)),
        "fetched": int(stats.get("archive/parse/articles", 0)),
        "new": int(stats.get("archive/dedup/new", 0)),
        "revised": int(stats.get("archive/dedup/revision", 0)),
        "written": int(stats.get("archive/jsonl/written", 0)),
        "dropped": dict(sorted(dropped.items())),
    }


def requests_block(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Request count and errors by type: exception class, HTTP status >= 400, robots.txt refusals, given-up retries.

    `IgnoreRequest` is no error: it is how a stored article (deltafetch), a `304 Not Modified`
    or a refused redirect is skipped on purpose, each counted under its own stat.
    """
    errors: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("downloader/exception_type_count/"):
            name = key.rsplit("/", 1)[1].rsplit(".", 1)[-1]
            if name != "IgnoreRequest":
                errors[name] = int(value)
        elif key.startswith("downloader/response_status_count/") and key.rsplit("/", 1)[1] >= "400":
            errors[f"http_{key.rsplit('/', 1)[1]}"] = int(value)
        elif key.startswith("spider_exceptions/") and key.count("/") == 1:
            errors[f"spider/{key.split('/', 1)[1]}"] = int(value)
    for key, label in (("robotstxt/forbidden", "robots_forbidden"), ("retry/max_reached", "retry_max_reached"),
                       ("archive/retry_after/gave_up", "retry_after_gave_up")):  # fmt: skip
        if stats.get(key):
            errors[label] = int(stats[key])
    return {"total": int(stats.get("downloader/request_count", 0)),
            "responses": int(stats.get("downloader/response_count", 0)), "errors": dict(sorted(errors.items())),
            "failed": failures(stats), "not_modified": int(stats.get("archive/conditional/not_modified", 0)),
            "unreachable": unreachable_cause(stats)}  # fmt: skip


def failures(stats: Mapping[str, Any]) -> dict[str, int]:
    """Requests that finally failed, by type; `errors` counts every failed attempt, these only the last one.

    A request answered after a retry is no failure, and neither is a robots.txt refusal (the
    portal's wish, obeyed). Exceptions count once per request that ran out of retries (attempts
    minus retries of that type), HTTP errors once per error response that reached the spider
    after its retries (`httperror/response_ignored_status_count`).
    """
    failed: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("httperror/response_ignored_status_count/"):
            failed[f"http_{key.rsplit('/', 1)[1]}"] = int(value)
        elif key.startswith("downloader/exception_type_count/"):
            path = key.split("/", 2)[2]
            final = int(value) - int(stats.get(f"retry/reason_count/{path}", 0))
            if final > 0 and not path.endswith("IgnoreRequest"):
                failed[path.rsplit(".", 1)[-1]] = final
        elif key.startswith("spider_exceptions/") and key.count("/") == 1:
            failed[f"spider/{key.split('/', 1)[1]}"] = int(value)
    if stats.get("archive/retry_after/gave_up"):
        failed["retry_after_gave_up"] = int(stats["archive/retry_after/gave_up"])
    return dict(sorted(failed.items()))


def unreachable_cause(stats: Mapping[str, Any]) -> str | None:
    """`<host>: <cause>` when not one request got an answer and a host could not be reached; else None."""
    if int(stats.get("downloader/response_count", 0)):
        return None
    cause = stats.get("archive/unreachable/cause")
    return str(cause) if cause else None


def outcome_line(summary: Mapping[str, Any]) -> str:
    """One line per portal run: status, found, new, revised, dropped, problems (crawlall on a terminal)."""
    articles, requests = summary.get("articles", {}), summary.get("requests", {})
    dropped = ", ".join(f"{reason} {n}" for reason, n in articles.get("dropped", {}).items())
    errors = sum(requests.get("errors", {}).values())
    problems = summary.get("problems", [])
    status = "unreachable" if any(p.get("check") == "unreachable" for p in problems) else summary.get("status", "?")
    return (
        f"{summary.get('portal')}: {status}; found {articles.get('found', 0)} article links "
        f"({articles.get('skipped_stored', 0)} already stored), {articles.get('new', 0)} new, "
        f"{articles.get('revised', 0)} revised, {sum(articles.get('dropped', {}).values())} dropped"
        + (f" ({dropped})" if dropped else "")
        + f"; {requests.get('total', 0)} requests, {errors} errors; {len(problems)} problem(s)"
    )


def human_summary(summary: Mapping[str, Any], places: Mapping[str, Any]) -> list[str]:
    """The end of a crawl in a few lines: the outcome, each problem, and where the files are (label -> path)."""
    lines = [outcome_line(summary)]
    lines += [f"  problem: {p.get('message', '')}" for p in summary.get("problems", [])]
    lines += [f"  {label}: {path}" for label, path in places.items() if path]
    return lines
