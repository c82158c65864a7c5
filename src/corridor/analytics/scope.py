"""Selecting the rows a question is about: flow side, HS scope, one HS level, classic totals.

Every indicator starts here, so double counting is ruled out in one place: rows are
classic totals (partner2 = World, customs C00, transport 0, or not broken down at all),
of one frequency (annual, ``freq = 'A'``, unless a question asks for months), World (0) is
kept apart from partner rows, re-exports and re-imports (flows RX/RM) are left out, and one
HS level is summed, never several.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "MEASURE_COLUMNS",
    "WORLD",
    "Freq",
    "Measure",
    "Scope",
    "Side",
    "aggregate_partners",
    "bilateral",
    "classic_totals",
    "hs_match",
    "market_flows",
    "min_level",
    "prefix_end",
]

Measure = Literal["value", "weight"]
Side = Literal["importer", "exporter"]
Freq = Literal["A", "M"]
MEASURE_COLUMNS: dict[str, str] = {"value": "value_usd", "weight": "net_weight_kg"}
WORLD = 0

#: Columns every flows table carries (see :func:`bilateral`).
FLOW_COLUMNS = (
    "year",
    "importer",
    "supplier",
    "hs_code",
    "hs_rev",
    "dataset",
    "source",
    "value_basis",
    "synthetic",
    "retrieved_at",
    "raw_ref",
    "raw_row",
    "value",
    "weight",
)


@lru_cache(maxsize=1)
def _aggregates() -> tuple[int, ...]:
    from corridor.reference.countries import countries

    return tuple(sorted(c.code for c in countries() if c.is_aggregate))


def aggregate_partners() -> list[int]:
    """Partner codes that are not countries (World, areas n.e.s., bunkers, free zones...).

    Excluded from rankings and reported separately; taken from the reference data.
    """
    return list(_aggregates())


@dataclass(frozen=True)
class Scope:
    """A market: who imports, which HS codes, which years, from which dataset and side.

    ``side='importer'`` reads the importer's own report (flow M, CIF for most reporters);
    ``side='exporter'`` reads partners' reports of exports to the importer (flow X, FOB),
    which is also how BACI's reconciled flows are stored. ``level`` fixes the HS level
    summed (2, 4 or 6); by default the finest level present in the scope is used.
    """

    importer: int | ir.IntegerValue
    hs: tuple[str | ir.StringValue, ...] = ("76",)
    years: tuple[int | ir.IntegerValue, int | ir.IntegerValue] | None = None
    dataset: str | ir.StringValue | None = None
    side: Side = "importer"
    level: int | None = None
    hs_min_level: int | None = None


def classic_totals(t: ir.Table, freq: Freq = "A") -> ir.Table:
    """Keep ``freq`` rows (A annual, M monthly): totals over partner2, customs and transport."""
    return t.filter(
        t.freq == freq,
        t.partner2.isnull() | (t.partner2 == 0),
        t.customs_code.isnull() | (t.customs_code == "C00"),
        t.mot_code.isnull() | (t.mot_code == 0),
    )


def hs_match(t: ir.Table, hs: Sequence[str | ir.StringValue]) -> ir.BooleanValue:
    """True where ``hs_code`` starts with one of the codes in ``hs`` (``TOTAL``: equals it).

    A code is text, or a ``(prefix, end)`` pair of Ibis string parameters (compiled plans;
    see :func:`prefix_end`).
    """
    cond = None
    for code in hs:
        if isinstance(code, tuple):  # (prefix, end) parameters: a range zone maps can skip on
            c = (t.hs_code >= code[0]) & (t.hs_code < code[1])
        elif code == "TOTAL":
            c = t.hs_code == code
        elif isinstance(code, str):
            c = (t.hs_code >= code) & (t.hs_code < prefix_end(code))
        else:
            c = t.hs_code.startswith(code)
        cond = c if cond is None else cond | c
    return cond


def prefix_end(code: str) -> str:
    """The first text after every code starting with ``code`` (``'7601'`` → ``'7602'``).

    HS codes are digits, so a prefix match is the range ``[code, prefix_end(code))``, which
    DuckDB's zone maps can use to skip row groups (a ``starts_with`` call cannot).
    """
    return code[:-1] + chr(ord(code[-1]) + 1)


def min_level(hs: Sequence[str]) -> int:
    """The coarsest level rows may have to sit inside the scope (``TOTAL`` = 0)."""
    if not all(isinstance(h, str) for h in hs):
        raise TypeError("HS parameters need an explicit hs_min_level")
    return max(0 if h == "TOTAL" else len(h) for h in hs)


def bilateral(
    t: ir.Table,
    *,
    hs: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    dataset: str | None = None,
    side: Side = "importer",
    level: int | None = None,
    importer: int | ir.IntegerValue | None = None,
    hs_min_level: int | None = None,
    freq: Freq = "A",
) -> ir.Table:
    """Flows between countries as seen from one reporting side, one HS level.

    Returns the columns of ``FLOW_COLUMNS`` (and ``period`` for monthly rows): ``importer``
    and ``supplier`` (the exporter) are Comtrade area codes, ``value`` is USD (CIF on the
    importer side, FOB on the exporter side and for BACI), ``weight`` is kg; NULL means not
    reported. Partner World (0) rows are kept (``supplier == 0`` on the importer side,
    ``importer == 0`` on the exporter side) so callers can report them, but every ranking
    excludes them.

    Args:
        t: The canonical ``trade`` table.
        hs: HS code prefixes in scope (``None``: every code).
        years: Inclusive (first, last) year range.
        dataset: Only this dataset.
        side: ``importer`` (flow M as reported by the importer) or ``exporter`` (flow X as
            reported by the exporter, or BACI).
        level: HS level to sum (2, 4, 6); default the finest level present after filtering.
        importer: Only flows into this importer.
        hs_min_level: the coarsest level inside the scope when ``hs`` holds parameters
            (default: from the codes' lengths).
        freq: ``A`` (annual rows) or ``M`` (monthly rows, with their ``period`` 'YYYYMM').
    """
    t = classic_totals(t, freq)
    if dataset is not None:
        t = t.filter(t.dataset == dataset)
    if side == "importer":
        t = t.filter(t.flow == "M").mutate(importer=t.reporter, supplier=t.partner)
    else:
        t = t.filter(t.flow == "X").mutate(importer=t.partner, supplier=t.reporter)
    if importer is not None:
        t = t.filter(t.importer == importer)
    if hs:
        lowest = hs_min_level if hs_min_level is not None else min_level(hs)
        t = t.filter(hs_match(t, hs), t.hs_level >= lowest)
    if years:
        t = t.filter(t.year.between(*years))
    if level is not None:
        t = t.filter(t.hs_level == level)
    else:
        # materialise the window first: Spark rejects a window inside a filter
        t = t.mutate(_finest=t.hs_level.max().over())
        t = t.filter(t.hs_level == t._finest)
    return t.select(
        *FLOW_COLUMNS[:-2],
        *(("period",) if freq != "A" else ()),
        value=t.value_usd,
        weight=t.net_weight_kg,
    )


def market_flows(t: ir.Table, scope: Scope) -> ir.Table:
    """Flows into the importer in scope (see :func:`bilateral` for the columns).

    One HS level is used: the finest available for the scope (so 76 and 7601 and 760110
    rows from the same response are never added together), unless ``scope.level`` is set.
    """
    return bilateral(
        t,
        hs=scope.hs,
        years=scope.years,
        dataset=scope.dataset,
        side=scope.side,
        level=scope.level,
        importer=scope.importer,
        hs_min_level=scope.hs_min_level,
    )
