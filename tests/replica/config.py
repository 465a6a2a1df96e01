"""How one replica process is set up: the command-line options as one frozen object."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReplicaConfig:
    """Options of one replica.

    Behaviour that later tests need (latency, fault injection from a seed, 429 with
    Retry-After, robots Disallow, conditional requests, a changed template) belongs here as
    new fields, each read by one small middleware or handler in `tests.replica.server`.
    """

    data: Path
    """The data file; re-read when it changes."""
    host: str = "127.0.0.1"
    port: int = 0
    """0 picks a free port; the bound port is printed as stdout's first line."""
    portal: str | None = None
    """Serve the data as this portal (`antara_kalbar`), overriding the file's portal name."""
    pagination: str | None = None
    """Override the data file's pager form: `path` (`/terkini/2`) or `query` (`/terkini?page=2`)."""
    page_size: int | None = None
    """Override the data file's listing page size."""
    access_log: Path | None = None
    """JSON Lines file receiving one record per request (method, target, host, status, ...)."""
    latency_ms: int = 0
    """Simulated network latency: every served reply waits this long first (distributed-mode tests, benchmarks)."""
    rate_limit: tuple[str, int] | None = None
    """(path, seconds): the first request for path gets 429 with Retry-After (`tests.replica.modes`)."""
    robots_disallow: tuple[str, ...] = ()
    """Path prefixes robots.txt disallows."""
    crawl_delay: float | None = None
    """robots.txt `Crawl-delay` (seconds) for every agent."""
    credits_class: str | None = None
    """Class printed on the article credit block instead of `text-muted mt-2 small` (a silent template change)."""
    conditional: bool = False
    """Honour conditional requests: ETag (body hash) and Last-Modified (newest article) on pages, 304 when matched."""
    faults_seed: int | None = None
    """Inject network and content faults planned from this seed (`tests.replica.faults`); None = a healthy site."""
    faults_hang_seconds: float = 4.0
    """How long an injected hang waits before answering: longer than the crawler's DOWNLOAD_TIMEOUT."""
    faults_log: Path | None = None
    """JSON Lines file receiving one `{"fault", "target"}` record per injected fault."""


def parse_args(argv: list[str] | None = None) -> ReplicaConfig:
    parser = argparse.ArgumentParser(prog="python -m tests.replica", description="Local replica of an ANTARA portal.")
    parser.add_argument("--data", type=Path, required=True, help="data file (JSON), re-read when it changes")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only in tests)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (printed on stdout)")
    parser.add_argument("--portal", help="serve as this portal, e.g. antara_kalbar")
    parser.add_argument("--pagination", choices=("path", "query"), help="pager link form")
    parser.add_argument("--page-size", type=int, help="entries per listing page")
    parser.add_argument("--access-log", type=Path, help="JSON Lines request log")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay every reply by this many milliseconds")
    parser.add_argument("--rate-limit", metavar="PATH=SECONDS", help="429 + Retry-After for the first request of PATH")
    parser.add_argument("--robots-disallow", metavar="PREFIX", action="append", default=[], help="robots.txt Disallow")
    parser.add_argument("--crawl-delay", type=float, metavar="SECONDS", help="robots.txt Crawl-delay")
    parser.add_argument("--credits-class", metavar="NAME", help="rename the article credit block's class")
    parser.add_argument("--conditional", action="store_true", help="ETag/Last-Modified on pages; 304 when they match")
    parser.add_argument("--faults", type=int, metavar="SEED", help="inject faults planned from SEED")
    parser.add_argument("--faults-hang-seconds", type=float, default=4.0, help="how long an injected hang lasts")
    parser.add_argument("--faults-log", type=Path, help="JSON Lines log of the injected faults")
    args = parser.parse_args(argv)
    rate_limit = None
    if args.rate_limit:
        path, _, seconds = args.rate_limit.partition("=")
        rate_limit = (path, int(seconds))
    return ReplicaConfig(
        data=args.data,
        host=args.host,
        port=args.port,
        portal=args.portal,
        pagination=args.pagination,
        page_size=args.page_size,
        access_log=args.access_log,
        latency_ms=args.latency_ms,
        rate_limit=rate_limit,
        robots_disallow=tuple(args.robots_disallow),
        crawl_delay=args.crawl_delay,
        credits_class=args.credits_class,
        conditional=args.conditional,
        faults_seed=args.faults,
        faults_hang_seconds=args.faults_hang_seconds,
        faults_log=args.faults_log,
    )
