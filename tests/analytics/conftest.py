"""Fixtures for the analytics suite: an engine-parametrised backend (Spark: ``spark_con``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from corridor.store.schema import TRADE_COLUMNS

_ARROW = {"SMALLINT": pa.int16(), "TINYINT": pa.int8(), "INTEGER": pa.int32(),
          "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR": pa.string(),
          "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us")}  # fmt: skip
SCHEMA = pa.schema([(n, _ARROW[k.split()[0]]) for n, k in TRADE_COLUMNS.items()])
DEFAULTS: dict[str, Any] = {
    "freq": "A", "partner2": 0, "flow": "M", "hs_rev": "H5", "hs_code": "7601",
    "customs_code": "C00", "mot_code": 0, "value_usd": None, "value_basis": "CIF",
    "net_weight_kg": None, "qty": None, "qty_unit": None, "is_estimated_weight": False,
    "source": "test", "dataset": "test", "retrieved_at": None, "raw_ref": "ref",
    "synthetic": False,
}  # fmt: skip


def make_trade(rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical trade rows from short dicts (year, reporter, partner, value_usd, ...)."""
    out = []
    for i, r in enumerate(rows, 1):
        full = {**DEFAULTS, "raw_row": i, **r}
        full.setdefault("period", str(full["year"]))
        full["hs_level"] = len(full["hs_code"])
        if full["flow"] in {"X", "RX"} and "value_basis" not in r:
            full["value_basis"] = "FOB"
        out.append({k: full[k] for k in TRADE_COLUMNS})
    return pa.Table.from_pylist(out, schema=SCHEMA)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request) -> str:
    """Engine name: every indicator test runs on both."""
    return request.param


@pytest.fixture
def con(engine: str, request):
    """An Ibis backend for the engine (fresh in-memory DuckDB, or the shared Spark one)."""
    if engine == "spark":
        return request.getfixturevalue("spark_con")
    import ibis

    return ibis.duckdb.connect()


@pytest.fixture
def load(con):
    """Put an Arrow table on the backend as ``trade`` and return the Ibis table."""
    from corridor.store.catalog import table_from_arrow

    def _load(data: pa.Table | list[dict[str, Any]], name: str = "trade"):
        if isinstance(data, list):
            data = make_trade(data)
        return table_from_arrow(con, name, data)

    return _load


@pytest.fixture(scope="session")
def sample_table() -> pa.Table:
    """The synthetic sample corridor (generated once)."""
    from corridor.sample import generate_sample

    return generate_sample()


@pytest.fixture(scope="session")
def trade_schema() -> pa.Schema:
    """The canonical trade table's Arrow schema."""
    return SCHEMA
