"""Article pages parsed in a worker process give the record of an in-process parse (`crawler.portals.worker`).

Without a process: every fixture page (ANTARA and generic, articles and not-articles) sent
through the pickled job and result gives exactly the in-process result, and the worker's log
records are logged again by the crawl. With real spawned workers (e2e): the same through
`ParseWorker`'s pipes; a worker killed mid-crawl fails its pages (the crawl then parses them
itself); a worker ignores SIGINT and exits once its parent is killed (SIGKILL or SIGTERM).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from itemadapter import ItemAdapter

from crawler.dedup.neardup import HANDOVER, Fingerprinter, NearDupParams, SignatureHandover
from crawler.extract.limits import PageLimits
from crawler.items import ArticleItem
from crawler.middlewares.parseworkers import ParseWorker, WorkerGone, WorkerPool
from crawler.portals import worker
from crawler.portals.worker import NICENESS, PageJob, ParsedPage, parse_job, parse_page, run_job
from tests.conftest import ROOT
from tests.fixture_diff import all_families, discover, portal_of, response_for
from tests.replica.harness import DATA_DIR, run_crawl, start_replica
from tests.support.scheduling import priority, thread_task

CASES = discover(all_families())
LIMITS = PageLimits()


def _as_dict(result: object) -> object:
    return ItemAdapter(result).asdict() if isinstance(result, ArticleItem) else result


def _in_process(case):  # type: ignore[no-untyped-def]
    fetched_at = datetime.fromisoformat(case.meta["fetched_at"])
    return parse_page(response_for(case), portal_of(case), LIMITS, fetched_at)


def _job(case) -> PageJob:  # type: ignore[no-untyped-def]
    return PageJob.of(response_for(case), datetime.fromisoformat(case.meta["fetched_at"]))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.family}/{c.name}" for c in CASES])
def test_pickled_job_gives_the_in_process_record(case) -> None:  # type: ignore[no-untyped-def]
    job = pickle.loads(pickle.dumps(_job(case)))
    portal = pickle.loads(pickle.dumps(portal_of(case)))
    parsed = pickle.loads(pickle.dumps(ParsedPage(parse_job(job, portal, LIMITS))))
    want = _in_process(case)
    assert _as_dict(parsed.replay()) == _as_dict(want)
    assert parsed.result == want


def test_job_keeps_the_resolved_encoding() -> None:
    from scrapy.http import HtmlResponse

    body = "<html><head><title>Berita</title></head><body><p>Selamat pagi</p></body></html>".encode("cp1252")
    response = HtmlResponse("https://example.id/a", body=body, headers={"Content-Type": "text/html; charset=latin-1"})
    copy = pickle.loads(pickle.dumps(PageJob.of(response, None))).response()
    assert (type(copy), copy.encoding, copy.body, copy.url) == (HtmlResponse, response.encoding, body, response.url)


def test_worker_log_records_are_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    case = next(c for c in CASES if c.is_article and c.expected.get("warnings") and c.family == "antara")
    root = logging.getLogger()
    root.addHandler(worker._collector)
    try:
        with caplog.at_level(logging.WARNING):
            parsed = pickle.loads(pickle.dumps(run_job(_job(case), portal_of(case), LIMITS)))
    finally:
        root.removeHandler(worker._collector)
    assert parsed.records
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        parsed.replay()
    assert [r.getMessage() for r in caplog.records] == [r.msg for r in parsed.records]
    assert any(case.meta["url"] in r.getMessage() for r in caplog.records)


def test_the_worker_signs_the_body_the_dedup_pipeline_would_sign() -> None:
    params = NearDupParams()
    case = next(c for c in CASES if c.is_article and len((c.expected.get("body") or "").split()) > 60)
    parsed = pickle.loads(pickle.dumps(run_job(_job(case), portal_of(case), LIMITS, params)))
    assert isinstance(parsed.result, ArticleItem) and parsed.result.body
    computed = Fingerprinter(params).compute(parsed.result.body)
    assert computed is not None and parsed.signature == (params, computed)

    HANDOVER.take(params, parsed.result.body)  # nothing left over from another test
    fingerprinter = Fingerprinter(params)
    parsed.replay()
    assert fingerprinter.signature(parsed.result.body) == computed
    assert fingerprinter.handed_over == 1  # taken, not computed
    assert fingerprinter.signature(parsed.result.body) == computed
    assert fingerprinter.handed_over == 1  # taken once: the next one is computed


def test_not_articles_and_unsigned_jobs_carry_no_signature() -> None:
    not_article = next(c for c in CASES if not c.is_article)
    article = next(c for c in CASES if c.is_article)
    assert run_job(_job(not_article), portal_of(not_article), LIMITS, NearDupParams()).signature is None
    assert run_job(_job(article), portal_of(article), LIMITS).signature is None


def test_a_handed_over_signature_is_used_only_for_its_text_and_parameters() -> None:
    handover = SignatureHandover(capacity=2)
    params, other = NearDupParams(), NearDupParams(threshold=0.8)
    unknown = handover.take(params, "never put")
    handover.put(params, "a", b"A")
    assert handover.take(other, "a") is unknown
    assert handover.take(params, "a") == b"A"
    assert handover.take(params, "a") is unknown  # taken once
    for text in ("x", "y", "z"):
        handover.put(params, text, None)
    assert len(handover) == 2 and handover.take(params, "z") is None  # the oldest was forgotten


@pytest.mark.e2e
def test_worker_processes_give_the_in_process_records() -> None:
    """One worker for every fixture, of every portal: each crawl's inputs travel once, kept by their key."""

    async def parse_all() -> list[ParsedPage | None]:
        pool = WorkerPool.join(1)
        assert WorkerPool.join(1) is pool  # a second crawler of the process shares it
        try:
            worker = pool.least_busy()
            return await asyncio.gather(*(worker.parse(_job(case), portal_of(case), LIMITS) for case in CASES))
        finally:
            assert not pool.leave() and pool.workers[0].process.is_alive()
            assert pool.leave() and not pool.workers[0].process.is_alive()
            assert WorkerPool._shared is None

    for case, parsed in zip(CASES, asyncio.run(parse_all()), strict=True):
        assert parsed is not None, case.name
        assert _as_dict(parsed.result) == _as_dict(_in_process(case)), case.name


@pytest.mark.e2e
def test_a_dead_worker_fails_its_pages_and_the_next() -> None:
    case = next(c for c in CASES if c.is_article)

    async def scenario() -> None:
        worker = ParseWorker(logging.WARNING)
        portal = portal_of(case)
        try:
            assert await worker.parse(_job(case), portal, LIMITS) is not None
            assert worker.process.pid is not None
            os.kill(worker.process.pid, signal.SIGKILL)
            with pytest.raises(WorkerGone):
                await asyncio.wait_for(worker.parse(_job(case), portal, LIMITS), 10)
            with pytest.raises(WorkerGone):
                await worker.parse(_job(case), portal, LIMITS)
        finally:
            worker.close()

    asyncio.run(scenario())


_ORPHAN = """
import asyncio, time
from crawler.middlewares.parseworkers import ParseWorker
async def main():
    worker = ParseWorker(30)
    print(worker.process.pid, flush=True)
    time.sleep(600)
if __name__ == "__main__":
    asyncio.run(main())
"""


@pytest.mark.e2e  # a worker process
def test_the_worker_runs_as_a_nice_batch_job() -> None:
    """SCHED_BATCH: a job written to the pipe does not let the woken worker preempt the crawl's thread;
    NICENESS more than the crawl: the crawl's thread gets a scarce core first."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    expected = (os.SCHED_BATCH, min(19, own + NICENESS))
    worker = ParseWorker(logging.WARNING)
    try:
        deadline = time.monotonic() + 120
        # Set in the worker's start-up for every thread it has then; threads started later inherit it.
        while {priority(task) for task in _threads(worker.process.pid)} != {expected}:
            assert time.monotonic() < deadline, f"the worker's threads never all reached {expected}"
            time.sleep(0.1)
        assert priority(thread_task()) == (os.SCHED_OTHER, own), (
            "only the worker is a nice batch job"
        )
    finally:
        worker.close()


def _threads(pid: int) -> list[Path]:
    return list(Path(f"/proc/{pid}/task").iterdir())


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_worker_does_not_outlive_its_crawl(signum: int) -> None:
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    # The worker ignores SIGINT once its start-up (imports) is done: wait for that, however slow the machine.
    deadline = time.monotonic() + 120
    while not _ignores_sigint(child):
        assert time.monotonic() < deadline, f"worker {child} never set SIGINT to ignored"
        time.sleep(0.1)
    os.kill(child, signal.SIGINT)  # ignored: the crawl stops its workers itself
    time.sleep(0.5)
    os.kill(child, 0)
    parent.send_signal(signum)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not _running(child):
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail(f"worker {child} still running 10 s after its parent got signal {signum}")


def _ignores_sigint(pid: int) -> bool:
    """Whether `pid` has SIGINT in its ignored-signals mask (`SigIgn` in /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        ignored = next(line.split()[1] for line in status if line.startswith("SigIgn:"))
    return bool(int(ignored, 16) & (1 << (signal.SIGINT - 1)))


def _running(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for a reaper has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.e2e
def test_a_crawl_links_the_same_near_duplicates_with_signatures_from_its_worker(tmp_path: Path) -> None:
    """A syndicated copy (the replica's article plus a sentence) is linked whether its body was
    signed by the parse worker or by the dedup pipeline, and with a worker every record's
    signature came from it."""
    data = json.loads((DATA_DIR / "antara_kaltim.json").read_text(encoding="utf-8"))
    articles = data["articles"]
    original = max(articles, key=lambda a: sum(len(p.split()) for p in a["paragraphs"]))
    copy = next(a for a in articles if a is not original and a["era"] == original["era"])
    copy["paragraphs"] = [*original["paragraphs"], "Berita ini juga disiarkan ulang oleh media mitra."]
    copy.pop("expect", None)
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    replica = start_replica(path, tmp_path / "replica")
    links: dict[str, set[frozenset[str]]] = {}
    try:
        for workers in ("0", "1"):
            exports = tmp_path / f"exports-{workers}"
            result = run_crawl("antara_kaltim", exports, base_url=replica.base_url,
                               settings={"ARCHIVE_PARSE_WORKERS": workers})  # fmt: skip
            assert result.process.returncode == 0, result.process.stderr[-3000:]
            links[workers] = {frozenset((r["id"], r["near_duplicate_of"])) for r in result.records
                              if r["near_duplicate_of"]}  # fmt: skip
            handed = re.search(r"'archive/dedup/signatures_from_workers': (\d+)", result.process.stderr)
            if workers == "0":
                assert handed is None
            else:
                assert handed is not None and int(handed.group(1)) == len(result.records) > 20
    finally:
        replica.stop()
    ids = {f"antara_kaltim:{original['id']}", f"antara_kaltim:{copy['id']}"}
    assert frozenset(ids) in links["0"]
    assert links["1"] == links["0"]


def test_answers_are_taken_whole_from_whatever_the_pipe_holds() -> None:
    """The crawl reads the answer pipe without blocking (`ParseWorker._answers`): `_frame` finds
    each message as `send_bytes` framed it, small or over 16 KB (two writes), and nothing of a
    message that is not whole yet."""
    import multiprocessing

    from crawler.middlewares.parseworkers import _frame

    reader, writer = multiprocessing.Pipe(duplex=False)
    messages = [b"a", b"x" * 20_000, pickle.dumps({"key": 1}), b"y" * 70]
    try:
        for message in messages:
            writer.send_bytes(message)
        data = bytearray()
        while sum(len(m) + 4 for m in messages) > len(data):
            data += os.read(reader.fileno(), 1 << 16)
    finally:
        reader.close()
        writer.close()
    assert _frame(data[:3]) is None  # part of a header
    assert _frame(data[5:100]) is None  # the big one's header and part of its payload
    found = []
    while (frame := _frame(data)) is not None:
        found.append(bytes(data[frame[0] : frame[1]]))
        del data[: frame[1]]
    assert found == messages and not data
