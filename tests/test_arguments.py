"""Spider arguments are validated once, with one-line messages."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.arguments import ArgumentError, CrawlArguments


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://mirror.example.org/", "https://mirror.example.org"),
        ("https://archive.example.org/antara/kaltim/", "https://archive.example.org/antara/kaltim"),
    ],
)
def test_base_url_accepted(value: str, expected: str) -> None:
    assert CrawlArguments.parse(base_url=value).base_url == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("127.0.0.1:8000", "http:// or https://"),
        ("ftp://example.org", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http://", "no host"),
        ("http://example.org/?q=1", "query"),
        ("http://user:pw@example.org", "credentials"),
        ("http://example.org:99999", "bad port"),
        ("http://exa mple.org", "whitespace"),
        ("http://example.org/\x1b[31m", "control"),
    ],
)
def test_base_url_refused(value: str, problem: str) -> None:
    with pytest.raises(ArgumentError, match=problem.replace("/", "/")) as info:
        CrawlArguments.parse(base_url=value)
    assert "\n" not in str(info.value)


def test_dates_and_range() -> None:
    args = CrawlArguments.parse(since="2024-03-01", until="2024-03-31")
    assert (args.since, args.until) == (date(2024, 3, 1), date(2024, 3, 31))
    assert args.in_range(date(2024, 3, 1)) and args.in_range(date(2024, 3, 31))
    assert not args.in_range(date(2024, 2, 29)) and not args.in_range(date(2024, 4, 1))


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"since": "2024-13-01"}, "not a valid date"),
        ({"since": "01-03-2024"}, "YYYY-MM-DD"),
        ({"until": "yesterday"}, "YYYY-MM-DD"),
        ({"since": "2024-03-10", "until": "2024-03-01"}, "before since"),
        ({"refresh": "maybe"}, "refresh"),
    ],
)
def test_bad_dates_and_flags(kwargs: dict[str, str], problem: str) -> None:
    with pytest.raises(ArgumentError, match=problem):
        CrawlArguments.parse(**kwargs)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("0", False), (None, False)])
def test_refresh_flag(value: str | None, expected: bool) -> None:
    assert CrawlArguments.parse(refresh=value).refresh is expected
