"""Field coverage of the parser fixtures: per record field, how many article fixtures give it a value.

    python tests/fixture_coverage.py            # from the hand-written expectations
    python tests/fixture_coverage.py --actual   # also: fields the parser gets right, per field

`set` counts values that are neither null nor empty (`[]`, `""`); a field that is empty in
every fixture is a field no fixture proves. With `--actual`, `match` counts fixtures where the
parser's value equals the expectation (errors count as mismatches). The table goes into
closing notes (style.md 2.8).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixture_diff import RECORD_FIELDS, as_record, discover, parse  # noqa: E402


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


def coverage(actual: bool = False) -> tuple[list[tuple[str, int, int, int | None]], dict[str, int]]:
    """Rows `(field, set, total, match)` and a count of cases per era."""
    cases = discover()
    articles = [case for case in cases if case.is_article]
    filled: Counter[str] = Counter()
    matched: Counter[str] = Counter()
    for case in articles:
        expected = case.expected
        filled.update(key for key in RECORD_FIELDS if _is_set(expected[key]))
        if actual:
            try:
                got = as_record(parse(case))
            except Exception:  # a crashing page counts as mismatching every field
                continue
            matched.update(key for key in RECORD_FIELDS if got.get(key) == expected[key])
    rows = [(key, filled[key], len(articles), matched[key] if actual else None) for key in RECORD_FIELDS]
    eras = Counter(case.era for case in cases)
    return rows, dict(sorted(eras.items()))


def render(rows: list[tuple[str, int, int, int | None]], eras: dict[str, int]) -> str:
    with_match = rows and rows[0][3] is not None
    header = "| field | set / total |" + (" parser matches |" if with_match else "")
    lines = [header, "|---|---|" + ("---|" if with_match else "")]
    for key, filled, total, match in rows:
        lines.append(f"| {key} | {filled}/{total} |" + (f" {match}/{total} |" if with_match else ""))
    cases = ", ".join(f"{era} {count}" for era, count in eras.items())
    lines.append(f"\nfixtures: {sum(eras.values())} ({cases}); not-an-article cases are in no field count")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actual", action="store_true", help="also run the parser and count matching fields")
    args = parser.parse_args(argv)
    rows, eras = coverage(actual=args.actual)
    print(render(rows, eras))
    return 0


if __name__ == "__main__":
    sys.exit(main())
