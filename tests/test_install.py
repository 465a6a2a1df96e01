"""Installable: one version, dependencies declared from requirements.txt, and `pip install .` giving a
`newsarchive` console script that lists and crawls from a directory outside the checkout.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import crawler
from crawler.exitcodes import EXIT_OK
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica

PORTAL = "antara_kaltim"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = {"distributed": {"scrapy-redis", "redis"}, "report": {"matplotlib"}, "browse": {"datasette"}}


def _pins(path: Path) -> dict[str, str]:
    """Package (normalized name) -> pinned version of a requirements file, `-r` lines skipped."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[_norm(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_one_version_everywhere() -> None:
    assert crawler.__version__ == "0.2.0"
    assert "version" in PYPROJECT["project"]["dynamic"] and "version" not in PYPROJECT["project"]
    setup_py = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "version=VERSION" in setup_py and 'version="' not in setup_py, "setup.py reads crawler/__init__.py"
    assert "versions before 0.2" in (ROOT / "docs" / "consuming.md").read_text(encoding="utf-8").lower()


def test_dependencies_are_requirements_txt_split_into_core_and_extras() -> None:
    pins = _pins(ROOT / "requirements.txt")
    declared = {"": [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]}
    declared |= {extra: [Requirement(r) for r in rs] for extra, rs in PYPROJECT["project"]["optional-dependencies"].items()}
    assert {extra: {_norm(r.name) for r in rs} for extra, rs in declared.items() if extra} == EXTRAS
    names = [_norm(r.name) for rs in declared.values() for r in rs]
    assert sorted(names) == sorted(pins), "every runtime requirement once, nothing else (test tools stay out)"
    for requirement in (r for rs in declared.values() for r in rs):
        assert requirement.specifier.contains(pins[_norm(requirement.name)]), (requirement, "admits the tested pin")
    scrapy = next(r for r in declared[""] if _norm(r.name) == "scrapy")
    assert not scrapy.specifier.contains("2.18.0") and not scrapy.specifier.contains("2.20.0"), "Scrapy's minor pinned"


@pytest.mark.e2e
def test_pip_install_gives_a_console_script_that_works_anywhere(tmp_path: Path, kaltim_replica: RunningReplica) -> None:
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ and *.egg-info in it
    for name in ("crawler", "pipelines"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    # The dependencies come from this interpreter's site-packages (no download); the project does not.
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "parent.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    install = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--no-index", "--no-build-isolation",
                              "."], cwd=source, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = "import crawler, importlib.metadata as m, importlib.resources as r, json; print(json.dumps([crawler.__file__, m.version('regional-news-archiver'), (r.files('crawler') / 'article.schema.json').is_file(), (r.files('crawler') / 'browse' / 'templates' / 'row-archive-articles.html').is_file()]))"  # noqa: E501
    where, version, schema, template = json.loads(subprocess.run([venv / "bin" / "python", "-c", probe], cwd=elsewhere,
                                                       capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert Path(where).is_relative_to(site) and version == crawler.__version__ and schema
    assert template, "the article page template of `scrapy browse` is package data"

    script = venv / "bin" / "newsarchive"
    listed = subprocess.run([script, "list"], cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert listed.returncode == EXIT_OK and PORTAL in listed.stdout.split(), listed.stderr[-2000:]

    command = [script, "crawl", PORTAL, "-a", f"base_url={kaltim_replica.base_url}"]
    for name, value in FAST_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    crawled = subprocess.run(command, cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert crawled.returncode == EXIT_OK, crawled.stderr[-3000:]
    assert f"{PORTAL}: ok; found 32 article links (0 already stored), 32 new" in crawled.stderr
    records = [json.loads(line) for path in (elsewhere / "exports" / PORTAL).rglob("*.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines()]  # fmt: skip
    assert len(records) == 32 and all(r["parser_version"].startswith("0.2.0+") for r in records)
    assert (elsewhere / "exports-state" / "runs" / "latest" / f"{PORTAL}.json").is_file()
