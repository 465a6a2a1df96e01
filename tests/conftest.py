"""Shared pytest fixtures: the local portal replica (a subprocess on a free loopback port) and crawl runs.

Tests never contact a real site: the replica serves the portal from a data file on
127.0.0.1, and crawls are real `scrapy crawl` subprocesses pointed at it with `base_url`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Plain `pytest` (unlike `python -m pytest`) does not put the repository root on sys.path,
# and `tests` has no __init__.py; the replica package is imported as `tests.replica`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.replica.harness import KALTIM_DATA, CrawlResult, RunningReplica, run_crawl, start_replica  # noqa: E402


@pytest.fixture
def replica_factory(tmp_path: Path) -> Iterator[Callable[..., RunningReplica]]:
    """Start replicas: `replica_factory(data_path, "--pagination", "query")`; all are stopped afterwards."""
    started: list[RunningReplica] = []

    def start(data: Path = KALTIM_DATA, *options: str) -> RunningReplica:
        replica = start_replica(data, tmp_path / "replica", *options)
        started.append(replica)
        return replica

    yield start
    for replica in started:
        replica.stop()


@pytest.fixture(scope="module")
def kaltim_replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningReplica]:
    """The Kalimantan Timur replica from the hand-written data file, shared by a test module."""
    replica = start_replica(KALTIM_DATA, tmp_path_factory.mktemp("replica"))
    yield replica
    replica.stop()


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., CrawlResult]:
    """Run `scrapy crawl <portal>` as a subprocess, exporting under a fresh temporary directory.

    `crawl("antara_kaltim", base_url=replica.base_url, arguments={"since": "2023-01-01"})`.
    """
    counter = iter(range(1_000_000))

    def run(portal: str, **kwargs: object) -> CrawlResult:
        return run_crawl(portal, tmp_path / f"exports-{next(counter)}", **kwargs)  # type: ignore[arg-type]

    return run
