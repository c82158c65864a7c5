"""Selecting the rows a question is about: flow side, HS scope, one HS level, classic totals.

Every indicator starts here, so double counting is ruled out in one place: rows are
classic totals (partner2 = World, customs C00, transport 0, or not broken down at all),
World (0) is kept apart from partner rows, and one HS level is summed, never several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["Scope", "aggregate_partners", "classic_totals", "market_flows"]

Measure = Literal["value", "weight"]
MEASURE_COLUMNS: dict[str, str] = {"value": "value_usd", "weight": "net_weight_kg"}


def aggregate_partners() -> list[int]:
    """Partner codes that are not countries (World, areas n.e.s., bunkers, free zones...).

    Excluded from rankings and reported separately; taken from the reference data.
    """
    from corridor.reference.countries import countries

    return sorted(c.code for c in countries() if c.is_aggregate)


@dataclass(frozen=True)
class Scope:
    """A market: who imports, which HS codes, which years, from which dataset and side.

    ``side='importer'`` reads the importer's own report (flow M, CIF for most reporters);
    ``side='exporter'`` reads partners' reports of exports to the importer (flow X, FOB),
    which is also how BACI's reconciled flows are stored.
    """

    importer: int
    hs: tuple[str, ...] = ("76",)
    years: tuple[int, int] | None = None
    dataset: str | None = None
    side: Literal["importer", "exporter"] = "importer"


def classic_totals(t: ir.Table) -> ir.Table:
    """Keep rows that are totals over partner2, customs procedure and transport mode."""
    return t.filter(
        t.partner2.isnull() | (t.partner2 == 0),
        t.customs_code.isnull() | (t.customs_code == "C00"),
        t.mot_code.isnull() | (t.mot_code == 0),
    )


def _hs_match(t: ir.Table, hs: tuple[str, ...]) -> ir.BooleanValue:
    cond = None
    for code in hs:
        c = t.hs_code.startswith(code)
        cond = c if cond is None else cond | c
    return cond


def market_flows(t: ir.Table, scope: Scope) -> ir.Table:
    """Flows into the importer in scope: columns year, supplier, hs_code, value, weight.

    One HS level is used: the finest available for the scope (so 76 and 7601 and 760110
    rows from the same response are never added together).
    """
    t = classic_totals(t)
    if scope.dataset:
        t = t.filter(t.dataset == scope.dataset)
    if scope.side == "importer":
        t = t.filter(t.reporter == scope.importer, t.flow == "M")
        t = t.mutate(supplier=t.partner)
    else:
        t = t.filter(t.partner == scope.importer, t.flow == "X")
        t = t.mutate(supplier=t.reporter)
    t = t.filter(_hs_match(t, scope.hs), t.hs_level >= max(len(h) for h in scope.hs))
    if scope.years:
        t = t.filter(t.year.between(*scope.years))
    finest = t.hs_level.max().over()
    t = t.filter(t.hs_level == finest)
    return t.select(
        "year",
        "supplier",
        "hs_code",
        "hs_rev",
        "dataset",
        "value_basis",
        "synthetic",
        "retrieved_at",
        value=t.value_usd,
        weight=t.net_weight_kg,
    )
