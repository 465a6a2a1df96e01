"""WARC files on disk: names, exclusive creation, durable appends and torn-tail repair.

A file is `<portal>-<YYYYMMDD>-<seq>.warc.gz` (UTC day the file was opened, sequence from
00001). Files are created with O_EXCL, so a run never overwrites a file of an earlier run,
and are held under an exclusive `flock` while open, so the repair of another process never
touches a file that is still being written. A file is *finished* once its CDXJ index exists
beside it; a file without one was left by a crash and is repaired on the next start.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

from crawler.durable import fsync_dir, write_all

WARC_SUFFIX = ".warc.gz"
_NAME = re.compile(r"^(?P<prefix>.+)-(?P<day>\d{8})-(?P<seq>\d{5,})\.warc\.gz$")
_GZIP_WBITS = zlib.MAX_WBITS | 16
_CHUNK = 1 << 20


def warc_name(prefix: str, day: str, seq: int) -> str:
    return f"{prefix}-{day}-{seq:05d}{WARC_SUFFIX}"


def cdxj_path(warc: Path) -> Path:
    """The CDXJ index beside `warc`: `<name>.cdxj` for `<name>.warc.gz`."""
    return warc.with_name(warc.name.removesuffix(WARC_SUFFIX) + ".cdxj")


def warc_files(directory: Path, prefix: str | None = None) -> list[Path]:
    """WARC files in `directory` (of one prefix if given), oldest name first."""
    found = []
    for path in directory.glob(f"*{WARC_SUFFIX}"):
        match = _NAME.match(path.name)
        if match and (prefix is None or match.group("prefix") == prefix):
            found.append((match.group("day"), int(match.group("seq")), path))
    return [path for _, _, path in sorted(found)]


def today() -> str:
    return datetime.now(UTC).strftime("%Y%m%d")


class OpenWarc:
    """A WARC file being written: each `append` is in the file (whole) on return; fsync is separate.

    `size` is the end of the last record written, `synced` the end of the last one fsynced
    (`crawler.warc.durability` runs the fsyncs; `close` does a last one).
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.size = 0
        self.synced = 0

    @classmethod
    def create(cls, directory: Path, prefix: str, day: str) -> OpenWarc:
        directory.mkdir(parents=True, exist_ok=True)
        seq = _last_sequence(directory, prefix, day)
        while True:
            seq += 1
            path = directory / warc_name(prefix, day, seq)
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
                fd = os.open(path, flags, 0o644)
            except FileExistsError:
                continue  # another process took this number between our listing and our create
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fsync_dir(directory)  # the new name itself must survive a crash
            return cls(path, fd)

    def append(self, *members: bytes) -> int:
        """Write the records' gzip members in order; return the offset of the first.

        Unbuffered writes: once this returns, a kill -9 of the process cannot lose them.
        """
        offset = self.size
        try:
            for member in members:
                write_all(self.fd, member)
        except OSError:
            # A failed write (disk full) must not leave half a record for the next one to follow.
            os.ftruncate(self.fd, offset)
            raise
        self.size += sum(len(member) for member in members)
        return offset

    def sync(self) -> None:
        os.fsync(self.fd)
        self.synced = self.size

    def close(self) -> None:
        if self.fd >= 0:
            self.sync()
            os.close(self.fd)  # also releases the flock
            self.fd = -1


def _last_sequence(directory: Path, prefix: str, day: str) -> int:
    matches = (_NAME.match(path.name) for path in directory.glob(f"*{WARC_SUFFIX}"))
    return max(
        (int(m.group("seq")) for m in matches if m and (m.group("prefix"), m.group("day")) == (prefix, day)), default=0
    )


def lock_if_idle(path: Path) -> int | None:
    """An fd holding `path`'s exclusive lock, or None when a live writer holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def complete_length(path: Path) -> int:
    """Length of the longest prefix of `path` made of whole gzip members, each one whole WARC record.

    Records are written as one gzip member each, so a write cut short by a crash shows as a
    member without its gzip trailer (or a record shorter than its Content-Length).
    """
    good = position = 0
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    content = bytearray()
    with path.open("rb") as handle:
        pending = b""
        while pending or (pending := handle.read(_CHUNK)):
            try:
                content += decompressor.decompress(pending)
            except zlib.error:
                return good
            position += len(pending) - len(decompressor.unused_data)
            pending = decompressor.unused_data
            if decompressor.eof:
                if not is_whole_record(bytes(content)):
                    return good
                good = position
                content = bytearray()
                decompressor = zlib.decompressobj(_GZIP_WBITS)
    return good


def is_whole_record(content: bytes) -> bool:
    """Whether `content` is one uncompressed WARC record with as many bytes as it announces."""
    end = content.find(b"\r\n\r\n")
    if not content.startswith(b"WARC/") or end < 0:
        return False
    for line in content[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(content) == end + 4 + int(value) + 4 and content.endswith(b"\r\n\r\n")
    return False


def cut_torn_tail(path: Path, quarantine_dir: Path) -> tuple[int, Path | None]:
    """Move whatever follows the last whole record of `path` into a quarantine file.

    Returns the number of bytes moved and the quarantine file (None when the file was whole).
    A file left with no whole record stays, empty, so that its sequence number is never reused.
    """
    size = path.stat().st_size
    good = complete_length(path)
    if good == size:
        return 0, None
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / f"{path.name}.{good}.torn"
    with path.open("rb") as source, target.open("wb") as sink:
        source.seek(good)
        while chunk := source.read(_CHUNK):
            sink.write(chunk)
        sink.flush()
        os.fsync(sink.fileno())
    # Only now that the tail is safe elsewhere is it cut from the WARC file.
    with path.open("r+b") as handle:
        handle.truncate(good)
        handle.flush()
        os.fsync(handle.fileno())
    return size - good, target
