"""Faults from the network: a real crawl of a fault-injecting replica loses no article.

The replica (`tests/replica/faults.py`, `--faults SEED`) serves 200 synthetic articles and
injects, reproducibly from the seed: 5xx, hangs past the download timeout, truncated bodies,
429 bursts with Retry-After, a redirect loop, a redirect to another domain, three charset
faults, an empty 200, a 200 error page and a gzip bomb. One crawl plus one follow-up crawl
(the same exports directory, as the next cron run) must then have exported every article
exactly once with the data file's text; every injected fault must show in the crawl's
stats under its own key, as often as it was injected; the logs hold no traceback; and no
request left the replica's host.

Speed: RETRY_TIMES 3, DOWNLOAD_TIMEOUT 2 s (hangs last 3 s), Retry-After 1 s, backoff
base 0.1 s: both runs take about 15 s together.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.replica.data import load_file, write_file
from tests.replica.expected import UNCHECKED_FIELDS, expected_records
from tests.replica.faults import read_log
from tests.replica.harness import CrawlResult, RunningReplica, run_crawl, trap_proxy_env
from tests.replica.synth import generate

pytestmark = pytest.mark.e2e  # faulty replica, `scrapy crawl`

PORTAL = "antara_kaltim"
SEED = 8
ARTICLES = 200
SETTINGS = {
    "RETRY_TIMES": "3",
    "DOWNLOAD_TIMEOUT": "2",
    "ARCHIVE_RETRY_AFTER_BASE_SECONDS": "0.1",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}
HANG_SECONDS = "3"
# The follow-up is an ordinary scheduled run: its incremental stop ends the listing walk at the
# first page of stored articles, and the frontier re-issues the articles the first run lost.
CATCH_UP: dict[str, str] = {}
# Non-ASCII text every second article carries, so that a wrong decoding shows in title and body.
TITLE_SUFFIX = " — “Jum’at” di kafé"
BODY_SUFFIX = " Ia menyebut hasilnya “luar biasa” – naik ½ persen."

STAT_OF_FAULT = {
    "http_500": "retry/reason_count/500 Internal Server Error",
    "http_502": "retry/reason_count/502 Bad Gateway",
    "http_503": "retry/reason_count/503 Service Unavailable",
    "hang": "retry/reason_count/scrapy.exceptions.DownloadTimeoutError",
    "truncated": "retry/reason_count/scrapy.exceptions.ResponseDataLossError",
    "429_burst": "retry/reason_count/429 Unknown Status",
    "redirect_loop": "archive/faults/redirect_loop",
    "offsite_redirect": "archive/faults/offsite_redirect",
    "charset_cp1252_as_utf8": "archive/faults/charset_not_utf8",
    "charset_utf8_as_cp1252": "archive/faults/charset_utf8_declared_legacy",
    "charset_missing": "archive/faults/charset_undeclared_legacy",
    "empty_200": "archive/faults/empty_200",
    "error_page_200": "archive/faults/error_page_200",
    "gzip_bomb": "archive/faults/decompression_cap",
}
# A loop is two requests (there and back) for one refusal.
REQUESTS_PER_FAULT = {"redirect_loop": 1}


def faulty_data(path: Path) -> Path:
    doc = generate(ARTICLES, seed=SEED)
    for index, article in enumerate(doc["articles"]):
        if index % 2 == 0:
            article["title"] += TITLE_SUFFIX
            article["paragraphs"][0] += BODY_SUFFIX
    write_file(path, doc)
    return path


@dataclass
class FaultRuns:
    replica: RunningReplica
    runs: list[CrawlResult]
    faults: list[dict[str, str]]
    requests: list[dict[str, Any]]
    expected: dict[str, dict[str, Any]]

    def stats(self, run: int) -> dict[str, int]:
        return dumped_stats(self.runs[run].process.stderr)

    def total(self, key: str) -> int:
        return sum(self.stats(run).get(key, 0) for run in range(len(self.runs)))


def dumped_stats(log: str) -> dict[str, int]:
    """The integer stats of Scrapy's closing 'Dumping Scrapy stats' block."""
    _, _, dump = log.rpartition("Dumping Scrapy stats:")
    return {key: int(value) for key, value in re.findall(r"^\s*'([^']+)': (\d+),?\}?$", dump, re.MULTILINE)}


@pytest.fixture(scope="module")
def fault_runs(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> FaultRuns:
    work = tmp_path_factory.mktemp("faults")
    data = faulty_data(work / "data.json")
    log = work / "faults.jsonl"
    replica = module_replica_factory(
        data, "--faults", str(SEED), "--faults-hang-seconds", HANG_SECONDS, "--faults-log", str(log)
    )
    exports = work / "exports"
    runs = [
        run_crawl(PORTAL, exports, base_url=replica.base_url, settings=settings, env=trap_proxy_env(replica))
        for settings in (SETTINGS, {**SETTINGS, **CATCH_UP})
    ]
    return FaultRuns(replica, runs, read_log(log), replica.requests(), expected_records(load_file(data)))


def _diagnose(result: CrawlResult) -> str:
    return f"exit {result.process.returncode}; stderr tail:\n{result.process.stderr[-3000:]}"


def test_both_runs_succeed(fault_runs: FaultRuns) -> None:
    for result in fault_runs.runs:
        assert result.process.returncode == 0, _diagnose(result)


def test_every_kind_of_fault_was_injected(fault_runs: FaultRuns) -> None:
    injected = Counter(fault["fault"] for fault in fault_runs.faults)
    assert {kind for kind in STAT_OF_FAULT if kind.startswith("http_")} & set(injected), injected
    missing = [kind for kind in STAT_OF_FAULT if not kind.startswith("http_") and not injected[kind]]
    assert missing == [], f"not injected: {missing} ({injected})"


def test_every_article_exported_exactly_once_across_two_runs(fault_runs: FaultRuns) -> None:
    records = fault_runs.runs[-1].records  # the same exports directory: every record of both runs
    counts = Counter(record["id"] for record in records)
    assert {i: n for i, n in counts.items() if n > 1} == {}, "duplicate records"
    assert sorted(set(fault_runs.expected) - set(counts)) == [], _diagnose(fault_runs.runs[-1])
    assert sorted(set(counts) - set(fault_runs.expected)) == []


def test_exported_text_is_the_publishers_text(fault_runs: FaultRuns) -> None:
    """Exact fields (no U+FFFD, no mojibake); only the charset-repaired pages carry a warning, which says so."""
    repaired = {f"{PORTAL}:{_article_id(f['target'])}" for f in fault_runs.faults if f["fault"].startswith("charset")}
    for record in fault_runs.runs[-1].records:
        expected = fault_runs.expected[record["id"]]
        diff = {
            name: (value, record.get(name))
            for name, value in expected.items()
            if name not in (*UNCHECKED_FIELDS, "warnings") and record.get(name) != value
        }
        assert diff == {}, f"{record['id']}: {json.dumps(diff, ensure_ascii=False)}"
        warnings = record["warnings"]
        if record["id"] in repaired:
            assert len(warnings) == 1 and warnings[0].startswith("charset: "), warnings
        else:
            assert warnings == [], (record["id"], warnings)


def test_every_fault_is_in_the_stats_as_often_as_it_was_injected(fault_runs: FaultRuns) -> None:
    injected = Counter(fault["fault"] for fault in fault_runs.faults)
    seen = {kind: fault_runs.total(STAT_OF_FAULT[kind]) for kind in injected}
    expected = {kind: count // (REQUESTS_PER_FAULT.get(kind, 0) + 1) for kind, count in injected.items()}
    # A timeout also counts a reply that a busy machine slowed past DOWNLOAD_TIMEOUT, so it may
    # exceed the injected hangs; every other kind is counted exactly.
    timeouts = seen.pop("hang", 0), expected.pop("hang", 0)
    assert seen == expected, f"stats vs injected; run 1 stats: {fault_runs.stats(0)}"
    assert timeouts[0] >= timeouts[1], f"timeouts {timeouts[0]} < injected hangs {timeouts[1]}"


def test_the_follow_up_run_fetches_only_what_the_first_could_not_keep(fault_runs: FaultRuns) -> None:
    # Refused for good in run 1 (not retryable): the loop, the offsite redirect, the bomb.
    lost = {f["fault"] for f in fault_runs.faults if f["fault"] in ("redirect_loop", "offsite_redirect", "gzip_bomb")}
    first, second = (len(run.records) for run in fault_runs.runs)
    assert second - first == len(lost) == 3


def test_no_traceback_in_the_logs(fault_runs: FaultRuns) -> None:
    for result in fault_runs.runs:
        assert "Traceback" not in result.process.stderr, _diagnose(result)
        errors = [line for line in result.process.stderr.splitlines() if " ERROR: " in line]
        assert errors == [], errors


def test_nothing_fetched_outside_the_portal(fault_runs: FaultRuns) -> None:
    """The trap proxy sends any request for another host to the replica, which logs it: there is none."""
    requests = fault_runs.requests
    assert requests and [r["target"] for r in requests if not r["target"].startswith("/")] == []
    assert {r["host"] for r in requests} == {f"127.0.0.1:{fault_runs.replica.port}"}
    assert fault_runs.total("offsite/filtered") == 0  # refused by the redirect guard before Scrapy's offsite filter


def _article_id(target: str) -> str:
    match = re.match(r"^/berita/(\d+)", target)
    assert match, target
    return match[1]
