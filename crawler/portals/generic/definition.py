"""`GenericPortalDefinition`: a portal row whose article URLs follow no known pattern.

Identity of a generic article (record id `<portal>:<stable id>`):

1. the `id` group of the row's `article_path_pattern` when a preset declares one;
2. else the last path segment that is a numeric id of at least 5 digits, alone
   (`/read/2024/03/05/12345678/slug`), before a slug (`/read/news/412345-judul.html`) or
   after a one-letter prefix (`/d-7212345/judul`); date segments (`2024`, `03`) are shorter
   and never count;
3. else the first 12 hex digits of sha256 of the normalised path (`tribunkaltim:3f0c...`).

The normalised path drops the query, the fragment, a trailing slash, `index.html`, an
`/amp` prefix and an `/amp` suffix, so AMP copies, `?page=all` and `utm_*` links of one
article share its id. Hosts never enter the id: a mirror or a `www.`/`m.` host gives the
same id as the real host.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from crawler.portals.base import PortalDefinition

_NUMERIC_SEGMENT = re.compile(r"^(?:[a-z]-)?(?P<id>\d{5,})(?:-[^/]*)?(?:\.html?)?$")
_AMP_PREFIX = re.compile(r"^/amp(?=/)")
_AMP_SUFFIX = re.compile(r"/amp/?$")
HASH_DIGITS = 12
"""Hex digits of the path hash: 48 bits, collision-free for any one portal's archive."""


def page_path(url: str) -> str:
    """The path of the desktop page: no query, fragment or `/amp` prefix/suffix (a trailing slash stays)."""
    path = re.sub(r"/{2,}", "/", urlsplit(url).path or "/")
    return _AMP_SUFFIX.sub("/", _AMP_PREFIX.sub("", path)) or "/"


def normalised_path(url: str) -> str:
    """The identity path of `url`: `page_path` without a trailing slash or `index.html`."""
    path = page_path(url).removesuffix("/index.html").removesuffix("/index.htm").rstrip("/")
    return path or "/"


def path_id(path: str) -> str:
    """Numeric id of the path (rule 2) or its short hash (rule 3)."""
    for segment in reversed(path.strip("/").split("/")):
        match = _NUMERIC_SEGMENT.match(segment)
        if match:
            return match.group("id")
    return hashlib.sha256(path.encode()).hexdigest()[:HASH_DIGITS]


@dataclass(frozen=True)
class GenericPortalDefinition(PortalDefinition):
    """A portal parsed by the generic page object and crawled with automatic discovery."""

    article_path_pattern: str = ""
    """Optional regex on the normalised path with an `id` group (a preset's known URL form); empty = rules 2-3."""
    discovery: str = "auto"
    listing_paths: tuple[str, ...] = ("/",)
    feed_paths: tuple[str, ...] = ()

    @cached_property
    def _preset_path_re(self) -> re.Pattern[str] | None:
        return re.compile(self.article_path_pattern) if self.article_path_pattern else None

    def article_id(self, url: str) -> str | None:
        """The stable article id of `url` (see the module docstring); None for the home page."""
        path = normalised_path(url)
        if path == "/":
            return None
        if self._preset_path_re is not None:
            match = self._preset_path_re.match(path)
            if match:
                return match.group("id")
        return path_id(path)

    def desktop_path(self, url: str) -> str | None:
        return None if normalised_path(url) == "/" else page_path(url)

    def is_own_host(self, url: str) -> bool:
        """The portal's host, its aliases, and their `www.`/`m.` forms."""
        host = urlsplit(url).netloc.lower()
        bare = {_bare(self.host), *(_bare(alias) for alias in self.alias_hosts)}
        return host == self.host or host in self.alias_hosts or _bare(host) in bare


def _bare(host: str) -> str:
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host
