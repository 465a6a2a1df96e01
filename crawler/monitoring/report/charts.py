"""Charts of the crawl report, drawn with matplotlib (object API, no pyplot state) into inline SVG text.

Text is drawn as paths (matplotlib's default `svg.fonttype`), so the SVG needs no font and
no other external resource. Each chart gets its own id salt, so that two charts inlined in
one page do not share element ids.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date

try:
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter
except ImportError:  # the `report` extra is not installed: the report keeps its tables, without charts
    mpl = None  # type: ignore[assignment]

NO_MATPLOTLIB = '<p class="no-chart">Charts need matplotlib: pip install "regional-news-archiver[report]"</p>'
Series = Mapping[str, Sequence[tuple[date, float]]]
"""Label -> (day, value) points in day order."""


def line_chart_svg(series: Series, *, title: str, ylabel: str, chart_id: str, percent: bool = False) -> str:
    """One line per label over days; a chart with no points says so instead of drawing empty axes."""
    if mpl is None:
        return NO_MATPLOTLIB
    with mpl.rc_context({"svg.hashsalt": chart_id, "svg.fonttype": "path"}):
        figure = Figure(figsize=(9, 3.6), layout="constrained")
        axes = figure.add_subplot()
        plotted = 0
        for label, points in series.items():
            if points:
                days, values = zip(*points, strict=True)
                axes.plot(days, values, marker="." if len(points) < 60 else None, linewidth=1.4, label=label)
                plotted += 1
        if plotted:
            locator = AutoDateLocator()  # type: ignore[no-untyped-call]
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
            axes.legend(loc="upper left", fontsize="small", ncols=min(plotted, 4), frameon=False)
        else:
            axes.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=axes.transAxes)
        if percent:
            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
            axes.set_ylim(0, 1.05)
        axes.set_title(title, loc="left", fontsize="medium")
        axes.set_ylabel(ylabel)
        axes.grid(alpha=0.3)
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(buffer)  # type: ignore[no-untyped-call]
    text = buffer.getvalue()
    # Inline SVG in HTML takes the <svg> element only (no XML declaration or DOCTYPE).
    svg = text[text.index("<svg") :]
    # The RDF metadata block only names licence vocabularies by URL; the page should carry no URL it does not need.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return svg.replace("<svg ", f'<svg id="{chart_id}" role="img" aria-label="{title}" ', 1)
