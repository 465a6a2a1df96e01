"""An over-size body is one warning line and a count (`archive/faults/oversize`), never an ERROR traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.replica.harness import RunningReplica, run_crawl


@pytest.mark.e2e
def test_over_size_bodies_are_one_warning_each(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    # Every replica page is larger than 3,000 bytes: each one is cut off by DOWNLOAD_MAXSIZE.
    result = run_crawl("antara_kaltim", tmp_path / "exports", base_url=kaltim_replica.base_url,
                       settings={"DOWNLOAD_MAXSIZE": "3000", "DOWNLOAD_WARNSIZE": "0"})  # fmt: skip
    stderr = result.process.stderr
    assert "Traceback" not in stderr and " ERROR: Error downloading" not in stderr, stderr[-3000:]
    warnings = [line for line in stderr.splitlines() if "larger than download max size" in line]
    counted = int(re.search(r"'archive/faults/oversize': (\d+)", stderr)[1])  # type: ignore[index]
    assert counted >= 1 and len(warnings) == counted, (counted, warnings)
