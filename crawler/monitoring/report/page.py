"""The static crawl report, `<ARCHIVE_EXPORTS_DIR>/report.html`, rewritten after every run.

One self-contained page (inline CSS and SVG, no script, no external resource): last run
status per portal, articles per publication day per portal over the whole archive, field
coverage per day over the kept run history, and the recent runs with problems or request
errors.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from crawler.durable import replace_atomically
from crawler.monitoring.report import history
from crawler.monitoring.report.archive import articles_per_day
from crawler.monitoring.report.charts import line_chart_svg
from crawler.monitoring.report.summary import COVERAGE_FIELDS, Coverage
from crawler.paths import REPORT_NAME

RECENT_PROBLEM_RUNS = 50

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.ok{color:#17692f;font-weight:bold}.unhealthy{color:#b00020;font-weight:bold}figure{margin:1em 0}
"""


def write_report(exports_root: Path, state_root: Path) -> Path:
    """Render the report from the export files and the run history; returns its path (`<state>/report.html`)."""
    runs = list(history.summaries(state_root))
    sections = [
        _last_runs(runs),
        "<h2>Articles per day</h2>" + _figure(_articles_chart(exports_root, state_root), "articles-per-day"),
        "<h2>Field coverage</h2>" + _figure(_coverage_chart(runs), "field-coverage"),
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


def _articles_chart(exports_root: Path, state_root: Path) -> str:
    per_portal = articles_per_day(exports_root, state_root)
    series = {
        portal: [(date.fromisoformat(day), float(n)) for day, n in sorted(counts.items()) if _is_day(day)]
        for portal, counts in sorted(per_portal.items())
    }
    return line_chart_svg(series, title="Articles per publication day", ylabel="articles", chart_id="articles-chart")


def _coverage_chart(runs: list[dict[str, Any]]) -> str:
    """Per field, the share of records written each day (all portals) that had it."""
    per_day: dict[str, Coverage] = defaultdict(Coverage)
    for run in runs:
        per_day[str(run.get("finished_at", ""))[:10]].merge(run.get("coverage", {}))
    days = sorted(day for day, coverage in per_day.items() if coverage.records and _is_day(day))
    series = {name: [(date.fromisoformat(d), per_day[d].share(name)) for d in days] for name in COVERAGE_FIELDS}
    return line_chart_svg(series, title="Field coverage of written records, per day", ylabel="share",
                          chart_id="coverage-chart", percent=True)  # fmt: skip


def _last_runs(runs: list[dict[str, Any]]) -> str:
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:
        latest[str(run.get("portal"))] = run
    rows = ["<tr><th>portal</th><th>status</th><th>finished (UTC)</th><th>found</th><th>new</th><th>revised</th>"
            "<th>dropped</th><th>requests</th><th>errors</th><th>problems</th></tr>"]  # fmt: skip
    for portal, run in sorted(latest.items()):
        articles, requests = run.get("articles", {}), run.get("requests", {})
        status = str(run.get("status", "?"))
        cells = [_e(portal), f'<span class="{_e(status)}">{_e(status)}</span>', _e(run.get("finished_at", "")),
                 _e(articles.get("found", 0)), _e(articles.get("new", 0)), _e(articles.get("revised", 0)),
                 _e(_pairs(articles.get("dropped", {}))), _e(requests.get("total", 0)),
                 _e(_pairs(requests.get("errors", {}))),
                 "<br>".join(_e(p.get("message", "")) for p in run.get("problems", []))]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    body = "\n".join(rows) if latest else "<tr><td>no run recorded yet</td></tr>"
    return f'<h2>Last run per portal</h2>\n<table id="last-runs">\n{body}\n</table>'


def _errors(runs: list[dict[str, Any]]) -> str:
    troubled = [r for r in runs if r.get("problems") or r.get("requests", {}).get("errors")][-RECENT_PROBLEM_RUNS:]
    rows = ["<tr><th>finished (UTC)</th><th>portal</th><th>status</th><th>request errors</th><th>problems</th></tr>"]
    for run in reversed(troubled):
        problems = "<br>".join(_e(p.get("message", "")) for p in run.get("problems", []))
        rows.append(f"<tr><td>{_e(run.get('finished_at', ''))}</td><td>{_e(run.get('portal', ''))}</td>"
                    f"<td>{_e(run.get('status', ''))}</td><td>{_e(_pairs(run.get('requests', {}).get('errors', {})))}"
                    f"</td><td>{problems}</td></tr>")  # fmt: skip
    body = "\n".join(rows) if troubled else "<tr><td>no errors in the kept history</td></tr>"
    title = f"Errors and problems (latest {RECENT_PROBLEM_RUNS} runs with any)"
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
