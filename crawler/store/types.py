"""Column types of the record for DuckDB, pandas and Arrow/Parquet, derived from the JSON Schema.

Read without them, a column that is null in every record of one archive comes out typed
NULL (DuckDB) or float (pandas: `copyright_year`), so types change from archive to archive.
Derived from `crawler/article.schema.json`, every column keeps its type. Timestamps
(`published_at`, `updated_at`, `crawled_at`: ISO 8601 with offset) become instants
(TIMESTAMPTZ, UTC); the local offset of `published_at` as printed is kept beside it, as
`published_offset` (e.g. `+08:00` for WITA), since the instant alone loses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.schema import article_schema

if TYPE_CHECKING:
    import pyarrow as pa

OFFSET_COLUMN = "published_offset"
_TIMESTAMP_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T"
_DUCKDB_SCALARS = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}


def _kind(prop: dict[str, Any]) -> str:
    types = prop.get("type", "string")
    kinds = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    return kinds[0] if kinds else "string"


def timestamp_fields() -> list[str]:
    """Fields holding an ISO 8601 time with offset."""
    props = article_schema()["properties"]
    return [name for name, prop in props.items() if str(prop.get("pattern", "")).startswith(_TIMESTAMP_PATTERN)]


def _duckdb(prop: dict[str, Any]) -> str:
    kind = _kind(prop)
    if kind == "array":
        return _duckdb(prop.get("items", {})) + "[]"
    if kind == "object":
        members = ", ".join(f'"{name}" {_duckdb(sub)}' for name, sub in prop.get("properties", {}).items())
        return f"STRUCT({members})"
    return _DUCKDB_SCALARS[kind]


def duckdb_columns() -> dict[str, str]:
    """`columns=` of DuckDB's `read_json`: every field with its type (timestamps read as text, cast in the query)."""
    return {name: _duckdb(prop) for name, prop in article_schema()["properties"].items()}


def duckdb_query(files: str) -> str:
    """A DuckDB SELECT over JSONL files (a path or glob): every field typed, timestamps as TIMESTAMPTZ + the offset."""
    columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in duckdb_columns().items()) + "}"
    casts = ", ".join(f"CAST({name} AS TIMESTAMPTZ) AS {name}" for name in timestamp_fields())
    offset = f"regexp_extract(published_at, '([+-]\\d\\d:\\d\\d|Z)$') AS {OFFSET_COLUMN}"
    source = f"read_json('{files}', format = 'newline_delimited', columns = {columns})"
    return f"SELECT * REPLACE ({casts}), {offset} FROM {source}"


def pandas_dtypes() -> dict[str, str]:
    """`DataFrame.astype` argument for the scalar columns (nullable pandas types; lists and objects stay object)."""
    names = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
    props = article_schema()["properties"]
    skip = set(timestamp_fields())
    return {name: names[_kind(p)] for name, p in props.items() if _kind(p) in names and name not in skip}


def _arrow(prop: dict[str, Any]) -> pa.DataType:
    import pyarrow as pa

    kind = _kind(prop)
    if kind == "array":
        return pa.list_(_arrow(prop.get("items", {})))
    if kind == "object":
        return pa.struct([pa.field(name, _arrow(sub)) for name, sub in prop.get("properties", {}).items()])
    return {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}[kind]


def arrow_schema() -> pa.Schema:
    """Arrow schema of the Parquet export: the record's fields in order, timestamps as UTC instants, plus the offset."""
    import pyarrow as pa

    stamps = set(timestamp_fields())
    fields = [
        pa.field(name, pa.timestamp("us", tz="UTC") if name in stamps else _arrow(prop))
        for name, prop in article_schema()["properties"].items()
    ]
    return pa.schema([*fields, pa.field(OFFSET_COLUMN, pa.string())])
