"""Spider arguments (`-a name=value`), validated once, before any request is made.

Arguments are not settings: they say what to crawl (where the portal is served, which
date range, whether to re-fetch stored articles). A bad value raises `ArgumentError`
with a one-line message; the `crawl` command turns it into exit code `EXIT_CONFIG`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class ArgumentError(ValueError):
    """A spider argument that cannot be used; the message is one line."""


@dataclass(frozen=True)
class CrawlArguments:
    base_url: str | None = None
    """Origin to fetch from instead of the portal's real host (mirror, replica)."""
    since: date | None = None
    """First publication date to archive (inclusive); turns the run into a backfill."""
    until: date | None = None
    """Last publication date to archive (inclusive)."""
    refresh: bool = False
    """Re-fetch articles already stored (to detect revisions)."""

    @classmethod
    def parse(
        cls,
        base_url: str | None = None,
        since: str | None = None,
        until: str | None = None,
        refresh: str | bool | None = None,
    ) -> CrawlArguments:
        args = cls(
            base_url=parse_base_url(base_url) if base_url is not None else None,
            since=parse_date("since", since) if since is not None else None,
            until=parse_date("until", until) if until is not None else None,
            refresh=parse_flag("refresh", refresh),
        )
        if args.since and args.until and args.until < args.since:
            raise ArgumentError(f"until={args.until} is before since={args.since}")
        return args

    def in_range(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def parse_base_url(value: str) -> str:
    """An http(s) origin with a host, without trailing slash, query or fragment."""
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ArgumentError(f"base_url {value!r} contains whitespace or control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ArgumentError(f"base_url {value!r} must start with http:// or https://")
    if not parts.hostname:
        raise ArgumentError(f"base_url {value!r} has no host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ArgumentError(f"base_url {value!r} must not carry credentials, a query or a fragment")
    try:
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError as exc:
        raise ArgumentError(f"base_url {value!r} has a bad port") from exc
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def parse_date(name: str, value: str) -> date:
    if not _ISO_DATE.match(value):
        raise ArgumentError(f"{name}={value!r} is not a date in YYYY-MM-DD form")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentError(f"{name}={value!r} is not a valid date: {exc}") from exc


def parse_flag(name: str, value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ArgumentError(f"{name}={value!r} must be 1/0, true/false or yes/no")
