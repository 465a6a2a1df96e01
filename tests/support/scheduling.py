"""A thread's Linux scheduling policy and niceness, read from /proc, for the tests of `crawler.runtime`."""

from __future__ import annotations

import threading
from pathlib import Path


def priority(task: Path) -> tuple[int, int]:
    """Policy and niceness of the thread `task` (/proc/<pid>/task/<tid>: fields 41 and 19 of its stat);
    (-1, -1) if it has ended."""
    try:
        fields = task.joinpath("stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return (-1, -1)
    return int(fields[38]), int(fields[16])


def thread_task(native_id: int | None = None) -> Path:
    """/proc entry of a thread of this process (the calling one by default)."""
    return Path(f"/proc/self/task/{threading.get_native_id() if native_id is None else native_id}")
