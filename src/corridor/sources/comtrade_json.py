"""UN Comtrade API v1 JSON responses (``{"count": n, "data": [...], "error": ""}``).

The same plan loads a response saved by a user, a recorded fixture and (gzip) responses the
API client archives. DuckDB parses the JSON (yyjson, streaming over files), so a
100 000-record response never becomes Python objects.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

from corridor.errors import InputFileError, ParseError
from corridor.sources.comtrade_records import (
    COMTRADE_DATASET,
    RECORD_FIELDS,
    REQUIRED,
    canonical_select,
    field_lookup,
)
from corridor.store.ingest import LoadPlan, RawFile

__all__ = ["Envelope", "comtrade_json_plan", "read_envelope"]

_HEAD_BYTES = 1 << 16
_KEY = re.compile(rb'"([A-Za-z0-9_]+)"\s*:')


@dataclass(frozen=True)
class Envelope:
    """The envelope of a response: how many records it says it has, and any error."""

    count: int | None
    error: str | None
    status: int | None
    fields: dict[str, str]  # canonical field name -> spelling used in this file


def _open(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def read_envelope(path: Path) -> Envelope:
    """Read a response's envelope and the spelling of its record fields."""
    import duckdb

    with _open(path) as fh:
        head = fh.read(_HEAD_BYTES)
    text = head.lstrip()
    if not text.startswith(b"{"):
        snippet = text[:40].decode("utf-8", "replace")
        kind = "an HTML page" if snippet.lower().startswith("<") else "not JSON"
        raise ParseError(f"{path}: offset 0: response is {kind} (starts {snippet!r})")
    lookup = field_lookup()
    fields: dict[str, str] = {}
    start = head.find(b'"data"')
    record = head[start:] if start >= 0 else b""
    end = record.find(b"}")
    for key in _KEY.findall(record[: end if end > 0 else None]):
        name = key.decode()
        if name.lower() in lookup:
            fields.setdefault(lookup[name.lower()], name)
    con = duckdb.connect()
    try:
        meta = con.execute(
            f"""SELECT "count", error, coalesce("statusCode", status_code), message
                FROM read_json('{_sql_path(path)}', format = 'auto',
                    columns = {{'count': 'BIGINT', 'error': 'VARCHAR', 'statusCode': 'INTEGER',
                               'status_code': 'INTEGER', 'message': 'VARCHAR'}},
                    maximum_object_size = 2147483647)"""
        ).fetchone()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise ParseError(f"{path}: not valid JSON (truncated or corrupt?): {first}") from exc
    finally:
        con.close()
    count, error, status, message = meta
    if status is not None and status >= 400:
        raise InputFileError(f"{path}: an error response (HTTP {status}): {message or error}")
    return Envelope(count, error or message, status, fields)


def comtrade_json_plan(raw: RawFile) -> LoadPlan:
    """Describe how to load one saved Comtrade v1 JSON response."""
    env = read_envelope(raw.path)
    if env.error:
        raise InputFileError(f"{raw.path}: the response carries an error: {env.error}")
    if env.count and not env.fields:
        raise ParseError(f"{raw.path}: no Comtrade record fields found in 'data'")
    if env.fields:
        missing = [f for f in REQUIRED if f not in env.fields]
        if missing:
            raise ParseError(f"{raw.path}: records lack required fields: {', '.join(missing)}")
    struct = (
        ", ".join(f'"{spelling}" {RECORD_FIELDS[name]}' for name, spelling in env.fields.items())
        or '"refYear" SMALLINT'
    )
    rename = ", ".join(f'"{spelling}" AS "{name}"' for name, spelling in env.fields.items())
    relation = f"""(SELECT {rename or "NULL AS none"}
        FROM (SELECT unnest(data, recursive := true)
              FROM read_json('{_sql_path(raw.path)}', format = 'auto',
                             columns = {{'data': 'STRUCT({struct})[]'}},
                             maximum_object_size = 2147483647)))"""
    select = canonical_select(relation, present=set(env.fields), row_number="row_number() OVER ()")
    return LoadPlan(
        select,
        COMTRADE_DATASET,
        row_label="record",
        allow_empty=env.count == 0,
        expected_rows=env.count,
    )
