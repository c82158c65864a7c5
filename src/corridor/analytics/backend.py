"""Where analytics run: an Ibis backend over the warehouse's tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from corridor.store.warehouse import Warehouse

__all__ = ["duckdb_backend", "trade_table"]


def duckdb_backend(wh: Warehouse) -> BaseBackend:
    """An Ibis DuckDB backend sharing the warehouse's open connection."""
    import ibis

    return ibis.duckdb.from_connection(wh.con)


def trade_table(backend: BaseBackend) -> ir.Table:
    """The canonical trade table as an Ibis expression."""
    return backend.table("trade")
