"""Saved-page parser fixtures: loading, parsing, and the diff tool a human uses to review them.

Layout: `tests/fixtures/<family>/<era>/<case>.html` (the page as served, bytes), `<case>.json`
(the expected record, written by hand: every `ArticleItem` key, keys sorted, or
`{"not_an_article": "<reason>"}`) and `<case>.meta.json` (`url`, `portal`, `fetched_at`, `_why`).

    python tests/fixture_diff.py post-content/seed-bpjs-initials-only-reporter
    python tests/fixture_diff.py --all                 # one line per case: mismatching fields
    python tests/fixture_diff.py CASE --write-unreviewed

The tool prints how the parser's output differs from the expected JSON. It never edits the
expected JSON: `--write-unreviewed` writes the parser's output beside it as
`<case>.json.unreviewed`, for a human to read, correct and copy into `<case>.json` by hand.
CI never regenerates expectations (style.md 2.8).

The loading and parsing helpers here are shared with `test_fixtures.py` (every family) and
`fixture_coverage.py`. The tool finds cases of every family.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import sys
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `crawler` importable
    sys.path.insert(0, str(ROOT))

from itemadapter import ItemAdapter  # noqa: E402
from scrapy.http import HtmlResponse  # noqa: E402

from crawler.items import ArticleItem  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
FAMILIES = ("antara",)
"""The default families of `discover()` (the fuzz test's pages, `fixture_coverage.py`); `all_families()` has every one."""
RECORD_FIELDS = tuple(f.name for f in fields(ArticleItem))
NOT_ARTICLE_KEY = "not_an_article"


@dataclass(frozen=True)
class Case:
    """One saved page with its expectation; `name` is `<era>/<case>` inside its family."""

    family: str
    name: str
    html_path: Path

    @property
    def era(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def json_path(self) -> Path:
        return self.html_path.with_suffix(".json")

    @property
    def meta_path(self) -> Path:
        return self.html_path.with_suffix(".meta.json")

    @property
    def expected(self) -> dict[str, Any]:
        return _read_json(self.json_path)

    @property
    def meta(self) -> dict[str, Any]:
        return _read_json(self.meta_path)

    @property
    def is_article(self) -> bool:
        return NOT_ARTICLE_KEY not in self.expected


@cache
def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def all_families() -> tuple[str, ...]:
    """Every family folder under `FIXTURES` (`antara`, `generic`, ...), sorted."""
    return tuple(sorted(path.name for path in FIXTURES.iterdir() if path.is_dir()))


def discover(families: tuple[str, ...] = FAMILIES) -> list[Case]:
    """Every `<case>.html` under the families' fixture folders, sorted by name."""
    cases = []
    for family in families:
        base = FIXTURES / family
        for html_path in sorted(base.glob("*/*.html")):
            name = html_path.relative_to(base).with_suffix("").as_posix()
            cases.append(Case(family, name, html_path))
    return cases


def find_case(name: str) -> Case:
    """A case by `<era>/<case>`, `<family>/<era>/<case>` or a path to any of its files."""
    wanted = name.removesuffix(".html").removesuffix(".meta.json").removesuffix(".json")
    for case in discover(all_families()):
        path = case.html_path.with_suffix("").as_posix()
        if wanted in (case.name, f"{case.family}/{case.name}") or path.endswith("/" + wanted.lstrip("./")):
            return case
    raise SystemExit(f"no fixture case {name!r}; try --list")


def response_for(case: Case) -> HtmlResponse:
    """The saved bytes as the response the page object would have received for the meta URL."""
    return HtmlResponse(url=case.meta["url"], body=case.html_path.read_bytes())


def family_registry(family: str) -> dict[str, Any]:
    """`REGISTRY` after importing only this family's module, so another family's state cannot break these tests."""
    importlib.import_module(f"crawler.portals.{family}")  # late: imports the page objects; registers on import
    from crawler.portals.registry import REGISTRY

    return {name: portal for name, portal in REGISTRY.items() if portal.family == family}


def portal_of(case: Case) -> Any:
    """The case's portal: its family's registry row, or (a page of an unknown portal, meta `base_url`)
    the definition the `portal` spider builds for that base URL."""
    registry = family_registry(case.family)
    if case.meta["portal"] in registry or "base_url" not in case.meta:
        return registry[case.meta["portal"]]
    from crawler.portals.generic import any_portal  # late, like family_registry

    return any_portal(case.meta["base_url"])


def parse(case: Case, *, strict: bool = True) -> Any:
    """Run the portal's page object on the case (strictly by default); `ArticleItem` or `NotAnArticle`."""
    portal = portal_of(case)
    fetched_at = datetime.fromisoformat(case.meta["fetched_at"])
    return portal.article_page(response_for(case), portal, fetched_at=fetched_at, strict=strict).to_item()


def as_record(result: Any) -> dict[str, Any]:
    """The parser result in the form of the expected JSON."""
    if isinstance(result, ArticleItem):
        return ItemAdapter(result).asdict()
    reason = getattr(result, "reason", None)
    if reason is not None:
        return {NOT_ARTICLE_KEY: reason}
    raise TypeError(f"page object returned {type(result).__name__}, not ArticleItem or NotAnArticle")


def field_diff(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable lines for every field that differs (body as a unified diff of paragraphs)."""
    lines: list[str] = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key, "<missing>"), actual.get(key, "<missing>")
        if want == got:
            continue
        if key == "body" and isinstance(want, str) and isinstance(got, str):
            lines.append("body:")
            diff = difflib.unified_diff(want.split("\n\n"), got.split("\n\n"), "expected", "actual", lineterm="", n=1)
            lines.extend(f"    {line}" for line in diff)
        else:
            lines.append(
                f"{key}:\n    expected {json.dumps(want, ensure_ascii=False)}\n    actual   "
                f"{json.dumps(got, ensure_ascii=False)}"
            )
    return lines


def _report(case: Case, *, write_unreviewed: bool) -> int:
    actual = as_record(parse(case))
    lines = field_diff(case.expected, actual)
    print(f"== {case.family}/{case.name}: {len([x for x in lines if not x.startswith(' ')])} field(s) differ")
    print("\n".join(lines) if lines else "   (parser output equals the expected JSON)")
    if write_unreviewed:
        target = case.json_path.with_name(case.json_path.name + ".unreviewed")
        target.write_text(json.dumps(actual, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        note = "UNREVIEWED parser output: check every field before copying into the .json"
        print(f"wrote {target.relative_to(ROOT)} ({note})")
    return 1 if lines else 0


def _summary() -> int:
    failing = 0
    cases = discover(all_families())
    for case in cases:
        try:
            actual = as_record(parse(case))
        except Exception as exc:  # the summary must go on to the next case
            print(f"{case.name}: ERROR {type(exc).__name__}: {exc}")
            failing += 1
            continue
        keys = [k for k in sorted(set(case.expected) | set(actual)) if case.expected.get(k) != actual.get(k)]
        failing += bool(keys)
        print(f"{case.name}: {'ok' if not keys else 'differs in ' + ', '.join(keys)}")
    print(f"{failing} of {len(cases)} cases differ")
    return 1 if failing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", nargs="?", help="<era>/<case>, e.g. post-content/seed-bpjs-initials-only-reporter")
    parser.add_argument("--all", action="store_true", help="one summary line per case")
    parser.add_argument("--list", action="store_true", help="list the cases")
    parser.add_argument(
        "--write-unreviewed",
        action="store_true",
        help="also write the parser output to <case>.json.unreviewed (never to <case>.json)",
    )
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(f"{case.family}/{case.name}" for case in discover(all_families())))
        return 0
    if args.all:
        return _summary()
    if not args.case:
        parser.error("give a CASE, --all or --list")
    return _report(find_case(args.case), write_unreviewed=args.write_unreviewed)


if __name__ == "__main__":
    sys.exit(main())
