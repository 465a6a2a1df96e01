"""Generated sections of docs/reference.md: the record schema, the ARCHIVE_* settings and the portals.

Each table is rendered from its source of truth (item docstrings, `crawler/settings.py`,
the registry) and stands in docs/reference.md between `<!-- BEGIN name -->` and
`<!-- END name -->`. `python -m crawler.docs` rewrites the file; `python -m crawler.docs --check`
writes nothing and exits 1 when it is stale; `tests/test_docs.py` fails when it is stale.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import re
import sys
import tokenize
from collections.abc import Callable
from pathlib import Path

from crawler import items, settings
from crawler.portals.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "reference.md"
"""The file holding the generated sections."""
_SETTING_NAME = re.compile(r"^ARCHIVE_[A-Z0-9_]+$")


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


_TYPE_NAMES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "None": "null",
    "RevisionDiff": "object",
    "Image": "{url, caption}",
    "Related": "{title, url}",
}
"""JSON names of the Python names in `ArticleItem` annotations."""
_TYPE_TOKEN = re.compile(r"list\[(\w+)\]|(\w+)")


def _type_name(annotation: str) -> str:
    """`list[str] | None` -> `array of string or null`: every name mapped once, in one pass."""

    def name(token: str) -> str:
        return _TYPE_NAMES.get(token, token)

    def rendered(match: re.Match[str]) -> str:
        element, plain = match.groups()
        return f"array of {name(element)}" if element else name(plain)

    return _TYPE_TOKEN.sub(rendered, annotation).replace(" | ", " or ")


def schema_table() -> str:
    docs = attribute_docs(items.ArticleItem)
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for field in dataclasses.fields(items.ArticleItem):
        rows.append(f"| `{field.name}` | {_type_name(str(field.type))} | {docs.get(field.name, '')} |")
    return "\n".join(rows)


def settings_rows() -> list[tuple[str, str, str]]:
    """(name, default as written, comment) of every commented ARCHIVE_* setting in crawler/settings.py.

    A setting is a module-level assignment; its comment is the first `# ...` on the lines of
    the statement, so an assignment a formatter wrapped in parentheses still counts.
    """
    source = Path(settings.__file__).read_text(encoding="utf-8")
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments.setdefault(token.start[0], token.string.lstrip("#").strip())
    rows = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not (isinstance(target, ast.Name) and _SETTING_NAME.match(target.id)):
            continue
        lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        comment = next((comments[line] for line in lines if comments.get(line)), None)
        if comment is not None:
            default = " ".join((ast.get_source_segment(source, value) or "").split())
            rows.append((target.id, default, comment))
    return rows


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


def render(text: str) -> str:
    """`text` with every generated section replaced by its current rendering."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(\n<!-- END {name} -->)", re.S)
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + m.group(2), text)  # type: ignore[misc]
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite docs/reference.md (or, with `--check`, exit 1 when it is stale)."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        sys.stderr.write("usage: python -m crawler.docs [--check]\n")
        return 64
    current = REFERENCE.read_text(encoding="utf-8")
    updated = render(current)
    if updated == current:
        return 0
    name = REFERENCE.relative_to(ROOT).as_posix()
    if args:
        sys.stderr.write(f"{name} is stale: run `python -m crawler.docs`\n")
        return 1
    REFERENCE.write_text(updated, encoding="utf-8")
    sys.stderr.write(f"{name} updated\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
