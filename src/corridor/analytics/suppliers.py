"""Suppliers of a market: value and weight by partner and year, share and rank."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from corridor.analytics.scope import Measure, aggregate_partners

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["supplier_table"]


def supplier_table(flows: ir.Table, measure: Measure = "value") -> ir.Table:
    """Per (year, supplier): value, weight, share of the market total, rank.

    The market total is the sum over every partner row except World (0), areas n.e.s.
    included (they are imports too). Rank (1 = largest, ties share the lower rank) is among
    countries only: aggregates get a NULL rank. ``share`` is of the chosen ``measure``.
    Rows whose measure is NULL (e.g. weight-only data asked for value) get NULL share.
    """
    flows = flows.filter(flows.supplier != 0)
    by = flows.group_by(["year", "supplier"]).aggregate(
        value=flows.value.sum(),
        weight=flows.weight.sum(),
        rows=flows.count(),
    )
    m = by[measure]
    total = m.sum().over(group_by=by.year)
    is_country = ~by.supplier.isin(aggregate_partners())
    ranked = by.mutate(
        market_total=total,
        share=m / total.nullif(0),
        is_country=is_country,
    )
    m = ranked[measure]
    country_window = ibis.window(group_by=[ranked.year, ranked.is_country], order_by=ibis.desc(m))
    rank = (ibis.rank().over(country_window) + 1).cast("int32")
    return ranked.mutate(
        rank=ibis.ifelse(ranked.is_country & m.notnull(), rank, ibis.null("int32"))
    )
