"""`crawler.runtime`: the start-up heap frozen, and the young generation collected less often, once the engine
starts; the crawl's helper threads under SCHED_BATCH, the event loop's thread never."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scrapy.utils.test import get_crawler

from crawler.runtime import YOUNG_THRESHOLD, GcFreeze, in_batch_thread, make_batch
from crawler.warc import durability
from crawler.warc.writer import WriterThread
from tests.support.scheduling import priority, thread_task


def test_engine_start_freezes_the_heap_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    extension = GcFreeze.from_crawler(get_crawler(settings_dict={"ARCHIVE_GC_FREEZE_ENABLED": True}))
    try:
        extension.engine_started()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_young_garbage_in_a_cycle_is_freed_before_the_freeze() -> None:
    class Node:
        other: Node

    before = gc.get_threshold()
    extension = GcFreeze.from_crawler(get_crawler(settings_dict={"ARCHIVE_GC_FREEZE_ENABLED": True}))
    gc.disable()  # no automatic collection may free the cycle first: only the extension's may
    node = Node()
    node.other = node  # only the cycle collector can free it
    gone = weakref.ref(node)
    del node
    try:
        extension.engine_started()
        assert gone() is None, "a cycle allocated just before the freeze was frozen instead of freed"
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*before)


# --- helper threads under SCHED_BATCH -----------------------------------------------------------------------


def _policy_and_nice() -> tuple[int, int]:
    return priority(thread_task())


def test_work_in_a_helper_thread_runs_batch_and_the_main_thread_stays_as_it_was() -> None:
    main_before = _policy_and_nice()
    with ThreadPoolExecutor(1) as pool:
        plain = pool.submit(_policy_and_nice).result()  # the pool's thread, before any batch work
        batch = pool.submit(in_batch_thread(_policy_and_nice)).result()
        later = pool.submit(_policy_and_nice).result()
    assert plain[0] == os.SCHED_OTHER
    assert batch == (os.SCHED_BATCH, plain[1]), "batch, at the niceness it had"
    assert later[0] == os.SCHED_BATCH, "the thread stays batch for whatever it runs next"
    assert in_batch_thread(_policy_and_nice)() == main_before, "run inline on the main thread: left as it was"


def test_make_batch_can_also_make_a_thread_nicer() -> None:
    def nicer() -> tuple[int, int]:
        make_batch(nicer_by=3)
        return _policy_and_nice()

    result: list[tuple[int, int]] = []
    thread = threading.Thread(target=lambda: result.append(nicer()))
    base = _policy_and_nice()[1]
    thread.start()
    thread.join()
    assert result == [(os.SCHED_BATCH, min(19, base + 3))]


def _in_new_thread(work: Callable[[], tuple[int, int]]) -> tuple[int, int]:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def test_the_warc_writer_work_and_the_fsyncs_run_batch(tmp_path: Path) -> None:
    """What the WARC writer's own thread runs, and GroupSync's fsync, in the reactor's thread pool."""
    writer = WriterThread("test-writer")
    assert _in_new_thread(lambda: writer._in_batch_thread(_policy_and_nice))[0] == os.SCHED_BATCH

    def fsync_then_look() -> tuple[int, int]:
        durability._fsync_and_close(os.open(tmp_path / "records", os.O_WRONLY | os.O_CREAT))
        return _policy_and_nice()

    assert _in_new_thread(fsync_then_look)[0] == os.SCHED_BATCH
