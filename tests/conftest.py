"""Shared pytest fixtures: the local portal replica, a real redis-server, crawl runs; and the `e2e` marker's guard.

Tests never contact a real site: the replica serves the portal from a data file on
127.0.0.1, and crawls are real `scrapy crawl` subprocesses pointed at it with `base_url`.

Every test that starts a subprocess or a server carries the `e2e` marker (module-level
`pytestmark = pytest.mark.e2e`, or per test), so `python -m pytest -q -m "not e2e"` runs the
rest in about a minute. The marker is enforced: a test without it that starts a process
(`subprocess`, `os.fork`, ...) or listens on a socket fails, in every run, naming the marker.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Plain `pytest` (unlike `python -m pytest`) does not put the repository root on sys.path,
# and `tests` has no __init__.py; the replica package is imported as `tests.replica`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, start_replica  # noqa: E402
from tests.support.redis_server import redis_server  # noqa: E402

# --- the e2e marker ------------------------------------------------------------------------------------------------

def _refuse(what: str, nodeid: str) -> Callable[..., Any]:
    def refused(*args: object, **kwargs: object) -> Any:
        pytest.fail(f"{nodeid} {what} but is not marked e2e: add `@pytest.mark.e2e` (or module-level "
                    f"`pytestmark = pytest.mark.e2e`) so that `-m 'not e2e'` stays fast and offline", pytrace=False)  # fmt: skip

    return refused


@contextmanager
def _no_processes_or_servers(item: pytest.Item) -> Iterator[None]:
    """Unless the test is marked e2e: starting a process or listening on a socket fails the test."""
    if item.get_closest_marker("e2e") is not None:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "_execute_child", _refuse("starts a subprocess", item.nodeid))
        for name in ("fork", "forkpty", "system", "posix_spawn", "posix_spawnp"):
            if hasattr(os, name):
                patch.setattr(os, name, _refuse(f"calls os.{name}", item.nodeid))
        patch.setattr(socket.socket, "listen", _refuse("starts a server (listen)", item.nodeid))
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Fixture setup included: a module-scoped fixture is set up by the first test that asks for it."""
    with _no_processes_or_servers(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _no_processes_or_servers(item):
        return (yield)


# --- redis-server ---------------------------------------------------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free loopback port, run in `tmp_path/redis`; its URL. Stopped afterwards.

    Fails (never skips) when redis-server is not installed. Tests using it are e2e.
    """
    directory = tmp_path / "redis"
    directory.mkdir()
    with redis_server(directory) as url:
        yield url


# --- the replica ----------------------------------------------------------------------------------------------------


@contextmanager
def _replicas(workdir: Path) -> Iterator[Callable[..., RunningReplica]]:
    """`start(data_path, *options)` starts a replica under `workdir`; all are stopped on exit."""
    with ExitStack() as stack:

        def start(data: Path = KALTIM_DATA, *options: str) -> RunningReplica:
            replica = start_replica(data, workdir, *options)
            stack.callback(replica.stop)
            return replica

        yield start


@pytest.fixture
def replica_factory(tmp_path: Path) -> Iterator[Callable[..., RunningReplica]]:
    """Start replicas: `replica_factory(data_path, "--pagination", "query")`; all are stopped after the test."""
    with _replicas(tmp_path / "replica") as start:
        yield start


@pytest.fixture(scope="module")
def module_replica_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RunningReplica]]:
    """`replica_factory` for module-scoped fixtures: the replicas it starts run until the module's last test."""
    with _replicas(tmp_path_factory.mktemp("replica")) as start:
        yield start


@pytest.fixture(scope="module")
def kaltim_replica(module_replica_factory: Callable[..., RunningReplica]) -> RunningReplica:
    """The Kalimantan Timur replica from the hand-written data file, shared by a test module."""
    return module_replica_factory(KALTIM_DATA)


# --- crawls ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., CrawlResult]:
    """Run `scrapy crawl <portal>` as a subprocess, exporting under a fresh temporary directory.

    `crawl("antara_kaltim", base_url=replica.base_url, arguments={"since": "2023-01-01"})`.
    """
    counter = iter(range(1_000_000))

    def run(portal: str, **kwargs: object) -> CrawlResult:
        return run_crawl(portal, tmp_path / f"exports-{next(counter)}", **kwargs)  # type: ignore[arg-type]

    return run
