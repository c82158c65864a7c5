"""UN Comtrade API v1 JSON responses (``{"count": n, "data": [...], "error": ""}``).

The same plan loads a response saved by a user, a recorded fixture and the (gzip) responses
the API client archives. The envelope (count, error, status) is read from the bytes around
the ``data`` array, so that an error page, an HTML page or a cut response is named before
DuckDB reads anything. DuckDB then reads the records — of ONE response or of hundreds at
once (``read_text`` + ``from_json`` with only the fields the canonical row needs, each record
numbered within its file) — never as Python objects. A response cut short is caught because
its envelope no longer closes, or because the records read differ from ``count``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputFileError, ParseError
from corridor.sources.comtrade_records import (
    COMTRADE_DATASET,
    RECORD_FIELDS,
    REQUIRED,
    USED,
    canonical_select,
    field_lookup,
    require_value,
)
from corridor.sources.registry import FileKind
from corridor.store.plan import BatchRead, LoadPlan, RawFile, sql_str
from corridor.store.scratch import scratch_file

if TYPE_CHECKING:
    import duckdb

__all__ = ["KIND", "Envelope", "comtrade_json_plan", "read_envelope"]

_EDGE = 1 << 14
_KEY = re.compile(rb'"([A-Za-z0-9_]+)"\s*:')
_DATA = re.compile(rb'"data"\s*:\s*\[')


@dataclass(frozen=True)
class Envelope:
    """The envelope of a response: how many records it says it has, and any error."""

    count: int | None
    error: str | None
    status: int | None
    fields: dict[str, str]  # canonical field name -> spelling used in this file
    span: tuple[int, int] | None  # byte offsets of the data array ('[' .. ']' inclusive)


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _edges(path: Path) -> tuple[bytes, bytes, int]:
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_EDGE)
        fh.seek(max(0, size - _EDGE))
        tail = fh.read()
    return head, tail, size


def _array_end(tail: bytes) -> int:
    """Offset of the last ']' that closes an array of objects (or an empty one); -1 if none."""
    i = len(tail)
    while (i := tail.rfind(b"]", 0, i)) >= 0:
        before = tail[:i].rstrip()
        if before.endswith((b"}", b"[")):
            return i
    return -1


def _fields(first_record: bytes) -> dict[str, str]:
    lookup = field_lookup()
    fields: dict[str, str] = {}
    end = first_record.find(b"}")
    for key in _KEY.findall(first_record[: end if end > 0 else None]):
        name = key.decode()
        if name.lower() in lookup:
            fields.setdefault(lookup[name.lower()], name)
    return fields


def _loads(path: Path, text: bytes) -> dict:
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{path}: not valid JSON (truncated or corrupt?): {exc}") from exc
    if not isinstance(value, dict):
        raise ParseError(f"{path}: offset 0: expected a JSON object (an API envelope)")
    return value


def read_envelope(path: Path) -> Envelope:
    """Read a plain (not gzip) response's envelope, the records' field names and their span."""
    head, tail, size = _edges(path)
    text = head.lstrip()
    if not text.startswith(b"{"):
        snippet = text[:40].decode("utf-8", "replace")
        kind = "an HTML page" if snippet.lower().startswith("<") else "not JSON"
        raise ParseError(f"{path}: offset 0: response is {kind} (starts {snippet!r})")
    start_match = _DATA.search(head)
    if start_match is None or (size <= 2 * _EDGE and b'"data"' not in head):
        meta, span, fields = _loads(path, path.read_bytes()), None, {}
    else:
        start = start_match.end() - 1
        close = _array_end(tail)
        if close < 0:
            raise ParseError(f"{path}: not valid JSON (truncated: the data array never closes)")
        end = size - len(tail) + close
        meta = _loads(path, head[:start] + b"[]" + tail[end - (size - len(tail)) + 1 :])
        span, fields = (start, end), _fields(head[start:])
    status = meta.get("statusCode", meta.get("status_code"))
    message = meta.get("error") or meta.get("message")
    if isinstance(status, int) and status >= 400:
        raise InputFileError(f"{path}: an error response (HTTP {status}): {message}")
    if not {"data", "count"} & meta.keys() and status is None:
        raise ParseError(f"{path}: not a Comtrade API response (no 'data' or 'count' key)")
    if span is None and isinstance(meta.get("data"), list) and meta["data"]:
        raise ParseError(f"{path}: cannot locate the data array")
    count = meta.get("count")
    return Envelope(count if isinstance(count, int) else None, message or None, status, fields,
                    span)  # fmt: skip


def _plain_copy(raw: RawFile) -> tuple[Path, list[Path]]:
    """A plain-text path for the response (gzip archives are inflated to a scratch file).

    Raises:
        ParseError: for a truncated or corrupt gzip file (no scratch file is left behind).
    """
    if not _is_gzip(raw.path):
        return raw.path, []
    tmp = scratch_file(".json")
    try:
        with tmp.open("wb") as out, gzip.open(raw.path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
    except (OSError, EOFError, zlib.error) as exc:
        tmp.unlink(missing_ok=True)
        raise ParseError(
            f"{raw.path}: truncated or corrupt gzip file ({exc}) — download or fetch it again"
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, [tmp]


_RELATION = "\x00relation\x00"
_BIG_FILE = 32 << 20


@lru_cache(maxsize=32)
def _template(used: tuple[tuple[str, str], ...]) -> tuple[str, str, str]:
    """The JSON spec, the renaming and the canonical SELECT (relation left open) for fields."""
    record = {spelling: RECORD_FIELDS[name] for name, spelling in used}
    spec = json.dumps({"data": [record]})
    rename = ", ".join(f'r."{spelling}" AS "{name}"' for name, spelling in used)
    select = canonical_select(
        _RELATION, present={n for n, _ in used}, row_number="_rn", file_id="c._file_id"
    )
    return spec, rename, select


def _select(files: list[tuple[str, int | str]], used: tuple[tuple[str, str], ...]) -> str:
    """One SELECT of the canonical rows of many responses: ``(path, file id SQL)`` pairs."""
    spec, rename, select = _template(used)
    # read_text parses its files on one thread: one reader per core, joined by UNION ALL —
    # unless the files are big, when each reader's whole-file text would cost too much memory.
    big = max(os.path.getsize(path) for path, _ in files) > _BIG_FILE
    readers = 1 if big else min(len(files), len(os.sched_getaffinity(0)), 4)
    parts = [files[i::readers] for i in range(readers)]
    texts = " UNION ALL ".join(
        f"SELECT filename, json_transform_strict(content, {sql_str(spec)}) AS j "
        f"FROM read_text([{', '.join(sql_str(path) for path, _ in part)}])"
        for part in parts
    )
    ids = ", ".join(f"({sql_str(path)}, {file_id})" for path, file_id in files)
    relation = f"""(SELECT {rename}, _file_id, _rn FROM (
            SELECT b.file_id AS _file_id, unnest(t.j.data) AS r,
                   unnest(generate_series(1, len(t.j.data))) AS _rn
            FROM ({texts}) t
            JOIN (VALUES {ids}) b(path, file_id) ON t.filename = b.path))"""
    return select.replace(_RELATION, relation)


def _explain(
    con: duckdb.DuckDBPyConnection, plain: Path, path: Path, used: tuple[tuple[str, str], ...]
) -> ParseError | None:
    """The first record with a field that is missing or not of its type (None: none found)."""
    checks = []
    for name, spelling in used:
        kind = RECORD_FIELDS[name]
        key = sql_str(spelling)
        checks.append(f"WHEN NOT json_contains(json_keys(rec), {sql_str(json.dumps(spelling))}) "
                      f"THEN 'lacks the field {spelling} (every record needs the fields of the "
                      "first)'")  # fmt: skip
        if kind != "VARCHAR":
            checks.append(
                f"WHEN rec->>{key} IS NOT NULL AND TRY_CAST(rec->>{key} AS {kind}) IS NULL "
                f"THEN 'cannot read ' || (rec->{key}) || ' in {spelling} as "
                f"{'true or false' if kind == 'BOOLEAN' else 'a number'}'"
            )
    row = con.execute(
        f"""SELECT rn, problem FROM (
                SELECT rn, CASE {" ".join(checks)} END AS problem FROM (
                    SELECT unnest(j.data) AS rec, unnest(generate_series(1, len(j.data))) AS rn
                    FROM (SELECT from_json(content, '{{"data": ["JSON"]}}') AS j
                          FROM read_text({sql_str(str(plain))}))))
            WHERE problem IS NOT NULL ORDER BY rn LIMIT 1"""
    ).fetchone()
    return None if row is None else ParseError(f"{path}: record {row[0]}: {row[1]}")


def comtrade_json_plan(raw: RawFile) -> LoadPlan:
    """Describe how to load one saved Comtrade v1 JSON response (plain or gzip)."""
    plain, cleanup = _plain_copy(raw)
    try:
        return _plan(raw, plain, cleanup)
    except BaseException:
        for p in cleanup:
            p.unlink(missing_ok=True)
        raise


def _plan(raw: RawFile, plain: Path, cleanup: list[Path]) -> LoadPlan:
    try:
        env = read_envelope(plain)
    except ParseError as exc:
        raise ParseError(str(exc).replace(str(plain), str(raw.path))) from exc
    except InputFileError as exc:
        raise InputFileError(str(exc).replace(str(plain), str(raw.path))) from exc
    if env.error:
        raise InputFileError(f"{raw.path}: the response carries an error: {env.error}")
    if env.count and not env.fields:
        raise ParseError(f"{raw.path}: no Comtrade record fields found in 'data'")
    missing = [f for f in REQUIRED if f not in env.fields]
    if env.fields and missing:
        raise ParseError(f"{raw.path}: records lack required fields: {', '.join(missing)}")
    if env.span is None or not env.fields:  # no records: an honest "no data"
        select = canonical_select(
            "(SELECT NULL AS none WHERE false)", present=set(), row_number="NULL"
        )
        return LoadPlan(select, COMTRADE_DATASET, row_label="record", allow_empty=True,
                        expected_rows=env.count, cleanup=cleanup)  # fmt: skip
    used = tuple(sorted((n, s) for n, s in env.fields.items() if n in USED))  # only what is used
    require_value(raw.path, {n for n, _ in used}, where="record 1")
    return LoadPlan(
        _select([(str(plain), "$file_id")], used),
        COMTRADE_DATASET,
        row_label="record",
        allow_empty=env.count == 0,
        expected_rows=env.count,
        cleanup=cleanup,
        explain=lambda con: _explain(con, plain, raw.path, used),
        batch=BatchRead(
            ("comtrade-json", used),
            plain,
            lambda files: _select(files, used),
        ),
    )


KIND = FileKind(
    "comtrade-json",
    "Saved UN Comtrade API v1 JSON responses (plain or gzip)",
    comtrade_json_plan,
)
