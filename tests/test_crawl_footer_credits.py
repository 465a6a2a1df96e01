"""Issue 13 end to end: a replica of banten serving the older template as real pages print it.

Era `post-content-footer` (`tests/replica/render_article.py`): photo box and pull quote in
`header.post-header`, `&nbsp;` in a `<br><br>` body, the credits and copyright in
`footer.post-meta > div.tags-wrapper`, tags printed with `#`, and dates with no zone
label. A real `scrapy crawl antara_banten -a base_url=...` must export every article once
with every field as `tests.replica.expected` derives it from the data file.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.replica.data import load_file
from tests.replica.expected import expected_records
from tests.replica.harness import DATA_DIR, run_crawl, start_replica, trap_proxy_env

PORTAL = "antara_banten"
DATA = DATA_DIR / "antara_banten_footer.json"


@pytest.mark.e2e
def test_footer_credit_era_is_crawled_with_every_field_right(tmp_path: Path) -> None:
    replica = start_replica(DATA, tmp_path / "replica")
    try:
        result = run_crawl(PORTAL, tmp_path / "exports", base_url=replica.base_url, env=trap_proxy_env(replica))
    finally:
        replica.stop()
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    expected = expected_records(load_file(DATA))
    counts = Counter(record["id"] for record in result.records)
    assert sorted(counts.items()) == [(record_id, 1) for record_id in sorted(expected)]
    for record in result.records:
        want = expected[record["id"]]
        diff = {k: (v, record.get(k)) for k, v in want.items() if record.get(k) != v}
        assert diff == {}, json.dumps(diff, ensure_ascii=False, indent=1)
        assert record["layout"] == "antara/post-content"
        assert record["copyright"] and record["reporters"], record["id"]  # the credits outside the body were found
