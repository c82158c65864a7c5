"""Typed results: rows with declared columns and the provenance of every number.

A :class:`Result` is what every face renders: the CLI's table, JSON and CSV, the brief's
tables and charts, the web app's API. Rows come as tuples (no pyarrow needed to print them);
:meth:`Result.to_arrow` and :meth:`Result.to_pandas` give typed tables for Python users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.units import Column

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["Provenance", "Result"]


@dataclass(frozen=True)
class Provenance:
    """Where a result's numbers come from and what they measure.

    Attributes:
        sources: publishers (``comtrade``, ``baci``, ``sample``…).
        datasets: dataset names; ``vintages`` their versions or retrieval dates.
        citations: how to cite each dataset (``dataset: citation / licence``).
        flow: whose report — e.g. "imports as reported by Japan (flow M, CIF)".
        report: ``importer`` (CIF), ``exporter`` (FOB) or ``reconciled`` (BACI).
        value_basis: CIF/FOB; empty when the data carries no values.
        units: column units in words (``{"value": "USD", ...}``).
        hs_requested / hs_covered: the scope asked and the scope the data actually covers.
        hs_level: the HS level summed; ``hs_revisions``: editions in the rows.
        years: first and last year of the rows used.
        retrieved_at: first and last retrieval of the raw files behind the rows.
        synthetic: any input row is synthetic.
        engine, warehouse: where the result was computed.
        decisions: what the session chose and why (side, measure, dataset, level).
    """

    sources: tuple[str, ...]
    datasets: tuple[str, ...]
    vintages: tuple[str, ...]
    citations: tuple[str, ...]
    flow: str
    report: str
    value_basis: tuple[str, ...]
    units: dict[str, str]
    hs_requested: tuple[str, ...]
    hs_covered: str
    hs_level: int | None
    hs_revisions: tuple[str, ...]
    years: tuple[int, int] | None
    retrieved_at: tuple[datetime, ...]
    synthetic: bool
    engine: str
    warehouse: str
    decisions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [v.isoformat() if isinstance(v, datetime) else v for v in value]
            out[name] = value
        return out

    def lines(self) -> list[str]:
        """Short human lines saying where the numbers came from."""
        out = []
        if self.synthetic:
            out.append("SYNTHETIC — generated sample data, not official statistics")
        out.append(f"source: {', '.join(self.sources)} · dataset: {', '.join(self.datasets)}"
                   + (f" ({', '.join(self.vintages)})" if self.vintages else ""))  # fmt: skip
        basis = "/".join(self.value_basis) or "no values (net weights only)"
        out.append(f"report: {self.flow} · value basis: {basis}")
        level = f" summed at HS{self.hs_level}" if self.hs_level else ""
        revs = f" (revisions {', '.join(self.hs_revisions)})" if self.hs_revisions else ""
        out.append(f"HS scope: {self.hs_covered}{level}{revs}")
        if self.years:
            a, b = self.years
            out.append(f"years: {a}" + (f"–{b}" if b != a else ""))
        if self.retrieved_at and not self.vintages:
            first, last = self.retrieved_at[0], self.retrieved_at[-1]
            when = f"{first:%Y-%m-%d}" + (
                f" … {last:%Y-%m-%d}" if last.date() != first.date() else ""
            )
            out.append(f"retrieved: {when}")
        out.extend(f"note: {d}" for d in self.decisions)
        out.append(f"warehouse: {self.warehouse} ({self.engine})")
        return out


_ARROW_TYPES = {
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "float64": "float64",
    "string": "string",
    "bool": "bool_",
}


def _arrow_type(dtype: str) -> pa.DataType:
    import pyarrow as pa

    if dtype.startswith("list<"):
        return pa.list_(_arrow_type(dtype[5:-1]))
    if dtype == "timestamp":
        return pa.timestamp("us")
    return getattr(pa, _ARROW_TYPES[dtype])()


@dataclass
class Result:
    """One indicator's answer: declared columns, rows, provenance and notes."""

    indicator: str
    schema: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    provenance: Provenance
    query: dict[str, Any]
    notes: tuple[str, ...] = ()
    _arrow: Any = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The declared column ``name``."""
        return next(c for c in self.columns if c.name == name)

    def __len__(self) -> int:
        return len(self.rows)

    def to_pylist(self) -> list[dict[str, Any]]:
        """Rows as dicts (column name → value)."""
        names = self.names
        return [dict(zip(names, r, strict=True)) for r in self.rows]

    def to_arrow(self) -> pa.Table:
        """A typed Arrow table (types from the declared columns)."""
        if self._arrow is None:
            import pyarrow as pa

            schema = pa.schema([(c.name, _arrow_type(c.dtype)) for c in self.columns])
            cols = list(zip(*self.rows, strict=True)) if self.rows else [()] * len(self.columns)
            arrays = [pa.array(list(v), type=f.type) for v, f in zip(cols, schema, strict=True)]
            self._arrow = pa.Table.from_arrays(arrays, schema=schema)
        return self._arrow

    def to_pandas(self) -> pd.DataFrame:
        """A pandas DataFrame (via Arrow)."""
        return self.to_arrow().to_pandas()

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON document (``corridor.<indicator>/2``)."""
        return {
            "schema": self.schema,
            "indicator": self.indicator,
            "title": self.title,
            "query": self.query,
            "columns": {c.name: c.schema() for c in self.columns},
            "rows": [
                {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
                for r in self.to_pylist()
            ],
            "provenance": self.provenance.as_dict(),
            "notes": list(self.notes),
        }
