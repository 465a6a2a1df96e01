"""End to end: real `scrapy crawl antara_kaltim` subprocesses against the local replica.

Completeness is asserted against the replica's data file: every article exported exactly
once, with exactly the field values `tests.replica.expected` derives from the same data;
a date range exports exactly that range and stops walking the listing; bad arguments end
the run with one line on stderr; no request ever leaves the loopback interface.

Crawls run with the speed settings of `tests.replica.harness.FAST_SETTINGS` (AutoThrottle
off, no download delay, 8 concurrent requests per domain): the politeness defaults would
make each run last tens of seconds against a server that needs none of it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.exitcodes import EXIT_CONFIG
from crawler.items import SCHEMA_VERSION, ArticleItem, parser_version
from crawler.paths import state_beside
from crawler.portals.registry import REGISTRY, load_registry
from tests.replica.data import load_file
from tests.replica.expected import UNCHECKED_FIELDS, expected_records, export_partition
from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, trap_proxy_env
from tests.replica.render_pages import listing_entries, page_count

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"
load_registry()
DATA = load_file(KALTIM_DATA)
EXPECTED = expected_records(DATA)
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "crawler" / "article.schema.json"
ARTICLE_PATH = re.compile(r"^/(?:amp/)?berita/(\d+)(?:/|$)")


@dataclasses.dataclass
class Run:
    """A finished crawl, the replica requests it made, and the clock before and after it (UTC)."""

    result: CrawlResult
    requests: list[dict[str, Any]]
    started: datetime
    finished: datetime

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {record["id"]: record for record in self.result.records}


def _crawl(replica: RunningReplica, exports: Path, arguments: dict[str, str] | None = None) -> Run:
    mark = replica.mark()
    started = datetime.now(UTC).replace(microsecond=0)  # crawled_at has whole seconds
    result = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments=arguments, env=trap_proxy_env(replica))
    return Run(result, replica.requests(mark), started, datetime.now(UTC))


def _diagnose(run: Run) -> str:
    return f"exit {run.result.process.returncode}; stderr tail:\n{run.result.process.stderr[-3000:]}"


@pytest.fixture(scope="module")
def full_run(kaltim_replica: RunningReplica, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One full crawl of the replica, shared by the completeness tests."""
    return _crawl(kaltim_replica, tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def query_replica(module_replica_factory: Callable[..., RunningReplica]) -> RunningReplica:
    """The same data with `/terkini?page=<n>` pager links."""
    return module_replica_factory(KALTIM_DATA, "--pagination", "query")


def _listing_pages(requests: list[dict[str, Any]]) -> set[int]:
    """Numbers of the `/terkini` pages requested, whatever the pager form."""
    pages = set()
    for request in requests:
        parts = urlsplit(request["target"])
        match = re.fullmatch(r"/terkini(?:/(\d+))?/?", parts.path)
        if match:
            pages.add(int(match.group(1) or parse_qs(parts.query).get("page", ["1"])[0]))
    return pages


def _last_listing_page() -> int:
    return page_count(DATA, listing_entries(DATA))


# --- (1) a full crawl exports every article once, with exact fields ------------------------------------------


def test_full_crawl_succeeds(full_run: Run) -> None:
    assert full_run.result.process.returncode == 0, _diagnose(full_run)


def test_every_article_exported_exactly_once(full_run: Run) -> None:
    counts = Counter(record["id"] for record in full_run.result.records)
    assert {i: n for i, n in counts.items() if n > 1} == {}, "duplicate records"
    assert sorted(set(EXPECTED) - set(counts)) == [], f"missing articles; {_diagnose(full_run)}"
    assert sorted(set(counts) - set(EXPECTED)) == [], "records that are not articles of the data file"


@pytest.mark.parametrize("record_id", sorted(EXPECTED))
def test_record_fields_match_the_data(full_run: Run, record_id: str) -> None:
    record = full_run.by_id().get(record_id)
    assert record is not None, f"{record_id} not exported"
    expected = EXPECTED[record_id]
    diff = {
        name: {"expected": value, "exported": record.get(name, "<missing>")}
        for name, value in expected.items()
        if record.get(name, "<missing>") != value
    }
    assert diff == {}, json.dumps(diff, ensure_ascii=False, indent=1)


def test_provenance_fields(full_run: Run, kaltim_replica: RunningReplica) -> None:
    hashes = []
    for record in full_run.result.records:
        fetched = urlsplit(record["fetched_url"])
        assert f"{fetched.scheme}://{fetched.netloc}" == kaltim_replica.base_url
        match = ARTICLE_PATH.match(fetched.path)
        assert match is not None and record["id"] == f"{PORTAL}:{match[1]}", record["fetched_url"]
        crawled = datetime.fromisoformat(record["crawled_at"])
        # Taken during the run (a bound from the clock around it, not a duration a loaded machine could exceed).
        assert crawled.utcoffset() is not None and full_run.started <= crawled <= full_run.finished
        assert re.fullmatch(r"[0-9a-f]{64}", record["content_hash"]), record["content_hash"]
        assert record["schema_version"] == SCHEMA_VERSION
        assert record["parser_version"] == parser_version(record["layout"])
        assert record["portal_definition_version"] == REGISTRY[PORTAL].definition_version
        assert record["warc_file"].startswith(f"{PORTAL}-") and record["warc_record_id"].startswith("<urn:uuid:")
        assert isinstance(record["warc_offset"], int) and record["payload_digest"].startswith("sha1:")
        hashes.append(record["content_hash"])
    assert len(set(hashes)) == len(hashes), "different articles share a content_hash"


def test_records_have_every_field_in_declaration_order(full_run: Run) -> None:
    order = [item_field.name for item_field in dataclasses.fields(ArticleItem)]
    assert set(UNCHECKED_FIELDS) <= set(order)
    for record in full_run.result.records:
        assert list(record) == order, record["id"]


def test_records_are_partitioned_by_publication_month(full_run: Run) -> None:
    root = full_run.result.exports_dir / PORTAL
    for path in full_run.result.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert path.relative_to(root).as_posix() == export_partition(record), record["id"]


def test_records_validate_against_the_json_schema(full_run: Run) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    problems = {r["id"]: [e.message for e in validator.iter_errors(r)] for r in full_run.result.records}
    assert {i: p for i, p in problems.items() if p} == {}


def test_each_article_page_fetched_once_and_nothing_else_wasted(full_run: Run) -> None:
    """In-run dedup: AMP, utm_*, old-slug and repeated links lead to one request per article."""
    article_requests = Counter(m[1] for r in full_run.requests if (m := ARTICLE_PATH.match(urlsplit(r["target"]).path)))
    assert {i: n for i, n in article_requests.items() if n > 1} == {}
    assert all(not urlsplit(r["target"]).path.startswith("/amp/") for r in full_run.requests)
    assert [r["target"] for r in full_run.requests if r["status"] == 404] == []
    assert not [r for r in full_run.requests if re.match(r"^/(foto|video|nasional)/", r["target"])]


# --- (4) never a non-loopback host -------------------------------------------------------------------------------


def test_no_request_leaves_the_loopback(full_run: Run, kaltim_replica: RunningReplica) -> None:
    """Proxy variables point at the replica, so a request to any other host would be logged here, refused."""
    assert full_run.requests, "the crawl made no request to the replica"
    assert [r["target"] for r in full_run.requests if not r["target"].startswith("/")] == []
    assert {r["host"] for r in full_run.requests} == {f"127.0.0.1:{kaltim_replica.port}"}
    assert full_run.requests[0]["target"] == "/robots.txt"


# --- (2) a date range exports exactly that range and stops walking the listing -------------------------------------


@pytest.mark.parametrize(
    ("replica_name", "since", "until"),
    [("kaltim_replica", "2023-01-01", "2023-12-31"), ("query_replica", "2024-01-01", "2024-06-30")],
    ids=["path-pager-2023", "query-pager-2024h1"],
)
def test_date_range_exports_exactly_the_range(
    request: pytest.FixtureRequest, tmp_path: Path, replica_name: str, since: str, until: str
) -> None:
    replica: RunningReplica = request.getfixturevalue(replica_name)
    run = _crawl(replica, tmp_path / "exports", {"since": since, "until": until})
    assert run.result.process.returncode == 0, _diagnose(run)
    expected = expected_records(DATA, date.fromisoformat(since), date.fromisoformat(until))
    assert sorted(Counter(r["id"] for r in run.result.records).items()) == [(i, 1) for i in sorted(expected)]
    exported = run.by_id()
    for record_id, fields in expected.items():
        assert {k: exported[record_id].get(k) for k in fields} == fields, record_id
    pages = _listing_pages(run.requests)
    assert 1 in pages and max(pages) < _last_listing_page(), f"listing pages walked: {sorted(pages)}"


# --- (3) bad arguments: non-zero exit, one line naming the problem ----------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"base_url": "ftp://x"}, "base_url"),
        ({"base_url": "127.0.0.1:80"}, "base_url"),
        ({"since": "2024-13-01"}, "since"),
        ({"since": "2024-03-10", "until": "2024-03-01"}, "until"),
    ],
    ids=["ftp-scheme", "no-scheme", "month-13", "until-before-since"],
)
def test_bad_arguments_exit_with_one_line(
    crawl: Callable[..., CrawlResult], kaltim_replica: RunningReplica, arguments: dict[str, str], named: str
) -> None:
    mark = kaltim_replica.mark()
    base_url = None if "base_url" in arguments else kaltim_replica.base_url
    result = crawl(PORTAL, base_url=base_url, arguments=arguments, timeout=60)
    assert result.process.returncode == EXIT_CONFIG, result.process.stderr[-2000:]
    assert len(result.stderr_lines) == 1 and named in result.stderr_lines[0], result.stderr_lines
    assert result.records == [] and kaltim_replica.requests(mark) == []


def test_unknown_portal_is_refused_with_the_valid_names(crawl: Callable[..., CrawlResult]) -> None:
    result = crawl("antara_atlantis", timeout=60)
    assert result.process.returncode == EXIT_CONFIG
    assert len(result.stderr_lines) == 1, result.stderr_lines
    assert "antara_atlantis" in result.stderr_lines[0] and "antara_kaltim" in result.stderr_lines[0]


def test_exports_tree_holds_records_and_manifests_only(full_run: Run) -> None:
    """`exports/**/*.jsonl` means records: run summaries, logs, state and the report live in `<exports>-state`.

    Besides records and manifests only the run locks stay, in `.locks/`: the lock guards these files whatever
    the state dir (two runs with different state dirs must not both write here)."""
    root = full_run.result.exports_dir
    assert (state_beside(root) / "runs" / "latest" / f"{PORTAL}.json").exists()
    assert (state_beside(root) / "dedup.sqlite3").exists()
    assert sorted(p.name for p in (root / ".locks").iterdir()) == [f"{PORTAL}.lock"]
    outside_warc = [p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in ("warc", ".locks")]
    assert outside_warc and all(p.suffix == ".jsonl" or p.name == "manifest.json" for p in outside_warc), outside_warc
    lines = [json.loads(line) for path in root.glob("**/*.jsonl") for line in path.read_text("utf-8").splitlines()]
    assert len(lines) == len(EXPECTED) and all(record["id"].startswith(f"{PORTAL}:") for record in lines)


def test_bookkeeping_left_inside_the_exports_by_an_earlier_version_is_refused(tmp_path: Path) -> None:
    """An old cron job would lock in the old place: the run refuses and says what to move where."""
    exports = tmp_path / "old"
    (exports / ".state" / "locks").mkdir(parents=True)
    result = run_crawl(PORTAL, exports, timeout=60)
    assert result.process.returncode == EXIT_CONFIG, result.process.stderr[-2000:]
    assert len(result.stderr_lines) == 1 and f"mv {exports / '.state'}/* {state_beside(exports)}/" in result.stderr_lines[0]
