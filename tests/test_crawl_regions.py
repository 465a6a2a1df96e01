"""Other ANTARA regions end to end: the same shared page objects and discovery serve every row.

The replica serves the hand-written article set as three regions of three zones (WIB
Kalimantan Barat, WITA Sulawesi Selatan on the `makassar` host, WIT Papua); each crawl
must export every article once with the region's host, site name, copyright holder and
zone, exactly as `tests.replica.expected` derives them for that region.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.replica.data import load_file
from tests.replica.expected import expected_records
from tests.replica.harness import KALTIM_DATA, RunningReplica, run_crawl, trap_proxy_env

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`

REGIONS = ["antara_kalbar", "antara_sulsel", "antara_papua"]


@pytest.mark.parametrize("portal", REGIONS)
def test_region_crawl_exports_every_article_with_its_facts(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica], portal: str
) -> None:
    replica = replica_factory(KALTIM_DATA, "--portal", portal)
    result = run_crawl(portal, tmp_path / "exports", base_url=replica.base_url, env=trap_proxy_env(replica))
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    expected = expected_records(load_file(KALTIM_DATA, portal=portal))
    counts = Counter(record["id"] for record in result.records)
    assert sorted(counts.items()) == [(record_id, 1) for record_id in sorted(expected)]
    for record in result.records:
        want = expected[record["id"]]
        diff = {k: (v, record.get(k)) for k, v in want.items() if record.get(k) != v}
        assert diff == {}, json.dumps(diff, ensure_ascii=False, indent=1)
