"""Dedup across real runs: `scrapy crawl antara_kaltim` twice against the replica, which changes in between.

Each test serves its own copy of the data file; the replica re-reads it when it changes
(`tests.replica.data.write_file`), so a test can add or edit articles between two runs
that share one export root (and so one dedup state).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.replica.data import write_file
from tests.replica.harness import KALTIM_DATA, ROOT, CrawlResult, RunningReplica, run_crawl

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

PORTAL = "antara_kaltim"
ARTICLE_PATH = re.compile(r"^/(?:amp/)?berita/(\d+)")


def _data_copy(tmp_path: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> tuple[Path, dict[str, Any]]:
    doc = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    if edit:
        edit(doc)
    path = tmp_path / "data.json"
    write_file(path, doc)
    return path, doc


def _run(replica: RunningReplica, exports: Path, **arguments: str) -> tuple[CrawlResult, list[str]]:
    """The crawl result and the article ids requested from the replica during it."""
    mark = replica.mark()
    result = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments=arguments)
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    ids = [m[1] for r in replica.requests(mark) if (m := ARTICLE_PATH.match(urlsplit(r["target"]).path))]
    return result, ids


def _verify(exports: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "verify", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_second_run_fetches_and_exports_nothing_new(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    data, doc = _data_copy(tmp_path)
    replica = replica_factory(data)
    first, first_ids = _run(replica, tmp_path / "exports")
    second, second_ids = _run(replica, tmp_path / "exports")
    assert len(first.records) == len(doc["articles"]) and len(set(first_ids)) == len(doc["articles"])
    assert second.records == first.records  # nothing appended
    assert second_ids == [], "stored articles were fetched again"
    # The incremental stop ends the walk at the first all-stored listing page; whatever it met was skipped.
    assert "'archive/deltafetch/skipped': " in second.process.stderr
    assert _verify(tmp_path / "exports").returncode == 0


def test_next_run_exports_exactly_the_new_articles(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    full = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    # Published since the first run: the newest articles, at the top of the listing and the feed.
    held_back = [a["id"] for a in sorted(full["articles"], key=lambda a: a["published"])[-4:]]
    data, _ = _data_copy(tmp_path, lambda d: d.update(articles=[a for a in d["articles"] if a["id"] not in held_back]))
    replica = replica_factory(data)
    first, _ = _run(replica, tmp_path / "exports")
    write_file(data, full)
    second, second_ids = _run(replica, tmp_path / "exports")
    new = [r for r in second.records if r not in first.records]
    assert sorted(r["id"] for r in new) == sorted(f"{PORTAL}:{i}" for i in held_back)
    assert all(r["revision"] == 0 and r["previous_hash"] is None for r in new)
    assert sorted(map(int, second_ids)) == sorted(held_back), "only the new articles are fetched"
    assert Counter(r["id"] for r in second.records).most_common(1)[0][1] == 1


def test_an_edited_article_becomes_one_revision(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    data, doc = _data_copy(tmp_path)
    replica = replica_factory(data)
    first, _ = _run(replica, tmp_path / "exports")
    edited = doc["articles"][3]
    edited["paragraphs"][0] += " Kalimat ini ditambahkan redaksi sebagai koreksi."
    write_file(data, doc)
    plain, plain_ids = _run(replica, tmp_path / "exports")
    assert plain_ids == [] and plain.records == first.records, "without refresh nothing is re-fetched"
    refreshed, refreshed_ids = _run(replica, tmp_path / "exports", refresh="1")
    assert len(refreshed_ids) == len(doc["articles"])
    [revision] = [r for r in refreshed.records if r not in first.records]
    original = next(r for r in first.records if r["id"] == revision["id"])
    assert revision["id"] == f"{PORTAL}:{edited['id']}"
    assert (revision["revision"], revision["previous_hash"]) == (1, original["content_hash"])
    assert "sebagai koreksi." in revision["body"]
    stderr = refreshed.process.stderr
    assert f"'archive/dedup/dropped/unchanged': {len(doc['articles']) - 1}" in stderr
    again, _ = _run(replica, tmp_path / "exports", refresh="1")
    assert again.records == refreshed.records
    verified = _verify(tmp_path / "exports")
    assert verified.returncode == 0, verified.stderr
