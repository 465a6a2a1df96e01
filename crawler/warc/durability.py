"""fsync of WARC records off the reactor thread, shared by every record written meanwhile.

Records are written (whole, in arrival order) by the archiver's one writer thread (inline
without a running reactor), and a response goes on only once its records are written, so a
kill -9 never loses one the spider has seen. Making them survive a power cut needs fsync,
which costs milliseconds on a busy disk: done inline it was most of the archive's cost. So
the fsync runs in a thread, one at a time, and covers everything written before it started
(a group commit); `WarcDurabilityMiddleware` holds each response's callback until its pending
write has returned, and each record the callback makes until the fsync covering its response's
records has too, so an exported record never names a record that a power cut could still take away.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread

from crawler.runtime import in_batch_thread

if TYPE_CHECKING:
    from scrapy import Request

    from crawler.warc.files import OpenWarc


class GroupSync:
    """Durability points of records: `pending(request, write)`, `written(request, warc, end)`, then
    `write_done(request)` and `durable(request)`.

    Used on the reactor thread only.
    """

    def __init__(self, on_fsync: Callable[[], None] | None = None) -> None:
        self._on_fsync = on_fsync
        self._writes: WeakKeyDictionary[Request, Deferred[None]] = WeakKeyDictionary()
        self._marks: WeakKeyDictionary[Request, tuple[OpenWarc, int]] = WeakKeyDictionary()
        self._waiting: list[tuple[OpenWarc, int, Deferred[None]]] = []
        self._in_flight = False

    def pending(self, request: Request, write: Deferred[None]) -> None:
        """`request`'s records are being written: `write` fires (never fails) once they are, or failed to be.

        Its callbacks must call `written` first when the records were written.
        """
        self._writes[request] = write

    def written(self, request: Request, warc: OpenWarc, end: int) -> None:
        """`request`'s records are in `warc`, ending at offset `end`."""
        self._marks[request] = (warc, end)

    def write_done(self, request: Request) -> Deferred[None]:
        """Fires once `request`'s records are written, or failed to be (at once if there is no write).

        Its `archive_warc` meta is set by then when they were written; `durable` may follow.
        """
        write = self._writes.get(request)
        if write is None:
            return succeed(None)
        done: Deferred[None] = Deferred()

        def after_write(result: object) -> object:
            done.callback(None)
            return result

        write.addBoth(after_write)
        return done

    def durable(self, request: Request) -> Deferred[None]:
        """Fires once `request`'s records are written and fsynced (at once if there are none)."""
        write = self._writes.pop(request, None)
        if write is None:
            return self._synced_mark(request)
        done: Deferred[None] = Deferred()

        def after_write(_: object) -> None:
            self._synced_mark(request).chainDeferred(done)

        # Runs after the write's own callbacks (added before), so the mark they set exists by then.
        write.addBoth(after_write)
        return done

    def _synced_mark(self, request: Request) -> Deferred[None]:
        mark = self._marks.pop(request, None)
        if mark is None or mark[0].synced >= mark[1]:
            return succeed(None)
        done: Deferred[None] = Deferred()
        self._waiting.append((*mark, done))
        self._next()
        return done

    def file_closed(self, warc: OpenWarc) -> None:
        """`warc` was closed (and fsynced) by its owner: release whoever waits on it."""
        self._release(warc)

    def _next(self) -> None:
        if self._in_flight or not self._waiting:
            return
        warc = self._waiting[0][0]
        if warc.fd < 0:  # closed meanwhile; close() fsynced it
            self._release(warc)
            self._next()
            return
        self._in_flight = True
        target, fd = warc.size, os.dup(warc.fd)  # a dup stays valid if the file is closed meanwhile
        done = deferToThread(_fsync_and_close, fd)
        done.addBoth(self._synced, warc, target)

    def _synced(self, result: Any, warc: OpenWarc, target: int) -> Any:
        self._in_flight = False
        if self._on_fsync is not None:
            self._on_fsync()
        warc.synced = max(warc.synced, target)
        self._release(warc)
        self._next()
        return result

    def _release(self, warc: OpenWarc) -> None:
        ready = [w for w in self._waiting if w[0] is warc and w[1] <= warc.synced]
        self._waiting = [w for w in self._waiting if w not in ready]
        for _, _, done in ready:
            done.callback(None)


@in_batch_thread
def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
