"""No symlink under the exports, state or WARC directory is followed: the run refuses in one line, writes nothing.

After a first crawl, a symlink pointing outside the archive is planted in turn at a partition
file, a year directory, the WARC directory, the lock file, the run-summary file and the
dedup state; each time `scrapy crawl` (and `scrapy crawlall`) must exit 1 with one stderr line
naming the link, and the file outside must be untouched. With the link gone, the run works again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_FAILURE
from crawler.paths import SymlinkRefused, refuse_symlinks, state_beside
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica, run_crawl

PORTAL = "antara_kaltim"


def _plants(exports: Path) -> dict[str, Callable[[Path], Path]]:
    """Where a link is planted: name -> plant(outside dir) returning the link."""

    def partition(outside: Path) -> Path:
        link = sorted((exports / PORTAL).rglob("*.jsonl"))[-1]
        shutil.copy(link, outside / "partition.jsonl")
        link.unlink()
        link.symlink_to(outside / "partition.jsonl")
        return link

    def year(outside: Path) -> Path:
        link = sorted(p for p in (exports / PORTAL).iterdir() if p.is_dir())[-1]
        shutil.copytree(link, outside / "year")
        shutil.rmtree(link)
        link.symlink_to(outside / "year", target_is_directory=True)
        return link

    def replace_with_link(relative: str, *, directory: bool = False, root: Path = exports) -> Callable[[Path], Path]:
        def plant(outside: Path) -> Path:
            link = root / relative
            target = outside / link.name
            if link.is_dir():
                shutil.copytree(link, target)
                shutil.rmtree(link)
            elif link.exists():
                shutil.copy(link, target)
                link.unlink()
            else:
                target.write_text("outside\n")
            link.symlink_to(target, target_is_directory=directory)
            return link

        return plant

    return {
        "partition": partition,
        "year": year,
        "warc": replace_with_link("warc", directory=True),
        "lock": replace_with_link(".locks/antara_kaltim.lock"),
        "summary": replace_with_link("runs/latest/antara_kaltim.json", root=state_beside(exports)),
        "dedup": replace_with_link("dedup.sqlite3", root=state_beside(exports)),
    }


def _command(command: str, base_url: str, exports: Path) -> list[str]:
    line = [sys.executable, "-m", "scrapy", command, PORTAL, "-a", f"base_url={base_url}"]
    for name, value in {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports)}.items():
        line += ["-s", f"{name}={value}"]
    return line


@pytest.mark.e2e
def test_symlinks_under_the_archive_are_refused(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    exports = tmp_path / "exports"
    first = run_crawl(PORTAL, exports, base_url=kaltim_replica.base_url)
    assert first.process.returncode == 0, first.process.stderr[-3000:]
    for name, plant in _plants(exports).items():
        outside = tmp_path / f"outside-{name}"
        outside.mkdir()
        link = plant(outside)
        before = {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()}
        for command in ("crawl", "crawlall"):
            done = subprocess.run(_command(command, kaltim_replica.base_url, exports), cwd=ROOT, capture_output=True,
                                  text=True, timeout=120)  # fmt: skip
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            assert done.returncode == EXIT_FAILURE, f"{name}/{command}: {done.stderr[-2000:]}"
            assert len(lines) == 1 and str(link) in lines[0] and "symlink" in lines[0], f"{name}/{command}: {lines}"
        assert {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()} == before, name
        # Put the real thing back where the link was.
        target = link.resolve()
        link.unlink()
        shutil.move(str(target), str(link))
    again = run_crawl(PORTAL, exports, base_url=kaltim_replica.base_url)
    assert again.process.returncode == 0, again.process.stderr[-3000:]


def test_refuse_symlinks_checks_every_component_below_the_root(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    root = tmp_path / "root"
    (root / "portal").mkdir(parents=True)
    (root / "portal" / "2024").symlink_to(tmp_path / "outside", target_is_directory=True)
    refuse_symlinks(root, root / "portal" / "2023" / "2023-01.jsonl")  # not there yet: nothing to follow
    with pytest.raises(SymlinkRefused, match="2024"):
        refuse_symlinks(root, root / "portal" / "2024" / "2024-01.jsonl")
