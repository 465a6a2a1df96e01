"""Run summaries and the static HTML crawl report under the exports root.

    <ARCHIVE_EXPORTS_DIR>/report.html                 the report (self-contained: inline SVG charts, inline CSS)
    <ARCHIVE_EXPORTS_DIR>/.runs/latest/<portal>.json  summary of the portal's last run
    <ARCHIVE_EXPORTS_DIR>/.runs/<YYYY-MM-DD>.jsonl    every run summary of that UTC day, one line each
    <ARCHIVE_EXPORTS_DIR>/.runs/daycounts.json        cache: articles per publication day of each export file

`history` stores and reads summaries, `archive` counts exported articles per day,
`charts` draws with matplotlib, `page` assembles the HTML.
"""
