"""The one vocabulary of units: what a column measures and how each face shows it.

Every typed column (:class:`Column`) names one :class:`Unit`. JSON schemas, CLI tables, CSV
headers, brief tables and chart axes all render from it, so adding a column never means
touching a formatter. Values are stored raw (USD, kg, fractions 0-1); only people see
``USD 337.2 M``, ``45.4 kt`` or ``12.3 %``. ``None`` is missing and always shows as ``—``.

``MEASURE`` is a placeholder for "the query's measure": it resolves to ``USD`` or ``KG``
once the measure is known (:meth:`Column.resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "MISSING",
    "Column",
    "Unit",
    "fmt_count",
    "fmt_pct",
    "fmt_usd",
    "fmt_value",
    "fmt_weight",
    "measure_unit",
]

MISSING = "—"


class Unit(StrEnum):
    """What a number measures. The value is the short name used in JSON schemas."""

    USD = "USD"  # US dollars
    KG = "kg"  # kilograms (shown as t / kt / Mt)
    USD_PER_KG = "USD/kg"  # unit value
    FRACTION = "fraction"  # a share 0-1 (shown as %)
    GROWTH = "growth"  # a signed relative change (0.05 = +5 %)
    PP = "pp"  # a change of a fraction (0.01 = +1 percentage point)
    HHI = "HHI"  # Herfindahl-Hirschman index, 0-10,000
    INDEX = "index"  # base = 100
    SCORE = "score"  # a 0-100 similarity/complementarity index
    RATIO = "ratio"  # a plain ratio (CIF/FOB, RCA, z-scores)
    RATE = "rate"  # an ad valorem tariff rate as a fraction (0.075 = 7.5 %)
    ELASTICITY = "elasticity"  # a unitless elasticity
    COUNT = "count"
    RANK = "rank"  # 1 = largest
    RANK_CHANGE = "rank_change"  # previous rank - rank (positive = moved up)
    YEAR = "year"
    CODE = "code"  # a Comtrade area code or an HS code
    FLAG = "flag"  # true/false
    TEXT = "text"
    TIME = "time"  # a UTC timestamp
    MEASURE = "measure"  # USD or kg, whichever the query measures

    @property
    def label(self) -> str:
        """What the unit means, for JSON schema documents and table notes."""
        return _LABELS[self]

    @property
    def numeric(self) -> bool:
        """True for units whose values are numbers (right-aligned, summable or not)."""
        return self not in (Unit.CODE, Unit.FLAG, Unit.TEXT, Unit.TIME)

    def fmt(self, value: Any) -> str:
        """Format one value for people."""
        return fmt_value(value, self)

    def axis(self) -> tuple[str, float, str]:
        """Chart axis: (title suffix, divisor applied to values, d3 format)."""
        return _AXES.get(self, ("", 1.0, ",.2f"))


_LABELS: dict[Unit, str] = {
    Unit.USD: "US dollars",
    Unit.KG: "kilograms",
    Unit.USD_PER_KG: "US dollars per kilogram",
    Unit.FRACTION: "fraction 0-1 (0.12 = 12 %)",
    Unit.GROWTH: "relative change as a fraction (0.05 = +5 %)",
    Unit.PP: "change of a fraction (0.01 = +1 percentage point)",
    Unit.HHI: "Herfindahl-Hirschman index, 0-10,000",
    Unit.INDEX: "index, base year = 100",
    Unit.SCORE: "index 0-100",
    Unit.RATIO: "ratio",
    Unit.RATE: "ad valorem rate as a fraction (0.075 = 7.5 %)",
    Unit.ELASTICITY: "elasticity (unitless)",
    Unit.COUNT: "count",
    Unit.RANK: "rank, 1 = largest",
    Unit.RANK_CHANGE: "previous rank minus rank (positive = moved up)",
    Unit.YEAR: "calendar year",
    Unit.CODE: "code",
    Unit.FLAG: "true/false",
    Unit.TEXT: "text",
    Unit.TIME: "UTC timestamp",
    Unit.MEASURE: "USD or kg (the query's measure)",
}

_AXES: dict[Unit, tuple[str, float, str]] = {
    Unit.USD: ("USD million", 1e6, ",.0f"),
    Unit.KG: ("thousand tonnes", 1e6, ",.1f"),
    Unit.USD_PER_KG: ("USD/kg", 1.0, ",.2f"),
    Unit.FRACTION: ("", 1.0, ".0%"),
    Unit.GROWTH: ("", 1.0, "+.0%"),
    Unit.PP: ("", 1.0, "+.1%"),
    Unit.RATE: ("", 1.0, ".1%"),
    Unit.HHI: ("HHI (0-10,000)", 1.0, ",.0f"),
    Unit.INDEX: ("index", 1.0, ",.0f"),
    Unit.SCORE: ("0-100", 1.0, ",.0f"),
    Unit.RATIO: ("ratio", 1.0, ",.2f"),
}


def measure_unit(measure: str) -> Unit:
    """``value`` → USD, ``weight`` → kg."""
    return Unit.USD if measure == "value" else Unit.KG


@dataclass(frozen=True)
class Column:
    """One typed column: name, unit, what it means, and its Arrow type name."""

    name: str
    unit: Unit
    meaning: str
    dtype: str = "float64"  # int16/int32/int64/float64/string/bool/timestamp/list<string>

    def resolve(self, measure: str) -> Column:
        """This column with ``MEASURE`` replaced by the query's measure unit."""
        if self.unit is Unit.MEASURE:
            return replace(self, unit=measure_unit(measure))
        return self

    def schema(self) -> dict[str, str]:
        """The column's entry in a JSON schema document."""
        return {"unit": self.unit.value, "type": self.dtype, "meaning": self.meaning}


def fmt_count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 country', '3 countries', '2 observations' (plural: noun + 's' unless given)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def fmt_usd(value: float | None) -> str:
    """USD 337.2 M style."""
    if value is None:
        return MISSING
    for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"USD {value / size:,.1f}{suffix}"
    return f"USD {value:,.0f}"


def fmt_weight(kg: float | None) -> str:
    """45.4 kt style (kg in, tonnes out)."""
    if kg is None:
        return MISSING
    tonnes = kg / 1000
    if abs(tonnes) >= 1e6:
        return f"{tonnes / 1e6:,.2f} Mt"
    if abs(tonnes) >= 1e3:
        return f"{tonnes / 1e3:,.1f} kt"
    return f"{tonnes:,.1f} t"


def fmt_pct(fraction: float | None, *, signed: bool = False) -> str:
    """12.3 % style, from a fraction."""
    if fraction is None:
        return MISSING
    return f"{fraction * 100:+.1f} %" if signed else f"{fraction * 100:.1f} %"


def fmt_value(value: Any, unit: Unit | str) -> str:
    """Format one value for people according to its unit (``—`` when missing)."""
    if value is None:
        return MISSING
    unit = Unit(unit)
    if isinstance(value, float) and value != value:  # NaN never reaches people as a number
        return MISSING
    match unit:
        case Unit.USD:
            return fmt_usd(value)
        case Unit.KG:
            return fmt_weight(value)
        case Unit.FRACTION | Unit.RATE:
            return fmt_pct(value)
        case Unit.GROWTH:
            return fmt_pct(value, signed=True)
        case Unit.PP:
            return f"{value * 100:+.1f} pp"
        case Unit.USD_PER_KG:
            return f"{value:,.2f}"
        case Unit.HHI | Unit.INDEX | Unit.SCORE:
            return f"{value:,.0f}"
        case Unit.RATIO | Unit.ELASTICITY:
            return f"{value:,.2f}"
        case Unit.COUNT | Unit.RANK:
            return f"{int(value):,}"
        case Unit.RANK_CHANGE:
            return f"{int(value):+d}" if value else "0"
        case Unit.YEAR | Unit.CODE:
            return str(value)
        case Unit.FLAG:
            return "yes" if value else "no"
        case Unit.TIME:
            if hasattr(value, "strftime"):
                return value.strftime("%Y-%m-%d %H:%M UTC")
            return str(value)
        case _:
            return str(value)
