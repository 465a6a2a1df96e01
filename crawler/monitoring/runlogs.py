"""One log file per `scrapy crawlall` run, and their retention.

Files are `<ARCHIVE_LOG_DIR>/crawlall-<UTC time>-<pid>.log` (default directory
`<ARCHIVE_EXPORTS_DIR>/.logs`, hidden so that it is never taken for a portal). Rotation is
per run: every run starts a new file and deletes the files older than
ARCHIVE_LOG_RETENTION_DAYS, so no file grows without bound and no logrotate is needed.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

PREFIX = "crawlall-"


def new_log_file(directory: Path, *, now: datetime | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"{PREFIX}{stamp}-{os.getpid()}.log"


def prune_logs(directory: Path, retention_days: float, *, now: float | None = None) -> list[Path]:
    """Delete run logs last written more than `retention_days` ago; returns them."""
    if not directory.is_dir():
        return []
    cutoff = (now if now is not None else time.time()) - retention_days * 86400
    old = [p for p in directory.glob(f"{PREFIX}*.log") if p.stat().st_mtime < cutoff]
    for path in old:
        path.unlink(missing_ok=True)
    return old
