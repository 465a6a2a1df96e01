"""Every directory the archiver writes, derived from the settings in one place.

    <ARCHIVE_EXPORTS_DIR>                          records and manifests, one folder per portal
    <ARCHIVE_WARC_DIR>    = <exports>/warc         WARC files, their CDXJ indexes, the revisit index
    <ARCHIVE_STATE_DIR>   = <exports>-state        a sibling: dedup state, frontier, validators, run locks
    <ARCHIVE_LOG_DIR>     = <state>/logs           one log file per `scrapy crawlall` run
    <ARCHIVE_DRIFT_DIR>   = <state>/drift          pages saved behind drift alarms
    <state>/runs, <state>/report.html              run summaries and the crawl report (crawler.monitoring.report)
    <state>/index.sqlite3                          the search index (`scrapy index`, crawler.store.index)
    <exports>/.locks                               run locks: one writer per portal's exports, whatever the state dir

An empty setting means its default. Bookkeeping lives beside the exports, not inside, so
that the exports tree holds only what a consumer reads: `exports/**/*.jsonl` is records.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Protocol

STATE_SUFFIX = "-state"
LEGACY_STATE_DIR_NAME = ".state"
"""Where the state lived inside the exports root before it moved beside it."""
LOG_DIR_NAME = "logs"
RUNS_DIR_NAME = "runs"
LOCKS_DIR_NAME = ".locks"
WARC_DIR_NAME = "warc"
DRIFT_DIR_NAME = "drift"
DEFAULT_EXPORTS_DIR = "exports"
REPORT_NAME = "report.html"
INDEX_NAME = "index.sqlite3"

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z")


class _Settings(Protocol):
    def get(self, name: str, default: Any = None) -> Any: ...


def exports_dir(settings: _Settings) -> Path:
    """ARCHIVE_EXPORTS_DIR (default `exports`)."""
    return Path(settings.get("ARCHIVE_EXPORTS_DIR") or DEFAULT_EXPORTS_DIR)


def _configured(settings: _Settings, name: str, default: Path) -> Path:
    configured = settings.get(name) or ""
    return Path(configured) if configured else default


def _under_exports(settings: _Settings, name: str, default: str) -> Path:
    return _configured(settings, name, exports_dir(settings) / default)


def state_beside(exports_root: Path) -> Path:
    """The default state directory of an exports root: its sibling `<name>-state`."""
    root = exports_root if exports_root.name else exports_root.absolute()
    return root.with_name(root.name + STATE_SUFFIX)


def state_dir(settings: _Settings) -> Path:
    """ARCHIVE_STATE_DIR, or `<exports>-state` beside the exports root."""
    return _configured(settings, "ARCHIVE_STATE_DIR", state_beside(exports_dir(settings)))


def warc_dir(settings: _Settings) -> Path:
    """ARCHIVE_WARC_DIR, or `<exports>/warc`."""
    return _under_exports(settings, "ARCHIVE_WARC_DIR", WARC_DIR_NAME)


def log_dir(settings: _Settings) -> Path:
    """ARCHIVE_LOG_DIR, or `<state>/logs`."""
    return _configured(settings, "ARCHIVE_LOG_DIR", state_dir(settings) / LOG_DIR_NAME)


def drift_dir(settings: _Settings) -> Path:
    """ARCHIVE_DRIFT_DIR, or `<state>/drift`."""
    return _configured(settings, "ARCHIVE_DRIFT_DIR", state_dir(settings) / DRIFT_DIR_NAME)


def report_path(settings: _Settings) -> Path:
    """The crawl report (crawler.monitoring.report.page): `<state>/report.html`."""
    return state_dir(settings) / REPORT_NAME


def index_path(settings: _Settings) -> Path:
    """The search index (crawler.store.index): `<state>/index.sqlite3`."""
    return state_dir(settings) / INDEX_NAME


def runs_dir(state_root: Path) -> Path:
    """Run summaries: `<state>/runs`."""
    return state_root / RUNS_DIR_NAME


def legacy_bookkeeping(settings: _Settings) -> list[Path]:
    """Bookkeeping an earlier version kept inside the exports root (`.state`, `.runs`, `.logs`, `drift`, report)."""
    root = exports_dir(settings)
    names = (LEGACY_STATE_DIR_NAME, ".runs", ".logs", DRIFT_DIR_NAME, REPORT_NAME)
    return [root / name for name in names if (root / name).exists()]


def locks_dir(exports_root: Path) -> Path:
    """Run locks of an exports root: `<exports>/.locks` (with the files they guard, not in the state dir)."""
    return exports_root / LOCKS_DIR_NAME


def within(root: Path, *names: str) -> Path:
    """`root / names...`, where every name must be one plain file name (no separator, no `..`, no control
    character): a path built from a portal name, an argument or a URL part can never leave its root.
    """
    for name in names:
        if not _PLAIN_NAME.match(name):
            raise ValueError(f"{name!r} cannot name a file or directory under {root}")
    return root.joinpath(*names)


class SymlinkRefused(OSError):
    """A symlink where the archiver writes; the message is one line."""


def refuse_symlinks(root: Path, path: Path) -> None:
    """Raise `SymlinkRefused` if `path` or any directory between `root` and it is a symlink (`root` may be one).

    A symlink planted in the exports, state or WARC directory would redirect a write outside them.
    """
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            raise SymlinkRefused(f"refusing to follow the symlink {current} (under {root})")


def first_symlink(*roots: Path) -> Path | None:
    """The first symlink found anywhere under `roots` (the roots themselves may be symlinks), or None."""
    for root in roots:
        for directory, dirs, files in os.walk(root):  # os.walk never descends into a symlinked directory
            for name in (*dirs, *files):
                if os.path.islink(os.path.join(directory, name)):
                    return Path(directory, name)
    return None


def symlink_problem(settings: _Settings) -> str | None:
    """One line naming a symlink under the exports, state or WARC directory, or None when there is none."""
    found = first_symlink(exports_dir(settings), state_dir(settings), warc_dir(settings))
    if found is None:
        return None
    return f"refusing to run: {found} is a symlink (nothing under the exports, state or WARC dir may be one)"
