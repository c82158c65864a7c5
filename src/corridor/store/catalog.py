"""The read side: where analytics find their tables, on which engine.

A :class:`Catalog` opens the data read-only and runs what analytics compiled — SQL text on
DuckDB (the fast path: no Ibis needed at run time) or Ibis expressions on any backend. It
is the only module on the read side that touches a database connection; sessions, services
and faces go through it.

* ``duckdb`` (default) — the warehouse file, opened read-only. Opening checks the schema
  version and nothing else.
* ``spark`` — one local SparkSession per process; the warehouse's trade rows for the HS
  chapters in scope and the reference tables are copied DuckDB → Arrow → Spark temporary
  views. (Reading the Parquet export directly is the scale path.)
* ``url`` — any Ibis backend by ``CORRIDOR_ENGINE_URL`` (Trino, BigQuery, Postgres…) that
  exposes ``trade``, ``ref_country``, ``ref_country_group`` and ``datasets`` tables with the
  columns of :data:`corridor.reference.record.READ_TABLES` (``corridor export database URL``
  copies them there). Tested on PostgreSQL (tests/test_engine_url.py).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, InvalidQuery, NotFound, first_line
from corridor.reference.record import READ_TABLES

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb
    import ibis.expr.types as ir
    import pyarrow as pa
    from ibis.backends import BaseBackend
    from pyspark.sql import SparkSession

__all__ = ["Catalog", "TariffRead", "open_catalog", "spark_session", "table_from_arrow"]

_LOCK = threading.Lock()
_SPARK: SparkSession | None = None


@dataclass(frozen=True)
class TariffRead:
    """One importer's tariff rows as stored by ``corridor ingest tariffs``, with file facts.

    Attributes:
        table: the rows of ``dataset`` (the columns of
            :data:`corridor.reference.tariffs.TARIFF_COLUMNS`, sorted by line and column);
            empty when the warehouse holds none (or has no tariff table at all).
        dataset: the dataset read (the one asked for, else the newest edition), or None.
        datasets: every tariff dataset the warehouse holds for the importer, newest first.
        files: the raw files behind ``dataset``: origin, sha256, retrieved_at, source.
    """

    table: pa.Table
    dataset: str | None
    datasets: tuple[str, ...]
    files: tuple[dict[str, Any], ...]

    @property
    def origins(self) -> list[str]:
        """The raw files' origins (paths or URLs)."""
        return [f["origin"] for f in self.files]

    @property
    def sha256(self) -> list[str]:
        """The raw files' sha256 digests."""
        return [f["sha256"] for f in self.files]

    @property
    def retrieved_at(self) -> list[datetime]:
        """When each raw file was retrieved."""
        return [f["retrieved_at"] for f in self.files]


def _engine() -> ModuleType:
    """DuckDB's engine: its C extension alone where it ships as ``_duckdb``, else ``duckdb``.

    Opening a warehouse and running SQL text need only the extension (``duckdb.connect`` and
    ``duckdb.Error`` are ``_duckdb``'s); the package's Python layer (relations, expressions)
    adds ≈ 50 ms of imports to a first query. Relations import it (:meth:`Catalog._relation`).
    """
    try:
        import _duckdb
    except ImportError:  # a duckdb release whose extension is not the top-level _duckdb
        import duckdb as _duckdb
    return _duckdb


class Catalog:
    """Read-only access to one warehouse on one engine (use as a context manager).

    Attributes:
        engine: ``duckdb``, ``spark`` or ``url``.
        path: the warehouse file (the source of the copy for Spark).
        statements: how many statements (SQL texts or Ibis expressions) were run.
    """

    def __init__(self, path: Path, *, engine: str = "duckdb") -> None:
        duckdb = _engine()
        self.path = Path(path)
        self.engine = engine
        self.statements = 0
        self._backend: BaseBackend | None = None
        self._copied: set[tuple[str, ...]] = set()
        self.parquet: dict[str, Any] | None = None
        if self.path.is_dir():
            from corridor.store.export import is_export

            if is_export(self.path):
                self._con = self._open_parquet()
                self._check_schema()
                return
        if not self.path.is_file():
            from corridor.settings import get_settings

            sample = get_settings().sample_warehouse_path
            hint = (
                f"the synthetic sample is in {sample}: add --warehouse {sample}"
                if sample.is_file() and sample != self.path
                else "load data first (`corridor sample`, `corridor ingest ...`, "
                "`corridor fetch ...`) or pass --warehouse"
            )
            if self.path.is_dir():
                raise NotFound(
                    f"{self.path} is a directory without a corridor export manifest, not a "
                    f"warehouse — {hint}"
                )
            raise NotFound(f"no warehouse at {self.path} — {hint}")
        try:
            self._con: duckdb.DuckDBPyConnection = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            first = first_line(exc)
            raise CorridorError(f"cannot open warehouse {self.path}: {first}") from exc
        self._check_schema()

    def _open_parquet(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB whose read tables are views over the export's Parquet files.

        Opening checks the manifest's format and that every listed file is there with its
        size (cheap: no hashing — ``corridor export verify`` hashes).
        """
        import duckdb

        from corridor.errors import DataQualityError
        from corridor.store.export import read_manifest

        doc = read_manifest(self.path)
        remote = self.engine == "spark" and self._spark_root() != str(self.path)
        for f in doc["files"] if not remote else ():  # the cluster's copy is checked there
            file = self.path / f["path"]
            if not file.is_file() or file.stat().st_size != f["bytes"]:
                raise DataQualityError(
                    f"export {self.path} does not match its manifest: {file} is "
                    f"{'missing' if not file.is_file() else 'of another size'} — run "
                    f"`corridor export verify {self.path}`"
                )
        self.parquet = doc
        con = duckdb.connect()
        if remote:  # only the manifest is here: the small tables are read by Spark
            return con
        for name, sql in parquet_views(self.path, doc).items():
            con.execute(f"CREATE VIEW {name} AS {sql}")
        return con

    def _spark_root(self) -> str:
        """Where Spark reads the export: ``CORRIDOR_SPARK_DATA_URL`` or the local path."""
        from corridor.settings import get_settings

        url = get_settings().spark_data_url
        return url.rstrip("/") if url else str(self.path)

    def _check_schema(self) -> None:
        duckdb = _engine()
        if (
            self.parquet is not None
            and self.engine == "spark"
            and not self._con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
            ).fetchone()[0]
        ):  # a remote export: the manifest says which schema it holds
            from corridor.store.schema import SCHEMA_VERSION

            if self.parquet["warehouse_schema"] != SCHEMA_VERSION:
                raise CorridorError(
                    f"{self.path}: export of warehouse schema "
                    f"{self.parquet['warehouse_schema']}, this corridor needs {SCHEMA_VERSION}"
                )
            return

        from corridor.store.schema import SCHEMA_VERSION

        try:  # the tables held come in the same statement: later reads need not ask
            rows = self._con.execute(
                "SELECT value, (SELECT list(table_name) FROM information_schema.tables) "
                "FROM meta WHERE key = 'schema'"
            ).fetchall()
        except duckdb.Error:
            rows = []
        row = rows[0] if rows else None
        self.statements += 1
        if row is not None:
            self._tables = frozenset(row[1] or ())
        if row is None or row[0] != SCHEMA_VERSION:
            found = "no corridor schema" if row is None else f"schema {row[0]}"
            raise CorridorError(
                f"{self.path} is not a corridor warehouse this version can read ({found}; "
                f"needs schema {SCHEMA_VERSION}) — move it aside and load the data again"
            )

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (Spark's session stays for the process)."""
        self._con.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def label(self) -> str:
        """Where results come from, for provenance (``duckdb:/path`` or ``spark:/path``)."""
        return f"{self.engine}:{self.path}"

    @property
    def reads_from(self) -> str:
        """Where the trade rows are read: the warehouse path, or the database URL (no password)."""
        if self.engine == "url":
            from corridor.store.database import safe_url

            return safe_url(os.environ.get("CORRIDOR_ENGINE_URL", ""))
        return str(self.path)

    @property
    def is_parquet(self) -> bool:
        """True when the catalog reads a Parquet export (a directory with a manifest)."""
        return self.parquet is not None

    @property
    def compiles_sql(self) -> bool:
        """True when compiled SQL text runs here directly (DuckDB)."""
        return self.engine == "duckdb"

    # -- the SQL fast path (DuckDB) ----------------------------------------------------------
    def run(self, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Run SQL text with named ``$parameters``; return (column names, rows)."""
        duckdb = _engine()
        self.statements += 1
        try:
            cur = self._con.execute(sql, params or {})
            names = [d[0] for d in cur.description]
            return names, cur.fetchall()
        except duckdb.Error as exc:
            first = first_line(exc)
            raise CorridorError(f"query failed on {self.label}: {first}") from exc

    #: temporary tables kept at once (least recently used dropped first; see temp_table)
    TEMP_TABLES = 32

    def temp_table(self, key: tuple, sql: str, params: dict[str, Any] | None = None) -> str:
        """A temporary table holding ``sql``'s rows, created once per ``key``; its name.

        Temporary tables live in this connection's memory (the warehouse stays read-only):
        a session keeps its corridor's rows here so that its indicators read a few thousand
        rows instead of planning over the whole warehouse each time. At most
        :attr:`TEMP_TABLES` are kept: creating one more drops the least recently used, so a
        caller asks for the name each time it reads the table (it is made again if dropped).
        """
        from collections import OrderedDict

        duckdb = _engine()
        names: OrderedDict[tuple, str] = self.__dict__.setdefault("_temp", OrderedDict())
        if key in names:
            names.move_to_end(key)
            return names[key]
        made = self.__dict__.get("_temp_made", 0) + 1
        self.__dict__["_temp_made"] = made
        name = f"corridor_slice_{made}"
        self.statements += 1
        try:
            self._con.execute(f"CREATE TEMP TABLE {name} AS {sql}", params or {})
        except duckdb.Error as exc:
            first = first_line(exc)
            raise CorridorError(f"query failed on {self.label}: {first}") from exc
        names[key] = name
        while len(names) > self.TEMP_TABLES:
            _, old = names.popitem(last=False)
            self._con.execute(f"DROP TABLE IF EXISTS temp.{old}")
        return name

    def find_temp(self, covers: Callable[[tuple], bool]) -> str | None:
        """The name of a temporary table already made whose key ``covers`` accepts, or None."""
        names = self.__dict__.get("_temp", {})
        for key, name in reversed(names.items()):
            if covers(key):
                names.move_to_end(key)
                return name
        return None

    def arrow(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run SQL text and return an Arrow table (typed by DuckDB)."""
        self.statements += 1
        return self._relation(sql, params).to_arrow_table()

    def batches(self, sql: str, params: dict[str, Any] | None = None, rows: int = 1 << 17):
        """Run SQL text and stream the result as an Arrow RecordBatchReader."""
        self.statements += 1
        return self._relation(sql, params).to_arrow_reader(rows)

    def _relation(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        """``sql`` as a DuckDB relation (the duckdb package's Python layer, imported here)."""
        import duckdb  # noqa: F401  (gives connections their relation methods)

        return self._con.sql(sql, params=params or None)

    # -- tariff schedules (DuckDB: the warehouse file itself, on every engine) ----------------
    def tariff_lines(self, importer: int, dataset: str | None = None) -> TariffRead:
        """The tariff rows of one importer (``dataset``: one tariff dataset; default newest).

        Tariff rows are small reference facts kept in the warehouse file, so they are read
        from it with DuckDB whatever the engine. A warehouse written before tariffs existed
        (no ``tariff_lines`` table) or without rows for the importer gives an empty read;
        a ``dataset`` the warehouse does not hold gives an empty table and the names found.
        """
        import pyarrow as pa

        from corridor.reference.tariffs import tariff_schema

        schema = tariff_schema()
        empty = pa.Table.from_batches([], schema=schema)  # (empty_table() imports pandas)
        tables = self.__dict__.get("_tables")
        if tables is None:  # a remote export: no meta table read at open
            _, found = self.run(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tariff_lines'"
            )
            tables = {"tariff_lines"} if found[0][0] else set()
        if "tariff_lines" not in tables:
            return TariffRead(empty, None, (), ())
        _, found = self.run(
            """SELECT f.dataset, max(t.valid_from) AS edition, count(*) AS n
               FROM tariff_lines t JOIN raw_files f USING (file_id)
               WHERE t.importer = $importer GROUP BY f.dataset
               ORDER BY edition DESC, n DESC, f.dataset""",
            {"importer": importer},
        )
        names = tuple(d for d, _, _ in found)
        chosen = dataset if dataset is not None else (names[0] if names else None)
        if chosen is None or chosen not in names:
            return TariffRead(empty, None, names, ())
        params = {"importer": importer, "dataset": chosen}
        table = self.arrow(
            """SELECT t.* EXCLUDE (file_id) FROM tariff_lines t JOIN raw_files f USING (file_id)
               WHERE t.importer = $importer AND f.dataset = $dataset
               ORDER BY national_line, column_name, partner NULLS FIRST, valid_from""",
            params,
        ).cast(schema)
        cols, rows = self.run(
            """SELECT origin, sha256, retrieved_at, source FROM raw_files
               WHERE dataset = $dataset AND file_id IN (
                   SELECT DISTINCT t.file_id FROM tariff_lines t WHERE t.importer = $importer)
               ORDER BY retrieved_at, origin""",
            params,
        )
        files = tuple(dict(zip(cols, r, strict=True)) for r in rows)
        return TariffRead(table, chosen, names, files)

    # -- the Ibis path (any engine) ----------------------------------------------------------
    def backend(self, hs_chapters: tuple[str, ...] = ()) -> BaseBackend:
        """The Ibis backend holding the read tables (Spark: copied for these HS chapters)."""
        if self.engine == "duckdb":
            if self._backend is None:
                import ibis

                self._backend = ibis.duckdb.from_connection(self._con)
            return self._backend
        if self.engine == "spark":
            if self._backend is None:
                import ibis

                self._backend = ibis.pyspark.connect(spark_session())
            if self.parquet is not None:
                self._spark_views(hs_chapters)
            else:
                self._copy_to_spark(hs_chapters)
            return self._backend
        if self._backend is None:
            from corridor.store.database import connect_url

            url = os.environ.get("CORRIDOR_ENGINE_URL")
            if not url:
                raise InvalidQuery(
                    "engine 'url' needs CORRIDOR_ENGINE_URL (an Ibis connection URL)"
                )
            self._backend = connect_url(url)
        return self._backend

    def execute(self, expr: ir.Table, params: dict[Any, Any] | None = None) -> pa.Table:
        """Run an Ibis expression (unbound tables resolve by name) and return Arrow."""
        backend = self.backend()
        self.statements += 1
        return backend.to_pyarrow(expr, params=params)

    def _spark_views(self, chapters: tuple[str, ...]) -> None:
        """Spark reads the export's Parquet where it lies: one temporary view per table.

        ``trade`` is limited to the HS chapters in scope (partition pruning: the other
        chapters' files are never opened); nothing is copied through this process.
        """
        key = tuple(sorted(chapters))
        if key in self._copied or (self._copied and not key):
            return
        session = self._backend._session
        frames = spark_frames(session, self._spark_root(), self.parquet, key)
        for name, frame in frames.items():
            frame.createOrReplaceTempView(name)
        self._copied = {key}

    def _copy_to_spark(self, chapters: tuple[str, ...]) -> None:
        key = tuple(sorted(chapters))
        if key in self._copied or (self._copied and not key):
            return
        backend = self._backend
        sql = "SELECT * FROM trade"
        params: list[Any] = []
        if key:
            sql += " WHERE " + " OR ".join("starts_with(hs_code, ?)" for _ in key)
            params = list(key)
        table_from_arrow(backend, "trade", self._relation(sql, params).to_arrow_table())
        for name in READ_TABLES:
            if name != "trade":
                table_from_arrow(
                    backend, name, self._relation(f"SELECT * FROM {name}").to_arrow_table()
                )
        self._copied = {key}


def open_catalog(path: Path | None = None, *, engine: str = "duckdb") -> Catalog:
    """Open the configured warehouse (``--warehouse`` / ``CORRIDOR_WAREHOUSE`` / default)."""
    if path is None:
        from corridor.settings import get_settings

        path = get_settings().warehouse_path
    return Catalog(path, engine=engine)


def parquet_views(root: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """DuckDB ``SELECT`` over each table of a Parquet export (``trade`` with its partitions).

    ``trade`` has the canonical columns in their order, ``year`` typed SMALLINT from the
    Hive path; the ``chapter`` partition column is left out (it is ``hs_code``'s first two
    characters).
    """
    from corridor.reference.record import TRADE_COLUMNS

    def quoted(path: Path) -> str:
        return "'" + str(path).replace("'", "''") + "'"

    out: dict[str, str] = {}
    for name, info in manifest["tables"].items():
        files = [f["path"] for f in manifest["files"] if f["table"] == name]
        if name == "trade":
            cols = ", ".join(TRADE_COLUMNS) + ", file_id"
            if not files:
                types = dict(info["schema"])
                body = ", ".join(
                    f"CAST(NULL AS {_duck_type(types.get(c, 'int16'))}) AS {c}"
                    for c in (*TRADE_COLUMNS, "file_id")
                )
                out[name] = f"SELECT {body} WHERE false"
                continue
            glob = quoted(root / "trade" / "*" / "*" / "*.parquet")
            out[name] = (
                f"SELECT {cols} FROM read_parquet({glob}, hive_partitioning = true, "
                "hive_types = {'year': SMALLINT, 'chapter': VARCHAR})"
            )
        else:
            out[name] = f"SELECT * FROM read_parquet({quoted(root / files[0])})"
    return out


def _duck_type(arrow: str) -> str:
    return {"int16": "SMALLINT", "int8": "TINYINT", "int32": "INTEGER", "int64": "BIGINT",
            "double": "DOUBLE", "bool": "BOOLEAN", "string": "VARCHAR"}.get(
        arrow, "TIMESTAMP" if arrow.startswith("timestamp") else "VARCHAR")  # fmt: skip


def spark_frames(
    session: SparkSession,
    root: Path | str,
    manifest: dict[str, Any],
    chapters: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Spark DataFrames over a Parquet export: ``trade`` (these chapters only) and the rest.

    ``root`` is a local path or any URL Spark reads (``s3a://bucket/prefix``, ``hdfs://…``,
    ``abfss://…``): the files are read where they lie, by the executors.

    The trade schema is given (not inferred), so the partition columns keep their types:
    ``year`` SMALLINT and ``chapter`` a string (``'01'``, never the integer 1).
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType, _parse_datatype_string

    from corridor.reference.record import TRADE_COLUMNS

    frames: dict[str, Any] = {}
    for name, info in manifest["tables"].items():
        files = [f["path"] for f in manifest["files"] if f["table"] == name]
        if name != "trade":
            frames[name] = session.read.parquet(f"{root}/{files[0]}")
            continue
        types = dict(info["schema"])
        fields = [StructField(c, _parse_datatype_string(_spark_type(types[c])))
                  for c in types]  # fmt: skip
        fields += [StructField("year", _parse_datatype_string("smallint")),
                   StructField("chapter", StringType())]  # fmt: skip
        if files:
            frame = (
                session.read.schema(StructType(fields))
                .option("basePath", f"{root}/trade")
                .parquet(f"{root}/trade")
            )
        else:
            frame = session.createDataFrame([], StructType(fields))
        if chapters:
            frame = frame.where(F.col("chapter").isin(list(chapters)))
        frames[name] = frame.select(*TRADE_COLUMNS, "file_id")
    return frames


def _spark_type(arrow: str) -> str:
    if arrow.startswith("timestamp"):
        return "timestamp"
    return {"int16": "smallint", "int8": "tinyint", "int32": "int", "int64": "bigint",
            "double": "double", "bool": "boolean", "string": "string"}[arrow]  # fmt: skip


def table_from_arrow(backend: BaseBackend, name: str, data: pa.Table) -> ir.Table:
    """Expose an Arrow table as ``name`` on ``backend`` (a temporary view) and return it."""
    if backend.name == "pyspark":
        session = backend._session
        session.createDataFrame(data.to_pandas()).createOrReplaceTempView(name)
        return backend.table(name)
    import ibis

    backend.create_view(name, ibis.memtable(data), overwrite=True)
    return backend.table(name)


def _log4j_path() -> Path:
    from importlib import resources

    ref = resources.files("corridor.store").joinpath("log4j2.properties")
    with resources.as_file(ref) as p:
        return Path(p)


def spark_session(memory: str = "2g", cores: int = 2) -> SparkSession:
    """The process's one SparkSession (created on first call, then reused).

    The master is ``CORRIDOR_SPARK_MASTER`` (e.g. ``spark://host:7077`` or ``local[*]``;
    default ``local[cores]``); on a cluster the executors run the same Python as this
    process (``spark.pyspark.python``) and the Parquet paths must be readable from every
    node (a shared file system or object storage). Settings: 2 shuffle partitions, UI and
    progress bar off, UTC, Arrow transfer on, ``spark.sql.warehouse.dir`` in a fresh
    temporary directory (never ``./spark-warehouse``), log4j2 at ERROR. ``JAVA_HOME``
    defaults to Java 17 when unset.
    """
    global _SPARK
    with _LOCK:
        if _SPARK is not None and _SPARK.sparkContext._jsc is not None:
            return _SPARK
        java17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
        if "JAVA_HOME" not in os.environ and java17.is_dir():
            os.environ["JAVA_HOME"] = str(java17)
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InvalidQuery(
                "engine 'spark' needs pyspark: pip install 'corridor[spark]'"
            ) from exc
        import tempfile

        from corridor.settings import get_settings

        settings = get_settings()
        master = settings.spark_master or f"local[{cores}]"
        if master.startswith("local"):  # a cluster must reach the driver: the host's address
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(master).appName("corridor")
        if not master.startswith("local"):
            import sys

            builder = builder.config("spark.pyspark.python", sys.executable).config(
                "spark.executor.memory", settings.spark_executor_memory
            )
        session = (
            builder.config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", str(cores))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="corridor-spark-"))
            .config(
                "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{_log4j_path()}"
            )
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        _SPARK = session
        return session
