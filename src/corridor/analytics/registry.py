"""The indicator registry: each indicator declared once — name, typed columns, computation.

An :class:`Indicator` names its output columns (:class:`corridor.units.Column`: unit and
meaning), the order of its rows, and a ``build`` function turning a :class:`Frame` (unbound
tables, named parameters and the question's :class:`Shape`) into an Ibis expression. The
session compiles that expression once per shape (:mod:`corridor.analytics.plans`) and every
face renders the result from the declared columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from corridor.units import Column

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from corridor.analytics.plans import Params

__all__ = ["INDICATORS", "SLICE", "Frame", "Indicator", "Shape", "indicator", "slice_expression"]

SCHEMA_VERSION = 2
#: The table name compiled plans use for the session's corridor slice (see ``Frame.slice``).
SLICE = "corridor_slice"


@dataclass(frozen=True)
class Shape:
    """What decides an expression's structure (everything else is a parameter value).

    Attributes:
        side: ``importer`` (flow M reported by the importer) or ``exporter`` (flow X to it).
        measure: ``value`` or ``weight`` — what shares, ranks and totals use.
        hs: one entry per HS code in scope: its length (``0`` for ``TOTAL``).
        has_years: the question names years (``$year_from``/``$year_to``).
        has_exporter: an exporter is named (``$exporter``).
        has_dataset: one dataset is pinned (``$dataset``).
        level: the HS level summed, or None for the finest level present.
        lookback: years read before ``$year_from`` (changes on the year before).
        extra: indicator-specific structure (e.g. the mirror's second dataset).
        freq: ``A`` (annual rows) or ``M`` (monthly rows; only indicators declared
            ``monthly`` run on them).
    """

    side: str
    measure: str
    hs: tuple[int, ...]
    has_years: bool
    has_exporter: bool
    has_dataset: bool
    level: int | None
    lookback: int = 0
    extra: tuple[Any, ...] = ()
    freq: str = "A"


class Frame:
    """What an indicator builds on: unbound tables, the plan's parameters and its shape."""

    def __init__(
        self, shape: Shape, params: Params, *, backend: Any = None, slice: bool = False
    ) -> None:
        self.shape = shape
        self.p = params
        self.backend = backend
        self.slice = slice  # "trade" means the session's corridor slice (a temp table)
        self._tables: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        """A table of the catalog: unbound (resolved by name when the plan runs).

        With a backend, the backend's own table (an expression the user can execute).
        """
        if name not in self._tables:
            import ibis

            from corridor.reference.record import ibis_schema

            if self.slice and name == "trade":
                self._tables[name] = ibis.table(ibis_schema(name), name=SLICE)
            elif self.backend is not None:
                self._tables[name] = self.backend.table(name)
            else:
                self._tables[name] = ibis.table(ibis_schema(name), name=name)
        return self._tables[name]

    @property
    def trade(self) -> ir.Table:
        """The canonical trade table."""
        return self.table("trade")

    @property
    def hs(self) -> tuple[Any, ...]:
        """The HS codes in scope as (prefix, end) parameters (``TOTAL`` stays a literal)."""
        return tuple(
            "TOTAL" if length == 0 else (self.p[f"hs{i}"], self.p[f"hs{i}_end"])
            for i, length in enumerate(self.shape.hs)
        )

    @property
    def hs_min_level(self) -> int:
        """The coarsest level rows may have inside the scope."""
        return max(self.shape.hs)

    def years(self, lookback: int | None = None) -> tuple[Any, Any] | None:
        """The year range as parameters (reaching ``lookback`` years back), or None."""
        if not self.shape.has_years:
            return None
        back = self.shape.lookback if lookback is None else lookback
        return (self.p.year_lb if back else self.p.year_from, self.p.year_to)

    @cached_property
    def flows(self) -> ir.Table:
        """The market's flows on the shape's side (:func:`corridor.analytics.scope.bilateral`)."""
        return self.side_flows(self.shape.side)

    def side_flows(
        self, side: str, *, dataset: Any = None, lookback: int | None = None
    ) -> ir.Table:
        """Flows into the importer reported on ``side`` (dataset: the pinned one by default)."""
        from corridor.analytics.scope import bilateral

        if dataset is None and self.shape.has_dataset:
            dataset = self.p.dataset
        return bilateral(
            self.trade,
            hs=self.hs,
            years=self.years(lookback),
            dataset=dataset,
            side=side,  # type: ignore[arg-type]
            level=self.shape.level,
            importer=self.p.importer,
            hs_min_level=self.hs_min_level,
            freq=self.shape.freq,  # type: ignore[arg-type]
        )

    def in_years(self, t: ir.Table) -> ir.Table:
        """Drop the look-back years (keep ``year >= $year_from``)."""
        if self.shape.has_years and self.shape.lookback:
            return t.filter(t.year >= self.p.year_from)
        return t

    def named(self, t: ir.Table, key: str = "supplier", prefix: str = "") -> ir.Table:
        """Add ``name`` and ``iso3`` of the area in ``key`` (from ``ref_country``)."""
        import ibis

        ref = self.table("ref_country")
        ref = ref.select(_code=ref.code, _name=ref.name, _iso3=ref.iso3)
        j = t.left_join(ref, t[key] == ref._code)
        return j.select(
            *t.columns,
            **{
                f"{prefix}name": ibis.coalesce(j._name, j[key].cast("string")),
                f"{prefix}iso3": j._iso3,
            },
        )


@dataclass(frozen=True)
class Indicator:
    """One indicator: its name, columns, row order and how to build it.

    Attributes:
        name: e.g. ``partners``; the JSON schema is ``corridor.<name>/2``.
        title: one line saying what it answers.
        columns: the output columns in order (units may be ``MEASURE``).
        build: ``Frame -> ir.Table`` with exactly ``columns``.
        order: columns the rows are sorted by (NULLs last).
        lookback: years read before the first year (for changes on the year before).
        needs_exporter: the question must name an exporter.
        notes: caveats printed with every result.
        uses_side: reads one reporting side (the session's); False: chooses its own.
        uses_measure: shares/ranks follow the measure; False: reports both value and weight.
        reads_slice: reads only the corridor's rows (flows into the importer in the HS scope
            and years), so it can run on the session's slice; False: reads the whole table
            (e.g. every exporter's exports, the importer's own exports).
        empty_is_answer: no rows is an answer (e.g. no data-quality finding), not missing
            data.
        per_year: a year's rows depend only on that year and its lookback, so the rows of a
            narrower year range are the wider range's rows in those years.
        monthly: answers monthly questions too (rows by ``period``); the others are annual.
        market_shares: rows hold shares or ranks of the importer's market (the session notes
            when the data holds only a few supplying countries).
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    build: Callable[[Frame], ir.Table]
    order: tuple[str, ...] = ()
    lookback: int = 0
    needs_exporter: bool = False
    notes: tuple[str, ...] = ()
    uses_side: bool = True
    uses_measure: bool = True
    reads_slice: bool = True
    empty_is_answer: bool = False
    per_year: bool = False
    monthly: bool = False
    market_shares: bool = False

    @property
    def schema(self) -> str:
        """The versioned JSON schema name."""
        return f"corridor.{self.name}/{SCHEMA_VERSION}"

    def expression(self, frame: Frame) -> ir.Table:
        """The ordered expression with exactly the declared columns."""
        import ibis

        expr = self.build(frame)
        expr = expr.select(*(c.name for c in self.columns))
        if self.order:
            expr = expr.order_by([ibis.asc(c, nulls_first=False) for c in self.order])
        return expr


INDICATORS: dict[str, Indicator] = {}


def indicator(**spec: Any) -> Callable[[Callable[[Frame], ir.Table]], Indicator]:
    """Register the decorated build function as an indicator (see :class:`Indicator`)."""

    def register(build: Callable[[Frame], ir.Table]) -> Indicator:
        ind = Indicator(build=build, **spec)
        INDICATORS[ind.name] = ind
        return ind

    return register


def slice_expression(frame: Frame) -> ir.Table:
    """The corridor's rows: flows into the importer (both reports) in the HS scope and years.

    Classic totals (of the shape's frequency) of flow M reported by the importer and flow X
    reported to it, at every HS level inside the scope, from the year before the first
    (changes) to the last.
    Each side is its own scan so that the row layout's zone maps skip the rest of the table.
    A session materialises this once (a temporary table) and runs its indicators on it.
    """
    from corridor.analytics.scope import classic_totals, hs_match

    trade = frame.trade
    years = frame.years(1)

    def side(flow: str, column: str) -> ir.Table:
        t = trade.filter(trade.flow == flow, trade[column] == frame.p.importer)
        t = classic_totals(t, frame.shape.freq)  # type: ignore[arg-type]
        t = t.filter(hs_match(t, frame.hs), t.hs_level >= frame.hs_min_level)
        return t.filter(t.year.between(*years)) if years else t

    return side("M", "reporter").union(side("X", "partner"))
