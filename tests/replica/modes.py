"""Optional behaviours of the replica for politeness and monitoring tests, as server middlewares.

Each mode is one `ReplicaConfig` field and one middleware, switched on from the command line:

* `--rate-limit PATH=SECONDS`: the first request for PATH is answered `429 Too Many Requests`
  with `Retry-After: SECONDS`; later requests are served normally.
* `--robots-disallow PREFIX` (repeatable): robots.txt disallows PREFIX for every agent.
* `--crawl-delay SECONDS`: robots.txt asks every agent for this `Crawl-delay`.
* `--credits-class NAME`: a template that changed silently under the parser: article pages
  print the credit block (`p.text-muted.mt-2.small`) with `class="NAME"`, and its labels as
  `<span class="label">Pewarta</span> AHM`, without the colon (a renamed class alone is
  still found by the parser's credit-text rule).
* `--conditional`: ETag / Last-Modified on every page and `304 Not Modified` for a request
  whose validators match (`tests.replica.conditional`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from tests.replica.conditional import ConditionalGet
from tests.replica.config import ReplicaConfig
from tests.replica.render_pages import render_robots

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.replica.model import SiteData
    from tests.replica.server import Dispatch, Middleware, Reply, Request

CREDITS_BLOCK = re.compile(r'<p class="text-muted mt-2 small">(?P<inner>.*?)</p>', re.S)
CREDIT_LABEL = re.compile(r"\b(?P<label>Pewarta|Editor|Penerjemah|Fotografer|Reporter|Translator)\s*:\s*")


def modes_for(config: ReplicaConfig, data: Callable[[], SiteData] | None = None) -> tuple[Middleware, ...]:
    """The middlewares of the modes `config` switches on, outermost first (`data`: the site being served)."""
    chain: list[Middleware] = []
    if config.conditional and data is not None:
        # Outermost mode: validators are computed over the page exactly as the other modes serve it.
        chain.append(ConditionalGet(data))
    if config.rate_limit:
        chain.append(RateLimitOnce(*config.rate_limit))
    if config.robots_disallow:
        chain.append(lambda request, forward: disallow_in_robots(request, forward, config.robots_disallow))
    if config.crawl_delay is not None:
        chain.append(lambda request, forward: crawl_delay_in_robots(request, forward, config.crawl_delay or 0.0))
    if config.credits_class:
        chain.append(lambda request, forward: rename_credits(request, forward, config.credits_class or ""))
    return tuple(chain)


class RateLimitOnce:
    """429 + Retry-After for the first request of one path (thread-safe: handlers run in threads)."""

    def __init__(self, path: str, seconds: int) -> None:
        self.path, self.seconds = path, seconds
        self._done = False
        self._lock = threading.Lock()

    def __call__(self, request: Request, forward: Dispatch) -> Reply:
        from tests.replica.server import Reply

        with self._lock:
            limited = request.path == self.path and not self._done
            self._done = self._done or limited
        if limited:
            body = b"rate limited\n"
            return Reply(429, body, "text/plain; charset=utf-8", (("Retry-After", str(self.seconds)),))
        return forward(request)


def disallow_in_robots(request: Request, forward: Dispatch, prefixes: tuple[str, ...]) -> Reply:
    if request.path != "/robots.txt":
        return forward(request)
    from tests.replica.server import Reply

    allow_all = render_robots(f"http://{request.host}")
    rules = "".join(f"Disallow: {prefix}\n" for prefix in prefixes)
    return Reply(200, allow_all.replace("Allow: /\n", rules, 1).encode(), "text/plain; charset=utf-8")


def crawl_delay_in_robots(request: Request, forward: Dispatch, seconds: float) -> Reply:
    reply = forward(request)
    if request.path != "/robots.txt" or reply.status != 200:
        return reply
    body = reply.body.decode("utf-8").replace("User-agent: *\n", f"User-agent: *\nCrawl-delay: {seconds}\n", 1)
    return replace(reply, body=body.encode("utf-8"))


def rename_credits(request: Request, forward: Dispatch, new_class: str) -> Reply:
    reply = forward(request)
    if "/berita/" not in request.path or reply.status != 200:
        return reply

    def changed(match: re.Match[str]) -> str:
        inner = CREDIT_LABEL.sub(r'<span class="label">\g<label></span> ', match["inner"])
        return f'<p class="{new_class}">{inner}</p>'

    return replace(reply, body=CREDITS_BLOCK.sub(changed, reply.body.decode("utf-8")).encode("utf-8"))
