"""Generated sections of README.md: the record schema, the ARCHIVE_* settings and the portals.

Each table is rendered from its source of truth (item docstrings, `crawler/settings.py`,
the registry) and stands in README between `<!-- BEGIN name -->` and `<!-- END name -->`.
`python -m crawler.docs` rewrites README; `tests/test_docs.py` fails when it is stale.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path

from crawler import items, settings
from crawler.portals import load_registry

README = Path(__file__).resolve().parent.parent / "README.md"
_SETTING_LINE = re.compile(r"^(ARCHIVE_[A-Z0-9_]+)\s*(?::[^=]+)?=\s*(.+?)\s+#\s+(.+)$")


def attribute_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (the string literal right after each annotated field) of a class."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, following in zip(body, body[1:], strict=False):
        annotated = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        if annotated and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            docs[node.target.id] = " ".join(str(following.value.value).split())
    return docs


def _type_name(annotation: str) -> str:
    text = annotation.replace("list[Image]", "array of {url, caption}")
    text = text.replace("list[Related]", "array of {title, url}").replace("RevisionDiff", "object")
    text = text.replace("list[str]", "array of string").replace("str", "string").replace("int", "integer")
    return text.replace(" | None", " or null")


def schema_table() -> str:
    docs = attribute_docs(items.ArticleItem)
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for field in dataclasses.fields(items.ArticleItem):
        rows.append(f"| `{field.name}` | {_type_name(str(field.type))} | {docs.get(field.name, '')} |")
    return "\n".join(rows)


def settings_rows() -> list[tuple[str, str, str]]:
    """(name, default as written, comment) of every ARCHIVE_* setting in crawler/settings.py."""
    source = Path(settings.__file__).read_text(encoding="utf-8")
    return [m.groups() for m in map(_SETTING_LINE.match, source.splitlines()) if m]  # type: ignore[misc]


def settings_table() -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    rows += [f"| `{name}` | `{default}` | {comment} |" for name, default, comment in settings_rows()]
    return "\n".join(rows)


def portals_table() -> str:
    rows = ["| spider | site | base URL | region | time zone |", "|---|---|---|---|---|"]
    for portal in sorted(load_registry().values(), key=lambda p: p.name):
        rows.append(
            f"| `{portal.name}` | {portal.site_name} | {portal.base_url} | {portal.region or ''} | {portal.timezone} |"
        )
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {
    "schema": schema_table,
    "settings": settings_table,
    "portals": portals_table,
}


def render(readme: str) -> str:
    """README text with every generated section replaced by its current rendering."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(\n<!-- END {name} -->)", re.S)
        readme = pattern.sub(lambda m, make=make: m.group(1) + make() + m.group(2), readme)  # type: ignore[misc]
    return readme


def main() -> int:
    current = README.read_text(encoding="utf-8")
    updated = render(current)
    if updated != current:
        README.write_text(updated, encoding="utf-8")
        sys.stderr.write("README.md updated\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
