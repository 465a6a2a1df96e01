"""The WARC writer thread: no response goes on before its records are written and fsynced; records stay in order.

The unit tests drive `GroupSync` with a write still pending, as the writer thread leaves it. The
end-to-end test crawls the replica with a probe just below the durability middleware
(`tests/support/warc_probe.py`) that reads each response's records back from the file the
moment the response comes through, with appends and fsyncs slowed so that one let through
early would show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy import Request
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.warc.durability import GroupSync
from crawler.warc.files import OpenWarc
from tests.replica.data import write_file
from tests.replica.harness import RunningReplica, run_crawl
from tests.replica.synth import generate
from tests.warc_reading import PORTAL, read_records, warc_files

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


# --- end to end: a probed crawl ---------------------------------------------------------------------------------


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_each_response_goes_on_after_its_records_are_written_and_fsynced_in_download_order(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    data = tmp_path / "data.json"
    write_file(data, generate(60, seed=11, page_size=20))
    replica = replica_factory(data)
    probe_file, exports = tmp_path / "probe.json", tmp_path / "exports"
    result = run_crawl(
        PORTAL,
        exports,
        base_url=replica.base_url,
        settings={"ARCHIVE_WARC_MAX_BYTES": "150000", "TEST_WARC_PROBE_FILE": str(probe_file)},
        env={"SCRAPY_SETTINGS_MODULE": "tests.support.warc_probe"},
    )
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    probe = json.loads(probe_file.read_text(encoding="utf-8"))
    assert probe["append_threads"] and all(
        name.startswith("PoolThread-warc-writer") for name in probe["append_threads"]
    )
    assert len(probe["responses"]) == len(probe["downloaded"]) > 60
    for seen in probe["responses"]:
        assert seen["meta"] is not None, f"{seen['url']}: no archive_warc meta when it came through"
        assert "unreadable" not in seen, f"{seen['url']}: {seen.get('unreadable')}"
        [(kind, record_id, _), (request_kind, _, concurrent_to)] = seen["records"]
        assert kind == seen["meta"]["type"] and record_id == seen["meta"]["record_id"]
        assert (request_kind, concurrent_to) == ("request", record_id)
        assert seen["synced"] >= seen["end"], f"{seen['url']}: came through before its records were fsynced"
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
