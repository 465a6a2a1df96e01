"""The WARC writer thread: no callback starts before its response's records are written, no record
it makes goes on before they are fsynced; records stay in order.

The unit tests drive `GroupSync` with a write still pending, as the writer thread leaves it. The
end-to-end test crawls the replica with probes on both sides of the durability spider middleware
(`tests/support/warc_probe.py`): one reads each response's records back from the file the
moment its callback is about to start, the other notes how far the file was fsynced when each
record leaves; appends and fsyncs are slowed so that one let through early would show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.portals.worker import fetched_at
from crawler.warc.durability import GroupSync
from crawler.warc.extension import DATE_META_KEY, META_KEY
from crawler.warc.files import OpenWarc
from tests.replica.data import write_file
from tests.replica.harness import RunningReplica, run_crawl
from tests.replica.synth import generate
from tests.warc_reading import MIRROR, PORTAL, make_archiver, read_records, warc_files

# --- unit: GroupSync with a pending write ---------------------------------------------------------------------


def _synced_file(tmp_path: Path) -> OpenWarc:
    warc = OpenWarc.create(tmp_path, "probe", "20260101")
    warc.append(b"records")
    warc.sync()
    return warc


def test_durable_waits_for_the_pending_write_then_its_records(tmp_path: Path) -> None:
    sync, request, warc = GroupSync(), Request("http://127.0.0.1/a"), _synced_file(tmp_path)
    write: Deferred[None] = Deferred()
    write.addCallback(lambda _: sync.written(request, warc, warc.size))  # as the archiver's callback does
    sync.pending(request, write)
    durable = sync.durable(request)
    assert not durable.called, "the records are not written yet"
    write.callback(None)
    assert durable.called and durable.result is None
    warc.close()


def test_durable_fires_after_a_failed_write(tmp_path: Path) -> None:
    sync, request = GroupSync(), Request("http://127.0.0.1/a")
    write: Deferred[None] = Deferred()
    write.addErrback(lambda _: None)  # the archiver's errback logs the failure and consumes it
    sync.pending(request, write)
    durable = sync.durable(request)
    write.errback(Failure(OSError(28, "No space left on device")))
    assert durable.called and durable.result is None, "the response goes on, without a record"


def test_durable_without_a_write_fires_at_once() -> None:
    assert GroupSync().durable(Request("http://127.0.0.1/a")).called
    assert GroupSync().write_done(Request("http://127.0.0.1/a")).called


def test_write_done_waits_for_the_write_only_and_durable_can_follow(tmp_path: Path) -> None:
    sync, request, warc = GroupSync(), Request("http://127.0.0.1/a"), _synced_file(tmp_path)
    write: Deferred[None] = Deferred()
    write.addCallback(lambda _: sync.written(request, warc, warc.size + 1))  # one byte beyond the fsynced part
    sync.pending(request, write)
    written = sync.write_done(request)
    assert not written.called
    write.callback(None)
    assert written.called
    warc.append(b"x")
    warc.close()  # closing fsyncs: the records are durable
    assert sync.durable(request).called, "durable still works after write_done"


def test_the_warc_date_is_known_before_the_records_are_written(tmp_path: Path) -> None:
    """A parse worker's job may start before the writer thread is done: it takes the fetch time
    (the record's WARC-Date, what `crawled_at` must be) from the key set at download."""
    archiver, spider = make_archiver(tmp_path)
    request = Request(MIRROR + "/berita/1/a", headers={"Accept-Encoding": "gzip"})
    response = Response(request.url, status=200, body=b"<html></html>", request=request, protocol="HTTP/1.1")
    archiver.response_downloaded(response, request, spider)
    date = request.meta[DATE_META_KEY]
    assert date == request.meta[META_KEY]["date"]
    assert fetched_at({DATE_META_KEY: date}) == fetched_at(request.meta) == datetime.fromisoformat(date)
    assert fetched_at({}) is None
    archiver.finish_now()


# --- end to end: a probed crawl ---------------------------------------------------------------------------------


# ARCHIVE_WARC_INLINE_MAX_BYTES: the replica's article pages are 3-6 KB, its listing pages 10-12 KB.
WRITERS = {
    "all in the writer thread": ("0", lambda threads: all(t.startswith("PoolThread-warc-writer") for t in threads)),
    "all in the event loop": ("100000000", lambda threads: threads == ["MainThread"]),
    "listings in the thread, articles inline": (
        "8000",
        lambda threads: "MainThread" in threads and any(t.startswith("PoolThread-warc-writer") for t in threads),
    ),
}


@pytest.mark.e2e  # replica, `scrapy crawl`
@pytest.mark.parametrize("inline_max, writers_ok", WRITERS.values(), ids=WRITERS.keys())
def test_callbacks_wait_for_the_write_records_for_the_fsync_and_records_stay_in_download_order(
    tmp_path: Path,
    replica_factory: Callable[..., RunningReplica],
    inline_max: str,
    writers_ok: Callable[[list[str]], bool],
) -> None:
    data = tmp_path / "data.json"
    write_file(data, generate(60, seed=11, page_size=20))
    replica = replica_factory(data)
    probe_file, exports = tmp_path / "probe.json", tmp_path / "exports"
    result = run_crawl(
        PORTAL,
        exports,
        base_url=replica.base_url,
        settings={"ARCHIVE_WARC_MAX_BYTES": "150000", "ARCHIVE_WARC_INLINE_MAX_BYTES": inline_max,
                  "TEST_WARC_PROBE_FILE": str(probe_file)},  # fmt: skip
        env={"SCRAPY_SETTINGS_MODULE": "tests.support.warc_probe"},
    )
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    probe = json.loads(probe_file.read_text(encoding="utf-8"))
    assert probe["append_threads"] and writers_ok(probe["append_threads"]), probe["append_threads"]
    to_spider = [url for url in probe["downloaded"] if not url.endswith("/robots.txt")]  # robots.txt: Scrapy's
    assert sorted(seen["url"] for seen in probe["responses"]) == sorted(to_spider) and len(to_spider) > 60
    for seen in probe["responses"]:
        assert seen["meta"] is not None, f"{seen['url']}: no archive_warc meta when it came through"
        assert "unreadable" not in seen, f"{seen['url']}: {seen.get('unreadable')}"
        [(kind, record_id, _), (request_kind, _, concurrent_to)] = seen["records"]
        assert kind == seen["meta"]["type"] and record_id == seen["meta"]["record_id"]
        assert (request_kind, concurrent_to) == ("request", record_id)
    ends = {seen["url"]: seen["end"] for seen in probe["responses"]}
    assert len(probe["items"]) == len(result.records) > 50
    for item in probe["items"]:
        assert item["synced"] >= ends[item["url"]], f"{item['url']}: its record went on before the WARC fsync"
    files = warc_files(exports / "warc")
    assert len(files) >= 2, "rotated during the crawl"
    records = [record for path in files for record in read_records(path)]
    main = [(i, r) for i, r in enumerate(records) if r.type in ("response", "revisit")]
    assert [r.headers["WARC-X-Fetched-URI"] for _, r in main] == probe["downloaded"], "records in download order"
    for i, record in main:
        assert records[i + 1].type == "request" and records[i + 1].headers["WARC-Concurrent-To"] == record.id
    by_id = {r.id: r for _, r in main}
    for seen in probe["responses"]:
        record = by_id[seen["meta"]["record_id"]]
        assert (record.file.name, record.offset) == (seen["meta"]["file"], seen["meta"]["offset"])
