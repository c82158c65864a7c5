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
from corridor.store.schema import KEY_COLUMNS, TRADE_COLUMNS

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

    select_sql: str  # a SELECT yielding TRADE_COLUMNS (raw_ref/retrieved_at as $raw_ref/$ts)
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


def _run_validations(
    con: duckdb.DuckDBPyConnection, raw: RawFile, plan: LoadPlan, checks: list[Validation]
) -> None:
    for check in checks:
        row = con.execute(
            f"""SELECT min(raw_row), arg_min({check.value_sql}, raw_row), count(*)
                FROM trade WHERE raw_ref = $ref AND ({check.where})""",
            {"ref": raw.sha256},
        ).fetchone()
        if row and row[2]:
            first, value, count = row
            more = f" ({count:,} such rows)" if count > 1 else ""
            message = check.message.format(value=value, count=count)
            raise InputFileError(
                f"{raw.path}: {plan.row_label} {first + plan.row_offset}: {message}{more}"
            )


def _check_duplicates(con: duckdb.DuckDBPyConnection, raw: RawFile, plan: LoadPlan) -> None:
    keys = ", ".join(KEY_COLUMNS)
    row = con.execute(
        f"""SELECT min(raw_row), list_sort(list(raw_row))[2], count(*) OVER (), any_value(hs_code),
                   any_value(reporter), any_value(partner), any_value(period)
            FROM trade WHERE raw_ref = $ref
            GROUP BY {keys} HAVING count(*) > 1
            ORDER BY 1 LIMIT 1""",
        {"ref": raw.sha256},
    ).fetchone()
    if row:
        first, second, groups, hs, rep, par, period = row
        more = f"; {groups:,} keys repeated" if groups > 1 else ""
        raise InputFileError(
            f"{raw.path}: {plan.row_label} {second + plan.row_offset} repeats the key of "
            f"{plan.row_label} {first + plan.row_offset} (reporter {rep}, partner {par}, "
            f"period {period}, hs {hs}){more} — each key may appear once per file"
        )


def _replace_other_files(con: duckdb.DuckDBPyConnection, raw: RawFile) -> int:
    """Delete rows of other raw files that the new rows supersede; return how many."""
    overlap = con.execute(
        """SELECT count(*) FROM trade o
           WHERE o.raw_ref <> $ref
             AND (o.dataset, o.year) IN (SELECT DISTINCT dataset, year FROM trade
                                         WHERE raw_ref = $ref)
           LIMIT 1""",
        {"ref": raw.sha256},
    ).fetchone()[0]
    if not overlap:
        return 0
    match = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in KEY_COLUMNS)
    return con.execute(
        f"""DELETE FROM trade o USING (SELECT * FROM trade WHERE raw_ref = $ref) n
            WHERE o.raw_ref <> $ref AND {match}""",
        {"ref": raw.sha256},
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
    columns = ", ".join(TRADE_COLUMNS)
    given = {"raw_ref": raw.sha256, "ts": raw.retrieved_at, **plan.params}
    params = {k: v for k, v in given.items() if f"${k}" in plan.select_sql}
    try:
        with wh.transaction():
            if plan.before:
                plan.before(con)
            insert = f"INSERT INTO trade ({columns}) {plan.select_sql}"
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
            _run_validations(con, raw, plan, plan.validations + _generic_validations(plan))
            _check_duplicates(con, raw, plan)
            replaced = _replace_other_files(con, raw)
            _record(con, raw, plan.dataset, run_id, inserted, replaced)
    except BaseException as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        con.execute(
            """UPDATE ingest_journal SET status = 'failed', finished_at = now()::TIMESTAMP,
               message = ? WHERE run_id = ?""",
            [message[:500], run_id],
        )
        raise
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
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    info: DatasetInfo,
    run_id: int,
    inserted: int,
    replaced: int,
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO raw_files VALUES (?, ?, ?, ?, ?, ?)",
        [raw.sha256, raw.origin, raw.kind, raw.bytes, raw.retrieved_at, raw.archived_path],
    )
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
