"""The forecast input: one typed series (key, periods, values, unit), its gaps and what is fitted.

Periods follow the warehouse's convention: ``'2017'`` for annual series (freq ``A``) and
``'201703'`` for monthly ones (freq ``M``); ``2017``, ``201703`` and ``'2017-03'`` are accepted
and normalised. A value of ``None`` (or NaN) is missing. Missing periods between the first
and last observation are *gaps*: they are always listed, and never filled silently — by
default only the run of observations after the last gap is fitted (``gaps="last_run"``);
``gaps="interpolate"`` fills them linearly and lists the filled periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from corridor.errors import InvalidQuery
from corridor.units import Column, Unit

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pyarrow as pa

__all__ = [
    "INPUT",
    "GapPolicy",
    "Prepared",
    "Series",
    "period_label",
    "period_ordinal",
    "period_runs",
    "prepare",
    "series_from_arrow",
    "shift_period",
]

GapPolicy = Literal["last_run", "interpolate"]
_FREQS = ("A", "M")

INPUT = (
    Column("key", Unit.TEXT, "series key (e.g. the importer's ISO3 code)", "string"),
    Column("period", Unit.TEXT, "'2017' (annual) or '201703' (monthly); years as integers too"),
    Column("value", Unit.MEASURE, "the amount; NULL where it is unknown"),
)
"""The input columns :func:`series_from_arrow` reads (names can be mapped)."""


def period_ordinal(period: object, freq: str, key: str = "") -> int:
    """'2017' → 2017 (annual); '201703' / '2017-03' / 201703 → months since year 0 (monthly)."""
    text = str(period).strip().replace("-", "")
    if isinstance(period, float) or not text.isdigit():
        raise InvalidQuery(
            f"series {key!r}: period {period!r} is not accepted: give a year such as 2017 "
            "(annual) or a month such as 201703 or 2017-03 (monthly)"
        )
    if freq == "A":
        if len(text) != 4 or not 1900 <= int(text) <= 2100:
            raise InvalidQuery(
                f"series {key!r}: period {period!r} is not a year: annual periods are years "
                "1900-2100 such as 2017"
            )
        return int(text)
    if len(text) != 6 or not 1 <= int(text[4:]) <= 12 or not 1900 <= int(text[:4]) <= 2100:
        raise InvalidQuery(
            f"series {key!r}: period {period!r} is not a month: monthly periods look like "
            "201703 or 2017-03"
        )
    return int(text[:4]) * 12 + int(text[4:]) - 1


def period_label(ordinal: int, freq: str) -> str:
    """The warehouse's period string for an ordinal: '2017' or '201703'."""
    if freq == "A":
        return str(ordinal)
    return f"{ordinal // 12:04d}{ordinal % 12 + 1:02d}"


def shift_period(label: str, steps: int, freq: str) -> str:
    """The period ``steps`` periods after ``label``."""
    return period_label(period_ordinal(label, freq) + steps, freq)


@dataclass(frozen=True)
class Series:
    """One series to forecast: ``key`` (e.g. ``'JPN'``), periods, values (None = missing), unit.

    Periods may come in any order; they are sorted. Duplicated periods, an empty series,
    non-finite values and a unit outside :class:`corridor.units.Unit` raise InvalidQuery.
    """

    key: str
    periods: tuple[str, ...]
    values: tuple[float | None, ...]
    unit: Unit
    freq: str = "A"
    synthetic: bool = False

    def __post_init__(self) -> None:
        key = str(self.key)
        if self.freq not in _FREQS:
            raise InvalidQuery(
                f"series {key!r}: frequency {self.freq!r} is not accepted: use A or M"
            )
        try:
            unit = Unit(self.unit)
        except ValueError:
            names = ", ".join(u.value for u in Unit)
            raise InvalidQuery(
                f"series {key!r}: unit {self.unit!r} is not accepted: use one of {names}"
            ) from None
        periods, values = list(self.periods), list(self.values)
        if not periods:
            raise InvalidQuery(f"series {key!r} is empty: give at least one period and value")
        if len(periods) != len(values):
            raise InvalidQuery(
                f"series {key!r}: {len(periods)} periods but {len(values)} values: give one "
                "value (or None) per period"
            )
        ords = [period_ordinal(p, self.freq, key) for p in periods]
        seen: set[int] = set()
        for o in ords:
            if o in seen:
                raise InvalidQuery(
                    f"series {key!r}: period {period_label(o, self.freq)} appears twice: give "
                    "one value per period"
                )
            seen.add(o)
        clean: list[float | None] = []
        for p, v in zip(periods, values, strict=True):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                clean.append(None)
                continue
            try:
                f = float(v)
            except (TypeError, ValueError):
                f = math.nan
            if not math.isfinite(f):
                raise InvalidQuery(
                    f"series {key!r}: value {v!r} for period {p} is not a finite number "
                    "(use None for a missing value)"
                )
            clean.append(f)
        order = sorted(range(len(ords)), key=ords.__getitem__)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "periods", tuple(period_label(ords[i], self.freq) for i in order))
        object.__setattr__(self, "values", tuple(clean[i] for i in order))

    @property
    def ordinals(self) -> list[int]:
        """Periods as integers (years, or months since year 0)."""
        return [period_ordinal(p, self.freq, self.key) for p in self.periods]


@dataclass(frozen=True)
class Prepared:
    """What is fitted: a contiguous run of values, and what was done to get it."""

    periods: tuple[str, ...]  # the fitted periods, contiguous
    y: np.ndarray  # the fitted values
    gaps: tuple[str, ...]  # missing periods between the first and last observation
    interpolated: tuple[str, ...]  # gaps filled linearly (gaps="interpolate" only)
    dropped: tuple[str, ...]  # observed periods not fitted (before the last gap)
    notes: tuple[str, ...] = field(default=())


def period_runs(periods: Sequence[object], freq: str) -> str:
    """'2003, 2007-2009' / '201702, 202007-202008' from period labels (any order)."""
    return _ranges(sorted({period_ordinal(p, freq) for p in periods}), freq)


def _ranges(ords: list[int], freq: str) -> str:
    """'2003, 2007-2009' from sorted ordinals."""
    parts: list[str] = []
    start = prev = None
    for o in ords:
        if start is None:
            start = prev = o
        elif o == prev + 1:
            prev = o
        else:
            parts.append(_span(start, prev, freq))
            start = prev = o
    if start is not None:
        parts.append(_span(start, prev, freq))
    return ", ".join(parts)


def _span(a: int, b: int, freq: str) -> str:
    return period_label(a, freq) if a == b else f"{period_label(a, freq)}-{period_label(b, freq)}"


def prepare(series: Series, gaps: GapPolicy = "last_run") -> Prepared:
    """The contiguous run to fit, with the gaps named (never filled silently).

    Raises:
        InvalidQuery: when the series has no observed value, or the policy is unknown.
    """
    if gaps not in ("last_run", "interpolate"):
        raise InvalidQuery(f"gap policy {gaps!r} is not accepted: use last_run or interpolate")
    obs = {o: v for o, v in zip(series.ordinals, series.values, strict=True) if v is not None}
    if not obs:
        raise InvalidQuery(f"series {series.key!r} has no observed value: nothing to forecast")
    first, last = min(obs), max(obs)
    grid = list(range(first, last + 1))
    missing = [o for o in grid if o not in obs]
    freq = series.freq
    notes: list[str] = []
    trailing = [o for o in series.ordinals if o > last]
    if trailing:
        notes.append(
            f"no value for {_ranges(trailing, freq)}: the forecast starts after "
            f"{period_label(last, freq)}, the last observed period"
        )
    gap_labels = tuple(period_label(o, freq) for o in missing)
    if not missing:
        y = np.array([obs[o] for o in grid], dtype=float)
        return Prepared(tuple(period_label(o, freq) for o in grid), y, (), (), (), tuple(notes))
    where = _ranges(missing, freq)
    if gaps == "interpolate":
        xs = np.array(sorted(obs), dtype=float)
        y = np.interp(np.array(grid, dtype=float), xs, np.array([obs[o] for o in sorted(obs)]))
        notes.append(f"gaps in {where} filled by linear interpolation (asked for); not data")
        labels = tuple(period_label(o, freq) for o in grid)
        return Prepared(labels, y, gap_labels, gap_labels, (), tuple(notes))
    start = missing[-1] + 1
    run = [o for o in grid if o >= start]
    dropped = tuple(period_label(o, freq) for o in sorted(obs) if o < start)
    notes.append(
        f"gaps in {where}: only {_span(run[0], run[-1], freq)} ({len(run)} periods after the "
        f"last gap) is fitted; nothing is interpolated"
    )
    y = np.array([obs[o] for o in run], dtype=float)
    return Prepared(
        tuple(period_label(o, freq) for o in run), y, gap_labels, (), dropped, tuple(notes)
    )


def series_from_arrow(
    table: pa.Table,
    *,
    unit: Unit | str,
    freq: str = "A",
    synthetic: bool = False,
    key: str = "key",
    period: str = "period",
    value: str = "value",
) -> list[Series]:
    """One :class:`Series` per distinct key of a long table (key, period, value).

    Keys keep their order of first appearance; NULL values stay missing.

    Raises:
        InvalidQuery: a named column is absent, or a series is invalid (see :class:`Series`).
    """
    for name in (key, period, value):
        if name not in table.column_names:
            raise InvalidQuery(
                f"column {name!r} is not in the table: it has {', '.join(table.column_names)}"
            )
    groups: dict[str, tuple[list[object], list[float | None]]] = {}
    for k, p, v in zip(
        table[key].to_pylist(), table[period].to_pylist(), table[value].to_pylist(), strict=True
    ):
        ps, vs = groups.setdefault(str(k), ([], []))
        ps.append(p)
        vs.append(v)
    return [
        Series(k, tuple(ps), tuple(vs), Unit(unit), freq, synthetic)
        for k, (ps, vs) in groups.items()
    ]
