"""An unreachable portal is reported as unreachable with its cause, in one line, without tracebacks.

Each cause is real: a name under `.invalid` (RFC 2606: never resolves), a loopback port
nobody listens on, TLS spoken to the replica's plain-HTTP port, and a socket that accepts
connections into its backlog but never answers. The exit code is EXIT_UNREACHABLE; the
"listing markup changed?" hint is kept for runs that fetched and parsed listing pages.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.exitcodes import EXIT_UNHEALTHY, EXIT_UNREACHABLE
from crawler.paths import state_beside
from tests.replica.harness import CrawlResult, RunningReplica, run_crawl

pytestmark = pytest.mark.e2e

PORTAL = "antara_kaltim"
NO_PROXY = {name: "" for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
QUICK = {"RETRY_TIMES": "1", "DOWNLOAD_TIMEOUT": "2"}


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that completes TCP handshakes (kernel backlog) and never sends a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _summary(result: CrawlResult) -> dict[str, Any]:
    return json.loads((state_beside(result.exports_dir) / "runs" / "latest" / f"{PORTAL}.json").read_text(encoding="utf-8"))


def _crawl(tmp_path: Path, base_url: str) -> CrawlResult:
    return run_crawl(PORTAL, tmp_path / "exports", base_url=base_url, settings=QUICK, env=NO_PROXY)


def _assert_unreachable(result: CrawlResult, cause: str) -> None:
    stderr = result.process.stderr
    assert result.process.returncode == EXIT_UNREACHABLE, stderr[-3000:]
    lines = [line for line in result.stderr_lines if "UNREACHABLE" in line or "unreachable" in line.lower()]
    reported = [line for line in lines if "ERROR: UNREACHABLE" in line]
    assert len(reported) == 1 and cause in reported[0], lines
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "markup" not in stderr
    summary = _summary(result)
    assert [p["check"] for p in summary["problems"]] == ["unreachable"]
    assert cause in summary["requests"]["unreachable"]
    assert "IgnoreRequest" not in summary["requests"]["errors"]


def test_host_name_that_does_not_resolve(tmp_path: Path) -> None:
    result = _crawl(tmp_path, "http://portal.invalid")
    _assert_unreachable(result, "portal.invalid: the host name does not resolve")


def test_connection_refused(tmp_path: Path) -> None:
    port = _closed_port()
    _assert_unreachable(_crawl(tmp_path, f"http://127.0.0.1:{port}"), f"127.0.0.1:{port}: the connection was refused")


def test_tls_handshake_fails(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    result = _crawl(tmp_path, f"https://127.0.0.1:{kaltim_replica.port}")
    _assert_unreachable(result, f"127.0.0.1:{kaltim_replica.port}: the TLS handshake failed")


def test_every_request_times_out(tmp_path: Path, silent_port: int) -> None:
    _assert_unreachable(_crawl(tmp_path, f"http://127.0.0.1:{silent_port}"), f"127.0.0.1:{silent_port}: timed out")


def test_markup_hint_only_when_listing_pages_were_parsed(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    """Every listing answers 404: the portal is reachable, nothing was parsed, so no markup guess."""
    result = _crawl(tmp_path, f"{kaltim_replica.base_url}/nosuch")
    assert result.process.returncode == EXIT_UNHEALTHY, result.process.stderr[-3000:]
    problems = _summary(result)["problems"]
    assert [p["check"] for p in problems] == ["links"]
    assert "markup" not in problems[0]["message"] and "http_404" in problems[0]["message"], problems
    assert "Traceback" not in result.process.stderr


def test_warnings_only_for_what_the_user_can_act_on(tmp_path: Path) -> None:
    """No warning about a feature that is off by default; one about the placeholder contact URL sent to a real host."""
    result = _crawl(tmp_path, "http://portal.invalid")
    warnings = [line for line in result.stderr_lines if "] WARNING: " in line]
    assert len(warnings) == 1 and "portal.invalid gets the placeholder contact URL" in warnings[0], warnings
    assert "ARCHIVE_CONTACT_URL" in warnings[0]


def test_no_contact_warning_for_the_local_replica(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    result = run_crawl(PORTAL, tmp_path / "exports", base_url=kaltim_replica.base_url, env=NO_PROXY)
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    assert [line for line in result.stderr_lines if "] WARNING: " in line] == []
