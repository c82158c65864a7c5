"""Product mix: chapter → heading → HS6 shares of a market, and an exporter's share per line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

from corridor.analytics.scope import WORLD, Measure, aggregate_partners
from corridor.analytics.suppliers import order_key, rows_ahead

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["exporter_product_shares", "product_mix"]


def _partners_only(flows: ir.Table) -> ir.Table:
    return flows.filter(flows.supplier != WORLD)


def product_mix(
    flows: ir.Table,
    level: int | None = 4,
    measure: Measure = "value",
    by: Sequence[str] = ("year",),
) -> ir.Table:
    """Each product's share of the market, with products cut to ``level`` digits (2, 4, 6).

    ``flows`` must be at least as fine as ``level``. Columns: ``by`` keys, ``product`` (the
    first ``level`` digits of ``hs_code``), ``level``, ``value``, ``weight``,
    ``share`` (of the market's measure, fraction), ``rank`` (1 = largest product).
    ``level=None``: the flows are already cut and carry a ``level`` column, which ``by``
    must name (several levels at once: shares and ranks are per level).
    """
    by = list(by)
    f = _partners_only(flows)
    f = f.mutate(product=f.hs_code if level is None else f.hs_code.substr(0, level))
    agg = f.group_by([*by, "product"]).aggregate(value=f.value.sum(), weight=f.weight.sum())
    m = agg[measure]
    total = m.sum().over(group_by=[agg[k] for k in by])
    w = ibis.window(group_by=[agg[k] for k in by], order_by=ibis.desc(order_key(m)))
    if level is not None:
        agg = agg.mutate(level=ibis.literal(level, "int8"))
    return agg.mutate(share=m / total.nullif(0), rank=(ibis.rank().over(w) + 1).cast("int32"))


def exporter_product_shares(
    flows: ir.Table, exporter: int, measure: Measure = "value", by: Sequence[str] = ("year",)
) -> ir.Table:
    """An exporter's share of the market in each HS line (at the flows' level).

    Columns: ``by`` keys, ``hs_code``, ``market`` (the line's total over all partners
    except World), ``amount`` (the exporter's measure, 0 when absent), ``share``
    (fraction), ``rank`` (exporter's rank among countries in that line, NULL when absent),
    ``n_suppliers`` (countries in the line). Lines the market buys that the exporter does not
    ship keep a row with ``amount = 0`` — the white space on the map.
    """
    by = list(by)
    keys = [*by, "hs_code"]
    f = _partners_only(flows)
    agg = f.group_by([*keys, "supplier"]).aggregate(x=f[measure].sum())
    agg = agg.mutate(is_country=~agg.supplier.isin(aggregate_partners()))
    # The exporter's rank without ranking every supplier (a window over all of them): one
    # plus the suppliers of its kind (country or not) with a larger rounded measure, as rank()
    # would give it.
    mine = agg.filter(agg.supplier == exporter)
    mine = mine.select(*keys, _x=mine.x, _country=mine.is_country)
    j = agg.left_join(mine, [agg[k] == mine[k] for k in keys]).select(
        *keys, "supplier", "x", "is_country", "_x", "_country"
    )
    line = j.group_by(keys).aggregate(
        market=j.x.sum(),
        n_suppliers=(j.is_country & (j.x > 0)).sum().cast("int64"),
        amount=j._x.max().fill_null(0),
        _ahead=rows_ahead(j.x, j._x, among=j.is_country == j._country),
        _x=j._x.max(),
    )
    ranked = line._x.notnull() & (line._x > 0)
    return line.select(
        *keys,
        "market",
        "n_suppliers",
        "amount",
        share=line.amount / line.market.nullif(0),
        rank=ibis.ifelse(ranked, (line._ahead + 1).cast("int32"), ibis.null("int32")),
    )
