"""The replica's HTTP server: a route table of small handlers behind a chain of middlewares.

Handlers map (data, request, path match) to a `Reply`; middlewares wrap the whole
dispatch and are where later behaviour goes (latency, faults, rate limits, conditional
requests) without touching the handlers. Every request, including refused proxy requests,
is written to the access log, which is how tests see what a crawler asked for.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from tests.replica.config import ReplicaConfig
from tests.replica.data import DataStore
from tests.replica.faults import faults_for
from tests.replica.model import SiteData
from tests.replica.modes import modes_for
from tests.replica.render_article import render_amp, render_article
from tests.replica.render_pages import (
    listing_entries,
    render_home,
    render_listing,
    render_non_article,
    render_not_found,
    render_robots,
    render_rss,
    render_sitemap,
)

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """The request target as sent: a path, or an absolute URL / authority when used as a proxy."""
    host: str
    """The Host header."""
    path: str = "/"
    query: dict[str, list[str]] = field(default_factory=dict)
    received: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="microseconds"))
    """When the request was read (the access log's `time` is when its reply was written)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, names lower-cased (conditional requests read If-None-Match / If-Modified-Since)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()
    declared_length: int | None = None
    """Content-Length to announce instead of the body's (a truncated reply: the connection closes after the body)."""


Handler = Callable[[SiteData, Request, re.Match[str]], Reply]
Dispatch = Callable[[Request], Reply]
Middleware = Callable[[Request, Dispatch], Reply]


def html(status: int, text: str) -> Reply:
    return Reply(status, text.encode("utf-8"))


def not_found(data: SiteData) -> Reply:
    return html(404, render_not_found(data))


# --- handlers ----------------------------------------------------------------------------------


def _page_number(request: Request, match: re.Match[str]) -> int | None:
    """1-based page from `/<path>/<n>` or `?page=<n>` (both forms are served); None if malformed."""
    raw = match.group("page") or request.query.get("page", ["1"])[0]
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def home(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    return html(200, render_home(data))


def robots(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    return Reply(200, render_robots(f"http://{request.host}").encode(), "text/plain; charset=utf-8")


def sitemap(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    return Reply(200, render_sitemap(data).encode(), "application/xml; charset=utf-8")


def feed(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    section = match.group("section")
    if section == "terkini":
        articles, title = data.newest_first, "Berita Terkini"
    else:
        articles = [a for a in data.newest_first if a.section_slug == section]
        title = articles[0].section if articles else ""
    if not articles:
        return not_found(data)
    return Reply(200, render_rss(data, articles, title).encode(), "application/rss+xml; charset=utf-8")


def latest(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    page = _page_number(request, match)
    if page is None:
        return not_found(data)
    return html(200, render_listing(data, "/terkini", "Berita Terkini", listing_entries(data), page))


def section_listing(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    slug, page = match.group("section"), _page_number(request, match)
    entries = listing_entries(data, slug)
    if page is None or not entries:
        return not_found(data)
    return html(200, render_listing(data, f"/{slug}", entries[0].section, entries, page))


def article(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    """Desktop or AMP article; like the live site, any slug (or none) serves the article."""
    found = data.article(int(match.group("id")))
    if found is None:
        return not_found(data)
    render = render_amp if match.group("amp") else render_article
    return html(200, render(data, found))


def non_article(data: SiteData, request: Request, match: re.Match[str]) -> Reply:
    kind, page_id = match.group("kind"), int(match.group("id"))
    page = next((p for p in data.non_articles if p.kind == kind and p.id == page_id), None)
    return html(200, render_non_article(data, page)) if page else not_found(data)


ROUTES: tuple[tuple[re.Pattern[str], Handler], ...] = tuple(
    (re.compile(pattern), handler)
    for pattern, handler in (
        (r"^/$", home),
        (r"^/robots\.txt$", robots),
        (r"^/sitemap\.xml$", sitemap),
        (r"^/rss/(?P<section>[a-z0-9-]+)\.xml$", feed),
        (r"^/terkini(?:/(?P<page>\d+))?/?$", latest),
        (r"^(?P<amp>/amp)?/berita/(?P<id>\d+)(?:/[^/]*)?/?$", article),
        (r"^/(?P<kind>foto|video)/(?P<id>\d+)(?:/[^/]*)?/?$", non_article),
        (r"^/(?P<section>[a-z0-9-]+)(?:/(?P<page>\d+))?/?$", section_listing),
    )
)


# --- middlewares -----------------------------------------------------------------------------------


def refuse_proxy_requests(request: Request, forward: Dispatch) -> Reply:
    """A crawler told to use this server as its proxy must not reach other hosts; refuse and let the log tell."""
    if not request.target.startswith("/"):
        return Reply(403, b"the replica is not a proxy\n", "text/plain; charset=utf-8")
    return forward(request)


class Replica:
    """The served site: data store, routes and middleware chain, independent of the HTTP layer."""

    def __init__(self, config: ReplicaConfig, middlewares: tuple[Middleware, ...] | None = None) -> None:
        self.config = config
        self.store = DataStore(config.data, portal=config.portal)
        # Default chain: refuse proxying, then the optional test modes of `tests.replica.modes`.
        self.middlewares = (
            middlewares if middlewares is not None else (refuse_proxy_requests, *modes_for(config, self.data))
        )
        self._served: tuple[SiteData, SiteData] | None = None

    def data(self) -> SiteData:
        """The current data with the command-line overrides applied (cached per loaded file)."""
        data = self.store.get()
        if self._served is None or self._served[0] is not data:
            overrides: dict[str, Any] = {"pagination": self.config.pagination, "page_size": self.config.page_size}
            site = replace(data.site, **{k: v for k, v in overrides.items() if v is not None})
            self._served = (data, replace(data, site=site) if site != data.site else data)
        return self._served[1]

    def respond(self, request: Request) -> Reply:
        dispatch: Dispatch = self._route
        for middleware in reversed(self.middlewares):
            dispatch = _bind(middleware, dispatch)
        return dispatch(request)

    def _route(self, request: Request) -> Reply:
        data = self.data()
        for pattern, handler in ROUTES:
            match = pattern.match(request.path)
            if match:
                return handler(data, request, match)
        return not_found(data)


def _bind(middleware: Middleware, forward: Dispatch) -> Dispatch:
    return lambda request: middleware(request, forward)


# --- HTTP layer ---------------------------------------------------------------------------------------


class AccessLog:
    """JSON Lines, one flushed line per request, safe across handler threads."""

    def __init__(self, path: Path | None) -> None:
        self._handle: IO[str] | None = path.open("a", encoding="utf-8") if path else None
        self._lock = threading.Lock()

    def write(self, request: Request, status: int, size: int, user_agent: str) -> None:
        if self._handle is None:
            return
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "received": request.received,
            "method": request.method,
            "target": request.target,
            "host": request.host,
            "path": request.path,
            "status": status,
            "bytes": size,
            "user_agent": user_agent,
        }
        with self._lock:
            self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


class ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Tests restart replicas quickly on fresh ports; reuse avoids TIME_WAIT surprises.
    allow_reuse_address = True

    def __init__(self, replica: Replica, access_log: AccessLog) -> None:
        self.replica = replica
        self.access_log = access_log
        super().__init__((replica.config.host, replica.config.port), _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    server: ReplicaHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real portals; every reply has a Content-Length

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(with_body=False)

    def do_CONNECT(self) -> None:  # noqa: N802 (an https request sent through us as a proxy)
        self.close_connection = True
        self._serve(with_body=True)

    def do_POST(self) -> None:  # noqa: N802
        self.close_connection = True
        self._send(self._request(), Reply(405, b"", "text/plain"), with_body=False)

    def _request(self) -> Request:
        parts = urlsplit(self.path) if self.path.startswith("/") else None
        return Request(
            method=self.command,
            target=self.path,
            host=self.headers.get("Host", ""),
            path=parts.path if parts else "",
            query=parse_qs(parts.query) if parts else {},
            headers={name.lower(): value for name, value in self.headers.items()},
        )

    def _serve(self, *, with_body: bool) -> None:
        request = self._request()
        try:
            reply = self.server.replica.respond(request)
        except Exception:
            logger.exception("replica failed on %s", self.path)
            reply = Reply(500, b"replica error\n", "text/plain; charset=utf-8")
        try:
            self._send(request, reply, with_body=with_body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a hang injected by `tests.replica.faults` outlasted its timeout).
            self.close_connection = True
            logger.info("client went away before the reply to %s", self.path)

    def _send(self, request: Request, reply: Reply, *, with_body: bool) -> None:
        # Logged before the reply leaves: a client that reads the log right after its response
        # must find the request there.
        self.server.access_log.write(request, reply.status, len(reply.body), self.headers.get("User-Agent", ""))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(reply.declared_length or len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(reply.body)
        if reply.declared_length is not None:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        logger.debug("%s " + format, self.address_string(), *args)


def make_server(config: ReplicaConfig) -> ReplicaHTTPServer:
    """A bound (not yet serving) server; its port is `server.server_port`."""
    replica = Replica(config)
    injector = faults_for(config)
    if injector is not None:
        # Right after the proxy refusal: faults hit every page of the site, before any other mode.
        replica.middlewares = (*replica.middlewares[:1], injector, *replica.middlewares[1:])
    if config.latency_ms > 0:
        # Innermost: replies from the site pay it; a middleware answering on its own (proxy refusal) does not.
        replica.middlewares = (*replica.middlewares, simulated_latency(config.latency_ms / 1000))
    return ReplicaHTTPServer(replica, AccessLog(config.access_log))


def simulated_latency(seconds: float) -> Middleware:
    """Wait `seconds` before answering, as a distant portal would; handler threads wait side by side."""

    def delay(request: Request, forward: Dispatch) -> Reply:
        time.sleep(seconds)
        return forward(request)

    return delay
