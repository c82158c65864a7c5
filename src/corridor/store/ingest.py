"""Idempotent, transactional, resumable ingest of raw files into the warehouse.

Sources describe each file as a :class:`~corridor.store.plan.LoadPlan` (see ``plan.py``).
:func:`ingest_many` loads many files the same way for every source, in batches:

1. files whose hash is journalled ``done`` are not read again (idempotent);
2. the batch's files are journalled ``started`` (committed on their own, so an interruption
   is visible afterwards);
3. in ONE transaction for the whole batch: register the files, insert their rows (files
   that can be read together by one statement are), then set-based checks over all the new
   rows — one validation pass, one duplicate-key count, one replace pass (see ``checks.py``)
   — and record the datasets and ``done`` per file. A bad row anywhere raises an
   :class:`~corridor.errors.InputFileError` naming its file, line and value, and the whole
   batch rolls back.

A kill -9 anywhere before the commit leaves the warehouse as it was; running the same
command again redoes the interrupted batch and skips finished ones. Rows are inserted sorted
by the keys queries filter on (``schema.SORT_KEYS``). :func:`ingest` loads one file.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.errors import InputFileError, ParseError
from corridor.store.checks import Loaded, check_duplicates, replace_rows, validate
from corridor.store.explain import Progress, explain_reader_error, is_interrupt
from corridor.store.plan import (
    BatchRead,
    DatasetInfo,
    IngestResult,
    LoadPlan,
    RawFile,
    Validation,
    file_sha256,
    raw_file,
)
from corridor.store.schema import sort_ordinals

if TYPE_CHECKING:
    import duckdb

    from corridor.store.warehouse import Warehouse

__all__ = [
    "BATCH_BYTES",
    "BatchRead",
    "DatasetInfo",
    "IngestResult",
    "LoadPlan",
    "RawFile",
    "Validation",
    "file_sha256",
    "ingest",
    "ingest_many",
    "raw_file",
]

#: Files are grouped into transactions of at most this many input bytes (at least one file):
#: thousands of small API responses share one, big BACI years get one each.
BATCH_BYTES = 1 << 30

PlanFor = Callable[[RawFile], LoadPlan]
BatchProgress = Callable[[str, float], None]


def ingest(
    wh: Warehouse,
    raw: RawFile,
    plan_for: PlanFor,
    *,
    progress: Callable[[float], None] | None = None,
) -> IngestResult:
    """Load one raw file into the warehouse exactly once (see the module docstring)."""
    report = (lambda _name, pct: progress(pct)) if progress else None
    return ingest_many(wh, [raw], plan_for, progress=report)[0]


def ingest_many(
    wh: Warehouse,
    raws: Sequence[RawFile],
    plan_for: PlanFor,
    *,
    progress: BatchProgress | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> list[IngestResult]:
    """Load many raw files, a batch per transaction; stop at the first bad batch.

    ``progress(name, percent)`` is called while rows are read (``name``: the file, or "N
    files"). Results come back in the order of ``raws``.
    """
    results: list[IngestResult] = []
    for batch in _batches(raws, batch_bytes):
        results.extend(_ingest_batch(wh, batch, plan_for, progress))
    return results


def _batches(raws: Sequence[RawFile], budget: int) -> Iterator[list[RawFile]]:
    batch: list[RawFile] = []
    size = 0
    for raw in raws:
        if batch and size + raw.bytes > budget:
            yield batch
            batch, size = [], 0
        batch.append(raw)
        size += raw.bytes
    if batch:
        yield batch


@dataclass
class _History:
    done: dict[tuple[str, str], str]  # (sha256, kind) -> dataset
    resumed: set[str]  # sha256 whose latest journal entry is 'started'


def _history(con: duckdb.DuckDBPyConnection, raws: list[RawFile]) -> _History:
    rows = con.execute(
        """SELECT sha256, kind, status, dataset FROM ingest_journal
           WHERE list_contains($shas, sha256) ORDER BY run_id""",
        {"shas": [r.sha256 for r in raws]},
    ).fetchall()
    done: dict[tuple[str, str], str] = {}
    last: dict[str, str] = {}
    for sha, kind, status, dataset in rows:
        if status == "done":
            done[(sha, kind)] = dataset
        last[sha] = status
    return _History(done, {sha for sha, status in last.items() if status == "started"})


def _ingest_batch(
    wh: Warehouse, raws: list[RawFile], plan_for: PlanFor, progress: BatchProgress | None
) -> list[IngestResult]:
    con = wh.con
    start = time.perf_counter()
    history = _history(con, raws)
    todo: list[RawFile] = []
    first_copy: dict[str, RawFile] = {}
    for raw in raws:
        if (raw.sha256, raw.kind) not in history.done and raw.sha256 not in first_copy:
            first_copy[raw.sha256] = raw
            todo.append(raw)
    files = _plans(todo, plan_for)
    try:
        if files:
            _journal_started(con, files)
            try:
                with wh.transaction():
                    _load(con, files, progress)
            except BaseException as exc:
                failure = _explain(con, exc)
                _journal_failed(con, files, failure)
                if failure is exc:
                    raise
                raise failure from exc
    finally:
        for item in files:
            for path in item.plan.cleanup:
                path.unlink(missing_ok=True)
    return _results(raws, files, history, time.perf_counter() - start)


def _plans(raws: list[RawFile], plan_for: PlanFor) -> list[Loaded]:
    """Every file's plan, before anything is written (a bad file stops the batch here)."""
    files: list[Loaded] = []
    try:
        for raw in raws:
            files.append(Loaded(raw, plan_for(raw)))
    except BaseException:
        for item in files:
            for path in item.plan.cleanup:
                path.unlink(missing_ok=True)
        raise
    return files


def _results(
    raws: list[RawFile], files: list[Loaded], history: _History, seconds: float
) -> list[IngestResult]:
    loaded = {item.raw.sha256: item for item in files}
    total = sum(item.raw.bytes for item in files) or 1
    out = []
    for raw in raws:
        item = loaded.get(raw.sha256)
        if item is not None and item.raw is raw:
            result = IngestResult(
                raw.origin, raw.kind, item.plan.dataset.dataset, raw.sha256,
                "inserted" if item.inserted else "no data",
                rows_read=item.inserted, rows_inserted=item.inserted,
                rows_replaced=item.replaced, retrieved_at=raw.retrieved_at,
                seconds=seconds * raw.bytes / total, resumed=raw.sha256 in history.resumed,
            )  # fmt: skip
            out.append(result)
            continue
        dataset = history.done.get((raw.sha256, raw.kind)) or (
            item.plan.dataset.dataset if item else ""
        )
        skipped = IngestResult(
            raw.origin, raw.kind, dataset, raw.sha256, "already ingested",
            retrieved_at=raw.retrieved_at,
        )  # fmt: skip
        out.append(skipped)
    return out


# -- the transaction ------------------------------------------------------------------------
class _ReadFailed(Exception):
    """The reader failed on one of ``files`` (explained after the rollback)."""

    def __init__(self, files: list[Loaded], exc: Exception) -> None:
        super().__init__(str(exc))
        self.files, self.exc = files, exc


def _load(
    con: duckdb.DuckDBPyConnection, files: list[Loaded], progress: BatchProgress | None
) -> None:
    for item in files:
        if item.plan.before:
            item.plan.before(con)
    _register(con, files)
    for group in _read_groups(files):
        _insert(con, group, progress)
    for item in files:
        plan, raw = item.plan, item.raw
        if item.inserted == 0 and not plan.allow_empty:
            raise InputFileError(f"{raw.path}: no data rows")
        if plan.expected_rows is not None and item.inserted != plan.expected_rows:
            raise ParseError(
                f"{raw.path}: says it holds {plan.expected_rows:,} records but "
                f"{item.inserted:,} were read (truncated?)"
            )
    validate(con, files)
    shared = check_duplicates(con, files)
    replace_rows(con, files, shared)
    _record(con, files)


def _register(con: duckdb.DuckDBPyConnection, files: list[Loaded]) -> None:
    """Give the files ids in batch order and record them in raw_files (two statements)."""
    shas = [f.raw.sha256 for f in files]
    clash = con.execute(
        "SELECT sha256, kind FROM raw_files WHERE list_contains($shas, sha256) LIMIT 1",
        {"shas": shas},
    ).fetchone()
    if clash:
        path = next(f.raw.path for f in files if f.raw.sha256 == clash[0])
        raise InputFileError(f"{path}: the same content was already ingested as {clash[1]}")
    ids = sorted(
        r[0]
        for r in con.execute(
            "SELECT nextval('file_id_seq') FROM range($n)", {"n": len(files)}
        ).fetchall()
    )
    for item, file_id in zip(files, ids, strict=True):
        item.file_id = file_id
    columns = {
        "file_id": ids,
        "sha256": shas,
        "origin": [f.raw.origin for f in files],
        "kind": [f.raw.kind for f in files],
        "bytes": [f.raw.bytes for f in files],
        "retrieved_at": [f.raw.retrieved_at for f in files],
        "archived_path": [f.raw.archived_path for f in files],
        "source": [f.plan.dataset.source for f in files],
        "dataset": [f.plan.dataset.dataset for f in files],
        "hs_rev": [f.plan.hs_rev for f in files],
        "synthetic": [f.plan.dataset.synthetic for f in files],
    }
    con.execute(
        f"INSERT INTO raw_files ({', '.join(columns)}) SELECT "
        + ", ".join(f"CAST(unnest(${c}) AS {_RAW_TYPES[c]})" for c in columns),
        columns,
    )


_RAW_TYPES = {
    "file_id": "INTEGER", "sha256": "VARCHAR", "origin": "VARCHAR", "kind": "VARCHAR",
    "bytes": "BIGINT", "retrieved_at": "TIMESTAMP", "archived_path": "VARCHAR",
    "source": "VARCHAR", "dataset": "VARCHAR", "hs_rev": "VARCHAR", "synthetic": "BOOLEAN",
}  # fmt: skip


def _read_groups(files: list[Loaded]) -> list[list[Loaded]]:
    """Files read by one statement: those with the same batch key; the others one by one."""
    groups: dict[object, list[Loaded]] = {}
    out: list[list[Loaded]] = []
    for item in files:
        batch = item.plan.batch
        if batch is None:
            out.append([item])
        elif batch.key in groups:
            groups[batch.key].append(item)
        else:
            groups[batch.key] = [item]
            out.append(groups[batch.key])
    return out


def _insert(
    con: duckdb.DuckDBPyConnection, group: list[Loaded], progress: BatchProgress | None
) -> None:
    import duckdb

    first = group[0]
    target = first.plan.target
    if len(group) == 1:
        plan = first.plan
        given = {"ts": first.raw.retrieved_at, **plan.params, "file_id": first.file_id}
        sql = plan.select_sql
        params = {k: v for k, v in given.items() if f"${k}" in sql}
        name = first.raw.path.name
    else:
        batch: BatchRead = first.plan.batch  # type: ignore[assignment]
        sql = batch.select([(str(f.plan.batch.path), f.file_id) for f in group])  # type: ignore[union-attr]
        params = {}
        name = f"{len(group)} files"
    # ORDER BY: rows land sorted by the keys queries filter on (kept whatever the setting).
    insert = f"INSERT INTO {target} SELECT * FROM ({sql}) ORDER BY {sort_ordinals(target)}"
    con.execute(f"SET preserve_insertion_order = {str(first.plan.ordered).lower()}")
    try:
        if progress:
            with Progress(con, lambda pct: progress(name, pct)):
                inserted = con.execute(insert, params).fetchone()[0]
        else:
            inserted = con.execute(insert, params).fetchone()[0]
    except duckdb.Error as exc:
        raise _ReadFailed(group, exc) from exc
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses statements
            con.execute("SET preserve_insertion_order = true")
    if len(group) == 1:
        first.inserted = inserted
        return
    ids = [f.file_id for f in group]
    counts = dict(
        con.execute(
            f"""SELECT file_id, count(*) FROM {target}
                WHERE file_id BETWEEN {min(ids)} AND {max(ids)} GROUP BY file_id"""
        ).fetchall()
    )
    for item in group:
        item.inserted = counts.get(item.file_id, 0)


def _explain(con: duckdb.DuckDBPyConnection, exc: BaseException) -> BaseException:
    """After the rollback: the error to show for ``exc`` (a reader error names file and line)."""
    if is_interrupt(exc) or (isinstance(exc, _ReadFailed) and is_interrupt(exc.exc)):
        return KeyboardInterrupt()
    if not isinstance(exc, _ReadFailed):
        return exc
    import duckdb

    con.execute("SET preserve_insertion_order = true")  # row numbers below need file order

    culprit = _culprit(con, exc)
    if culprit.plan.explain:
        try:
            found = culprit.plan.explain(con)
        except duckdb.Error:  # the file does not even read as text: DuckDB's message says why
            found = None
        if found is not None:
            return found
    return explain_reader_error(culprit.raw.path, exc.exc)


def _culprit(con: duckdb.DuckDBPyConnection, failed: _ReadFailed) -> Loaded:
    """The file of a group whose reading fails (reads each alone when the error is unclear)."""
    import duckdb

    if len(failed.files) == 1:
        return failed.files[0]
    text = str(failed.exc)
    for item in failed.files:
        if item.plan.batch and str(item.plan.batch.path) in text:
            return item
    for item in failed.files:
        try:
            con.execute(f"SELECT count(*) FROM ({item.plan.select_sql})", {"file_id": 0})
        except duckdb.Error as exc:
            failed.exc = exc
            return item
    return failed.files[0]


# -- journal --------------------------------------------------------------------------------
def _journal_started(con: duckdb.DuckDBPyConnection, files: list[Loaded]) -> None:
    rows = con.execute(
        """INSERT INTO ingest_journal (sha256, origin, kind, dataset, status, started_at)
           SELECT unnest($shas), unnest($origins), unnest($kinds), unnest($datasets),
                  'started', now()::TIMESTAMP
           RETURNING sha256, run_id""",
        {
            "shas": [f.raw.sha256 for f in files],
            "origins": [f.raw.origin for f in files],
            "kinds": [f.raw.kind for f in files],
            "datasets": [f.plan.dataset.dataset for f in files],
        },
    ).fetchall()
    run_ids = dict(rows)
    for item in files:
        item.run_id = run_ids[item.raw.sha256]


def _journal_failed(
    con: duckdb.DuckDBPyConnection, files: list[Loaded], exc: BaseException
) -> None:
    text = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
    message = text.splitlines()[0] if text else type(exc).__name__
    con.execute(
        """UPDATE ingest_journal SET status = 'failed', finished_at = now()::TIMESTAMP,
           message = $message WHERE list_contains($ids, run_id)""",
        {"message": message[:500], "ids": [f.run_id for f in files]},
    )


def _record(con: duckdb.DuckDBPyConnection, files: list[Loaded]) -> None:
    infos = {f.plan.dataset.dataset: f.plan.dataset for f in files}
    for info in infos.values():
        con.execute(
            "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [info.dataset, info.source, info.description, info.value_unit_original,
             info.weight_unit_original, info.value_basis, info.licence, info.synthetic],
        )  # fmt: skip
    con.execute(
        """UPDATE ingest_journal SET status = 'done', finished_at = now()::TIMESTAMP,
               rows_read = v.n, rows_inserted = v.n, rows_replaced = v.r, rows_skipped = 0
           FROM (SELECT unnest($ids) AS run_id, unnest($n) AS n, unnest($r) AS r) v
           WHERE ingest_journal.run_id = v.run_id""",
        {
            "ids": [f.run_id for f in files],
            "n": [f.inserted for f in files],
            "r": [f.replaced for f in files],
        },
    )
