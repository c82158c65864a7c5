"""The Parquet export: the warehouse as Hive-partitioned Parquet with a manifest.

``corridor export parquet DIR`` writes::

    DIR/manifest.json                         written last: a DIR with one is complete
    DIR/trade/year=2022/chapter=76/part-0.parquet
    DIR/raw_files/part-0.parquet              provenance: every row's file_id → sha256, origin
    DIR/datasets/…, ref_country/…, ref_country_group/…, ref_hs/…, meta/…, tariff_lines/…

The trade table carries the canonical columns of
:data:`corridor.reference.record.TRADE_COLUMNS` plus ``file_id``; ``year`` and ``chapter``
(the first two characters of ``hs_code``) are Hive partition columns, so they are *not*
inside the files (DuckDB, Spark, Trino and BigQuery add them from the path). Inside a
partition, rows are sorted by :data:`TRADE_SORT` — the keys corridor filters on — and written
in row groups of :data:`ROW_GROUP` rows, so min/max statistics skip most row groups for one
importer.

The manifest lists every file with its row count, size and sha256, each table's row count
and Arrow schema, the export format version and the warehouse schema version, and a
fingerprint of the warehouse's content (its raw files and row count): re-running the export
of an unchanged warehouse into the same directory does nothing.

Writes are atomic: everything goes to a hidden sibling directory (``.DIR.partial``), which
is renamed to ``DIR`` once the manifest is in it. An interrupted export leaves only that
partial directory, which the next run deletes and starts again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor import __version__
from corridor.errors import CorridorError, DataQualityError, InvalidQuery, NotFound, first_line
from corridor.reference.record import TRADE_COLUMNS

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "EXPORT_FORMAT",
    "MANIFEST",
    "TRADE_SORT",
    "ExportResult",
    "export_parquet",
    "is_export",
    "read_manifest",
    "verify_export",
]

#: Version of the export layout (bump when files, columns or partitioning change).
EXPORT_FORMAT = "1"
MANIFEST = "manifest.json"
#: Sort order inside each trade partition: BACI's importer is ``partner``, a Comtrade
#: reporter's own report is ``reporter``; then the product and the flow.
TRADE_SORT: tuple[str, ...] = ("partner", "reporter", "hs_code", "flow", "period")
PARTITIONS: tuple[str, ...] = ("year", "chapter")
ROW_GROUP = 122_880
#: Tables copied whole (one file each) besides ``trade``; ``tariff_lines`` when present.
SIDE_TABLES: tuple[str, ...] = (
    "raw_files",
    "datasets",
    "ref_country",
    "ref_country_group",
    "ref_hs",
    "meta",
)

ProgressFn = Callable[[int, int], None]


@dataclass
class ExportResult:
    """What an export did.

    Attributes:
        target: the export directory.
        status: ``written`` or ``up to date`` (the manifest already matched the warehouse).
        rows: trade rows in the export.
        files: Parquet files written.
        bytes: total size of the Parquet files.
        seconds: wall time.
    """

    target: Path
    status: str
    rows: int
    files: int
    bytes: int
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)


def is_export(path: Path) -> bool:
    """True when ``path`` is a directory holding a corridor Parquet export (a manifest)."""
    return Path(path).is_dir() and (Path(path) / MANIFEST).is_file()


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the export at ``path`` (checked for format)."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no export at {path}")
    if not path.is_dir():
        raise InvalidQuery(f"{path} is a file, not an export directory")
    file = path / MANIFEST
    if not file.is_file():
        raise NotFound(f"{path} holds no {MANIFEST}: not a corridor Parquet export")
    try:
        doc = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise DataQualityError(f"{file}: unreadable manifest ({exc})") from exc
    if doc.get("format") != "corridor-parquet" or doc.get("export_format") != EXPORT_FORMAT:
        raise CorridorError(
            f"{file}: export format {doc.get('export_format')!r}, this corridor reads "
            f"{EXPORT_FORMAT!r} — export the warehouse again"
        )
    return doc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse's content identity: its raw files (id, hash) and trade row counts."""
    files = con.execute("SELECT file_id, sha256 FROM raw_files ORDER BY file_id").fetchall()
    counts = con.execute(
        "SELECT (SELECT count(*) FROM trade_rows), (SELECT count(*) FROM trade_baci)"
    ).fetchone()
    schema = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    digest = hashlib.sha256(repr((files, counts, schema)).encode())
    return digest.hexdigest()


def _schema_doc(schema: pa.Schema) -> list[list[str]]:
    return [[f.name, str(f.type)] for f in schema]


class _Writer:
    """Parquet files under one root, each hashed and counted as it is closed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[dict[str, Any]] = []
        self.schemas: dict[str, pa.Schema] = {}

    def write(self, table: str, rel: str, data: pa.Table) -> None:
        import pyarrow.parquet as pq

        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(data, path, row_group_size=ROW_GROUP, compression="zstd")
        self.add(table, rel, data.num_rows, data.schema)

    def add(self, table: str, rel: str, rows: int, schema: pa.Schema) -> None:
        path = self.root / rel
        self.schemas.setdefault(table, schema)
        self.files.append(
            {
                "table": table,
                "path": rel,
                "rows": rows,
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
            }
        )


def _trade_select() -> str:
    cols = ", ".join(c for c in TRADE_COLUMNS if c != "year")
    return f"{cols}, file_id"


class _ChapterFile:
    """One open trade partition file: row groups of :data:`ROW_GROUP` rows as they fill."""

    def __init__(self, out: _Writer, rel: str, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.out, self.rel, self.schema = out, rel, schema
        (out.root / rel).parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(out.root / rel, schema, compression="zstd")
        self.pending: list[pa.RecordBatch] = []
        self.buffered = 0
        self.rows = 0

    def append(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.buffered += batch.num_rows
        self.rows += batch.num_rows
        if self.buffered >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.pending:
            data = pa.Table.from_batches(self.pending, self.schema)
            self.writer.write_table(data, row_group_size=ROW_GROUP)
            self.pending, self.buffered = [], 0

    def close(self) -> None:
        self._flush()
        self.writer.close()
        self.out.add("trade", self.rel, self.rows, self.schema)


def _write_trade(
    con: duckdb.DuckDBPyConnection, out: _Writer, progress: ProgressFn | None, total: int
) -> None:
    """One sorted scan per year; a chapter's rows are contiguous, so one file is open at once.

    DuckDB sorts (spilling to disk past its memory limit) and streams Arrow batches; memory
    here is bounded by one row group per open file.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    years = [y for (y,) in con.execute("SELECT DISTINCT year FROM trade ORDER BY 1").fetchall()]
    done = 0
    order = ", ".join(TRADE_SORT)
    for year in years:
        reader = con.sql(
            f"SELECT substr(hs_code, 1, 2) AS chapter, {_trade_select()} FROM trade "
            f"WHERE year = $year ORDER BY chapter, {order}",
            params={"year": year},
        ).to_arrow_reader(ROW_GROUP)
        schema = reader.schema.remove(0)
        current: _ChapterFile | None = None
        for batch in reader:
            chapters = batch.column(0)
            start = 0
            while start < batch.num_rows:
                chapter = chapters[start].as_py()
                # the end of this chapter's run in the batch (sorted: one run per chapter)
                other = pc.index(pc.not_equal(chapters.slice(start), chapter), True).as_py()
                stop = batch.num_rows if other < 0 else start + other
                rel = f"trade/year={year}/chapter={chapter}/part-0.parquet"
                if current is None or current.rel != rel:
                    if current is not None:
                        current.close()
                    current = _ChapterFile(out, rel, schema)
                part = batch.slice(start, stop - start)
                current.append(pa.RecordBatch.from_arrays(part.columns[1:], schema=schema))
                done += stop - start
                start = stop
            if progress:
                progress(done, total)
        if current is not None:
            current.close()


def _partial(target: Path) -> Path:
    return target.parent / f".{target.name}.partial"


def export_parquet(
    warehouse: Path,
    target: Path,
    *,
    replace: bool = False,
    progress: ProgressFn | None = None,
) -> ExportResult:
    """Export the warehouse file ``warehouse`` to ``target`` (see the module docstring).

    Args:
        warehouse: a corridor DuckDB warehouse file.
        target: the export directory: absent, empty, or an earlier export.
        replace: replace an earlier export of different content (else an error says so).
        progress: called with (trade rows written, trade rows in all).

    Raises:
        NotFound: no warehouse file.
        InvalidQuery: ``target`` is a file, or a non-empty directory that is not an export,
            or an export of other content without ``replace``.
    """
    import duckdb

    from corridor.store.schema import SCHEMA_VERSION

    start = time.perf_counter()
    warehouse, target = Path(warehouse), Path(target)
    if not warehouse.is_file():
        raise NotFound(f"no warehouse at {warehouse}")
    if target.exists() and not target.is_dir():
        raise InvalidQuery(f"export target {target} is a file, not a directory")
    earlier = None
    if target.is_dir() and any(target.iterdir()):
        if not is_export(target):
            raise InvalidQuery(
                f"export target {target} is not empty and holds no corridor export: "
                "choose an empty or new directory"
            )
        earlier = read_manifest(target)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        first = first_line(exc)
        raise CorridorError(f"cannot open warehouse {warehouse}: {first}") from exc
    try:
        from corridor.settings import get_settings

        settings = get_settings()  # the sort spills past the memory limit, like the ingest
        spill = settings.cache_dir / "duckdb-spill"
        spill.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET enable_progress_bar = false")  # progress is the caller's (``progress``)
        try:
            found = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except duckdb.Error:
            found = None
        if found is None or found[0] != SCHEMA_VERSION:
            raise CorridorError(
                f"{warehouse} is not a corridor warehouse of schema {SCHEMA_VERSION}"
            )
        fingerprint = _fingerprint(con)
        if earlier is not None:
            if earlier.get("fingerprint") == fingerprint:
                return ExportResult(
                    target, "up to date", earlier["tables"]["trade"]["rows"],
                    len(earlier["files"]), sum(f["bytes"] for f in earlier["files"]),
                    time.perf_counter() - start,
                    {k: v["rows"] for k, v in earlier["tables"].items()},
                )  # fmt: skip
            if not replace:
                raise InvalidQuery(
                    f"export target {target} holds an export of other warehouse content "
                    f"(from {earlier.get('warehouse')}): pass --replace to overwrite it"
                )
        partial = _partial(target)
        if partial.exists():  # an interrupted run: start again
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        out = _Writer(partial)
        total = con.execute("SELECT count(*) FROM trade").fetchone()[0]
        _write_trade(con, out, progress, total)
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()]  # fmt: skip
        for name in (*SIDE_TABLES, *(("tariff_lines",) if "tariff_lines" in tables else ())):
            order = "ORDER BY ALL" if name != "tariff_lines" else ""
            data = con.sql(f"SELECT * FROM {name} {order}").to_arrow_table()
            out.write(name, f"{name}/part-0.parquet", data)
        counts: dict[str, int] = {}
        for f in out.files:
            counts[f["table"]] = counts.get(f["table"], 0) + f["rows"]
        if counts.get("trade", 0) != total:
            raise CorridorError(f"export wrote {counts.get('trade', 0)} trade rows of {total}")
        trade_info = {
            "partitioning": list(PARTITIONS),
            "sorted_by": list(TRADE_SORT),
            "partition_types": {"year": "int16", "chapter": "string"},
        }
        if "trade" not in out.schemas:  # an empty warehouse: the schema, no files
            out.schemas["trade"] = (
                con.sql(f"SELECT {_trade_select()} FROM trade LIMIT 0").to_arrow_table().schema
            )
        manifest = {
            "format": "corridor-parquet",
            "export_format": EXPORT_FORMAT,
            "warehouse_schema": SCHEMA_VERSION,
            "corridor_version": __version__,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "warehouse": str(warehouse.resolve()),
            "fingerprint": fingerprint,
            "tables": {
                name: {
                    "rows": counts.get(name, 0),
                    "schema": _schema_doc(schema),
                    **(trade_info if name == "trade" else {}),
                }
                for name, schema in out.schemas.items()
            },
            "files": out.files,
        }
        text = json.dumps(manifest, indent=1, sort_keys=False)
        (partial / MANIFEST).write_text(text + "\n")
        _fsync_dir(partial)
    finally:
        con.close()
    if target.exists():
        old = target.parent / f".{target.name}.old"
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
        partial.rename(target)
        shutil.rmtree(old)
    else:
        partial.rename(target)
    return ExportResult(
        target, "written", total, len(out.files), sum(f["bytes"] for f in out.files),
        time.perf_counter() - start, counts,
    )  # fmt: skip


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify_export(path: Path, *, hashes: bool = True) -> dict[str, Any]:
    """Check an export against its manifest; return the manifest's summary.

    Every listed file must exist with its size, sha256 (``hashes``) and row count (from the
    Parquet footer); no Parquet file may be there that the manifest does not list; the
    tables' row counts must add up.

    Raises:
        DataQualityError: naming the first mismatching file and what differs (and how many
            problems there are in all).
    """
    import pyarrow.parquet as pq

    path = Path(path)
    doc = read_manifest(path)
    problems: list[str] = []
    listed = {f["path"] for f in doc["files"]}
    for f in doc["files"]:
        file = path / f["path"]
        if not file.is_file():
            problems.append(f"{file}: missing")
            continue
        size = file.stat().st_size
        if size != f["bytes"]:
            problems.append(f"{file}: {size} bytes, manifest says {f['bytes']}")
            continue
        if hashes and _sha256(file) != f["sha256"]:
            problems.append(f"{file}: sha256 differs from the manifest's {f['sha256'][:16]}…")
            continue
        try:
            rows = pq.ParquetFile(file).metadata.num_rows
        except Exception as exc:  # any unreadable footer is a finding
            problems.append(f"{file}: unreadable Parquet ({exc})")
            continue
        if rows != f["rows"]:
            problems.append(f"{file}: {rows} rows, manifest says {f['rows']}")
    for extra in sorted(path.rglob("*.parquet")):
        rel = extra.relative_to(path).as_posix()
        if rel not in listed:
            problems.append(f"{extra}: not in the manifest")
    for name, info in doc["tables"].items():
        total = sum(f["rows"] for f in doc["files"] if f["table"] == name)
        if total != info["rows"]:
            problems.append(f"table {name}: files hold {total} rows, manifest says {info['rows']}")
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise DataQualityError(f"export {path} does not match its manifest: {problems[0]}{more}")
    return {
        "export": str(path),
        "files": len(doc["files"]),
        "bytes": sum(f["bytes"] for f in doc["files"]),
        "tables": {k: v["rows"] for k, v in doc["tables"].items()},
        "warehouse_schema": doc["warehouse_schema"],
        "export_format": doc["export_format"],
    }
