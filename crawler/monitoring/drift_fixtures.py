"""Pages behind a drift alarm, saved from the WARC archive as ready-to-edit parser fixtures.

For each offending record (one that lacks the drifted field), the response it was parsed
from is read back by its `warc_file` / `warc_offset` and written under
`<ARCHIVE_DRIFT_DIR>/<portal>/<run id>/` in the `tests/fixtures` format:

* `<case>.html`: the page as served (content coding such as gzip removed, bytes otherwise
  as archived);
* `<case>.meta.json`: `url` (the real host's URL, as in the fixtures), `portal`,
  `fetched_at`, `_why` (which alarm, which fields) and `drift` (run, fields, WARC record);
* `<case>.json.unreviewed`: the parser's current output for the page, keys sorted, with a
  top-level `_unreviewed` note. It is not an expectation: `tests/test_fixtures.py` refuses a
  fixture folder holding a `.json.unreviewed`, and a `.json` still carrying `_unreviewed`
  has a key no record has. A human writes the correct `<case>.json` by hand.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from crawler.durable import replace_atomically as write_atomic
from crawler.portals.base import NotAnArticle
from crawler.warc.reader import ArchivedRecord, StoredExchange, load, scan

if TYPE_CHECKING:
    from scrapy import Spider

logger = logging.getLogger(__name__)

UNREVIEWED_NOTE = (
    "UNREVIEWED parser output of a page behind a drift alarm: not an expectation. Write the correct record by hand "
    "into <case>.json (without this key), then delete this file."
)


@dataclass
class FixturePage:
    """A record that lacks drifted fields, and where its response is archived."""

    gap: dict[str, Any]
    """`id`, `url`, `warc_file`, `warc_offset`, `warc_record_id`, `crawled_at` of the record."""
    fields: list[str] = field(default_factory=list)


def save_fixtures(
    spider: Spider, pages: list[FixturePage], directory: Path, warc_dir: Path, run_id: str
) -> list[tuple[FixturePage, Path]]:
    """Write each page's three files; returns (page, `.html` path) for the pages that could be read."""
    archive = _Archive(warc_dir)
    written = []
    for page in pages:
        found = archive.find(page.gap.get("warc_file"), page.gap.get("warc_offset"))
        if found is None:
            logger.warning("drift: no archived response for %s (%s), no fixture", page.gap.get("id"), page.gap)
            continue
        directory.mkdir(parents=True, exist_ok=True)
        written.append((page, _write_case(spider, page, *found, directory, run_id)))
    return written


class _Archive:
    """Archived records by (file, offset), each file scanned once (revisits resolved by `crawler.warc.reader`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, dict[int, ArchivedRecord]] = {}

    def find(self, name: Any, offset: Any) -> tuple[ArchivedRecord, StoredExchange] | None:
        if not isinstance(name, str) or not isinstance(offset, int) or "/" in name:
            return None
        if name not in self._files:
            path = self.directory / name
            self._files[name] = {r.offset: r for r in scan([path])} if path.is_file() else {}
        record = self._files[name].get(offset)
        stored = load(record) if record is not None else None
        return (record, stored) if record is not None and stored is not None else None


def _write_case(spider: Spider, page: FixturePage, record: ArchivedRecord, stored: StoredExchange,
                directory: Path, run_id: str) -> Path:  # fmt: skip
    case = directory / _case_name(page)
    html = decoded_body(stored)
    fetched_at = str(page.gap.get("crawled_at") or record.date)
    html_path = case.with_name(case.name + ".html")
    html_path.write_bytes(html)
    output = _current_output(spider, record.target_uri, html, fetched_at)
    meta = {
        "url": record.target_uri,
        "portal": spider.name,
        "fetched_at": fetched_at,
        "_why": _why(page, run_id, output),
        "drift": {
            "run_id": run_id,
            "fields": page.fields,
            "warc_file": record.warc.name,
            "warc_offset": record.offset,
            "warc_record_id": record.record_id,
        },  # fmt: skip
    }
    write_atomic(case.with_name(case.name + ".meta.json"), _json(meta))
    if output is not None:
        write_atomic(case.with_name(case.name + ".json.unreviewed"), _json({"_unreviewed": UNREVIEWED_NOTE, **output}))
    return html_path


def _case_name(page: FixturePage) -> str:
    article = str(page.gap.get("id", "")).rsplit(":", 1)[-1]
    name = "-".join(["drift", *sorted(page.fields), article]).lower()
    return re.sub(r"[^a-z0-9_-]+", "-", name).strip("-")[:120]


def _current_output(spider: Spider, url: str, html: bytes, fetched_at: str) -> dict[str, Any] | None:
    """What the parser makes of the page now, in the expected-JSON form; None if the parser fails."""
    portal = getattr(spider, "real_portal", None)
    if portal is None:
        return None
    try:
        response = HtmlResponse(url=url, body=html)
        result = portal.article_page(response, portal, fetched_at=datetime.fromisoformat(fetched_at)).to_item()
    except Exception:  # a fixture without its unreviewed output is still worth saving
        logger.exception("drift: the parser failed on %s", url)
        return None
    if isinstance(result, NotAnArticle):
        return {"not_an_article": result.reason}
    return dict(ItemAdapter(result).asdict())


def _why(page: FixturePage, run_id: str, output: dict[str, Any] | None) -> str:
    fields = ", ".join(page.fields)
    layout = str((output or {}).get("layout") or "")
    target = f"tests/fixtures/{layout.split('/')[0]}/{layout.split('/')[-1]}/" if "/" in layout else "tests/fixtures/"
    return (
        f"Saved by the drift alarm of run {run_id}: this page's record lacks {fields}, whose coverage dropped below "
        f"the portal's baseline. To review: write the correct record by hand as <case>.json (every key, sorted), "
        f"delete <case>.json.unreviewed, set fetched_at (and crawled_at) to the suite's frozen time, rename the case "
        f"after the variant it proves, replace this _why, and move the files into {target}."
    )


def decoded_body(stored: StoredExchange) -> bytes:
    """The archived payload without its content coding (the WARC keeps the bytes as received)."""
    body = stored.body
    codings = [c.strip().lower() for n, v in stored.headers if n.lower() == "content-encoding" for c in v.split(",")]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate, as some servers send
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br":
            import brotli  # Scrapy's own br dependency; only needed for br pages

            body = brotli.decompress(body)
    return body


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
