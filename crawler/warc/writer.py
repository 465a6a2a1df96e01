"""The WARC writer's own thread: work run one piece at a time, in the order queued, results back in the reactor thread.

A Twisted `ThreadPool` of one thread, not the reactor's pool: that one runs the fsyncs, DNS
lookups and CDXJ indexing, and with more than one thread the records would no longer come out
in the order they were queued. Before it is started (no running reactor: tools, tests) and
after it is stopped, work runs inline in the caller's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any, ParamSpec, TypeVar

from scrapy.utils.reactor import is_reactor_installed
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from crawler.runtime import in_batch_thread

_P = ParamSpec("_P")
_R = TypeVar("_R")


class WriterThread:
    def __init__(self, name: str) -> None:
        self.name = name
        self._pool: ThreadPool | None = None
        self._shutdown: Any = None  # the reactor shutdown trigger that stops it at the latest
        self._local = threading.local()
        self._in_batch_thread = in_batch_thread(self._in_thread)  # woken per response: must not preempt the loop

    def start(self) -> None:
        """Start the thread; the reactor must be running."""
        self._pool = ThreadPool(1, 1, name=self.name)
        self._pool.start()
        self._shutdown = _reactor().addSystemEventTrigger("during", "shutdown", self._stop_at_shutdown)

    def stop(self) -> None:
        """Stop the thread once it has run everything queued (`ThreadPool.stop` joins it)."""
        pool, self._pool = self._pool, None
        if self._shutdown is not None:
            _reactor().removeSystemEventTrigger(self._shutdown)
            self._shutdown = None
        if pool is not None:
            pool.stop()

    def _stop_at_shutdown(self) -> None:
        self._shutdown = None  # fired: nothing left to remove
        self.stop()

    def run(self, work: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_R]:
        """`work(*args, **kwargs)` in the thread, after everything queued before; fires in the reactor thread."""
        if self._pool is None:
            return maybeDeferred(work, *args, **kwargs)
        return deferToThreadPool(_reactor(), self._pool, self._in_batch_thread, partial(work, *args, **kwargs))

    def _in_thread(self, work: Callable[[], _R]) -> _R:
        self._local.inside = True
        return work()

    def call_in_reactor(self, call: Callable[..., object], *args: object) -> None:
        """`call(*args)` in the reactor thread: from this thread, queued behind the results it handed back before."""
        if getattr(self._local, "inside", False):
            _reactor().callFromThread(call, *args)
        else:
            call(*args)


def _reactor() -> Any:
    # Imported only when needed: importing it installs the default reactor. Any: its
    # interfaces (zope) do not type-check.
    from twisted.internet import reactor

    return reactor


def reactor_running() -> bool:
    return is_reactor_installed() and bool(getattr(_reactor(), "running", False))
