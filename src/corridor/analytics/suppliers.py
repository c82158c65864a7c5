"""Suppliers of a market: value and weight by partner, share, rank, rank change, position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

from corridor.analytics.scope import WORLD, Measure, aggregate_partners

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "RANK_DECIMALS",
    "order_key",
    "position",
    "rank_change",
    "rows_ahead",
    "supplier_counts",
    "supplier_table",
]

#: Measures are rounded to this many decimals before ordering, so float sums that differ in
#: the last bits between engines (DuckDB, Spark) cannot reorder near-ties.
RANK_DECIMALS = 2


def order_key(x: ir.NumericValue) -> ir.NumericValue:
    """The rounded measure used for every ordering (ranks, top-N, cumulative shares)."""
    return x.round(RANK_DECIMALS)


def rows_ahead(
    x: ir.NumericColumn, of: ir.NumericColumn, among: ir.BooleanColumn
) -> ir.IntegerScalar:
    """How many rows ``rank()`` would put before the measure ``of`` (an aggregate).

    Those ``among`` the same kind with a larger rounded ``x``; ties are not ahead, so one
    supplier's rank in a market is one plus this, without ranking every supplier.
    """
    return (among & (order_key(x) > order_key(of))).sum()


def supplier_table(
    flows: ir.Table, measure: Measure = "value", by: Sequence[str] = ("year",)
) -> ir.Table:
    """Per market (``by``) and supplier: value, weight, share of the market total, rank.

    * ``market_total`` — sum of the measure over every partner except World (0); areas
      n.e.s. are included (they are imports too).
    * ``share`` — supplier's measure / ``market_total`` (fraction 0-1; NULL if the total is
      0 or the supplier's measure is missing).
    * ``rank`` — 1 = largest; ties share the lower rank (1, 1, 3); among countries only:
      aggregates (n.e.s., bunkers, ...) and missing measures get NULL.
    * ``is_country`` — False for aggregates; ``rows`` — source rows summed.

    Args:
        flows: A flows table from :func:`corridor.analytics.scope.bilateral`.
        measure: ``value`` (USD) or ``weight`` (kg) — what shares and ranks use.
        by: Columns that identify one market, e.g. ``("year",)`` or ``("importer", "year")``.
    """
    by = list(by)
    flows = flows.filter(flows.supplier != WORLD)
    agg = flows.group_by([*by, "supplier"]).aggregate(
        value=flows.value.sum(),
        weight=flows.weight.sum(),
        rows=flows.count(),
    )
    m = agg[measure]
    total = m.sum().over(group_by=[agg[k] for k in by])
    ranked = agg.mutate(
        market_total=total,
        share=m / total.nullif(0),
        is_country=~agg.supplier.isin(aggregate_partners()),
    )
    m = ranked[measure]
    win = ibis.window(
        group_by=[*(ranked[k] for k in by), ranked.is_country, m.isnull()],
        order_by=ibis.desc(order_key(m)),
    )
    rank = (ibis.rank().over(win) + 1).cast("int32")
    return ranked.mutate(
        rank=ibis.ifelse(ranked.is_country & m.notnull(), rank, ibis.null("int32"))
    )


def supplier_counts(suppliers: ir.Table, by: Sequence[str] = ("year",)) -> ir.Table:
    """Per market: ``n_suppliers`` (countries with a positive measure), aggregates' share.

    ``aggregate_share`` is the part of the market total reported against n.e.s. and other
    non-country partners — reported, never ranked.
    """
    s = suppliers
    return s.group_by(list(by)).aggregate(
        n_suppliers=(s.is_country & (s.share > 0)).sum().cast("int64"),
        aggregate_share=s.share.sum(where=~s.is_country).fill_null(0),
        market_total=s.market_total.max(),
    )


def rank_change(suppliers: ir.Table, by: Sequence[str] = ("year",)) -> ir.Table:
    """Add the previous year's rank and share: ``prev_rank``, ``rank_change``, ``share_change``.

    ``rank_change = prev_rank - rank`` (positive = moved up). The previous year is exactly
    ``year - 1``; a supplier absent that year gets NULLs. ``by`` must contain ``year``.
    (A join to the table shifted one year: on a corridor's few hundred rows DuckDB runs it in
    a third of the time of a lag window over each supplier's years.)
    """
    keys = [k for k in by if k != "year"]
    s = suppliers
    prev = s.select(*keys, "supplier", _next=(s.year + 1).cast(s.year.type()),
                    _rank=s["rank"], _share=s.share)  # fmt: skip
    on = [s[k] == prev[k] for k in (*keys, "supplier")] + [s.year == prev._next]
    j = s.left_join(prev, on).select(
        *s.columns, prev_rank=prev._rank.cast("int32"), prev_share=prev._share
    )
    return j.mutate(
        rank_change=(j.prev_rank - j["rank"]).cast("int32"),
        share_change=j.share - j.prev_share,
    )


def position(
    suppliers: ir.Table, exporter: int, measure: Measure = "value", by: Sequence[str] = ("year",)
) -> ir.Table:
    """One exporter's position in each market: rank, share and the gap to the next rank.

    Columns: ``by`` keys, ``rank``, ``share``, ``amount`` (the exporter's measure),
    ``next_above`` (measure of the smallest supplier larger than the exporter),
    ``gap_to_next_rank = next_above - amount`` (what it takes to move up one place; NULL at
    rank 1), ``next_below`` and ``lead_over_next`` (margin over the next smaller supplier),
    ``n_suppliers``. Markets where the exporter is absent keep a row with NULLs.
    """
    by = list(by)
    s = suppliers
    countries = s.filter(s.is_country, s[measure].notnull())
    markets = s.group_by(by).aggregate(
        n_suppliers=(s.is_country & (s.share > 0)).sum().cast("int64"),
        market_total=s.market_total.max(),
    )
    mine = countries.filter(countries.supplier == exporter).select(
        *by, rank=countries.rank, share=countries.share, amount=countries[measure]
    )
    c = countries.select(*by, other=countries[measure])
    pair = mine.join(c, [mine[k] == c[k] for k in by])
    mk, ok = order_key(pair.amount), order_key(pair.other)
    near = pair.group_by(by).aggregate(
        next_above=pair.other.min(where=ok > mk),
        next_below=pair.other.max(where=ok < mk),
    )
    j = markets.left_join(mine, [markets[k] == mine[k] for k in by])
    j = j.select(*by, "n_suppliers", "market_total", "rank", "share", "amount")
    j = j.left_join(near, [j[k] == near[k] for k in by])
    j = j.select(
        *by, "n_suppliers", "market_total", "rank", "share", "amount", "next_above", "next_below"
    )
    return j.mutate(
        gap_to_next_rank=j.next_above - j.amount,
        lead_over_next=j.amount - j.next_below,
    )
