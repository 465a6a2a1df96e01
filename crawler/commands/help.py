"""Help texts of the archiver's commands (`scrapy <command> -h`): arguments, exit codes and examples.

Scrapy builds each command's parser itself, with its own formatter, and hands it to
`add_options`; that is the one hook, so `describe` sets the formatter, the text after the
options (`epilog`) and the exit code of a usage error there. The exit codes are those of
`crawler.exitcodes`, the same in every command (docs/reference.md#exit-codes).
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from scrapy.commands import ScrapyHelpFormatter

from crawler.cli import PROJECT_NAME
from crawler.exitcodes import EXIT_CONFIG

if TYPE_CHECKING:
    import argparse

WIDTH = 78
Rows = Sequence[tuple[str, str]]

SPIDER_ARGUMENTS: Rows = (
    ("base_url=URL", "fetch from this origin instead of the portal's real host (a mirror, the local replica)"),
    ("since=YYYY-MM-DD", "backfill: walk the listings back to this publication day (inclusive)"),
    ("until=YYYY-MM-DD", "only articles published up to this day (inclusive)"),
    ("refresh=1", "re-fetch articles already stored, to detect revisions"),
    ("name=NAME", "generic spider `portal` only: the records' portal name (default: from the host)"),
)
"""The `-a` arguments of the portal spiders (docs/reference.md#spider-arguments)."""


def program() -> str:
    """The name the user typed: `newsarchive` when run through the console script (`crawler.cli`), else `scrapy`."""
    return "newsarchive" if os.environ.get("SCRAPY_PROJECT") == PROJECT_NAME else "scrapy"


class HelpFormatter(ScrapyHelpFormatter):
    """Scrapy's headings, but texts keep their line breaks and only a section title is a heading."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # The description and the epilog are laid out by `describe` (tables, example commands).
        return "".join(indent + line for line in text.splitlines(keepends=True))

    def format_part_strings(self, part_strings: list[str]) -> list[str]:
        # Scrapy's own rule, but it took every part ending with ":\n" for a heading, so an option
        # help wrapped right after "(default:" was title-cased and underlined. A title is one unindented line.
        if part_strings and part_strings[0].startswith("usage: "):
            part_strings[0] = "Usage\n=====\n  " + part_strings[0].removeprefix("usage: ")
        for index in reversed([i for i, part in enumerate(part_strings) if _is_heading(part)]):
            title = part_strings[index].removesuffix(":\n").title()
            part_strings[index] = title
            part_strings.insert(index + 1, f"\n{('-' if title == 'Global Options' else '=') * len(title)}\n")
        return part_strings


def _is_heading(part: str) -> bool:
    return part.endswith(":\n") and "\n" not in part[:-1] and not part.startswith(" ")


def describe(
    parser: argparse.ArgumentParser,
    command: str,
    *,
    exit_codes: Rows,
    examples: Sequence[str],
    arguments: Rows = (),
    arguments_title: str = "Arguments",
) -> None:
    """Lay out `command`'s help: description, options, then arguments, exit codes and examples."""
    parser.formatter_class = HelpFormatter
    name = program()
    if parser.usage:  # Scrapy writes "scrapy <command> ..." whatever the program
        parser.usage = parser.usage.replace("scrapy ", f"{name} ", 1)
    examples = [f"{name} {line.removeprefix('scrapy ')}" if line.startswith("scrapy ") else line for line in examples]
    if parser.description:
        paragraphs = parser.description.split("\n\n")
        parser.description = "\n\n".join(textwrap.fill(p, WIDTH) for p in paragraphs)
    sections = [(arguments_title, _table(arguments))] if arguments else []
    sections += [("Exit codes", _table(exit_codes)), ("Examples", "".join(f"  {line}\n" for line in examples))]
    parser.epilog = "\n".join(f"{title}\n{'=' * len(title)}\n{body}" for title, body in sections)

    def usage_error(message: str) -> NoReturn:
        # argparse exits 2 on a malformed command line; the archiver's usage code is EX_USAGE everywhere.
        sys.stderr.write(f"{name} {command}: error: {message}\n")
        raise SystemExit(EXIT_CONFIG)

    parser.error = usage_error  # type: ignore[method-assign]


def _table(rows: Rows) -> str:
    width = max(len(name) for name, _ in rows) + 2
    lines = []
    for name, meaning in rows:
        wrapped = textwrap.wrap(meaning, WIDTH - width - 2) or [""]
        lines.append(f"  {name:<{width}}{wrapped[0]}\n")
        lines += [f"  {'':<{width}}{more}\n" for more in wrapped[1:]]
    return "".join(lines)
