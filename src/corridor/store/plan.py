"""What a source tells the ingest about a raw file: :class:`RawFile` and :class:`LoadPlan`.

Every source module describes a file as a :class:`LoadPlan`: a SELECT over the raw file that
yields the columns of a physical table (``trade_rows`` or ``trade_baci``), the checks its rows
must pass beyond the generic ones, and how a row is named in errors ("line 4", "record 7").
Plans that can be read together (e.g. many API responses) also carry a :class:`BatchRead`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import CorridorError, InputFileError

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "BatchRead",
    "DatasetInfo",
    "IngestResult",
    "LoadPlan",
    "RawFile",
    "Validation",
    "file_sha256",
    "raw_file",
    "sql_str",
]


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
    ``count`` (how many rows fail); ``error`` is the exception raised for it.
    """

    where: str
    value_sql: str
    message: str
    error: type[CorridorError] = InputFileError


@dataclass(frozen=True)
class BatchRead:
    """How plans with the same ``key`` are read by ONE statement.

    ``select(files)`` gets ``(path, file_id)`` pairs and returns a SELECT yielding the target's
    columns for all of them (``path`` is :attr:`path` of each plan: what the reader opens).
    """

    key: Hashable
    path: Path
    select: Callable[[list[tuple[str, int]]], str]


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
    target: str = "trade_rows"  # trade_rows | trade_baci (see store/schema.py)
    hs_rev: str | None = None  # the file's HS revision, when it has one (BACI)
    ordered: bool = True  # read in file order (raw_row = row number); False lets DuckDB go wide
    # For files stored without raw_row: key columns → file row numbers (for messages).
    locate: Callable[[duckdb.DuckDBPyConnection, dict[str, object]], list[int]] | None = None
    # After the reader failed: find the bad line and say what is wrong with it (or None).
    explain: Callable[[duckdb.DuckDBPyConnection], InputFileError | None] | None = None
    batch: BatchRead | None = None  # set when many such files can be read by one statement
    # Key columns every row of the file holds one value of (its validations enforce it):
    # files that differ on one cannot share keys, so their overlap needs no counting.
    key_values: dict[str, object] = field(default_factory=dict)
    cleanup: list[Path] = field(default_factory=list)  # temp files removed after the ingest


@dataclass
class IngestResult:
    """What one ingest did, for the CLI and the journal."""

    origin: str
    kind: str
    dataset: str
    sha256: str
    status: str  # inserted | no data | already ingested
    rows_read: int = 0
    rows_inserted: int = 0
    rows_replaced: int = 0
    rows_skipped: int = 0
    retrieved_at: datetime | None = None
    seconds: float = 0.0  # this file's share (by bytes) of its batch's time
    resumed: bool = False  # a previous run of this file was interrupted


def sql_str(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


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
    """Describe a local file (after checking it exists and is not empty).

    ``retrieved_at`` defaults to the file's modification time (UTC): when it was saved, which
    is as close to "obtained" as a local file tells, and the same on every run.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, expected a file")
    stat = path.stat()
    if stat.st_size == 0:
        raise InputFileError(f"{path}: file is empty")
    when = retrieved_at or datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    return RawFile(
        path=path,
        origin=origin or str(path.resolve()),
        kind=kind,
        sha256=file_sha256(path),
        bytes=stat.st_size,
        retrieved_at=when,
    )
