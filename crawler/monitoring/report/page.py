"""The static crawl report, `<ARCHIVE_STATE_DIR>/report.html`, rewritten after every run.

One self-contained page (inline CSS and SVG, no script, no external resource): last run
status per portal, articles per publication day per portal as bars over the last
REPORT_DAYS days, field coverage of each recent run, failed requests by type, and the recent
runs with problems or failed requests. Failures are the requests that finally failed
(`summary.failures`): a request answered after a retry, or a robots.txt refusal, is none.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crawler.durable import replace_atomically
from crawler.monitoring.report import history
from crawler.monitoring.report.archive import articles_per_day
from crawler.monitoring.report.charts import coverage_runs_svg, daily_bars_svg, failures_svg
from crawler.monitoring.report.summary import COVERAGE_FIELDS, Coverage
from crawler.paths import REPORT_NAME

RECENT_PROBLEM_RUNS = 50
REPORT_DAYS = 90
COVERAGE_RUNS = 30

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.ok{color:#17692f;font-weight:bold}.unhealthy{color:#b00020;font-weight:bold}figure{margin:1em 0}
figure.chart svg{max-width:100%;height:auto}
"""


def write_report(exports_root: Path, state_root: Path, *, today: date | None = None) -> Path:
    """Render the report from the export files and the run history; returns its path (`<state>/report.html`)."""
    runs = list(history.summaries(state_root))
    last_day = today or datetime.now(UTC).date()
    sections = [
        _last_runs(runs),
        f"<h2>Articles per day (last {REPORT_DAYS} days)</h2>"
        + _figure(_articles_chart(exports_root, state_root, last_day), "articles-per-day"),
        f"<h2>Field coverage per run (last {COVERAGE_RUNS} runs)</h2>"
        + _figure(_coverage_chart(runs), "field-coverage"),
        "<h2>Failed requests by type</h2>" + _figure(_failures_chart(runs), "failures-by-type"),
        _errors(runs),
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Crawl report</title><style>{_CSS}</style></head><body>\n<h1>Crawl report</h1>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
    path = state_root / REPORT_NAME
    replace_atomically(path, page)
    return path


def _figure(svg: str, name: str) -> str:
    return f'<figure class="chart" data-chart="{name}">{svg}</figure>'


def _articles_chart(exports_root: Path, state_root: Path, last_day: date) -> str:
    per_portal = {
        portal: {date.fromisoformat(day): n for day, n in counts.items() if _is_day(day)}
        for portal, counts in sorted(articles_per_day(exports_root, state_root).items())
    }
    return daily_bars_svg(per_portal, last_day=last_day, days=REPORT_DAYS, chart_id="articles-chart")


def _coverage_chart(runs: list[dict[str, Any]]) -> str:
    """Per field, the share of the records each run wrote that had it (runs that wrote none left out)."""
    recent = [run for run in runs if int(run.get("coverage", {}).get("records", 0))][-COVERAGE_RUNS:]
    coverages = []
    for run in recent:
        coverage = Coverage()
        coverage.merge(run["coverage"])
        coverages.append(coverage)
    labels = [f"{str(run.get('finished_at', ''))[5:16].replace('T', ' ')} {run.get('portal', '')}" for run in recent]
    shares = {name: [c.share(name) for c in coverages] for name in COVERAGE_FIELDS}
    return coverage_runs_svg(labels, shares, chart_id="coverage-chart")


def _failures_chart(runs: list[dict[str, Any]]) -> str:
    total: Counter[str] = Counter()
    for run in runs:
        total.update(_failed(run))
    return failures_svg(dict(total), title="Failed requests by type, over the kept run history",
                        chart_id="failures-chart")  # fmt: skip


def _failed(run: dict[str, Any]) -> dict[str, int]:
    """The run's finally failed requests; summaries written before `failed` existed give their errors."""
    requests = run.get("requests", {})
    failed = requests.get("failed")
    if failed is None:
        failed = {k: v for k, v in requests.get("errors", {}).items() if k != "robots_forbidden"}
    return {str(k): int(v) for k, v in failed.items()}


def _last_runs(runs: list[dict[str, Any]]) -> str:
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:
        latest[str(run.get("portal"))] = run
    rows = ["<tr><th>portal</th><th>status</th><th>finished (UTC)</th><th>found</th><th>new</th><th>revised</th>"
            "<th>dropped</th><th>requests</th><th>failed</th><th>problems</th></tr>"]  # fmt: skip
    for portal, run in sorted(latest.items()):
        articles, requests = run.get("articles", {}), run.get("requests", {})
        status = str(run.get("status", "?"))
        cells = [_e(portal), f'<span class="{_e(status)}">{_e(status)}</span>', _e(run.get("finished_at", "")),
                 _e(articles.get("found", 0)), _e(articles.get("new", 0)), _e(articles.get("revised", 0)),
                 _e(_pairs(articles.get("dropped", {}))), _e(requests.get("total", 0)),
                 _e(_pairs(_failed(run))),
                 "<br>".join(_e(p.get("message", "")) for p in run.get("problems", []))]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    body = "\n".join(rows) if latest else "<tr><td>no run recorded yet</td></tr>"
    return f'<h2>Last run per portal</h2>\n<table id="last-runs">\n{body}\n</table>'


def _errors(runs: list[dict[str, Any]]) -> str:
    troubled = [r for r in runs if r.get("problems") or _failed(r)][-RECENT_PROBLEM_RUNS:]
    rows = ["<tr><th>finished (UTC)</th><th>portal</th><th>status</th><th>failed requests</th><th>problems</th></tr>"]
    for run in reversed(troubled):
        problems = "<br>".join(_e(p.get("message", "")) for p in run.get("problems", []))
        rows.append(f"<tr><td>{_e(run.get('finished_at', ''))}</td><td>{_e(run.get('portal', ''))}</td>"
                    f"<td>{_e(run.get('status', ''))}</td><td>{_e(_pairs(_failed(run)))}</td>"
                    f"<td>{problems}</td></tr>")  # fmt: skip
    body = "\n".join(rows) if troubled else "<tr><td>no problem and no failed request in the kept history</td></tr>"
    title = f"Runs with problems or failed requests (latest {RECENT_PROBLEM_RUNS})"
    return f'<h2>{title}</h2>\n<table id="errors">\n{body}\n</table>'


def _pairs(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in mapping.items())


def _e(value: Any) -> str:
    return html.escape(str(value))


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
