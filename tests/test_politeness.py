"""Politeness against the replica: Retry-After pauses the host, robots.txt is obeyed, the User-Agent names a contact.

The replica's test modes (`tests/replica/modes.py`) answer the first `/robots.txt` with 429
and `Retry-After: 2`, or disallow one article in robots.txt. robots.txt is the one request a
crawl makes alone (every other request waits for it), so "the next request" is well defined;
with several requests in flight, ones sent before the 429 arrived would blur the measure.
Timing is read from the replica's access log (`received`: when a request arrived; `time`:
when its reply was written); the Retry-After check is a lower bound (a slow machine only
makes the gap longer).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.settings import Settings

import crawler.settings as project_settings
from crawler.middlewares.retry_after import parse_retry_after
from crawler.middlewares.useragent import contact_user_agent
from crawler.paths import state_beside
from crawler.scheduling.politeness import apply_backfill_politeness
from tests.replica.harness import KALTIM_DATA, RunningReplica, run_crawl, trap_proxy_env

PORTAL = "antara_kaltim"
RETRY_AFTER_SECONDS = 2
# The 429's `time` is taken just after its reply was written, so the client may have it a moment earlier.
LOG_CLOCK_SLACK_SECONDS = 0.01


def _at(record: dict[str, str], key: str) -> datetime:
    return datetime.fromisoformat(record[key])


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_retry_after_delays_the_next_request_to_the_host(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    replica = replica_factory(KALTIM_DATA, "--rate-limit", f"/robots.txt={RETRY_AFTER_SECONDS}")
    settings = {"ARCHIVE_MAX_LISTING_PAGES": "1"}
    result = run_crawl(PORTAL, tmp_path / "exports", base_url=replica.base_url, settings=settings,
                       env=trap_proxy_env(replica))  # fmt: skip
    requests = replica.requests()
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    limited = next(i for i, r in enumerate(requests) if r["status"] == 429)
    answered = _at(requests[limited], "time")
    later = sorted(_at(r, "received") for r in requests[limited + 1 :])
    gap = (later[0] - answered).total_seconds()
    print(f"429 with Retry-After {RETRY_AFTER_SECONDS}: next request arrived {gap:.3f} s later")  # noqa: T201
    assert gap >= RETRY_AFTER_SECONDS - LOG_CLOCK_SLACK_SECONDS
    assert requests[limited + 1]["path"] == "/robots.txt" and requests[limited + 1]["status"] == 200, "not retried"
    assert len(result.records) > 0
    assert "Retry-After" in result.process.stderr and "pausing the host" in result.process.stderr


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_robots_disallow_is_respected(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    data = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    banned = max(data["articles"], key=lambda a: a["published"])["id"]
    replica = replica_factory(KALTIM_DATA, "--robots-disallow", f"/berita/{banned}")
    result = run_crawl(PORTAL, tmp_path / "exports", base_url=replica.base_url, env=trap_proxy_env(replica))
    requests = replica.requests()
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    assert requests[0]["path"] == "/robots.txt"
    assert not [r for r in requests if r["path"].startswith(f"/berita/{banned}")]
    exported = {r["id"] for r in result.records}
    assert f"{PORTAL}:{banned}" not in exported and len(exported) == len(data["articles"]) - 1
    summary = json.loads((state_beside(tmp_path / "exports") / "runs" / "latest" / f"{PORTAL}.json").read_text())
    assert summary["requests"]["errors"].get("robots_forbidden", 0) >= 1


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_user_agent_names_the_contact_url(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    replica = replica_factory(KALTIM_DATA)
    contact = "https://ops.example.org/archive-contact"
    settings = {"ARCHIVE_MAX_LISTING_PAGES": "1", "ARCHIVE_CONTACT_URL": contact}
    result = run_crawl(PORTAL, tmp_path / "exports", base_url=replica.base_url, settings=settings,
                       env=trap_proxy_env(replica))  # fmt: skip
    agents = {r["user_agent"] for r in replica.requests()}
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    assert agents == {f"regional-news-archiver/0.1 (+{contact})"}


def test_retry_after_values() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None and parse_retry_after(b"soon") is None


def test_backfills_get_the_slower_delay_unless_set_explicitly() -> None:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    apply_backfill_politeness(settings, {})
    assert settings.getfloat("DOWNLOAD_DELAY") == project_settings.DOWNLOAD_DELAY
    apply_backfill_politeness(settings, {"since": "2024-01-01"})
    assert settings.getfloat("DOWNLOAD_DELAY") == project_settings.ARCHIVE_BACKFILL_DOWNLOAD_DELAY_SECONDS
    explicit = Settings()
    explicit.setmodule(project_settings, priority="project")
    explicit.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    apply_backfill_politeness(explicit, {"since": "2024-01-01"})
    assert explicit.getfloat("DOWNLOAD_DELAY") == 0


def test_default_user_agent_and_politeness_settings() -> None:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    assert project_settings.ARCHIVE_CONTACT_URL in contact_user_agent(settings)
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.get("ROBOTSTXT_PARSER").endswith("ProtegoRobotParser")
    assert settings.getbool("AUTOTHROTTLE_ENABLED") and settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2


CRAWL_DELAY_SECONDS = 0.25


@pytest.mark.e2e
def test_robots_crawl_delay_spaces_every_request(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    """Crawl-delay wins over the smaller configured delay (0 here): no two requests closer than it (lower bound)."""
    replica = replica_factory(KALTIM_DATA, "--crawl-delay", str(CRAWL_DELAY_SECONDS))
    result = run_crawl(PORTAL, tmp_path / "exports", base_url=replica.base_url, env=trap_proxy_env(replica))
    requests = replica.requests()
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    assert requests[0]["path"] == "/robots.txt"
    arrivals = sorted(_at(r, "received") for r in requests[1:])
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert len(gaps) > 10 and min(gaps) >= CRAWL_DELAY_SECONDS - LOG_CLOCK_SLACK_SECONDS, sorted(gaps)[:5]
    assert f"'archive/politeness/crawl_delay_seconds': {CRAWL_DELAY_SECONDS}" in result.process.stderr
