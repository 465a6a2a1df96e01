"""Scrapyd: the project deploys as is with `scrapyd-deploy` to a real scrapyd and runs `antara_kaltim` there.

scrapyd (from PyPI, requirements-test.txt) runs in a subprocess on 127.0.0.1 with its
directories in a temporary directory. `scrapyd-deploy` builds the egg from a copy of the
project (so the checkout gets no build/ or egg-info) and uploads it through
addversion.json; schedule.json starts the job against the local replica; the test waits
for the job to finish and reads the exports and the report it wrote.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.paths import state_beside
from tests.replica.harness import FAST_SETTINGS, KALTIM_DATA, ROOT, RunningReplica

pytestmark = pytest.mark.e2e  # scrapyd, scrapyd-deploy, replica

PROJECT = "regional_news_archiver"
PORTAL = "antara_kaltim"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("scrapyd")
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\n"
    )
    log = (home / "scrapyd.out").open("w")
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if _api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError((home / "scrapyd.out").read_text()[-2000:])
        yield base, home
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _deploy(base: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    project = workdir / "project"
    for name in ("crawler", "pipelines"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.py", project)
    config = (ROOT / "scrapy.cfg").read_text(encoding="utf-8")
    (project / "scrapy.cfg").write_text(config + f"\n[deploy:test]\nurl = {base}/\nproject = {PROJECT}\n")
    scrapyd_deploy = Path(sys.executable).with_name("scrapyd-deploy")
    return subprocess.run([str(scrapyd_deploy), "test", "-v", "1"], cwd=project, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_deploy_schedule_and_export(
    scrapyd: tuple[str, Path], tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    base, home = scrapyd
    deployed = _deploy(base, tmp_path)
    assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]
    assert '"status": "ok"' in deployed.stdout and '"spiders":' in deployed.stdout, deployed.stdout
    assert PORTAL in _api(base, f"listspiders.json?project={PROJECT}")["spiders"]

    replica = replica_factory(KALTIM_DATA)
    exports = tmp_path / "exports"
    settings = {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports)}
    form = [("project", PROJECT), ("spider", PORTAL), ("base_url", replica.base_url)]
    form += [("setting", f"{name}={value}") for name, value in settings.items()]
    job = _api(base, "schedule.json", form)
    assert job["status"] == "ok", job
    finished = _wait_finished(base, job["jobid"])
    requests = replica.requests()
    job_log = next((home / "logs" / PROJECT / PORTAL).glob(f"{job['jobid']}.log")).read_text(encoding="utf-8")
    assert finished.get("exit_code") in (0, None), job_log[-3000:]
    records = [
        json.loads(line) for path in (exports / PORTAL).rglob("*.jsonl") for line in path.read_text().splitlines()
    ]
    assert len({r["id"] for r in records}) == 32, job_log[-3000:]
    assert requests and requests[0]["path"] == "/robots.txt"
    assert (state_beside(exports) / "report.html").exists() and "run summary of antara_kaltim (ok)" in job_log


def _wait_finished(base: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = _api(base, f"listjobs.json?project={PROJECT}")
        done = [j for j in jobs.get("finished", []) if j["id"] == job_id]
        if done:
            return dict(done[0])
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s")
