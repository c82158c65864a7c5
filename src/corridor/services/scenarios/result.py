"""What a scenario returns: typed tables, the assumptions behind them, provenance and notes.

A :class:`Scenario` is rendered by every face from its declared columns (the CLI's Rich tables,
JSON and CSV; the brief; the dashboard): each :class:`ScenarioTable` holds rows whose columns
are declared once with :class:`corridor.units.Column`, and gives them as Arrow on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.models.tables import TypedTable
    from corridor.services.result import Provenance
    from corridor.units import Column

__all__ = ["Scenario", "ScenarioTable", "plain"]


def plain(value: Any) -> Any:
    """A JSON-ready value (dates as ISO text, nested containers converted)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(mode="json", by_alias=True))
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    return value


@dataclass(frozen=True)
class ScenarioTable:
    """One table of a scenario: name, title, declared columns and the rows.

    ``data`` is a :class:`~corridor.models.tables.TypedTable` (or an Arrow table); ``table``
    gives Arrow, ``rows()`` dicts (without building Arrow).
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    data: TypedTable | pa.Table

    @property
    def table(self) -> pa.Table:
        """The rows as an Arrow table whose fields carry the columns' units."""
        return self.data.to_arrow() if hasattr(self.data, "to_arrow") else self.data

    def rows(self) -> list[dict[str, Any]]:
        """Rows as dicts."""
        return self.data.to_pylist()

    def column(self, name: str) -> Column:
        """The declared column ``name``."""
        return next(c for c in self.columns if c.name == name)

    def __len__(self) -> int:
        return self.data.num_rows


@dataclass
class Scenario:
    """A supplier shock or a tariff change on one corridor, with everything it rests on.

    Attributes:
        kind: ``shock`` or ``tariff``.
        schema: ``corridor.scenario-shock/1`` or ``corridor.scenario-tariff/1``.
        title: one line saying what was simulated.
        query: the question as asked and as the session decided it.
        base_year: the year whose trade the scenario starts from.
        tables: name → table (shock: suppliers, summary, exporter, band, capacity;
            tariff: lines, suppliers, totals, exporter, rates, refused, band).
        assumptions: elasticities with their sources, capacity limits and where they came
            from, the base year, the tariff lines and their edition (JSON-ready).
        provenance: where the trade numbers come from (the session's provenance).
        inputs: provenance of the other inputs (``exports`` for capacity, ``tariffs``).
        notes: caveats printed with every result.
    """

    kind: str
    schema: str
    title: str
    query: dict[str, Any]
    base_year: int
    tables: dict[str, ScenarioTable]
    assumptions: dict[str, Any]
    provenance: Provenance
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def synthetic(self) -> bool:
        """True when any trade input is synthetic."""
        return bool(self.provenance.synthetic)

    def table(self, name: str) -> ScenarioTable:
        """The table ``name`` (see :attr:`tables`)."""
        return self.tables[name]

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON document (``schema``) the dashboard and scripts read."""
        return {
            "schema": self.schema,
            "scenario": self.kind,
            "title": self.title,
            "synthetic": self.synthetic,
            "query": plain(self.query),
            "base_year": self.base_year,
            "columns": {
                name: {c.name: c.schema() for c in t.columns} for name, t in self.tables.items()
            },
            "tables": {name: plain(t.rows()) for name, t in self.tables.items()},
            "assumptions": plain(self.assumptions),
            "provenance": {"trade": plain(self.provenance), **plain(self.inputs)},
            "notes": list(self.notes),
        }
