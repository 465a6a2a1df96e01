"""Distributed mode on a real redis-server: state semantics, the write/claim window, and real worker crawls.

* The dedup state's behaviour is one set of cases run against both backends (SQLite and Redis).
* The exactly-once crux: a worker that wrote a line but had not yet claimed it (live, or
  killed in between) when another worker stored the same version keeps no copy.
* Real `scrapy crawl` workers against the replica (300 synthetic articles, simulated latency):
  two at once split the work and export every article once; one of two SIGKILLed mid-crawl
  loses nothing: the survivor crawls what the victim had in flight, and the victim's next
  start settles its unpublished lines; a change-feed consumer polling all along (one worker
  killed and restarted meanwhile) receives every record exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings

from crawler.dedup.neardup import Fingerprinter, NearDupParams
from crawler.dedup.redis_state import RedisDedupState
from crawler.dedup.sqlite import SqliteDedupState
from crawler.dedup.state import DedupState, StateError, StoredRecord
from crawler.distributed.mode import DistributedMode
from crawler.paths import state_beside
from crawler.store.layout import Manifest, iter_lines, read_archive
from crawler.store.tail import drop_lines, finish_interrupted_rewrites
from crawler.store.verify import verify
from crawler.store.writer import PortalWriter
from tests.replica.data import write_file
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica
from tests.replica.synth import generate
from tests.storage_support import PORTAL, Chain, article

PARAMS = NearDupParams()
TEXT = " ".join(f"kata{i} pembangunan daerah berjalan lancar menurut gubernur" for i in range(12))
OTHER = " ".join(f"pertandingan{i} sepak bola berakhir imbang di stadion" for i in range(12))


# --- the same behaviour from both dedup backends -------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.e2e)])
def open_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., DedupState]]:
    """Opens (or reopens) one store of the parametrized backend: `open_state(params=..., writer=...)`."""
    opened: list[DedupState] = []
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""

    def open_(params: NearDupParams = PARAMS, writer: str = "w1") -> DedupState:
        state: DedupState
        if url:
            state = RedisDedupState.from_url(url, params, writer=writer)
        else:
            state = SqliteDedupState(tmp_path / "state" / "dedup.sqlite3", params)
        opened.append(state)
        return state

    yield open_
    for state in opened:
        state.close()


def _record(record_id: str, revision: int = 0, content_hash: str = "aa" * 32, text: str | None = None) -> StoredRecord:
    signature = Fingerprinter(PARAMS).signature(text) if text else None
    return StoredRecord(record_id, revision, content_hash, signature)


def test_state_empty(open_state: Callable[..., DedupState]) -> None:
    state = open_state()
    assert not state.is_stored("p:1")
    assert state.latest("p:1") is None
    assert state.first_with_hash("aa" * 32) is None
    assert state.nearest(Fingerprinter(PARAMS).signature(TEXT) or b"", exclude="p:1") is None


def test_state_commit_is_idempotent_per_id_and_revision(open_state: Callable[..., DedupState]) -> None:
    state = open_state()
    assert state.commit([_record("p:1")]) == 1
    assert state.commit([_record("p:1"), _record("p:1", content_hash="bb" * 32)]) == 0
    assert state.is_stored("p:1")
    latest = state.latest("p:1")
    assert latest is not None and (latest.revision, latest.content_hash) == (0, "aa" * 32)


def test_state_latest_follows_the_highest_revision_whatever_the_order(open_state: Callable[..., DedupState]) -> None:
    state = open_state()
    assert state.commit([_record("p:1", 1, "bb" * 32), _record("p:1", 0, "aa" * 32)]) == 2
    latest = state.latest("p:1")
    assert latest is not None and (latest.revision, latest.content_hash) == (1, "bb" * 32)


def test_state_earliest_means_first_committed(open_state: Callable[..., DedupState]) -> None:
    state = open_state()
    state.commit([_record("p:9", text=TEXT)])
    state.commit([_record("p:2", text=TEXT), _record("p:3", content_hash="cc" * 32, text=TEXT)])
    assert state.first_with_hash("aa" * 32) == "p:9"
    signature = Fingerprinter(PARAMS).signature(TEXT)
    assert signature is not None
    assert state.nearest(signature, exclude="p:5") == "p:9"
    assert state.nearest(signature, exclude="p:9") == "p:2"
    assert state.nearest(Fingerprinter(PARAMS).signature(OTHER) or b"", exclude="p:5") is None


def test_state_a_revision_replaces_the_text_but_keeps_the_place(open_state: Callable[..., DedupState]) -> None:
    state = open_state()
    state.commit([_record("p:1", text=TEXT), _record("p:2", content_hash="cc" * 32, text=TEXT)])
    state.commit([_record("p:1", 1, "dd" * 32, text=OTHER)])
    fingerprint = Fingerprinter(PARAMS)
    assert state.nearest(fingerprint.signature(TEXT) or b"", exclude="p:9") == "p:2"
    state.commit([_record("p:3", content_hash="ee" * 32, text=OTHER)])
    assert state.nearest(fingerprint.signature(OTHER) or b"", exclude="p:9") == "p:1"
    # An older revision replayed late does not bring the old text back.
    state.commit([_record("p:4", 0, "ff" * 32, text=TEXT)])
    assert state.nearest(fingerprint.signature(TEXT) or b"", exclude="p:2") == "p:4"


def test_state_id_survives_reopening_and_params_are_fixed(open_state: Callable[..., DedupState]) -> None:
    first = open_state()
    first.commit([_record("p:1")])
    again = open_state()
    assert again.state_id == first.state_id and again.is_stored("p:1")
    with pytest.raises(StateError):
        open_state(NearDupParams(num_perm=64))


# --- claims across writers (Redis only) ------------------------------------------------------------------------


@pytest.mark.e2e  # redis-server
def test_redis_claim_first_committer_owns_the_version(redis_url: str) -> None:
    one = RedisDedupState.from_url(redis_url, PARAMS, writer="w1")
    two = RedisDedupState.from_url(redis_url, PARAMS, writer="w2")
    assert one.claim([_record("p:1")]) == [1]
    assert one.claim([_record("p:1")]) == [0]  # a replay by the owner
    assert two.claim([_record("p:1"), _record("p:2")]) == [-1, 1]
    assert two.commit([_record("p:1", 1, "bb" * 32)]) == 1  # a new revision is a new version
    one.close()
    two.close()


@pytest.mark.e2e  # redis-server
def test_redis_concurrent_claims_give_each_version_one_owner(redis_url: str) -> None:
    records = [_record(f"p:{n}", content_hash=f"{n:064x}") for n in range(300)]
    won: dict[str, list[int]] = {}

    def claim_all(writer: str) -> None:
        state = RedisDedupState.from_url(redis_url, PARAMS, writer=writer)
        won[writer] = [status for record in records for status in state.claim([record])]
        state.close()

    threads = [threading.Thread(target=claim_all, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_record = list(zip(*won.values(), strict=True))
    assert all(statuses.count(1) == 1 and statuses.count(-1) == 3 for statuses in per_record)


# --- the write/claim window in the pipelines -------------------------------------------------------------------


def _worker_chain(exports: Path, redis_url: str, worker: str) -> Chain:
    return Chain.open(exports, ARCHIVE_REDIS_URL=redis_url, ARCHIVE_WORKER_ID=worker)


@pytest.mark.e2e  # redis-server
def test_a_worker_that_loses_the_claim_takes_its_line_back(tmp_path: Path, redis_url: str) -> None:
    one, two = _worker_chain(tmp_path, redis_url, "w1"), _worker_chain(tmp_path, redis_url, "w2")
    item = article(7)
    decided = one.stages[1].process_item(one.stages[0].process_item(article(7)))  # w1 decided "new", then...
    assert two.feed(item) is item  # ...w2 wrote and claimed it first
    with pytest.raises(DropItem, match="another worker"):
        one.run(one.stages[2].process_item(decided))
    assert one.stats["archive/jsonl/lost_claim"] == 1
    assert [r["id"] for r in read_archive(tmp_path / PORTAL)] == [f"{PORTAL}:7"]
    assert all(p.stat().st_size == 0 for p in (tmp_path / PORTAL).rglob("*.w1.jsonl"))
    one.close()
    two.close()
    assert not verify(tmp_path, [PORTAL]).problems


def _write_without_claim(exports: Path, state_id: str, worker: str, record: dict[str, Any]) -> None:
    """What a worker SIGKILLed between its fsync and its claim leaves: a line beyond its manifest's count."""
    writer = PortalWriter(exports, PORTAL, state_beside(exports), state_id, worker)
    writer.recover(lambda records: pytest.fail("nothing to replay"))
    partition = f"2019/2019-09.{worker}.jsonl"
    writer.append(partition, (json.dumps(record) + "\n").encode())
    writer.close()


@pytest.mark.e2e  # redis-server
@pytest.mark.parametrize("other_stored_it", [True, False], ids=["other-worker-first", "nobody-else"])
def test_a_worker_killed_between_write_and_claim(tmp_path: Path, redis_url: str, other_stored_it: bool) -> None:
    one = _worker_chain(tmp_path, redis_url, "w1")
    record = one.stages[1].process_item(one.stages[0].process_item(article(7)))
    state_id = one.stages[1].ledger.state.state_id
    one.close()
    from itemadapter import ItemAdapter

    _write_without_claim(tmp_path, state_id, "w1", ItemAdapter(record).asdict())
    assert list(read_archive(tmp_path / PORTAL)) == []  # beyond the manifest: not in the archive
    if other_stored_it:
        two = _worker_chain(tmp_path, redis_url, "w2")
        assert two.feed(article(7)) is not None
        two.close()
    again = _worker_chain(tmp_path, redis_url, "w1")  # the killed worker's next start recovers
    stats = again.stats
    again.close()
    assert [r["id"] for r in read_archive(tmp_path / PORTAL)] == [f"{PORTAL}:7"]
    assert stats.get("archive/jsonl/dropped", 0) == (1 if other_stored_it else 0)
    assert stats.get("archive/jsonl/restored", 0) == (0 if other_stored_it else 1)
    assert not verify(tmp_path, [PORTAL]).problems


def test_an_interrupted_tail_rewrite_is_put_back_and_redone(tmp_path: Path) -> None:
    path = tmp_path / "2019-09.w1.jsonl"
    lines = [b'{"n":1}\n', b'{"n":2}\n', b'{"n":3}\n']
    path.write_bytes(b"".join(lines))
    start = len(lines[0])
    # Killed after the copy and the cut, before the kept lines were appended again:
    (tmp_path / f"{path.name}.rewrite-{start}").write_bytes(b"".join(lines[1:]))
    os.truncate(path, start)
    finish_interrupted_rewrites(path)
    assert path.read_bytes() == b"".join(lines) and not list(tmp_path.glob("*.rewrite-*"))
    assert drop_lines(path, start, [False, True]) == 1
    assert path.read_bytes() == lines[0] + lines[2] and not list(tmp_path.glob("*.rewrite-*"))


@pytest.mark.e2e  # redis-server, scrapy crawl
def test_a_worker_id_alive_elsewhere_is_refused(tmp_path: Path, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set(f"archive:{PORTAL}:worker:w1", "busy", px=60_000)  # another machine's live w1
    command = [sys.executable, "-m", "scrapy", "crawl", PORTAL, "-a", "base_url=http://127.0.0.1:9",
               "-s", f"ARCHIVE_EXPORTS_DIR={tmp_path}", "-s", f"ARCHIVE_REDIS_URL={redis_url}",
               "-s", "ARCHIVE_WORKER_ID=w1", "-s", "ARCHIVE_REDIS_WORKER_TTL_SECONDS=1"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "worker id 'w1' is in use by another live process" in done.stderr
    assert client.get(f"archive:{PORTAL}:worker:w1") == b"busy"  # the live one's key is untouched
    client.close()


def test_the_addon_sets_the_group_only_with_a_url() -> None:
    off = Settings({"ARCHIVE_REDIS_URL": ""})
    DistributedMode().update_settings(off)
    assert off["SCHEDULER"] == "scrapy.core.scheduler.Scheduler" and off.get("REDIS_URL") is None
    on = Settings(
        {"ARCHIVE_REDIS_URL": "redis://127.0.0.1:1/0", "ARCHIVE_REDIS_PREFIX": "arc", "ARCHIVE_WORKER_ID": "a"}
    )
    DistributedMode().update_settings(on)
    assert on["SCHEDULER"] == "crawler.distributed.workers.WorkerScheduler"
    assert on["DUPEFILTER_CLASS"] == "crawler.distributed.workers.ArticleIdDupeFilter"
    assert on.getbool("SCHEDULER_PERSIST") and on["REDIS_URL"] == "redis://127.0.0.1:1/0"
    assert on["SCHEDULER_QUEUE_KEY"] == "arc:%(spider)s:requests"


def test_without_the_distributed_extra_a_redis_url_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.distributed.mode as mode

    real = mode.importlib.util.find_spec
    monkeypatch.setattr(mode.importlib.util, "find_spec", lambda name: None if name == "scrapy_redis" else real(name))
    on = Settings({"ARCHIVE_REDIS_URL": "redis://127.0.0.1:1/0", "ARCHIVE_WORKER_ID": "a"})
    for call in (lambda: DistributedMode().update_settings(on), lambda: mode.lock_name(on, PORTAL)):
        with pytest.raises(
            mode.DistributedModeError, match=r"scrapy_redis is not installed: pip install .*distributed"
        ):
            call()
    assert mode.lock_name(Settings({"ARCHIVE_REDIS_URL": ""}), PORTAL) == PORTAL  # without a URL nothing is needed


# --- real workers against the replica ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(
    tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]
) -> tuple[RunningReplica, set[str]]:
    """300 synthetic articles served with 20 ms latency per reply; the ids every run must export."""
    directory = tmp_path_factory.mktemp("synthetic")
    doc = generate(300, seed=7)
    write_file(directory / "data.json", doc)
    replica = module_replica_factory(directory / "data.json", "--latency-ms", "20")
    return replica, {f"{PORTAL}:{a['id']}" for a in doc["articles"]}


def _start_worker(
    worker: str, replica: RunningReplica, exports: Path, redis_url: str, **extra: str
) -> subprocess.Popen[bytes]:
    # One export directory (one archive), but a state directory per worker, as on separate machines.
    settings = {**FAST_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "ARCHIVE_EXPORTS_DIR": str(exports),
                "ARCHIVE_STATE_DIR": str(exports.parent / f"state-{worker}"),
                "ARCHIVE_REDIS_URL": redis_url, "ARCHIVE_WORKER_ID": worker,
                "ARCHIVE_REDIS_WORKER_TTL_SECONDS": "2", "ARCHIVE_WARC_ENABLED": "False",
                # The run monitor judges each worker alone (links found, field coverage of its share),
                # which is not what these tests are about; see README "Distributed crawling".
                "ARCHIVE_MONITOR_ENABLED": "False"}  # fmt: skip
    command = [sys.executable, "-m", "scrapy", "crawl", PORTAL, "-a", f"base_url={replica.base_url}"]
    for name, value in {**settings, **extra}.items():
        command += ["-s", f"{name}={value}"]
    log = (exports.parent / f"{exports.name}-{worker}-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def _finish(processes: list[subprocess.Popen[bytes]]) -> list[int]:
    return [process.wait(timeout=180) for process in processes]


def _records_of(exports: Path, worker: str) -> int:
    manifest = Manifest.load(exports / PORTAL, worker)
    return sum(entry.records for entry in manifest.partitions.values()) if manifest else 0


def _ids_in_files(exports: Path, worker: str) -> set[str]:
    """Ids of every whole line in the worker's export files, published or not."""
    paths = (exports / PORTAL).rglob(f"*.{worker}.jsonl")
    return {json.loads(line)["id"] for path in paths for _, line in iter_lines(path)}


def _article_fetches(replica: RunningReplica, since: int) -> Counter[str]:
    return Counter(r["path"] for r in replica.requests(since) if "/berita/" in r["path"])


@pytest.mark.e2e  # redis-server, replica, scrapy crawl workers
def test_two_workers_share_the_crawl_and_export_every_article_once(
    tmp_path: Path, redis_url: str, synthetic: tuple[RunningReplica, set[str]]
) -> None:
    replica, expected = synthetic
    mark, exports = replica.mark(), tmp_path / "exports"
    codes = _finish([_start_worker(w, replica, exports, redis_url) for w in ("w1", "w2")])
    assert codes == [0, 0], sorted(p.name for p in tmp_path.glob("*.log"))
    ids = Counter(record["id"] for record in read_archive(exports / PORTAL))
    assert set(ids) == expected and set(ids.values()) == {1}
    shares = {w: _records_of(exports, w) for w in ("w1", "w2")}
    assert sum(shares.values()) == len(expected)
    assert min(shares.values()) >= len(expected) // 5, shares  # each worker did a substantial share
    fetches = _article_fetches(replica, mark)
    assert len(fetches) == len(expected) and set(fetches.values()) == {1}  # no article fetched twice
    assert not verify(exports).problems


@pytest.mark.e2e  # redis-server, replica, scrapy crawl workers
def test_a_killed_worker_loses_nothing(
    tmp_path: Path, redis_url: str, synthetic: tuple[RunningReplica, set[str]]
) -> None:
    replica, expected = synthetic
    exports = tmp_path / "exports"
    victim, survivor = (_start_worker(w, replica, exports, redis_url) for w in ("w1", "w2"))
    deadline = time.monotonic() + 120
    while _records_of(exports, "w1") < 30 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert victim.poll() is None, "the victim finished before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    assert _finish([survivor]) == [0]
    # The survivor put the victim's in-flight requests back into the queue and crawled them. What the
    # victim had claimed but not yet published (killed between its claim and its manifest, see
    # docs/operations.md) is in its files, beyond its manifest, until its next start publishes it.
    ids = Counter(record["id"] for record in read_archive(exports / PORTAL))
    assert set(ids.values()) == {1}
    assert expected - set(ids) <= _ids_in_files(exports, "w1")
    # The victim's next start recovers its files (a line written but not claimed is cut out or published).
    assert _finish([_start_worker("w1", replica, exports, redis_url)]) == [0]
    ids = Counter(record["id"] for record in read_archive(exports / PORTAL))
    assert set(ids) == expected and set(ids.values()) == {1}
    assert not verify(exports).problems


@pytest.mark.e2e  # redis-server, replica, scrapy crawl workers
def test_a_run_stopped_early_is_resumed_by_the_next(
    tmp_path: Path, redis_url: str, synthetic: tuple[RunningReplica, set[str]]
) -> None:
    import redis

    replica, expected = synthetic
    exports = tmp_path / "exports"
    stopped = _start_worker("w1", replica, exports, redis_url, CLOSESPIDER_ITEMCOUNT="30")
    assert _finish([stopped]) == [0]
    client = redis.Redis.from_url(redis_url)
    assert client.zcard(f"archive:{PORTAL}:requests") > 0  # its unfinished requests went back to the queue
    assert not client.exists(f"archive:{PORTAL}:inflight:w1")
    client.close()
    assert _finish([_start_worker("w2", replica, exports, redis_url)]) == [0]
    ids = Counter(record["id"] for record in read_archive(exports / PORTAL))
    assert set(ids) == expected and set(ids.values()) == {1}
    assert not verify(exports).problems


@pytest.mark.e2e  # redis-server, replica, scrapy crawl workers
def test_a_feed_consumer_during_a_two_worker_crawl_gets_every_record_exactly_once(
    tmp_path: Path, redis_url: str, synthetic: tuple[RunningReplica, set[str]]
) -> None:
    """Issue 17: the change feed read while two workers write (one SIGKILLed and restarted) misses nothing, repeats nothing."""
    from crawler import read_changes

    replica, expected = synthetic
    exports = tmp_path / "exports"
    received: Counter[str] = Counter()
    cursor: str | None = None
    polls = 0

    def poll() -> None:
        nonlocal cursor, polls
        if not exports.is_dir():  # a missing root is an error (a mistyped path), not an empty feed
            return
        # A consumer that stores its cursor as text and starts again from it, as across restarts.
        records, after = read_changes(exports, cursor, limit=17)
        received.update(str(r["id"]) for r in records)
        cursor, polls = str(after), polls + 1

    workers = {w: _start_worker(w, replica, exports, redis_url) for w in ("w1", "w2")}
    deadline = time.monotonic() + 150
    while _records_of(exports, "w1") < 30 and workers["w1"].poll() is None and time.monotonic() < deadline:
        poll()
        time.sleep(0.02)
    assert workers["w1"].poll() is None, "w1 finished before it could be killed"
    os.kill(workers["w1"].pid, signal.SIGKILL)
    workers["w1"].wait(timeout=10)
    while workers["w2"].poll() is None and time.monotonic() < deadline:
        poll()
        time.sleep(0.02)
    assert _finish([workers["w2"]]) == [0]
    restarted = _start_worker("w1", replica, exports, redis_url)  # settles the lines it wrote but never claimed
    while restarted.poll() is None and time.monotonic() < deadline:
        poll()
        time.sleep(0.02)
    assert _finish([restarted]) == [0]
    poll()
    assert polls > 10 and received  # the consumer really read during the crawl, in small batches
    assert set(received) == expected, sorted(expected - set(received))[:5]
    assert set(received.values()) == {1}, [k for k, n in received.items() if n > 1][:5]
    assert read_changes(exports, cursor) == ([], cursor)
    # The consumer saw exactly the archive: both workers' partitions, nothing beyond the manifests.
    assert Counter(str(r["id"]) for r in read_archive(exports / PORTAL)) == received
    assert _records_of(exports, "w1") > 0 and _records_of(exports, "w2") > 0
