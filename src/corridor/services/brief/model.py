"""The brief's typed pieces: facts, tables, charts, sections and the brief itself.

Every number is kept raw with its :class:`corridor.units.Unit` (the one unit vocabulary);
renderers format cells and chart axes from the unit. Nothing here knows about HTML or PDF.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.services.result import Result

__all__ = ["SCHEMA", "Brief", "ChartSpec", "Fact", "Section", "Series", "Table", "TableColumn"]

SCHEMA = "corridor.brief/2"


class Fact(BaseModel):
    """One number of the brief: raw value, unit, the text people see, and what it is."""

    key: str
    label: str
    value: float | int | str | None
    unit: Unit
    text: str
    basis: str = ""

    @classmethod
    def of(cls, key: str, label: str, value: Any, unit: Unit, basis: str = "") -> Fact:
        """A fact whose text is formatted from its unit (``—`` when missing)."""
        return cls(key=key, label=label, value=value, unit=unit, text=fmt_value(value, unit),
                   basis=basis)  # fmt: skip


class TableColumn(BaseModel):
    """A table column: row key, header, unit and meaning (from the indicator's declaration)."""

    name: str
    label: str
    unit: Unit
    meaning: str = ""

    @classmethod
    def of(cls, result: Result, name: str, label: str) -> TableColumn:
        """The indicator column ``name`` of ``result`` (unit resolved) under a header."""
        col = result.column(name)
        return cls(name=name, label=label, unit=col.unit, meaning=col.meaning)


class Table(BaseModel):
    """Raw rows under typed columns.

    ``highlight`` marks the exporter's rows (column, value); ``printed`` False: CSV only.
    """

    name: str
    title: str
    columns: list[TableColumn]
    rows: list[dict[str, Any]]
    note: str | None = None
    indicator: str | None = None
    highlight: tuple[str, Any] | None = None
    printed: bool = True


class Series(BaseModel):
    """One series of a chart and its role (which decides its colour).

    ``exporter`` is always the same colour; ``supplier`` colours follow ``index``, the
    supplier's place in the brief-wide order (so a country keeps its colour in every chart);
    ``reference`` is a market figure (median, market total); ``context`` is background;
    ``category`` is anything else (e.g. exports and imports), coloured by ``index``.
    """

    name: str
    role: Literal["exporter", "supplier", "reference", "context", "category"] = "supplier"
    index: int = 0


class ChartSpec(BaseModel):
    """Data and words for one chart; :mod:`corridor.report.charts` draws it.

    ``kind``: ``bars`` (x year, grouped by series), ``line`` (x year), ``hbar`` (a bar per
    category, series overlaid: a total and the exporter's part), ``pairs`` (a bar per
    category and series, side by side: before and after; rows with ``highlight`` true draw
    their last series in the exporter's colour), ``dots`` (a dot per category and series on
    a shared value axis) or ``fan`` (x year: lines per series, and for rows carrying
    ``lo95``/``hi95`` and ``lo80``/``hi80`` the 95 % and 80 % bands under them). Values stay
    raw; ``unit`` decides the axis scale and format. ``caption`` is printed under the chart
    (e.g. a forecast's backtest line).
    """

    name: str
    kind: Literal["bars", "line", "hbar", "pairs", "dots", "fan"]
    title: str
    subtitle: str = ""
    x: str
    y: str
    field: str = "series"
    series: list[Series]
    unit: Unit
    value_title: str = ""
    rows: list[dict[str, Any]]
    rules: list[float] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    source: str = ""
    caption: str = ""


class Section(BaseModel):
    """One section; ``available`` is False (with ``missing``) when the data lacks it."""

    id: str
    title: str
    available: bool = True
    missing: str | None = None
    findings: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    charts: list[ChartSpec] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    source: str = ""
    provenance: dict[str, Any] | None = None

    def fact(self, key: str) -> Fact:
        """The fact ``key``."""
        return next(f for f in self.facts if f.key == key)

    @property
    def tiles(self) -> list[Fact]:
        """The key facts, in order (shown as tiles)."""
        return [self.fact(k) for k in self.key_facts]


class Brief(BaseModel):
    """The corridor brief: what it covers, whose report, its sources, and its sections."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    title: str
    subtitle: str
    scope: str
    product: str
    query: dict[str, Any]
    importer: dict[str, Any]
    exporter: dict[str, Any] | None
    years: list[int]
    measure: Literal["value", "weight"]
    flow: str
    report: str
    definition: str
    synthetic: bool
    generated_at: datetime
    sources: list[str]
    datasets: list[str]
    vintages: list[str]
    citations: list[str]
    licences: list[str]
    provenance: dict[str, Any]
    sections: list[Section]

    model_config = {"populate_by_name": True}

    def section(self, section_id: str) -> Section:
        """The section with this id."""
        return next(s for s in self.sections if s.id == section_id)
