"""Typed tables from declared columns (shared by the scenario models).

A :class:`TypedTable` keeps its rows as dicts and builds the Arrow table on first use:
pyarrow imports pandas (≈ 0.3 s) the first time it converts Python objects, and a brief or a
CLI table reads the rows as dicts and never needs Arrow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.units import Column

__all__ = ["TypedTable", "schema_of", "table_of"]


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


class TypedTable:
    """Rows with declared columns: ``to_pylist()`` as dicts, ``to_arrow()`` as Arrow.

    Rows hold exactly the declared columns, in order (a missing key is None, an extra one is
    dropped); a whole number in a float64 column reads back as a float, as from Arrow. A value
    of the wrong type fails here (TypeError), not when Arrow is first asked for.
    """

    __slots__ = ("_arrow", "_rows", "columns")

    def __init__(self, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> None:
        self.columns = tuple(columns)
        floats = {c.name for c in self.columns if c.dtype == "float64"}
        self._rows = [
            {c.name: _float(r.get(c.name)) if c.name in floats else r.get(c.name)
             for c in self.columns}
            for r in rows
        ]  # fmt: skip
        for c in self.columns:
            kind = _PYTHON[c.dtype]
            for r in self._rows:
                if r[c.name] is not None and not isinstance(r[c.name], kind):
                    raise TypeError(f"column {c.name} ({c.dtype}): {r[c.name]!r} is not {kind}")
        self._arrow: pa.Table | None = None

    @property
    def column_names(self) -> list[str]:
        """The declared column names, in order."""
        return [c.name for c in self.columns]

    @property
    def num_rows(self) -> int:
        """How many rows."""
        return len(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as dicts (copies)."""
        return [dict(r) for r in self._rows]

    def to_arrow(self) -> pa.Table:
        """The Arrow table (:func:`schema_of` the columns), built once."""
        if self._arrow is None:
            import pyarrow as pa

            self._arrow = pa.Table.from_pylist(self._rows, schema=schema_of(self.columns))
        return self._arrow


_PYTHON: dict[str, Any] = {"int16": int, "int32": int, "int64": int, "float64": float,
                           "string": str, "bool": bool, "date32": date}  # fmt: skip


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def table_of(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> TypedTable:
    """Rows (dicts) as a typed table with the declared columns, in their order."""
    return TypedTable(columns, rows)
