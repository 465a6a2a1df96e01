"""Charts of the crawl report, drawn with matplotlib (object API, no pyplot state) into inline SVG text.

Each chart answers one question at a glance: bars for counts (articles per day, failures by
type), y axes from 0 with whole-number ticks for counts and 0-100% for shares (so flat data
is a flat row of bars, not noise magnified to fill the axis), legends outside the plotting
area. Text is drawn as paths (matplotlib's default `svg.fonttype`), so the SVG needs no font
and no other external resource. Each chart gets its own id salt, so that charts inlined in
one page do not share element ids. Without matplotlib (the `report` extra) a chart is a note.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

try:
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter
except ImportError:  # the `report` extra is not installed: the report keeps its tables, without charts
    mpl = None  # type: ignore[assignment]

NO_MATPLOTLIB = '<p class="no-chart">Charts need matplotlib: pip install "regional-news-archiver[report]"</p>'
BAR_COLOUR = "#1f77b4"
"""Articles-per-day bars (the screenshot test looks for this colour inside the chart)."""
FAILURE_COLOUR = "#d62728"
FIELD_COLOURS = ("#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
"""Coverage lines: none of them the bars' blue or the failures' red."""


def _svg(figure: Figure, chart_id: str, title: str) -> str:
    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(buffer)  # type: ignore[no-untyped-call]
    text = buffer.getvalue()
    # Inline SVG in HTML takes the <svg> element only (no XML declaration or DOCTYPE).
    svg = text[text.index("<svg") :]
    # The RDF metadata block only names licence vocabularies by URL; the page should carry no URL it does not need.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return svg.replace("<svg ", f'<svg id="{chart_id}" role="img" aria-label="{title}" ', 1)


def daily_bars_svg(per_portal: Mapping[str, Mapping[date, int]], *, last_day: date, days: int, chart_id: str) -> str:
    """One row of daily bars per portal over `days` days up to `last_day`; shared day axis, counts from 0."""
    if mpl is None:
        return NO_MATPLOTLIB
    first = last_day - timedelta(days=days - 1)
    window = [first + timedelta(days=n) for n in range(days)]
    portals = [p for p, counts in per_portal.items() if any(first <= d <= last_day for d in counts)]
    title = f"Articles per publication day, last {days} days (to {last_day.isoformat()})"
    with mpl.rc_context({"svg.hashsalt": chart_id, "svg.fonttype": "path"}):
        rows = max(len(portals), 1)
        figure = Figure(figsize=(9, 0.6 + 1.5 * rows), layout="constrained")
        axes_list = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
        for axes, portal in zip(axes_list, portals, strict=False):
            values = [per_portal[portal].get(day, 0) for day in window]
            axes.bar(window, values, width=0.85, color=BAR_COLOUR)
            axes.set_ylim(0, max(max(values), 1) * 1.15)
            axes.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
            axes.set_title(f"{portal}: {sum(values)} articles", loc="left", fontsize="small")
            axes.grid(axis="y", alpha=0.3)
        if not portals:
            axes_list[0].text(0.5, 0.5, f"no article published in the last {days} days", ha="center", va="center",
                              transform=axes_list[0].transAxes)  # fmt: skip
        bottom = axes_list[-1]
        bottom.set_xlim(first - timedelta(days=1), last_day + timedelta(days=1))
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        figure.suptitle(title, x=0.01, ha="left", fontsize="medium")
        return _svg(figure, chart_id, title)


def coverage_runs_svg(labels: Sequence[str], shares: Mapping[str, Sequence[float]], *, chart_id: str) -> str:
    """Field coverage (0-100%) of each run's written records, one marker line per field, legend right of the axes."""
    if mpl is None:
        return NO_MATPLOTLIB
    title = "Field coverage of the records each run wrote"
    with mpl.rc_context({"svg.hashsalt": chart_id, "svg.fonttype": "path"}):
        figure = Figure(figsize=(9, 3.6), layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        for colour, (name, values) in zip(FIELD_COLOURS, shares.items(), strict=False):
            axes.plot(positions, values, marker="o", markersize=4, linewidth=1.2, color=colour, label=name)
        if labels:
            axes.set_xticks(positions, labels, rotation=45, ha="right", fontsize="x-small")
            axes.set_xlim(-0.5, len(labels) - 0.5)
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
        else:
            axes.text(0.5, 0.5, "no run wrote records yet", ha="center", va="center", transform=axes.transAxes)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_ylim(-0.03, 1.05)
        axes.set_title(title, loc="left", fontsize="medium")
        axes.grid(alpha=0.3)
        return _svg(figure, chart_id, title)


def failures_svg(counts: Mapping[str, int], *, title: str, chart_id: str) -> str:
    """Horizontal bars: failures by type, most frequent on top."""
    if mpl is None:
        return NO_MATPLOTLIB
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    with mpl.rc_context({"svg.hashsalt": chart_id, "svg.fonttype": "path"}):
        figure = Figure(figsize=(9, 0.9 + 0.35 * max(len(ordered), 2)), layout="constrained")
        axes = figure.add_subplot()
        if ordered:
            names, values = zip(*reversed(ordered), strict=True)
            axes.barh(names, values, color=FAILURE_COLOUR)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlim(0, max(values) * 1.1)
        else:
            axes.text(0.5, 0.5, "no failed request", ha="center", va="center", transform=axes.transAxes)
            axes.set_yticks([])
        axes.set_title(title, loc="left", fontsize="medium")
        axes.grid(axis="x", alpha=0.3)
        return _svg(figure, chart_id, title)
