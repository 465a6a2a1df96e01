"""`python -m tests.replica.demo [--exports DIR]`: the local demo, one command, no network.

Starts the replica of ANTARA Kalimantan Timur (`tests/replica/`, 127.0.0.1, a free port),
runs a first `scrapy crawl antara_kaltim` against it into a separate export root (default
`demo/exports`; its bookkeeping goes to `demo/exports-state`), stops the replica and exits
with the crawl's exit code. Run it twice: the second run fetches only what is new (nothing).
Needs only the runtime requirements (the replica is standard library).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.replica.harness import KALTIM_DATA, ROOT, start_replica

DEMO_SETTINGS = {
    # Our own loopback server needs no politeness; a short delay keeps the progress lines readable.
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0.05",
    "ARCHIVE_PROGRESS_INTERVAL_SECONDS": "1",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.replica.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", default="demo/exports", help="export root of the demo (default: demo/exports)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="replica-") as workdir:
        replica = start_replica(KALTIM_DATA, Path(workdir))
        sys.stderr.write(f"demo portal (replica of antara_kaltim) serving on {replica.base_url}\n")
        command = [sys.executable, "-m", "scrapy", "crawl", "antara_kaltim", "-a", f"base_url={replica.base_url}",
                   "-s", f"ARCHIVE_EXPORTS_DIR={Path(options.exports).resolve()}"]  # fmt: skip
        for name, value in DEMO_SETTINGS.items():
            command += ["-s", f"{name}={value}"]
        try:
            return subprocess.run(command, cwd=ROOT, check=False).returncode
        finally:
            replica.stop()


if __name__ == "__main__":
    sys.exit(main())
