"""Idempotent, transactional, resumable ingest of one raw file into the trade table.

Every source module describes a file as a :class:`LoadPlan`: a SELECT over the raw file
that yields the canonical columns. :func:`ingest` runs it the same way for every source:

1. hash the file; a file whose hash is journalled ``done`` is not read again (idempotent);
2. journal ``started`` (committed on its own, so an interruption is visible afterwards);
3. in ONE transaction: insert the rows, validate them (bad rows → :class:`InputFileError`
   naming file, row and value, and a rollback), replace rows of other files that carry the
   same key (never a duplicate), record the raw file, the dataset and ``done``.

A kill -9 anywhere before the commit leaves the warehouse as it was; running the same
command again redoes the interrupted file and skips the finished ones.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputFileError, ParseError
from corridor.store.schema import KEY_COLUMNS, file_rows
from corridor.store.tariff_schema import TARIFF_KEY

if TYPE_CHECKING:
    import duckdb

    from corridor.store.warehouse import Warehouse

__all__ = [
    "DatasetInfo",
    "IngestResult",
    "LoadPlan",
    "RawFile",
    "Validation",
    "file_sha256",
    "ingest",
    "raw_file",
]

YEAR_MIN, YEAR_MAX = 1988, 2030


@dataclass(frozen=True)
class RawFile:
    """A raw input: where it came from, its content hash and size."""

    path: Path
    origin: str
    kind: str
    sha256: str
    bytes: int
    retrieved_at: datetime
    archived_path: str | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, recorded once per dataset (units before conversion, licence)."""

    dataset: str
    source: str
    description: str
    value_unit_original: str | None
    weight_unit_original: str | None
    value_basis: str | None
    licence: str
    synthetic: bool = False


@dataclass(frozen=True)
class Validation:
    """A check on the inserted rows: ``where`` selects bad rows; ``message`` names the fault.

    ``message`` is formatted with ``value`` (the offending value, from ``value_sql``) and
    ``count`` (how many rows fail).
    """

    where: str
    value_sql: str
    message: str


@dataclass
class LoadPlan:
    """How to turn one raw file into canonical rows."""

    select_sql: str  # a SELECT yielding the target's columns, file_id as $file_id
    dataset: DatasetInfo
    validations: list[Validation] = field(default_factory=list)
    row_label: str = "row"  # how a file position is named in errors ("line", "record")
    row_offset: int = 0  # added to raw_row in messages (e.g. 1 for a header line)
    params: dict[str, object] = field(default_factory=dict)
    before: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # e.g. register Arrow
    value_scale: float = 1.0  # file units per USD-unit: errors quote the file's own number
    weight_scale: float = 1.0
    allow_empty: bool = False  # an honest "no data" (e.g. an API response with count 0)
    expected_rows: int | None = None  # what the file says it holds (an envelope's count)
    target: str = "trade_rows"  # trade_rows | trade_baci | tariff_lines (store/*schema.py)
    hs_rev: str | None = None  # the file's HS revision, when it has one (BACI)
    ordered: bool = True  # keep file order so raw_row is the row number (costs speed)
    # For files stored without raw_row: key columns → file row numbers (for messages).
    locate: Callable[[duckdb.DuckDBPyConnection, dict[str, object]], list[int]] | None = None
    cleanup: list[Path] = field(default_factory=list)  # temp files removed after the ingest


@dataclass
class IngestResult:
    """What one ingest did, for the CLI and the journal."""

    origin: str
    kind: str
    dataset: str
    sha256: str
    status: str  # inserted | already ingested
    rows_read: int = 0
    rows_inserted: int = 0
    rows_replaced: int = 0
    rows_skipped: int = 0
    retrieved_at: datetime | None = None
    seconds: float = 0.0
    resumed: bool = False  # a previous run of this file was interrupted


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Return the sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def raw_file(
    path: Path, *, kind: str, origin: str | None = None, retrieved_at: datetime | None = None
) -> RawFile:
    """Describe a local file (after checking it exists and is not empty)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, expected a file")
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(f"{path}: file is empty")
    return RawFile(
        path=path,
        origin=origin or str(path.resolve()),
        kind=kind,
        sha256=file_sha256(path),
        bytes=size,
        retrieved_at=retrieved_at or datetime.now(UTC).replace(tzinfo=None),
    )


# -- generic checks every source gets ----------------------------------------------------
def _generic_validations(plan: LoadPlan) -> list[Validation]:
    return [
        Validation(
            f"year NOT BETWEEN {YEAR_MIN} AND {YEAR_MAX}",
            "year",
            f"year {{value}} outside {YEAR_MIN}–{YEAR_MAX}",
        ),
        Validation(
            "value_usd < 0",
            f"value_usd / {plan.value_scale}",
            "negative value {value:g} (values must be ≥ 0)",
        ),
        Validation(
            "net_weight_kg < 0 OR qty < 0",
            f"coalesce(net_weight_kg / {plan.weight_scale}, qty)",
            "negative weight/quantity {value:g} (must be ≥ 0)",
        ),
        Validation(
            "reporter NOT IN (SELECT code FROM ref_country)",
            "reporter",
            "unknown reporter code {value} (see `corridor countries`)",
        ),
        Validation(
            "partner NOT IN (SELECT code FROM ref_country)",
            "partner",
            "unknown partner code {value} (see `corridor countries`)",
        ),
        Validation(
            "partner2 IS NOT NULL AND partner2 NOT IN (SELECT code FROM ref_country)",
            "partner2",
            "unknown second-partner code {value}",
        ),
        Validation(
            f"NOT ({HS_CODE_OK})",
            "hs_code",
            "invalid HS code '{value}' (2, 4 or 6 digits in chapters 01–97 except 77, or TOTAL)",
        ),
        Validation(
            "flow NOT IN ('M','X','RM','RX','DX','FM','MIP','MOP','XIP','XOP')",
            "flow",
            "unknown flow '{value}' (accepted: M, X, RM, RX, DX, FM, MIP, MOP, XIP, XOP)",
        ),
        Validation(
            "hs_rev NOT IN ('H0','H1','H2','H3','H4','H5','H6')",
            "hs_rev",
            "unknown HS revision '{value}' (accepted: H0–H6)",
        ),
    ]


HS_CODE_OK = (
    "hs_code = 'TOTAL' OR (regexp_full_match(hs_code, '[0-9]{2}([0-9]{2}){0,2}') "
    "AND substr(hs_code, 1, 2) BETWEEN '01' AND '97' AND substr(hs_code, 1, 2) <> '77' "
    "AND hs_level = length(hs_code))"
)


# Per-row key columns of each physical table (the per-file ones come from raw_files).
_ROW_KEYS = {
    "trade_rows": tuple(k for k in KEY_COLUMNS if k not in {"source", "dataset"}),
    "trade_baci": ("year", "exporter", "importer", "hs_code"),
    "tariff_lines": TARIFF_KEY,
}
# Tables of the trade view; other targets (tariff_lines) are validated by their parsers, which
# name the file, line and value of a bad cell before anything reaches the warehouse.
_TRADE_TARGETS = ("trade_rows", "trade_baci")
# How a canonical column is named in each physical table (for lookups by key).
_PHYSICAL = {"trade_baci": {"reporter": "exporter", "partner": "importer"}}


def _where(plan: LoadPlan, raw: RawFile, con: duckdb.DuckDBPyConnection, row: dict) -> str:
    """'line 4' for a bad row: its raw_row, or its position found by the plan's locator."""
    if row.get("raw_row") is not None:
        return f"{plan.row_label} {row['raw_row'] + plan.row_offset}"
    if plan.locate:
        lines = plan.locate(con, row)
        if lines:
            return ", ".join(f"{plan.row_label} {n + plan.row_offset}" for n in lines[:1])
    return f"{plan.row_label} ?"


def _run_validations(
    con: duckdb.DuckDBPyConnection, raw: RawFile, plan: LoadPlan, fid: int
) -> None:
    if plan.target not in _TRADE_TARGETS:
        return
    checks = plan.validations + _generic_validations(plan)
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {c.where})" for c in checks)
        + f" FROM {file_rows(plan.target)}",
        {"fid": fid},
    ).fetchone()
    for check, count in zip(checks, counts, strict=True):
        if not count:
            continue
        cur = con.execute(
            f"""SELECT raw_row, year, reporter, partner, hs_code, {check.value_sql} AS value
                FROM {file_rows(plan.target)} WHERE {check.where}
                ORDER BY raw_row NULLS LAST LIMIT 1""",
            {"fid": fid},
        )
        names = [d[0] for d in cur.description]
        row = dict(zip(names, cur.fetchone(), strict=True))
        more = f" ({count:,} such rows)" if count > 1 else ""
        message = check.message.format(value=row["value"], count=count)
        raise InputFileError(f"{raw.path}: {_where(plan, raw, con, row)}: {message}{more}")


def _check_duplicates(
    con: duckdb.DuckDBPyConnection, raw: RawFile, plan: LoadPlan, fid: int
) -> None:
    if plan.target not in _TRADE_TARGETS:
        return
    keys = ", ".join(_ROW_KEYS[plan.target])
    repeated = con.execute(
        f"SELECT count(*) - count(DISTINCT hash({keys})) FROM {plan.target} WHERE file_id = $fid",
        {"fid": fid},
    ).fetchone()[0]
    if not repeated:  # a hash collision can only make this check cautious, never lax
        return
    cur = con.execute(
        f"""SELECT {keys}, list_sort(list(raw_row)) AS rows, count(*) OVER () AS groups
            FROM {plan.target} WHERE file_id = $fid
            GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"""
        if plan.target == "trade_rows"
        else f"""SELECT {keys}, NULL AS rows, count(*) OVER () AS groups
            FROM {plan.target} WHERE file_id = $fid
            GROUP BY {keys} HAVING count(*) > 1 LIMIT 1""",
        {"fid": fid},
    )
    found = cur.fetchone()
    if found is None:
        return
    row = dict(zip([d[0] for d in cur.description], found, strict=True))
    canonical = {k: row.get(v, row.get(k)) for k, v in _PHYSICAL.get(plan.target, {}).items()}
    row.update(canonical)
    lines = row["rows"] or (plan.locate(con, row) if plan.locate else [])
    lines = sorted(n for n in lines if n is not None)
    first, second = [*lines, None, None][:2]
    label = plan.row_label
    where = (
        f"{label} {second + plan.row_offset} repeats the key of {label} {first + plan.row_offset}"
        if second is not None
        else "a key is repeated"
    )
    more = f"; {row['groups']:,} keys repeated" if row["groups"] > 1 else ""
    period = row.get("period", row.get("year"))
    raise InputFileError(
        f"{raw.path}: {where} (reporter {row['reporter']}, partner {row['partner']}, "
        f"period {period}, hs {row['hs_code']}){more} — each key may appear once per file"
    )


def _replace_other_files(
    con: duckdb.DuckDBPyConnection, raw: RawFile, plan: LoadPlan, fid: int
) -> int:
    """Delete rows of other files of the same dataset that the new rows supersede."""
    others = con.execute(
        """SELECT list(file_id) FROM raw_files
           WHERE file_id <> $fid AND dataset = $ds AND source = $src""",
        {"fid": fid, "ds": plan.dataset.dataset, "src": plan.dataset.source},
    ).fetchone()[0]
    if not others:
        return 0
    table, keys = plan.target, _ROW_KEYS[plan.target]
    match = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in keys)
    cols = ", ".join(keys)
    old = ", ".join(f"o.{k}" for k in keys)
    return con.execute(
        f"""DELETE FROM {table} o
            USING (SELECT {cols}, hash({cols}) AS h FROM {table} WHERE file_id = $fid) n
            WHERE list_contains($others, o.file_id) AND hash({old}) = n.h AND {match}""",
        {"fid": fid, "others": others},
    ).fetchone()[0]


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERT = re.compile(
    r'converting column "([^"]+)"\. Could not convert string "([^"]*)" to \'(\w+)'
)
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _explain_duckdb_error(raw: RawFile, exc: Exception) -> InputFileError:
    """Turn a DuckDB reader error into one line naming file, line and value."""
    text = str(exc)
    line = _LINE.search(text)
    where = f"line {line.group(1)}: " if line else ""
    if m := _CONVERT.search(text):
        what = (
            "a number" if m.group(3) in {"DOUBLE", "BIGINT", "INTEGER", "SMALLINT"} else m.group(3)
        )
        return ParseError(
            f"{raw.path}: {where}cannot read '{m.group(2)}' in column {m.group(1)} as {what}"
        )
    if m := _COLUMNS.search(text):
        return ParseError(
            f"{raw.path}: {where}{m.group(2)} fields, expected {m.group(1)} "
            "(truncated file or wrong delimiter?)"
        )
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return ParseError(f"{raw.path}: {where}not valid UTF-8 text (wrong encoding?)")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return ParseError(f"{raw.path}: {where}{first}")


class _Progress:
    """Poll DuckDB's query progress from a thread and report it to a callback."""

    def __init__(self, con: duckdb.DuckDBPyConnection, report: Callable[[float], None]) -> None:
        self._con, self._report = con, report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                pct = self._con.query_progress()
            except Exception:  # connection busy or closed: progress is best-effort
                continue
            if pct >= 0:
                self._report(pct)

    def __enter__(self) -> _Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _journal_started(con: duckdb.DuckDBPyConnection, raw: RawFile, dataset: str) -> int:
    return con.execute(
        """INSERT INTO ingest_journal (sha256, origin, kind, dataset, status, started_at)
           VALUES (?, ?, ?, ?, 'started', now()::TIMESTAMP) RETURNING run_id""",
        [raw.sha256, raw.origin, raw.kind, dataset],
    ).fetchone()[0]


def _register_file(con: duckdb.DuckDBPyConnection, raw: RawFile, plan: LoadPlan) -> int:
    info = plan.dataset
    kind = con.execute("SELECT kind FROM raw_files WHERE sha256 = ?", [raw.sha256]).fetchone()
    if kind:
        raise InputFileError(f"{raw.path}: the same content was already ingested as {kind[0]}")
    return con.execute(
        """INSERT INTO raw_files (sha256, origin, kind, bytes, retrieved_at, archived_path,
                                  source, dataset, hs_rev, synthetic)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING file_id""",
        [raw.sha256, raw.origin, raw.kind, raw.bytes, raw.retrieved_at, raw.archived_path,
         info.source, info.dataset, plan.hs_rev, info.synthetic],
    ).fetchone()[0]  # fmt: skip


def ingest(
    wh: Warehouse,
    raw: RawFile,
    plan_for: Callable[[RawFile], LoadPlan],
    *,
    progress: Callable[[float], None] | None = None,
) -> IngestResult:
    """Load one raw file into the warehouse exactly once (see the module docstring)."""
    import duckdb

    con = wh.con
    start = time.perf_counter()
    done = con.execute(
        """SELECT dataset, rows_read, rows_inserted FROM ingest_journal
           WHERE sha256 = ? AND kind = ? AND status = 'done' ORDER BY run_id DESC LIMIT 1""",
        [raw.sha256, raw.kind],
    ).fetchone()
    if done:
        return IngestResult(
            raw.origin, raw.kind, done[0], raw.sha256, "already ingested",
            rows_read=0, retrieved_at=raw.retrieved_at, seconds=time.perf_counter() - start,
        )  # fmt: skip
    resumed = bool(
        con.execute(
            """SELECT count(*) FROM ingest_journal WHERE sha256 = ? AND status = 'started'
               AND run_id = (SELECT max(run_id) FROM ingest_journal WHERE sha256 = ?)""",
            [raw.sha256, raw.sha256],
        ).fetchone()[0]
    )
    plan = plan_for(raw)
    run_id = _journal_started(con, raw, plan.dataset.dataset)
    given = {"ts": raw.retrieved_at, **plan.params}
    con.execute(f"SET preserve_insertion_order = {str(plan.ordered).lower()}")
    try:
        with wh.transaction():
            if plan.before:
                plan.before(con)
            fid = _register_file(con, raw, plan)
            params = {
                k: v for k, v in {**given, "file_id": fid}.items() if f"${k}" in plan.select_sql
            }
            insert = f"INSERT INTO {plan.target} {plan.select_sql}"
            try:
                if progress:
                    with _Progress(con, progress):
                        inserted = con.execute(insert, params).fetchone()[0]
                else:
                    inserted = con.execute(insert, params).fetchone()[0]
            except duckdb.Error as exc:
                raise _explain_duckdb_error(raw, exc) from exc
            if inserted == 0 and not plan.allow_empty:
                raise InputFileError(f"{raw.path}: no data rows")
            if plan.expected_rows is not None and inserted != plan.expected_rows:
                raise ParseError(
                    f"{raw.path}: says it holds {plan.expected_rows:,} records but "
                    f"{inserted:,} were read (truncated?)"
                )
            _run_validations(con, raw, plan, fid)
            _check_duplicates(con, raw, plan, fid)
            replaced = _replace_other_files(con, raw, plan, fid)
            _record(con, plan.dataset, run_id, inserted, replaced)
    except BaseException as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        con.execute(
            """UPDATE ingest_journal SET status = 'failed', finished_at = now()::TIMESTAMP,
               message = ? WHERE run_id = ?""",
            [message[:500], run_id],
        )
        raise
    finally:
        con.execute("SET preserve_insertion_order = true")
        for path in plan.cleanup:
            path.unlink(missing_ok=True)
    return IngestResult(
        raw.origin,
        raw.kind,
        plan.dataset.dataset,
        raw.sha256,
        "inserted" if inserted else "no data",
        rows_read=inserted,
        rows_inserted=inserted,
        rows_replaced=replaced,
        retrieved_at=raw.retrieved_at,
        seconds=time.perf_counter() - start,
        resumed=resumed,
    )


def _record(
    con: duckdb.DuckDBPyConnection, info: DatasetInfo, run_id: int, inserted: int, replaced: int
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            info.dataset,
            info.source,
            info.description,
            info.value_unit_original,
            info.weight_unit_original,
            info.value_basis,
            info.licence,
            info.synthetic,
        ],
    )
    con.execute(
        """UPDATE ingest_journal SET status = 'done', finished_at = now()::TIMESTAMP,
           rows_read = ?, rows_inserted = ?, rows_replaced = ?, rows_skipped = 0
           WHERE run_id = ?""",
        [inserted, inserted, replaced, run_id],
    )
