"""Run summaries on disk: one JSON line per portal run in a file per UTC day, plus the latest run per portal.

Day files make retention a matter of deleting whole files, and appends from concurrent
processes (different portals) safe: each summary is one `write` of one line to a file
opened with O_APPEND.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.durable import replace_atomically as write_atomic
from crawler.paths import runs_dir, within

logger = logging.getLogger(__name__)

_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl$")


def record(state_root: Path, summary: dict[str, Any]) -> Path:
    """Append `summary` to today's history file and replace the portal's latest-run file; returns the latter."""
    directory = runs_dir(state_root)
    latest = within(directory, "latest", f"{summary['portal']}.json")
    latest.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(summary, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()
    day = str(summary["finished_at"])[:10]
    fd = os.open(directory / f"{day}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    write_atomic(latest, json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return latest


def day_files(state_root: Path) -> list[tuple[date, Path]]:
    directory = runs_dir(state_root)
    if not directory.is_dir():
        return []
    found = [(date.fromisoformat(m[1]), p) for p in directory.iterdir() if (m := _DAY_FILE.match(p.name))]
    return sorted(found)


def summaries(state_root: Path, *, newest_first: bool = False) -> Iterator[dict[str, Any]]:
    """Every stored run summary, oldest first (or newest first); unreadable lines are skipped with a warning."""
    files = day_files(state_root)
    for _, path in reversed(files) if newest_first else files:
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in reversed(lines) if newest_first else lines:
            try:
                yield json.loads(line)
            except ValueError:
                logger.warning("unreadable run summary line in %s", path)


def prune(state_root: Path, retention_days: int, *, today: date | None = None) -> list[Path]:
    """Delete day files older than `retention_days`; returns what was deleted."""
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=retention_days)
    removed = [path for day, path in day_files(state_root) if day < cutoff]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
