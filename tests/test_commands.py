"""The commands speak one language: help texts with arguments, exit codes and examples; usage errors exit 64;
`scrapy parse URL` prints the record its portal's page object reads and writes nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.cmdline import execute

from crawler import exitcodes
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from tests.replica.harness import ROOT, RunningReplica, trap_proxy_env

COMMANDS = ("crawl", "crawlall", "reparse", "verify", "export", "resolve-initials", "parse", "changes", "index",
            "browse")
OPTIONS_ONLY = {"changes", "index", "browse"}  # no positional arguments: no Arguments section
CODES = {value for name, value in vars(exitcodes).items() if name.startswith("EXIT_")}
TITLES = {"Usage", "Options", "Global Options", "Exit codes", "Examples"}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """A Scrapy command in this process, from the repository root (as `scrapy ...` would be)."""
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exited:
        execute(["scrapy", *argv])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_arguments_exit_codes_and_examples(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run([command, "-h"], capsys, monkeypatch)
    assert code == EXIT_OK
    lines = out.splitlines()
    # Every underline belongs to a section title: no option help wrapped after a colon became a heading.
    titles = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) <= {"=", "-"}]
    assert all(t in TITLES or t.startswith(("Arguments", "Spider arguments")) for t in titles), titles
    assert {"Exit codes", "Examples"} <= set(titles), titles
    assert command in OPTIONS_ONLY or any(t.endswith(("rguments", ")")) for t in titles), titles
    codes_section = out.split("Exit codes\n==========\n", 1)[1].split("\n\n", 1)[0]
    listed = {int(m) for m in re.findall(r"^  (\d+) ", codes_section, re.M)}
    assert EXIT_OK in listed and listed <= CODES, codes_section
    examples = out.split("Examples\n========\n", 1)[1]
    assert f"scrapy {command}" in examples


@pytest.mark.parametrize("command", ["crawl", "verify"])
def test_under_the_console_script_help_and_errors_name_newsarchive(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.cli import main

    monkeypatch.chdir(tmp_path)  # anywhere: the console script needs no checkout
    for name in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT"):  # main() sets them: restored after the test
        monkeypatch.setenv(name, "")
    with pytest.raises(SystemExit) as exited:
        main([command, "-h"])
    out, _ = capsys.readouterr()
    assert exited.value.code == EXIT_OK
    assert f"  newsarchive {command} " in out.split("Usage\n=====\n", 1)[1].splitlines()[0]
    examples = out.split("Examples\n========\n", 1)[1]
    assert f"newsarchive {command}" in examples and "scrapy " not in examples
    with pytest.raises(SystemExit) as exited:
        main([command, "nosuch", "-s", f"ARCHIVE_EXPORTS_DIR={tmp_path}"])
    _, err = capsys.readouterr()
    assert exited.value.code == EXIT_CONFIG and err.startswith(f"newsarchive {command}: error: "), err


def test_the_reparse_option_help_is_not_a_heading(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _, out, _ = _run(["reparse", "-h"], capsys, monkeypatch)
    assert "Exports Root" not in out and "exports root to write to" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "nosuch"],
        ["export", "--format", "parquet", "nosuch"],
        ["resolve-initials", "nosuch"],
        ["crawl"],  # no portal named: a usage error, not argparse's 2
        ["crawl", "nosuch"],
        ["crawl", "-a"],  # a malformed command line
        ["reparse"],
        ["parse"],
        ["parse", "https://unknown-host.example/berita/1/x"],
        ["parse", "https://kaltim.antaranews.com/tag/banjir"],  # the portal's host, not an article URL
        ["browse", "--replay-url", "localhost:8080/archive"],  # not an http(s) URL: checked before serving
        ["browse", "--port", "0"],
        ["browse", "--port", "x"],
    ],
)
def test_usage_errors_exit_64_in_every_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "exports" / "antara_kaltim").mkdir(parents=True)
    code, _, err = _run([*argv, "-s", f"ARCHIVE_EXPORTS_DIR={tmp_path / 'exports'}"], capsys, monkeypatch)
    assert code == EXIT_CONFIG, err
    assert err.startswith(f"scrapy {argv[0]}: error: ") and err.count("\n") == 1, err


def test_verify_without_exports_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    code, _, err = _run(["verify", "-s", f"ARCHIVE_EXPORTS_DIR={tmp_path / 'none'}"], capsys, monkeypatch)
    assert code == EXIT_CONFIG and "no exports under" in err


# --- scrapy parse against the replica -----------------------------------------------------------------------------

ARTICLE = "https://kaltim.antaranews.com/berita/48213/pemprov-kaltim-siapkan-lahan-bandara-samarinda-baru"


def _parse(url: str, replica: RunningReplica, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "parse", url, "-a", f"base_url={replica.base_url}",
               "-s", f"ARCHIVE_EXPORTS_DIR={tmp_path / 'exports'}", *extra]  # fmt: skip
    env = {**os.environ, **trap_proxy_env(replica)}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.e2e
def test_parse_prints_the_record_and_writes_nothing(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    mark = kaltim_replica.mark()
    done = _parse(ARTICLE, kaltim_replica, tmp_path)
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    record = json.loads(done.stdout)
    assert record["id"] == "antara_kaltim:48213" and record["url"] == ARTICLE
    assert record["title"] == "Pemprov Kaltim siapkan lahan untuk Bandara Samarinda Baru"
    assert record["reporters"] == ["Arumanto"] and record["editors"] == ["Rahmad"]
    assert record["warc_file"] is None, "no WARC file was written"
    assert list(tmp_path.iterdir()) == [], "no exports, no state (run summary, report, dedup, frontier, lock)"
    paths = [r["path"] for r in kaltim_replica.requests(mark)]
    assert sorted(paths) == ["/berita/48213/pemprov-kaltim-siapkan-lahan-bandara-samarinda-baru", "/robots.txt"]
    assert done.stderr == "", "the record is the answer; the log only with -L"


@pytest.mark.e2e
def test_parse_of_a_missing_page_says_why_and_exits_1(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    done = _parse("https://kaltim.antaranews.com/berita/999999999/nothing-here", kaltim_replica, tmp_path)
    assert done.returncode == EXIT_FAILURE and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == "scrapy parse: no record: the page answered HTTP 404", done.stderr
    assert list(tmp_path.iterdir()) == []
