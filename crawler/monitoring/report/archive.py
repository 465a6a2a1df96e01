"""Articles per publication day and portal, counted from the export files, with a per-file cache.

Only the current months' partitions change between runs, so each file is re-read only when
its size or mtime changed; the cache lives in `<state>/runs/daycounts.json`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.durable import replace_atomically as write_atomic
from crawler.paths import runs_dir

logger = logging.getLogger(__name__)

CACHE_NAME = "daycounts.json"


def portal_dirs(exports_root: Path) -> list[Path]:
    """Portal directories: the subdirectories of the exports root holding a manifest (not `warc/`)."""
    if not exports_root.is_dir():
        return []
    return sorted(p for p in exports_root.iterdir() if p.is_dir() and any(p.glob("manifest*.json")))


def articles_per_day(exports_root: Path, state_root: Path) -> dict[str, Counter[str]]:
    """portal -> Counter of `YYYY-MM-DD` (local publication day as printed) -> records exported."""
    cache_path = runs_dir(state_root) / CACHE_NAME
    cache = _load(cache_path)
    fresh: dict[str, Any] = {}
    per_portal: dict[str, Counter[str]] = {}
    for directory in portal_dirs(exports_root):
        counts: Counter[str] = Counter()
        for path in sorted(directory.rglob("*.jsonl")):
            key = path.relative_to(exports_root).as_posix()
            stat = path.stat()
            entry = cache.get(key)
            if not entry or entry.get("size") != stat.st_size or entry.get("mtime_ns") != stat.st_mtime_ns:
                entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "days": _count_days(path)}
            fresh[key] = entry
            counts.update(entry["days"])
        if counts:
            per_portal[directory.name] = counts
    if fresh != cache:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_path, json.dumps(fresh, sort_keys=True))
    return per_portal


def _count_days(path: Path) -> dict[str, int]:
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                published = json.loads(line).get("published_at")
            except (ValueError, AttributeError):
                continue  # a torn line is the writer's business (quarantine); it counts nothing here
            if isinstance(published, str) and len(published) >= 10:
                counts[published[:10]] += 1
    return dict(counts)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
