"""README tells the truth: generated tables are fresh, commands match CI, every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from crawler import docs

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_generated_sections_are_current() -> None:
    assert docs.render(README) == README, "README is stale: run `python -m crawler.docs`"


def test_every_generated_section_is_present() -> None:
    for name in docs.SECTIONS:
        assert f"<!-- BEGIN {name} -->" in README and f"<!-- END {name} -->" in README


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(line for block in blocks for line in block.splitlines() if "pytest" in line)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_command_runs_antara_kaltim() -> None:
    assert "pip install -r requirements.txt && scrapy crawl antara_kaltim" in README


def test_every_archive_setting_read_in_code_is_documented() -> None:
    documented = {name for name, _, _ in docs.settings_rows()}
    used: set[str] = set()
    for package in ("crawler", "pipelines"):
        for path in (ROOT / package).rglob("*.py"):
            used |= set(re.findall(r"[\"'](ARCHIVE_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    assert used - documented == set(), "ARCHIVE_* settings read in code but missing from crawler/settings.py"
    assert documented, "no ARCHIVE_* setting found in crawler/settings.py"
