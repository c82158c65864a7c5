"""Specialisation: Balassa RCA, trade complementarity, export similarity.

All three read a flows table from :func:`corridor.analytics.scope.bilateral` (best on the
exporter side or BACI, so that every exporter's exports to every market are present) and
treat ``hs_code`` at the flows' level as the product. Aggregate partners are excluded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

from corridor.analytics.scope import Measure, aggregate_partners

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["complementarity", "export_similarity", "rca"]


def _countries(flows: ir.Table) -> ir.Table:
    agg = aggregate_partners()
    return flows.filter(~flows.supplier.isin(agg), ~flows.importer.isin(agg))


def rca(flows: ir.Table, measure: Measure = "value", by: Sequence[str] = ("year",)) -> ir.Table:
    """Balassa revealed comparative advantage of each exporter in each product.

    ``rca = (x_ck / x_c) / (x_wk / x_w)``: the product's share in the exporter's exports over
    its share in all exporters' exports in the table (the "world" is the table's scope).
    ``rca > 1`` means the exporter is specialised in the product. Columns: keys,
    ``exporter``, ``hs_code``, ``x_ck``, ``x_c``, ``x_wk``, ``x_w``, ``rca``.
    """
    by = list(by)
    f = _countries(flows)
    a = f.group_by([*by, "supplier", "hs_code"]).aggregate(x_ck=f[measure].sum())
    a = a.mutate(
        x_c=a.x_ck.sum().over(group_by=[*(a[k] for k in by), a.supplier]),
        x_wk=a.x_ck.sum().over(group_by=[*(a[k] for k in by), a.hs_code]),
        x_w=a.x_ck.sum().over(group_by=[a[k] for k in by]),
    )
    a = a.mutate(rca=(a.x_ck / a.x_c.nullif(0)) / (a.x_wk / a.x_w.nullif(0)).nullif(0))
    return a.rename(exporter="supplier")


def _shares(flows: ir.Table, who: str, code: int, col: str, by: list[str], measure: str):
    f = flows.filter(flows[who] == code)
    a = f.group_by([*by, "hs_code"]).aggregate(x=f[measure].sum())
    a = a.mutate(s=a.x / a.x.sum().over(group_by=[a[k] for k in by]).nullif(0))
    return a.select(*by, "hs_code", **{col: a.s.fill_null(0)})


def _paired(left: ir.Table, right: ir.Table, by: list[str]) -> ir.Table:
    """Union two share tables into (keys, hs_code, a, b) with 0 where one side is absent."""
    l2 = left.mutate(b=ibis.literal(0.0))
    r2 = right.select(*by, "hs_code", a=ibis.literal(0.0), b=right.b)
    u = ibis.union(l2.select(*by, "hs_code", "a", "b"), r2.select(*by, "hs_code", "a", "b"))
    return u.group_by([*by, "hs_code"]).aggregate(a=u.a.sum(), b=u.b.sum())


def complementarity(
    flows: ir.Table,
    exporter: int,
    importer: int,
    measure: Measure = "value",
    by: Sequence[str] = ("year",),
) -> ir.Table:
    """Trade complementarity index between an exporter's supply and an importer's demand.

    ``TCI = 100 * (1 - Σ_k |m_jk - x_ik| / 2)`` where ``m_jk`` is product k's share of the
    importer's imports (from everyone) and ``x_ik`` its share of the exporter's exports (to
    everyone). 0 = no overlap, 100 = identical structure; NULL for a year in which either
    side reports nothing in the measure (never a spurious 100 or 50).
    """
    by = list(by)
    f = _countries(flows)
    x = _shares(f, "supplier", exporter, "a", by, measure)
    m = _shares(f, "importer", importer, "b", by, measure)
    p = _paired(x, m, by)
    out = p.group_by(by).aggregate(
        d=(p.a - p.b).abs().sum(), products=p.count(), sa=p.a.sum(), sb=p.b.sum()
    )
    both = (out.sa > 0.5) & (out.sb > 0.5)  # shares sum to 1 where a side has data, else 0
    return out.select(
        *by, "products", tci=ibis.ifelse(both, 100.0 * (1 - out.d / 2), ibis.null("float64"))
    )


def export_similarity(
    flows: ir.Table,
    exporter_a: int,
    exporter_b: int,
    measure: Measure = "value",
    by: Sequence[str] = ("year",),
) -> ir.Table:
    """Export similarity index (Finger-Kreinin) of two exporters in the flows' scope.

    ``ESI = 100 * Σ_k min(s_ak, s_bk)`` with ``s_ik`` product k's share of exporter i's
    exports in the scope (restrict ``flows`` to one importer for similarity in a market).
    0 = disjoint, 100 = identical product structure.
    """
    by = list(by)
    f = _countries(flows)
    a = _shares(f, "supplier", exporter_a, "a", by, measure)
    b = _shares(f, "supplier", exporter_b, "b", by, measure)
    p = _paired(a, b, by)
    out = p.group_by(by).aggregate(
        s=ibis.least(p.a, p.b).sum(), products=p.count(), sa=p.a.sum(), sb=p.b.sum()
    )
    both = (out.sa > 0.5) & (out.sb > 0.5)
    return out.select(*by, "products", esi=ibis.ifelse(both, 100.0 * out.s, ibis.null("float64")))
