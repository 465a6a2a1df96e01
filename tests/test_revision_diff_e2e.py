"""Revision diffs end to end: articles edited on the replica between two real crawls, the second with `-a refresh=1`.

Same pattern as `tests/test_dedup_e2e.py` (one export root, the replica re-reads its data
file when it changes): the revision records carry the exact diff, the unchanged articles
export nothing, and `scrapy verify` passes over the archive with its revision chains.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.replica.data import write_file
from tests.replica.harness import KALTIM_DATA, ROOT, RunningReplica, run_crawl

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy verify`

PORTAL = "antara_kaltim"


def test_edited_articles_carry_the_exact_diff(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    doc = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    data, exports = tmp_path / "data.json", tmp_path / "exports"
    write_file(data, doc)
    replica = replica_factory(data)
    first = run_crawl(PORTAL, exports, base_url=replica.base_url)
    assert first.process.returncode == 0, first.process.stderr[-3000:]
    assert all(r["revision_diff"] is None for r in first.records)

    articles = {a["id"]: a for a in doc["articles"]}
    drugs = articles[64120]  # headline corrected, first paragraph extended, last one replaced by a new one
    drugs["title"] = "Polresta Samarinda ungkap peredaran sabu 2,1 kilogram"
    drugs["paragraphs"][0] += " Barang bukti disita dari sebuah rumah kontrakan."
    drugs["paragraphs"][2] = "Polisi juga menyita tiga telepon genggam dan uang tunai yang diduga hasil penjualan."
    graft = articles[28113]  # a paragraph inserted, and the publication date corrected into the month before
    graft["paragraphs"].insert(2, "Kepala desa itu menjabat sejak 2019 dan telah diperiksa sebanyak tiga kali.")
    graft["published"] = "2025-10-31T20:15"
    write_file(data, doc)
    refreshed = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments={"refresh": "1"})
    assert refreshed.process.returncode == 0, refreshed.process.stderr[-3000:]

    revisions = {r["id"]: r for r in refreshed.records if r["revision"] > 0}
    assert sorted(revisions) == [f"{PORTAL}:28113", f"{PORTAL}:64120"]
    assert revisions[f"{PORTAL}:64120"]["revision_diff"] == {
        "title_changed": True, "paragraphs_added": 1, "paragraphs_removed": 1, "paragraphs_changed": 1,
    }  # fmt: skip
    assert revisions[f"{PORTAL}:28113"]["revision_diff"] == {
        "title_changed": False, "paragraphs_added": 1, "paragraphs_removed": 0, "paragraphs_changed": 0,
    }  # fmt: skip
    assert revisions[f"{PORTAL}:28113"]["published_at"].startswith("2025-10-31")
    assert all(not r["warnings"] for r in revisions.values())
    stderr = refreshed.process.stderr
    assert "'archive/dedup/previous_found': 2" in stderr
    assert "'archive/dedup/previous_other_month': 1" in stderr  # the moved one was found in November's file
    assert "archive/dedup/previous_missing" not in stderr
    command = [sys.executable, "-m", "scrapy", "verify", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]
    verified = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
