"""Copy the warehouse's read tables into another database by an Ibis URL.

``corridor export database URL`` writes ``trade``, ``ref_country``, ``ref_country_group``,
``ref_hs``, ``raw_files`` and ``datasets`` (the columns of
:data:`corridor.reference.record.READ_TABLES`, in order, with their types) into any database
Ibis can write to — Postgres above all — so that ``--engine url`` with
``CORRIDOR_ENGINE_URL=URL`` answers the same questions there. ``trade`` is streamed in
batches (bounded memory) into staging tables that replace the live ones only when every
table is complete. Tables of those names already there are refused unless ``replace``.
Engines that read files in place (Trino, BigQuery, Spark) read the Parquet export instead:
``corridor export parquet``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import CorridorError, InvalidQuery, first_line
from corridor.reference.record import READ_TABLES, ibis_schema

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb
    from ibis.backends import BaseBackend

__all__ = ["CopyResult", "connect_url", "copy_to_database", "safe_url"]

#: rows per insert of the trade table
BATCH_ROWS = 50_000
#: prefix of the tables a copy writes before they replace the live ones
STAGING = "corridor_staging_"


@dataclass(frozen=True)
class CopyResult:
    """What a copy did: the rows written per table and the wall time."""

    tables: dict[str, int]
    seconds: float


def connect_url(url: str) -> BaseBackend:
    """The Ibis backend at ``url``; a failure is one line without the password."""
    import ibis

    try:
        return ibis.connect(url)
    except Exception as exc:  # driver errors differ per backend: one line for each
        raise CorridorError(
            f"cannot connect to {safe_url(url)}: {first_line(exc)} (an Ibis URL is expected, "
            "e.g. postgres://user@host:5432/db)"
        ) from exc


def safe_url(url: str) -> str:
    """``url`` without its password (it must not reach a log or an error line)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


def copy_to_database(
    warehouse: Path,
    url: str,
    *,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CopyResult:
    """Copy the read tables of ``warehouse`` into the database at ``url``.

    Every table is written under a staging name (:data:`STAGING` + name) and the staged
    tables replace the live ones only once all are complete, so an interrupted copy never
    leaves a partial ``trade`` where ``--engine url`` reads; the next copy drops the leftovers.
    """
    import duckdb

    if not Path(warehouse).is_file():
        raise InvalidQuery(f"{warehouse} is not a warehouse file: copy from a .duckdb warehouse")
    started = time.perf_counter()
    target = connect_url(url)
    try:
        there = set(target.list_tables())
        clash = sorted(there & set(READ_TABLES))
        if clash and not replace:
            raise InvalidQuery(
                f"{safe_url(url)} already has {', '.join(clash)}: pass --replace to overwrite them"
            )
        for left in sorted(t for t in there if t.startswith(STAGING)):  # an interrupted copy
            target.drop_table(left, force=True)
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            written = {name: _stage(con, target, name, progress) for name in READ_TABLES}
        finally:
            con.close()
        _swap_in(target)
    except duckdb.Error as exc:
        raise CorridorError(f"cannot read {warehouse}: {first_line(exc)}") from exc
    except CorridorError:
        raise
    except Exception as exc:  # the target's driver: one line, no traceback
        raise CorridorError(f"cannot write to {safe_url(url)}: {first_line(exc)}") from exc
    return CopyResult(written, time.perf_counter() - started)


def _swap_in(target: BaseBackend) -> None:
    """Replace the live tables by the staged ones (one transaction on Postgres)."""
    sql = []
    for name in READ_TABLES:
        sql += [f"DROP TABLE IF EXISTS {name}", f"ALTER TABLE {STAGING}{name} RENAME TO {name}"]
    if target.name == "postgres":  # DDL is transactional there: readers see old or new
        with target.begin() as cur:
            for statement in sql:
                cur.execute(statement)
            for name in READ_TABLES:  # fresh statistics, or its planner guesses badly
                cur.execute(f"ANALYZE {name}")
        return
    for statement in sql:
        cur = target.raw_sql(statement)
        if hasattr(cur, "close"):
            cur.close()


def _stage(
    con: duckdb.DuckDBPyConnection,
    target: BaseBackend,
    name: str,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Write table ``name`` of the warehouse as ``STAGING + name``; its row count."""
    import ibis
    import pyarrow as pa

    schema = ibis.schema(ibis_schema(name))
    target.create_table(STAGING + name, schema=schema, overwrite=True)
    total = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    cols = ", ".join(READ_TABLES[name])
    rows = 0
    for batch in con.sql(f"SELECT {cols} FROM {name}").to_arrow_reader(BATCH_ROWS):
        if batch.num_rows:
            target.insert(STAGING + name, pa.Table.from_batches([batch]).cast(schema.to_pyarrow()))
            rows += batch.num_rows
            if name == "trade" and progress is not None:
                progress(rows, total)
    return rows
