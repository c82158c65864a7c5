"""The warehouse: one DuckDB file holding the trade table, reference tables and the journal."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor import __version__
from corridor.errors import CorridorError, NotFound
from corridor.store.schema import SCHEMA_VERSION, WAREHOUSE_DDL
from corridor.store.tariff_schema import TARIFF_DDL

if TYPE_CHECKING:
    import duckdb

__all__ = ["Warehouse", "open_warehouse"]


@lru_cache(maxsize=1)
def _reference_fingerprint() -> str:
    """A hash of the packaged reference data, so a warehouse reloads it after an upgrade.

    Read from the files themselves (not by importing ``corridor.reference``): cheap enough to
    check on every open.
    """
    import corridor

    digest = hashlib.sha256(__version__.encode())
    data = Path(corridor.__file__).parent / "reference" / "data"
    for path in sorted(data.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Warehouse:
    """A DuckDB warehouse file. Writers hold the only write connection; readers open read-only."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise NotFound(
                f"no warehouse at {self.path} — load data first (`corridor sample`, "
                "`corridor ingest ...`) or pass --warehouse"
            )
        if (self.path / "manifest.json").is_file():
            raise CorridorError(
                f"{self.path} is a Parquet export, read-only: analytics, brief and check read "
                "it; load data into a DuckDB warehouse file and `corridor export parquet` again"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(
                str(self.path), read_only=read_only
            )
        except duckdb.Error as exc:
            raise CorridorError(f"cannot open warehouse {self.path}: {exc}") from exc
        if not read_only:
            self._limit_memory()
            self._ensure_schema()

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: commit on success, roll back on any error."""
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            self.con.rollback()
            raise
        else:
            self.con.commit()

    def _limit_memory(self) -> None:
        from corridor.settings import get_settings

        settings = get_settings()
        spill = settings.cache_dir / "duckdb-spill"
        spill.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        self.con.execute(f"SET temp_directory = '{spill}'")

    # -- schema and reference tables -----------------------------------------------------
    def _ensure_schema(self) -> None:
        """Check the schema version: one query when nothing changed.

        Tables and reference data are built only when the file is new, or the schema or the
        packaged reference data changed.
        """
        import duckdb

        fingerprint = _reference_fingerprint()
        try:
            schema, reference = self.con.execute(
                "SELECT max(value) FILTER (WHERE key = 'schema'), "
                "max(value) FILTER (WHERE key = 'reference') FROM meta"
            ).fetchone()
        except duckdb.CatalogException:
            schema = reference = None
        if schema == SCHEMA_VERSION and reference == fingerprint:
            return
        if schema is not None and schema != SCHEMA_VERSION:
            raise CorridorError(
                f"warehouse {self.path} uses schema {schema}; this corridor needs schema "
                f"{SCHEMA_VERSION} — move the file aside and ingest again"
            )
        old = self.scalar(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'trade' AND table_type = 'BASE TABLE'"
        )
        if old:
            raise CorridorError(
                f"warehouse {self.path} uses an older layout (schema 1); this corridor needs "
                f"schema {SCHEMA_VERSION} — move the file aside and ingest again"
            )
        for ddl in (*WAREHOUSE_DDL, *TARIFF_DDL):
            self.con.execute(ddl)
        self.con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        self._load_reference(fingerprint)

    def _load_reference(self, fingerprint: str) -> None:
        from corridor.reference.countries import countries_table, groups_table
        from corridor.reference.hs import hs76_table

        tables = {
            "ref_country": countries_table(),
            "ref_country_group": groups_table(),
            "ref_hs": hs76_table(),
        }
        with self.transaction() as con:
            for name, arrow in tables.items():  # recreated: a new version may add columns
                con.register("_ref_src", arrow)
                con.execute(f"DROP TABLE IF EXISTS {name}")
                con.execute(next(d for d in WAREHOUSE_DDL if f" {name} (" in d))
                cols = ", ".join(arrow.column_names)
                con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _ref_src")
                con.unregister("_ref_src")
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('reference', ?), ('corridor_version', ?), "
                "('schema', ?)",
                [fingerprint, __version__, SCHEMA_VERSION],
            )

    # -- queries -------------------------------------------------------------------------
    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """Return the first column of the first row of a query (or None)."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def status(self) -> dict[str, Any]:
        """Counts per dataset, with provenance, for `corridor status`."""
        rows = self.con.execute(
            """
            SELECT t.dataset, any_value(t.source), count(*), min(t.year), max(t.year),
                   count(DISTINCT t.raw_ref), max(t.retrieved_at), bool_or(t.synthetic),
                   any_value(d.value_unit_original), any_value(d.weight_unit_original)
            FROM trade t LEFT JOIN datasets d USING (dataset)
            GROUP BY t.dataset ORDER BY t.dataset
            """
        ).fetchall()
        keys = (
            "dataset",
            "source",
            "rows",
            "first_year",
            "last_year",
            "raw_files",
            "retrieved_at",
            "synthetic",
            "value_unit_original",
            "weight_unit_original",
        )
        return {
            "warehouse": str(self.path),
            "datasets": [dict(zip(keys, r, strict=True)) for r in rows],
            "interrupted_ingests": self.scalar(
                "SELECT count(*) FROM ingest_journal j WHERE status = 'started' AND NOT EXISTS "
                "(SELECT 1 FROM ingest_journal d WHERE d.sha256 = j.sha256 AND d.run_id > j.run_id)"
            ),
        }


def open_warehouse(path: Path | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the configured warehouse (``--warehouse`` / ``CORRIDOR_WAREHOUSE`` / default)."""
    from corridor.settings import get_settings

    return Warehouse(path or get_settings().warehouse_path, read_only=read_only)
