"""The docs tell the truth: generated tables are fresh, commands match CI, links resolve, every setting is documented.

README.md stays short (what the project is, the install and test commands, a demo, the
output and exit codes); the reference lives in docs/, whose generated tables
(`<!-- BEGIN name -->` ... `<!-- END name -->`) are in docs/reference.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import docs

ROOT = Path(__file__).resolve().parent.parent
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
REFERENCE = docs.REFERENCE.read_text(encoding="utf-8")
DOC_FILES = [README_PATH, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_BYTES = 10_240

MAIN_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && scrapy crawl antara_kaltim"
)
TEST_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -r requirements-test.txt && python -m pytest -q"
)

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def test_generated_sections_are_current() -> None:
    assert docs.REFERENCE == ROOT / "docs" / "reference.md"
    assert docs.render(REFERENCE) == REFERENCE, "docs/reference.md is stale: run `python -m crawler.docs`"
    assert docs.main(["--check"]) == 0


def test_every_generated_section_is_present() -> None:
    for name in docs.SECTIONS:
        assert f"<!-- BEGIN {name} -->" in REFERENCE and f"<!-- END {name} -->" in REFERENCE
        assert f"<!-- BEGIN {name} -->" not in README, "generated tables live in docs/reference.md"


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(line for block in blocks for line in block.splitlines() if "pytest" in line)
    assert test_command == TEST_COMMAND
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_command_runs_antara_kaltim() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert MAIN_COMMAND in [line for block in blocks for line in block.splitlines()]


def test_readme_stays_short() -> None:
    size = README_PATH.stat().st_size
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move reference material into docs/"


def _headings_anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, `-N` for repeats."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", _FENCE.sub("", text), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def _relative_links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)
    return [target for target in _LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_at_existing_files(path: Path) -> None:
    broken = []
    for target in _relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        checked_anchor = bool(anchor) and linked.suffix == ".md"
        if not linked.exists() or (checked_anchor and anchor not in _headings_anchors(linked.read_text("utf-8"))):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: links to missing files or headings: {broken}"


def test_readme_links_every_docs_file() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in _relative_links(README_PATH)}
    missing = [p.name for p in DOC_FILES[1:] if p.resolve() not in linked]
    assert not missing, f"README's table of contents misses {missing}"


@pytest.mark.parametrize(
    ("annotation", "rendered"),
    [
        ("str", "string"),
        ("str | None", "string or null"),
        ("int", "integer"),
        ("int | None", "integer or null"),
        ("list[str]", "array of string"),
        ("list[Image]", "array of {url, caption}"),
        ("list[Related]", "array of {title, url}"),
        ("RevisionDiff | None", "object or null"),
        ("bool", "boolean"),
    ],
)
def test_schema_types_render_as_json_names(annotation: str, rendered: str) -> None:
    assert docs._type_name(annotation) == rendered


def test_schema_table_has_no_mangled_type_names() -> None:
    table = docs.schema_table()
    assert "array of string |" in table
    assert "stringing" not in table and "integerer" not in table


def test_every_archive_setting_read_in_code_is_documented() -> None:
    documented = {name for name, _, _ in docs.settings_rows()}
    used: set[str] = set()
    for package in ("crawler", "pipelines"):
        for path in (ROOT / package).rglob("*.py"):
            used |= set(re.findall(r"[\"'](ARCHIVE_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    assert used - documented == set(), "ARCHIVE_* settings read in code but missing from crawler/settings.py"
    assert documented, "no ARCHIVE_* setting found in crawler/settings.py"
