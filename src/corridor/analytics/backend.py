"""Where analytics run: an Ibis backend over the warehouse's tables.

* ``duckdb`` (default) — the warehouse's own DuckDB connection, no copy.
* ``spark`` — one local SparkSession per process (:func:`spark_backend`); the warehouse's
  ``trade`` rows in scope are copied DuckDB → Arrow → Spark into a temporary view. Fine for
  corridor-scoped data; for whole-table work on a cluster, point Spark at Parquet instead.
* any other Ibis backend by URL — ``CORRIDOR_ENGINE_URL`` (e.g. ``trino://user@host:8080/hive/trade``,
  ``postgres://user:pass@host/db``, ``bigquery://project/dataset``) must expose a table named
  ``trade`` with the canonical columns (:mod:`corridor.store.schema`). Untested here.
"""

from __future__ import annotations

import os
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InvalidQuery

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend
    from pyspark.sql import SparkSession

    from corridor.store.warehouse import Warehouse

__all__ = [
    "ENGINES",
    "backend_for",
    "duckdb_backend",
    "spark_backend",
    "spark_session",
    "table_from_arrow",
    "trade_table",
]

ENGINES = ("duckdb", "spark")
_LOCK = threading.Lock()
_SESSION: SparkSession | None = None


def duckdb_backend(wh: Warehouse) -> BaseBackend:
    """An Ibis DuckDB backend sharing the warehouse's open connection."""
    import ibis

    return ibis.duckdb.from_connection(wh.con)


def _log4j_path() -> Path:
    ref = resources.files("corridor.store").joinpath("log4j2.properties")
    with resources.as_file(ref) as p:
        return Path(p)


def spark_session(memory: str = "2g", cores: int = 2) -> SparkSession:
    """The process's one local SparkSession (created on first call, then reused).

    Settings: ``local[cores]``, 2 shuffle partitions, UI and progress bar off, UTC, Arrow
    transfer on, ``spark.sql.warehouse.dir`` in a fresh temporary directory (never
    ``./spark-warehouse``), log4j2 at ERROR. ``JAVA_HOME`` defaults to Java 17 when unset.
    """
    global _SESSION
    with _LOCK:
        if _SESSION is not None and _SESSION.sparkContext._jsc is not None:
            return _SESSION
        java17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
        if "JAVA_HOME" not in os.environ and java17.is_dir():
            os.environ["JAVA_HOME"] = str(java17)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InvalidQuery(
                "engine 'spark' needs pyspark: pip install 'corridor[spark]'"
            ) from exc
        warehouse_dir = tempfile.mkdtemp(prefix="corridor-spark-")
        log4j = _log4j_path()
        session = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("corridor")
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", str(cores))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.warehouse.dir", warehouse_dir)
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        _SESSION = session
        return session


def spark_backend() -> BaseBackend:
    """An Ibis PySpark backend on the process's local SparkSession."""
    import ibis

    return ibis.pyspark.connect(spark_session())


def table_from_arrow(backend: BaseBackend, name: str, data) -> ir.Table:
    """Expose an Arrow table as ``name`` on ``backend`` (a temporary view) and return it.

    DuckDB registers the Arrow data in place; Spark goes through ``createDataFrame`` and
    ``createOrReplaceTempView`` (no managed table, so nothing is written to disk).
    """
    if backend.name == "pyspark":
        session = backend._session
        session.createDataFrame(data.to_pandas()).createOrReplaceTempView(name)
        return backend.table(name)
    import ibis

    backend.create_view(name, ibis.memtable(data), overwrite=True)
    return backend.table(name)


def _engine_url() -> str | None:
    return os.environ.get("CORRIDOR_ENGINE_URL")


def backend_for(engine: str, wh: Warehouse, *, hs: tuple[str, ...] | None = None) -> BaseBackend:
    """The Ibis backend for ``engine`` with a ``trade`` table the analytics can read.

    Args:
        engine: ``duckdb`` (the warehouse itself), ``spark`` (local session; the warehouse's
            trade rows, restricted to HS prefixes ``hs`` if given, are copied into a
            temporary view) or ``url`` (``ibis.connect(CORRIDOR_ENGINE_URL)``; the remote
            database must hold a canonical ``trade`` table).
        wh: The open warehouse.
        hs: HS prefixes to copy to Spark (``None``: every row).
    """
    if engine == "duckdb":
        return duckdb_backend(wh)
    if engine == "spark":
        backend = spark_backend()
        sql = "SELECT * FROM trade"
        params: list = []
        if hs:
            sql += " WHERE " + " OR ".join("starts_with(hs_code, ?)" for _ in hs)
            params = list(hs)
        data = wh.con.sql(sql, params=params).to_arrow_table()
        table_from_arrow(backend, "trade", data)
        return backend
    if engine == "url":
        import ibis

        url = _engine_url()
        if not url:
            raise InvalidQuery("engine 'url' needs CORRIDOR_ENGINE_URL (an Ibis connection URL)")
        return ibis.connect(url)
    raise InvalidQuery(f"engine '{engine}' (accepted: duckdb, spark, url)")


def trade_table(backend: BaseBackend) -> ir.Table:
    """The canonical trade table as an Ibis expression."""
    return backend.table("trade")
