"""Spider arguments are validated once, with one-line messages."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.arguments import ArgumentError, CrawlArguments
from crawler.exitcodes import EXIT_CONFIG
from crawler.paths import within
from tests.replica.harness import ROOT


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


# --- names and unknown arguments: refused before anything runs (issue 15, item 2 and 8) -------------------------
def _spider(name: str) -> type:
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    return SpiderLoader.from_settings(get_project_settings()).load(name)


@pytest.mark.parametrize(
    ("portal", "kwargs", "problem"),
    [
        ("antara_kaltim", {"name": "../../../outside/x"}, "unknown argument 'name'"),
        ("antara_kaltim", {"name": "zzz"}, "unknown argument 'name'"),
        ("antara_kaltim", {"registry_portal": "x"}, "unknown argument 'registry_portal'"),
        ("antara_kaltim", {"foo": "bar"}, "accepted: base_url, since, until, refresh"),
        ("portal", {"base_url": "https://example.org", "name": "evil\n"}, "must be lower-case"),
        ("portal", {"base_url": "https://example.org", "name": "../x"}, "must be lower-case"),
        ("portal", {"base_url": "https://example.org", "name": "a" * 65}, "must be lower-case"),
        ("portal", {"base_url": "https://example.org", "name": "antara_kaltim"}, "registry portal's name"),
        ("portal", {"base_url": "https://example.org", "foo": "1"}, "accepted: base_url, name, since"),
    ],
)
def test_names_and_unknown_arguments_refused(portal: str, kwargs: dict[str, str], problem: str) -> None:
    with pytest.raises(ArgumentError, match=re.escape(problem)) as info:
        _spider(portal).validate_arguments(**kwargs)
    assert "\n" not in str(info.value)


def test_accepted_names_and_scrapyd_job() -> None:
    _spider("antara_kaltim").validate_arguments(base_url="http://127.0.0.1:1", _job="abc123")
    _spider("portal").validate_arguments(base_url="https://example.org", name="a" * 64)


@pytest.mark.parametrize("name", ["..", ".", "a/b", "", "x\n", "/etc", "a\x00b", ".hidden"])
def test_paths_built_from_names_stay_inside_their_root(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="cannot name"):
        within(tmp_path, "latest", name)
    assert within(tmp_path, "latest", "antara_kaltim.json") == tmp_path / "latest" / "antara_kaltim.json"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("command", "needle"),
    [
        (["crawl", "antara_kaltim", "-a", "name=../../../outside/x"], "unknown argument 'name'"),
        (["crawl", "antara_kaltim", "-a", "foo=bar"], "accepted: base_url, since, until, refresh"),
        (["crawl", "antara_kaltim", "-a", "registry_portal=x"], "unknown argument 'registry_portal'"),
        (["crawl", "portal", "-a", "base_url=http://127.0.0.1:9", "-a", "name=evil\n"], "must be lower-case"),
        (["crawl", "portal", "-a", "base_url=http://127.0.0.1:9", "-a", "name=antara_kaltim"], "registry portal"),
        (["crawlall", "antara_kaltim", "-a", "name=../../../outside/x"], "unknown argument 'name'"),
    ],
)
def test_bad_names_refused_by_the_commands(tmp_path: Path, command: list[str], needle: str) -> None:
    exports = tmp_path / "exports"
    done = subprocess.run([sys.executable, "-m", "scrapy", *command, "-s", f"ARCHIVE_EXPORTS_DIR={exports}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == EXIT_CONFIG, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], lines
    assert not exports.exists() and not (tmp_path / "outside").exists()


def test_scrapy_remote_control_is_off() -> None:
    """Scrapy 2.19 would open a code-executing HTTP port and write a job file into ~: never in an unattended archiver."""
    from scrapy.exceptions import NotConfigured
    from scrapy.extensions.remote_control import RemoteControl
    from scrapy.utils.project import get_project_settings

    crawler = SimpleNamespace(settings=get_project_settings())  # all it reads before it would start a server
    with pytest.raises(NotConfigured):
        RemoteControl.from_crawler(crawler)  # type: ignore[arg-type]
