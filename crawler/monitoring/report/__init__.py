"""Run summaries and the static HTML crawl report under the exports root.

    <state>/report.html                 the report (self-contained: inline SVG charts, inline CSS)
    <state>/runs/latest/<portal>.json   summary of the portal's last run
    <state>/runs/<YYYY-MM-DD>.jsonl     every run summary of that UTC day, one line each
    <state>/runs/daycounts.json         cache: articles per publication day of each export file

`<state>` is ARCHIVE_STATE_DIR (default: `<ARCHIVE_EXPORTS_DIR>-state`, beside the exports,
so that the exports tree holds records and manifests only).

`history` stores and reads summaries, `archive` counts exported articles per day,
`charts` draws with matplotlib, `page` assembles the HTML.
"""
