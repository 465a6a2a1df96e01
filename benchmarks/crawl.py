"""Crawl throughput with and without the WARC archive, against a bare Scrapy spider, in one run.

The replica serves 2,000 synthetic articles (`python -m tests.replica.synth --count 2000
--seed 1`). Three ways, each `--rounds` times on a fresh export root:

1. `bare`: a Scrapy spider (this file, run with `scrapy runspider`) fetching exactly the
   pages the full crawl fetched, doing nothing with them (no pipelines, extensions or
   middlewares of ours; the project's Scrapy settings, e.g. CONCURRENT_ITEMS, apply to both);
2. `full, WARC off`: `scrapy crawl antara_kaltim` with ARCHIVE_WARC_ENABLED=False;
3. `full, WARC on`: the same with the archive on.

Then a second WARC-on crawl with `-a refresh=1` into the same root measures what revisit
records save. Prints pages/s (Scrapy's response count over its elapsed_time_seconds:
from the spider's opening to Scrapy's own `spider_closed` handler, so process start-up,
the other close handlers and the report drawn after the crawl are not counted), the
ratios, archive bytes per article and the revisit saving. Targets (issue 4): full >= 90%
of bare; WARC costs < 10%. The machine is shared and noisy, so each way runs `--rounds`
times, interleaved, and the median run counts (every round's rate is printed too).

A rate ratio only means something on a machine with a core to spare: the replica (another
Python process) serves every page, so a bare spider is bound by the replica and the
loopback round trips, and a full crawl, which spends several times the CPU per page, by
its own CPU as soon as that core is shared. So each run also prints its CPU time per page
(user + system over the crawl's whole life, start-up and close included: a figure that
other load disturbs far less than pages/s), both of all its processes (the crawl and its
parse workers, `ARCHIVE_PARSE_WORKERS`) and of the crawl process alone, and the load
average; the header names the machine, its load and the versions. docs/internals.md
("Benchmarks and their figures") has the measured figures and why the first ones (101% of bare) do not
reproduce.

    python benchmarks/crawl.py [--count 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import scrapy

ROOT = Path(__file__).resolve().parent.parent
PORTAL = "antara_kaltim"


class BareSpider(scrapy.Spider):
    """Fetches the URLs listed in the file `-a urls=...` and does nothing with the responses."""

    name = "bare"

    def __init__(self, urls: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls).read_text(encoding="utf-8").split()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> Iterator[Any]:
        yield from ()


@dataclass
class Run:
    label: str
    pages: int
    seconds: float
    warc_bytes: int = 0
    articles: int = 0
    revisits: int = 0
    cpu_seconds: float = 0.0
    """User + system CPU of the crawl process and every process it waited for (its parse workers)."""
    worker_cpu_seconds: float = 0.0
    """The parse workers' share of `cpu_seconds` (stat `archive/parse/workers/cpu_seconds`)."""
    load: float = 0.0
    """One-minute load average when the run ended."""

    @property
    def rate(self) -> float:
        return self.pages / self.seconds

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0

    @property
    def main_cpu_ms_per_page(self) -> float:
        """CPU per page of the crawl process alone (its parse workers' CPU left out)."""
        return 1000 * (self.cpu_seconds - self.worker_cpu_seconds) / self.pages if self.pages else 0.0


def _stat(stderr: str, key: str) -> float:
    match = re.search(rf"'{re.escape(key)}': ([0-9.]+)", stderr)
    return float(match.group(1)) if match else 0.0


def _scrapy(args: list[str], settings: dict[str, str]) -> tuple[str, float]:
    """The crawl's log and the CPU seconds (user + system) its process used."""
    command = [sys.executable, "-m", "scrapy", *args]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stderr, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _measure(label: str, crawl: tuple[str, float], exports: Path | None = None) -> Run:
    stderr, cpu = crawl
    warc = sum(p.stat().st_size for p in (exports / "warc").glob("*.warc.gz")) if exports else 0
    return Run(
        label,
        pages=int(_stat(stderr, "downloader/response_count")),
        seconds=_stat(stderr, "elapsed_time_seconds"),
        warc_bytes=warc,
        articles=int(_stat(stderr, "archive/jsonl/written")),
        revisits=int(_stat(stderr, "archive/warc/revisits")),
        cpu_seconds=cpu,
        worker_cpu_seconds=_stat(stderr, "archive/parse/workers/cpu_seconds"),
        load=os.getloadavg()[0],
    )


def environment() -> str:
    """The machine, its load and the versions, printed with the figures."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    packages = ", ".join(f"{name} {version(name)}" for name in ("Scrapy", "Twisted", "lxml", "warcio", "numpy"))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit.stdout.strip() or '?'}\n"
        f"CPU: {model.group(1) if model else platform.processor() or '?'}, {os.cpu_count()} cores; "
        f"load average {load} (1/5/15 min)\n"
        f"Python {platform.python_version()}, {packages}"
    )


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.replica.harness import FAST_SETTINGS, start_replica

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(environment())
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    data = work / "data.json"
    synth = [sys.executable, "-m", "tests.replica.synth", "--count", str(options.count), "--seed", "1"]
    subprocess.run([*synth, "--out", str(data)], cwd=ROOT, check=True)
    replica = start_replica(data, work / "replica")
    base = {**FAST_SETTINGS, "LOG_LEVEL": "INFO", "ARCHIVE_MAX_LISTING_PAGES": "100000"}
    crawl = ["crawl", PORTAL, "-a", f"base_url={replica.base_url}"]
    runs: dict[str, list[Run]] = {}
    try:
        urls = work / "urls.txt"
        for round_ in range(options.rounds):
            for warc in ("False", "True"):
                label = f"full, WARC {'on' if warc == 'True' else 'off'}"
                exports = work / f"exports-{warc}-{round_}"
                mark = replica.mark()
                settings = {**base, "ARCHIVE_EXPORTS_DIR": str(exports), "ARCHIVE_WARC_ENABLED": warc}
                runs.setdefault(label, []).append(_measure(label, _scrapy(crawl, settings), exports))
                fetched = [r["target"] for r in replica.requests(mark) if r["path"] != "/robots.txt"]
                urls.write_text("\n".join(replica.base_url + t for t in fetched), encoding="utf-8")
            # Scrapy's own components and settings only: none of ours (our spider middlewares included).
            bare = {**base, "ITEM_PIPELINES": "{}", "EXTENSIONS": "{}", "DOWNLOADER_MIDDLEWARES": "{}",
                    "SPIDER_MIDDLEWARES": "{}", "ARCHIVE_WARC_ENABLED": "False"}  # fmt: skip
            stderr = _scrapy(["runspider", str(Path(__file__).resolve()), "-a", f"urls={urls}"], bare)
            runs.setdefault("bare", []).append(_measure("bare", stderr))
        first = work / f"exports-True-{options.rounds - 1}"
        before = sum(p.stat().st_size for p in (first / "warc").glob("*.warc.gz"))
        settings = {**base, "ARCHIVE_EXPORTS_DIR": str(first), "ARCHIVE_WARC_ENABLED": "True"}
        second = _measure("second crawl (refresh=1)", _scrapy([*crawl, "-a", "refresh=1"], settings), first)
    finally:
        replica.stop()
    for label, found in runs.items():
        print(f"{label:18} rounds: " + ", ".join(f"{r.rate:.1f}" for r in found) + " pages/s; CPU "
              + ", ".join(f"{r.cpu_ms_per_page:.2f}" for r in found) + " ms/page (of which crawl process "
              + ", ".join(f"{r.main_cpu_ms_per_page:.2f}" for r in found) + "); load "
              + ", ".join(f"{r.load:.1f}" for r in found))  # fmt: skip
    cpu = {label: _middle([r.cpu_ms_per_page for r in found]) for label, found in runs.items()}
    main = {label: _middle([r.main_cpu_ms_per_page for r in found]) for label, found in runs.items()}
    print("CPU per page, medians (all processes / the crawl process alone): "
          + ", ".join(f"{label} {cpu[label]:.2f} / {main[label]:.2f} ms" for label in cpu)
          + f"; bare / full (WARC on): {cpu['bare'] / cpu['full, WARC on']:.1%}")  # fmt: skip
    _report({label: _median(found) for label, found in runs.items()}, second, before)
    print(f"(work files in {work})")


def _middle(values: list[float]) -> float:
    """The median (the lower middle one of an even count)."""
    return sorted(values)[(len(values) - 1) // 2]


def _median(found: list[Run]) -> Run:
    """The median run by rate (the lower middle one of an even count)."""
    ordered = sorted(found, key=lambda r: r.rate)
    return ordered[(len(ordered) - 1) // 2]


def _report(best: dict[str, Run], second: Run, first_warc_bytes: int) -> None:
    bare, off, on = best["bare"], best["full, WARC off"], best["full, WARC on"]
    for run in (bare, off, on):
        print(f"{run.label:18} {run.pages:6d} pages in {run.seconds:6.2f} s = {run.rate:7.1f} pages/s")
    print(f"full (WARC on) / bare:   {on.rate / bare.rate:6.1%}   (target >= 90%)")
    print(f"full (WARC off) / bare:  {off.rate / bare.rate:6.1%}")
    print(f"WARC cost:               {1 - on.rate / off.rate:6.1%}   (target < 10%)")
    print(f"load average now: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")
    per_article = on.warc_bytes / on.articles if on.articles else 0
    print(f"archive: {on.warc_bytes:,} bytes of WARC for {on.articles} articles = {per_article:,.0f} bytes/article")
    print(f"         ({on.warc_bytes / on.pages:,.0f} bytes per fetched page, request and warcinfo records included)")
    added = second.warc_bytes - first_warc_bytes
    print(f"second crawl: {second.pages} pages, {second.revisits} revisit records, {added:,} WARC bytes added "
          f"= {1 - added / first_warc_bytes:.1%} less than the first crawl's {first_warc_bytes:,}")  # fmt: skip


if __name__ == "__main__":
    main()
