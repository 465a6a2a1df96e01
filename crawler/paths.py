"""Every directory the archiver writes, derived from the settings in one place.

    <ARCHIVE_EXPORTS_DIR>                          records and manifests, one folder per portal
    <ARCHIVE_WARC_DIR>    = <exports>/warc         WARC files, their CDXJ indexes, the revisit index
    <ARCHIVE_STATE_DIR>   = <exports>-state        a sibling: dedup state, frontier, validators, run locks
    <ARCHIVE_LOG_DIR>     = <state>/logs           one log file per `scrapy crawlall` run
    <ARCHIVE_DRIFT_DIR>   = <state>/drift          pages saved behind drift alarms
    <state>/runs, <state>/report.html              run summaries and the crawl report (crawler.monitoring.report)

An empty setting means its default. Bookkeeping lives beside the exports, not inside, so
that the exports tree holds only what a consumer reads: `exports/**/*.jsonl` is records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

STATE_SUFFIX = "-state"
LEGACY_STATE_DIR_NAME = ".state"
"""Where the state lived inside the exports root before it moved beside it."""
LOG_DIR_NAME = "logs"
RUNS_DIR_NAME = "runs"
WARC_DIR_NAME = "warc"
DRIFT_DIR_NAME = "drift"
DEFAULT_EXPORTS_DIR = "exports"
REPORT_NAME = "report.html"


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


def runs_dir(state_root: Path) -> Path:
    """Run summaries: `<state>/runs`."""
    return state_root / RUNS_DIR_NAME


def legacy_bookkeeping(settings: _Settings) -> list[Path]:
    """Bookkeeping an earlier version kept inside the exports root (`.state`, `.runs`, `.logs`, `drift`, report)."""
    root = exports_dir(settings)
    names = (LEGACY_STATE_DIR_NAME, ".runs", ".logs", DRIFT_DIR_NAME, REPORT_NAME)
    return [root / name for name in names if (root / name).exists()]
