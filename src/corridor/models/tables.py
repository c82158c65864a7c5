"""Typed Arrow tables from declared columns (shared by the scenario models)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.units import Column

__all__ = ["schema_of", "table_of"]


def schema_of(columns: Sequence[Column]) -> pa.Schema:
    """Arrow schema whose fields carry each column's unit and meaning as metadata."""
    import pyarrow as pa

    types = {
        "int16": pa.int16(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "string": pa.string(),
        "bool": pa.bool_(),
        "date32": pa.date32(),
    }
    return pa.schema(
        [
            pa.field(c.name, types[c.dtype], metadata={"unit": c.unit.value, "meaning": c.meaning})
            for c in columns
        ]
    )


def table_of(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (dicts) as an Arrow table with the declared columns, in their order."""
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=schema_of(columns))
