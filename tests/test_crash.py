"""Crash safety: SIGKILL the real crawl at 20 random moments, restart each time; nothing lost, nothing doubled.

The moments are drawn from a seed that differs on every run of the test and is printed
(set ARCHIVE_CRASH_SEED to replay one). Half-way through, five articles of the replica
are edited and later runs use `-a refresh=1`, so kills also land while revisions are
written. After the last kill one run finishes normally, then one refresh run: every
article of the data file is then stored exactly once, plus one genuine revision for an
edited article stored before its edit; every line of every file parses; `scrapy verify` passes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.replica.data import write_file
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica, run_crawl
from tests.replica.synth import generate

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl` killed at random moments, `scrapy verify`

PORTAL = "antara_kaltim"
KILLS = 20
EDITED = 5
ADDED = " Redaksi menambahkan kalimat ini sebagai koreksi."


def _crawl_command(base_url: str, exports: Path, refresh: bool) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", PORTAL, "-a", f"base_url={base_url}"]
    if refresh:
        command += ["-a", "refresh=1"]
    for name, value in {**FAST_SETTINGS, "LOG_LEVEL": "WARNING", "ARCHIVE_EXPORTS_DIR": str(exports)}.items():
        command += ["-s", f"{name}={value}"]
    return command


def _kill_at(command: list[str], delay: float) -> bool:
    """Run `command`, SIGKILL it after `delay` seconds; whether it was still running then."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True


def _all_lines(exports: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((exports / PORTAL).rglob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], 1):
            try:
                records.append(json.loads(line))
            except ValueError as exc:  # pragma: no cover - the failure message is the point
                raise AssertionError(f"{path}:{number} does not parse: {exc}") from exc
    return records


def test_kill_nine_at_random_moments(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    seed = int(os.environ.get("ARCHIVE_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"crash test seed: {seed} (ARCHIVE_CRASH_SEED={seed} replays it)")
    rng = random.Random(seed)
    doc = generate(120, seed=3, page_size=20)
    data = tmp_path / "data.json"
    write_file(data, doc)
    replica = replica_factory(data)
    exports = tmp_path / "exports"
    edited: list[int] = []
    hits = 0
    for kill in range(KILLS):
        if kill == KILLS // 2:
            for article in rng.sample(doc["articles"], EDITED):
                article["paragraphs"][0] += ADDED
                edited.append(article["id"])
            write_file(data, doc)
        refresh = kill >= KILLS // 2 and kill % 2 == 0
        delay = rng.uniform(0.3, 4.0)
        started = time.monotonic()
        hits += _kill_at(_crawl_command(replica.base_url, exports, refresh), delay)
        print(f"kill {kill + 1}: after {delay:.2f}s (refresh={refresh}), {time.monotonic() - started:.2f}s")
    print(f"seed {seed}: {hits} of {KILLS} kills hit a running crawl")

    for arguments in ({}, {"refresh": "1"}):
        final = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments=arguments, timeout=180)
        assert final.process.returncode == 0, f"seed {seed}: {final.process.stderr[-3000:]}"

    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in _all_lines(exports):
        by_id[record["id"]].append(record)
    expected = {f"{PORTAL}:{a['id']}" for a in doc["articles"]}
    assert set(by_id) == expected, f"seed {seed}: missing {sorted(expected - set(by_id))[:5]}"
    edited_ids = {f"{PORTAL}:{i}" for i in edited}
    for record_id, records in by_id.items():
        records.sort(key=lambda r: r["revision"])
        hashes = [r["content_hash"] for r in records]
        assert len(set(hashes)) == len(hashes), f"seed {seed}: {record_id} stored twice with the same content"
        assert len(records) <= (2 if record_id in edited_ids else 1), f"seed {seed}: {record_id}: {len(records)}"
        assert (ADDED.strip() in records[-1]["body"]) == (record_id in edited_ids), f"seed {seed}: {record_id}"

    verified = subprocess.run([sys.executable, "-m", "scrapy", "verify", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert verified.returncode == 0, f"seed {seed}: {verified.stderr[-3000:]}"
