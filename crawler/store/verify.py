"""Check the JSONL archive against its manifests and the record schema (`scrapy verify`).

For every portal directory: every partition file is listed in the manifest and vice versa;
size, sha256 and line count match the manifest entry; every line is one JSON object that
validates against `crawler/article.schema.json`, names this portal and sits in the
partition of its publication month; each (id, revision) occurs once, and each article's
revisions run 0, 1, 2, ... with `previous_hash` chaining to the content hash before it.
A run in progress may have appended bytes that its manifest does not count yet: those are
checked only when no run holds the portal's lock. Distributed workers' files
(`<YYYY-MM>.<worker>.jsonl`, each worker with its own `manifest.<worker>.json` and lock)
are one archive: every check above runs over all of them together, so an article stored
by two workers is a problem.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from crawler.schema import schema_problems
from crawler.store.layout import Manifest, PartitionEntry, manifest_name, partition_files, partition_of, worker_of
from crawler.store.lock import LockedError, acquire

Versions = dict[str, dict[int, tuple[str, str | None]]]
"""id -> revision -> (content_hash, previous_hash)."""


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    records: int = 0


def verify(root: Path, portals: Sequence[str] | None = None) -> Report:
    report = Report()
    names = portals or sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for portal in names:
        # Run locks live under the exports root whatever the state directory (`crawler.store.lock`).
        _verify_portal(root / portal, portal, root, report)
    return report


def _verify_portal(directory: Path, portal: str, root: Path, report: Report) -> None:
    if not directory.is_dir():
        report.problems.append(f"{portal}: no export directory {directory}")
        return
    try:
        manifests = Manifest.load_all(directory)
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{portal}: a manifest is unreadable: {exc}")
        return
    # A file belongs to the manifest its name points at (`worker_of`); any other listing is wrong.
    entries = {name: entry for m in manifests for name, entry in m.partitions.items() if worker_of(name) == m.worker}
    report.problems += [f"{portal}/{name}: listed in {manifest_name(m.worker)}, which is not its writer's"
                        for m in manifests for name in sorted(m.partitions) if worker_of(name) != m.worker]  # fmt: skip
    on_disk, listed = set(partition_files(directory)), set(entries)
    report.problems += [f"{portal}/{name}: not in {manifest_name(worker_of(name))}"
                        for name in sorted(on_disk - listed)]  # fmt: skip
    report.problems += [f"{portal}/{name}: in {manifest_name(worker_of(name))} but missing"
                        for name in sorted(listed - on_disk)]  # fmt: skip
    versions: Versions = {}
    for name in sorted(on_disk & listed):
        worker = worker_of(name)
        idle = _idle(root, f"{portal}.{worker}" if worker else portal)
        _verify_file(directory, name, entries[name], idle, versions, report)
    _verify_revisions(portal, versions, report)
    quarantined = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.quarantine-*"))
    report.notes += [f"{portal}/{name}: torn line quarantined by crash recovery" for name in quarantined]


def _idle(root: Path, lock: str) -> bool:
    """Whether no run holds the portal's (or the portal worker's) lock (probed by taking and releasing it)."""
    try:
        acquire(root, lock).release()
    except LockedError:
        return False
    return True


def _verify_file(
    directory: Path, name: str, entry: PartitionEntry, idle: bool, versions: Versions, report: Report
) -> None:
    where = f"{directory.name}/{name}"
    data = (directory / name).read_bytes()
    if len(data) != entry.bytes and (idle or len(data) < entry.bytes):
        report.problems.append(f"{where}: {len(data)} bytes, manifest says {entry.bytes}")
    data = data[: entry.bytes]
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        report.problems.append(f"{where}: sha256 differs from the manifest")
    if data and not data.endswith(b"\n"):
        report.problems.append(f"{where}: last line is incomplete")
    lines = data.split(b"\n")[:-1]
    if len(lines) != entry.records:
        report.problems.append(f"{where}: {len(lines)} lines, manifest says {entry.records} records")
    report.files += 1
    for number, line in enumerate(lines, 1):
        report.records += 1
        for problem in _line_problems(line, directory.name, name, versions):
            report.problems.append(f"{where}:{number}: {problem}")


def _line_problems(line: bytes, portal: str, name: str, versions: Versions) -> list[str]:
    try:
        record: Any = json.loads(line)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(record, dict):
        return ["not a JSON object"]
    problems = [f"schema: {f}: {m}" for f, m in schema_problems(record)]
    if record.get("portal") != portal:
        problems.append(f"portal {record.get('portal')!r} in the {portal} directory")
    if partition_of(record, worker_of(name)) != name:
        problems.append(f"belongs in {partition_of(record, worker_of(name))} by published_at")
    record_id, revision = record.get("id"), record.get("revision")
    if isinstance(record_id, str) and isinstance(revision, int):
        seen = versions.setdefault(record_id, {})
        if revision in seen:
            problems.append(f"{record_id} revision {revision} stored twice")
        seen[revision] = (str(record.get("content_hash")), record.get("previous_hash"))
    return problems


def _verify_revisions(portal: str, versions: Versions, report: Report) -> None:
    for record_id, revisions in sorted(versions.items()):
        numbers = sorted(revisions)
        if numbers != list(range(len(numbers))):
            report.problems.append(f"{portal}: {record_id} has revisions {numbers}, not 0..{len(numbers) - 1}")
            continue
        for number in numbers:
            content_hash, previous_hash = revisions[number]
            expected = revisions[number - 1][0] if number else None
            if previous_hash != expected:
                report.problems.append(f"{portal}: {record_id} revision {number} previous_hash does not chain")
            elif number and content_hash == expected:
                report.problems.append(f"{portal}: {record_id} revision {number} repeats the content of {number - 1}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.store.verify", description=__doc__.split("\n")[0])
    parser.add_argument("portals", nargs="*", help="portal directories to check (default: all)")
    parser.add_argument("--exports", type=Path, default=Path("exports"), help="ARCHIVE_EXPORTS_DIR")
    args = parser.parse_args(argv)
    # Nothing to check is a usage error (EXIT_CONFIG, as `scrapy verify`), not a broken archive.
    if missing := [name for name in args.portals or [""] if not (args.exports / name).is_dir()]:
        sys.stderr.write(f"verify: error: no exports under {args.exports} for {', '.join(missing) or 'any portal'}\n")
        return EXIT_CONFIG
    return report_and_exit_code(verify(args.exports, args.portals))


def report_and_exit_code(report: Report) -> int:
    for line in report.notes:
        sys.stderr.write(f"note: {line}\n")
    for line in report.problems:
        sys.stderr.write(f"problem: {line}\n")
    verdict = f"{len(report.problems)} problems" if report.problems else "ok"
    sys.stdout.write(f"verify: {verdict}; {report.files} files, {report.records} records checked\n")
    return EXIT_FAILURE if report.problems else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
