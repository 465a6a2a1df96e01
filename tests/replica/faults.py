"""Fault injection for the replica (`--faults SEED`): a flaky, misconfigured portal, reproducible from a seed.

One middleware, placed right after the proxy refusal in the server's chain. Faults are
*transient*: they hit an article or page the first time it is asked for (429 bursts: a run
of consecutive requests), and the same request is served normally afterwards, so that a
retry, or a follow-up run for what a run could not retry, recovers the article. The plan
depends only on the seed and the data file, never on timing or request order (except
which requests fall into a 429 burst; how many do is fixed):

* rate faults on the first request of any page but robots.txt, drawn per path from
  `sha256(seed, path)`: 5 % `500`/`502`/`503`, 2 % a hang past the crawler's download
  timeout (`--faults-hang-seconds`), 1 % a truncated body (the connection closes before
  the announced `Content-Length`);
* `BURSTS` bursts of `BURST_LENGTH` consecutive `429 Too Many Requests` with `Retry-After: 1`,
  starting at request numbers drawn from the seed;
* one article each (drawn from the seed, never one already hit by a rate fault) served on
  its first request as: a redirect loop (`/berita/<id>/<slug>` -> `...?loop=1` -> back);
  a redirect to another domain; windows-1252 bytes declared UTF-8 (header and `<meta>`);
  UTF-8 bytes declared windows-1252; windows-1252 bytes with no charset anywhere; an empty
  `200`; a `200` HTML error page ("Halaman tidak ditemukan"); a gzip bomb (`Content-Encoding:
  gzip`, a few tens of KB inflating to `BOMB_BYTES`).

Every injected fault is one JSON line `{"fault", "target"}` in `--faults-log`, so tests can
compare what was injected with what the crawler's stats say it survived.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import zlib
from collections import Counter
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tests.replica.data import DataStore
from tests.replica.render_pages import render_not_found

if TYPE_CHECKING:
    from tests.replica.config import ReplicaConfig
    from tests.replica.model import Article
    from tests.replica.server import Dispatch, Reply, Request

RATES = (("http_5xx", 0.05), ("hang", 0.02), ("truncated", 0.01))
"""Share of first requests per rate fault, drawn in this order from one uniform number per path."""
STATUSES = (500, 502, 503)
BURSTS, BURST_LENGTH, BURST_WINDOW = 2, 3, (20, 120)
"""Number of 429 bursts, requests per burst, and the request numbers they may start at."""
SINGLE_FAULTS = (
    "redirect_loop",
    "offsite_redirect",
    "charset_cp1252_as_utf8",
    "charset_utf8_as_cp1252",
    "charset_missing",
    "empty_200",
    "error_page_200",
    "gzip_bomb",
)
OFFSITE_ORIGIN = "http://offsite.invalid"
"""Where the offsite redirect points: `.invalid` never resolves, and the trap proxy logs any attempt."""
BOMB_BYTES = 64 * 1024 * 1024
"""Inflated size of the gzip bomb: four times Scrapy's default DOWNLOAD_MAXSIZE (16 MiB)."""
_ARTICLE = re.compile(r"^(?:/amp)?/berita/(?P<id>\d+)(?:/|$)")
_LOOP = re.compile(r"[?&]loop=1$")
_META_CHARSET = re.compile(rb'<meta charset="[^"]*">', re.IGNORECASE)


def faults_for(config: ReplicaConfig) -> FaultInjector | None:
    return FaultInjector(config) if config.faults_seed is not None else None


class FaultInjector:
    """The fault middleware (thread-safe: the server answers each request in its own thread)."""

    def __init__(self, config: ReplicaConfig) -> None:
        assert config.faults_seed is not None
        self.seed = config.faults_seed
        self.hang_seconds = config.faults_hang_seconds
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self._count = 0
        rng = random.Random(self.seed)
        self._bursts = sorted(rng.sample(range(*BURST_WINDOW), BURSTS))
        self._store = DataStore(config.data, portal=config.portal)
        self.single = self._plan_single(self._store.get().articles, rng)
        """Article id -> its single fault."""
        self._log: IO[str] | None = config.faults_log.open("a", encoding="utf-8") if config.faults_log else None

    def _plan_single(self, articles: tuple[Article, ...], rng: random.Random) -> dict[int, str]:
        # Charset faults go to articles with non-ASCII text, where a wrong decoding shows.
        free = [a for a in articles if self.rate_fault(f"/berita/{a.id}") is None]
        rng.shuffle(free)
        free.sort(key=lambda a: not _has_non_ascii(a))  # stable: the shuffle decides within each group
        charset = [f for f in SINGLE_FAULTS if f.startswith("charset")]
        others = [f for f in SINGLE_FAULTS if not f.startswith("charset")]
        chosen = free[: len(charset)] + rng.sample(free[len(charset) :], len(others))
        return {article.id: fault for article, fault in zip(chosen, charset + others, strict=True)}

    def rate_fault(self, key: str) -> str | None:
        """The rate fault planned for the first request of `key` (a path, or `/berita/<id>` for articles)."""
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        for fault, rate in RATES:
            if draw < rate:
                return fault
            draw -= rate
        return None

    def __call__(self, request: Request, forward: Dispatch) -> Reply:
        if request.path == "/robots.txt":
            return forward(request)
        match = _ARTICLE.match(request.path)
        key = f"/berita/{match['id']}" if match else request.target
        with self._lock:
            self._count += 1
            burst = any(start <= self._count < start + BURST_LENGTH for start in self._bursts)
            # A request answered by a burst does not use up the page's first request: its own
            # planned fault still comes, whatever the order of requests put it in a burst.
            self._hits[key] += 0 if burst else 1
            first = self._hits[key] == 1
        if burst:
            return self._inject("429_burst", request, _reply(429, b"too many requests\n", (("Retry-After", "1"),)))
        if match and _LOOP.search(request.target):  # the second leg of the loop always points back
            return self._inject("redirect_loop", request, _redirect(_LOOP.sub("", request.target)))
        single = self.single.get(int(match["id"])) if match else None
        if not first:
            return forward(request)
        if single:
            return self._single(single, request, key, forward)
        rate = self.rate_fault(key)
        return self._rate(rate, request, key, forward) if rate else forward(request)

    def _rate(self, fault: str, request: Request, key: str, forward: Dispatch) -> Reply:
        if fault == "http_5xx":
            status = STATUSES[hashlib.sha256(f"{self.seed}:status:{key}".encode()).digest()[0] % len(STATUSES)]
            return self._inject(f"http_{status}", request, _reply(status, b"<h1>server error</h1>\n"))
        if fault == "hang":
            self._note("hang", request)
            time.sleep(self.hang_seconds)
            return forward(request)  # written to a connection the crawler gave up on
        reply = forward(request)
        return self._inject("truncated", request, replace(reply, declared_length=len(reply.body) + 1000))

    def _single(self, fault: str, request: Request, key: str, forward: Dispatch) -> Reply:
        if fault == "redirect_loop":
            return self._inject(
                fault, request, _redirect(request.target + ("&" if "?" in request.target else "?") + "loop=1")
            )
        if fault == "offsite_redirect":
            return self._inject(fault, request, _redirect(OFFSITE_ORIGIN + request.target))
        if fault == "empty_200":
            return self._inject(fault, request, _reply(200, b""))
        if fault == "error_page_200":
            # The site's own 404 page, served with 200: what a CMS does when a lookup fails half-way.
            return self._inject(fault, request, _reply(200, render_not_found(self._store.get()).encode()))
        if fault == "gzip_bomb":
            return self._inject(fault, request, _reply(200, _bomb(), (("Content-Encoding", "gzip"),)))
        page = forward(request)
        text = page.body.decode("utf-8")
        if fault == "charset_utf8_as_cp1252":
            body, charset = _declare(page.body, "windows-1252"), "windows-1252"
        else:  # cp1252 bytes, declared UTF-8 or not at all; characters cp1252 lacks become character references
            body = text.encode("cp1252", errors="xmlcharrefreplace")
            body, charset = (body, "utf-8") if fault == "charset_cp1252_as_utf8" else (_META_CHARSET.sub(b"", body), "")
        content_type = f"text/html; charset={charset}" if charset else "text/html"
        return self._inject(fault, request, replace(page, body=body, content_type=content_type))

    def _inject(self, fault: str, request: Request, reply: Reply) -> Reply:
        self._note(fault, request)
        return reply

    def _note(self, fault: str, request: Request) -> None:
        if self._log is not None:
            with self._lock:
                self._log.write(json.dumps({"fault": fault, "target": request.target}) + "\n")
                self._log.flush()


def _reply(status: int, body: bytes, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    from tests.replica.server import Reply

    return Reply(status, body, headers=headers)


def _redirect(location: str) -> Reply:
    return _reply(302, b"", (("Location", location),))


def _declare(body: bytes, charset: str) -> bytes:
    return _META_CHARSET.sub(f'<meta charset="{charset}">'.encode(), body, count=1)


def _has_non_ascii(article: Article) -> bool:
    return any(not text.isascii() for text in (article.title, *article.paragraphs))


@cache
def _bomb() -> bytes:
    # Compressed in 1 MiB steps (wbits 31: a gzip stream): the inflated body never sits in memory.
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1024 * 1024)
    parts = [stream.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    return b"".join(parts) + stream.flush()


def read_log(path: Path) -> list[dict[str, str]]:
    """The injected faults, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
