"""Scrap and recycling: HS 7602 flows, scrap-to-primary ratios, a country's net scrap balance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis

from corridor.analytics.scope import WORLD, classic_totals

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["PRIMARY_HS", "SCRAP_HS", "mirror_totals", "reporter_totals", "scrap_balance"]

SCRAP_HS = "7602"  # aluminium waste and scrap
PRIMARY_HS = "7601"  # unwrought aluminium


def reporter_totals(
    t: ir.Table,
    country: int | ir.IntegerValue,
    hs: str,
    years: tuple[Any, Any] | None = None,
    dataset: str | ir.StringValue | None = None,
) -> ir.Table:
    """A country's own total imports (M) and exports (X) of one HS code, per year.

    The total is the World (partner 0) row when the country reported one, otherwise the sum
    of its partner rows (``basis`` says which). Rows at any finer level than ``hs`` are
    summed only if no row at ``hs``'s own level exists. Columns: ``year``, ``flow``,
    ``value`` (USD), ``weight`` (kg), ``basis``.
    """
    t = classic_totals(t).filter(
        t.reporter == country, t.flow.isin(["M", "X"]), t.hs_code.startswith(hs)
    )
    if dataset is not None:
        t = t.filter(t.dataset == dataset)
    if years:
        t = t.filter(t.year.between(*years))
    t = t.mutate(_coarsest=t.hs_level.min().over())
    t = t.filter(t.hs_level == t._coarsest)
    world = t.partner == WORLD
    agg = t.group_by(["year", "flow"]).aggregate(
        world_value=t.value_usd.sum(where=world),
        world_weight=t.net_weight_kg.sum(where=world),
        has_world=world.any(),
        partner_value=t.value_usd.sum(where=~world),
        partner_weight=t.net_weight_kg.sum(where=~world),
    )
    return agg.select(
        "year",
        "flow",
        value=ibis.ifelse(agg.has_world, agg.world_value, agg.partner_value),
        weight=ibis.ifelse(agg.has_world, agg.world_weight, agg.partner_weight),
        basis=ibis.ifelse(agg.has_world, "world row", "sum of partners"),
    )


def mirror_totals(
    t: ir.Table,
    country: int | ir.IntegerValue,
    hs: str,
    years: tuple[Any, Any] | None = None,
    dataset: str | ir.StringValue | None = None,
) -> ir.Table:
    """A country's imports and exports of one HS code as its partners report them (flow X).

    Imports are every exporter's reported exports to ``country``; exports are ``country``'s
    reported exports to every partner (for BACI both are the reconciled flows). World (0) and
    other aggregate partners are left out. Same columns as :func:`reporter_totals`
    (``flow`` M = imports, X = exports).
    """
    t = classic_totals(t).filter(t.flow == "X", t.hs_code.startswith(hs))
    if dataset is not None:
        t = t.filter(t.dataset == dataset)
    if years:
        t = t.filter(t.year.between(*years))
    t = t.filter((t.partner == country) | (t.reporter == country), t.partner != WORLD)
    t = t.mutate(_coarsest=t.hs_level.min().over())
    t = t.filter(t.hs_level == t._coarsest)
    t = t.mutate(flow=ibis.ifelse(t.partner == country, "M", "X"))
    agg = t.group_by(["year", "flow"]).aggregate(
        value=t.value_usd.sum(), weight=t.net_weight_kg.sum()
    )
    return agg.mutate(basis=ibis.literal("partners' reports"))


def _difference(a: ir.NumericValue, b: ir.NumericValue) -> ir.NumericValue:
    """``a - b`` when both are reported, else NULL (missing is never 0)."""
    return ibis.ifelse(a.notnull() & b.notnull(), a - b, ibis.null("float64"))


def scrap_balance(
    t: ir.Table,
    country: int | ir.IntegerValue,
    years: tuple[Any, Any] | None = None,
    dataset: str | ir.StringValue | None = None,
    side: str = "importer",
) -> ir.Table:
    """A country's scrap trade per year and its relation to primary aluminium.

    ``side='importer'`` reads the country's own reports (M and X); ``side='exporter'`` reads
    partners' reports of flow X (and BACI). Columns (values USD, weights kg; NULL where not
    reported — a missing side is never counted as 0):

    * ``scrap_exports_usd``/``_kg``, ``scrap_imports_usd``/``_kg`` — HS 7602.
    * ``net_scrap_usd``/``_kg = exports - imports`` (positive = net scrap exporter; NULL
      unless both are reported).
    * ``primary_imports_kg``, ``primary_exports_kg`` — HS 7601.
    * ``scrap_to_primary_imports = scrap_imports_kg / primary_imports_kg`` and
      ``scrap_to_primary_exports`` — by weight (nullif-guarded).
    """
    totals = reporter_totals if side == "importer" else mirror_totals
    s = totals(t, country, SCRAP_HS, years, dataset)
    p = totals(t, country, PRIMARY_HS, years, dataset)
    x, m = s.flow == "X", s.flow == "M"
    sa = s.group_by("year").aggregate(
        scrap_exports_usd=s.value.sum(where=x),
        scrap_exports_kg=s.weight.sum(where=x),
        scrap_imports_usd=s.value.sum(where=m),
        scrap_imports_kg=s.weight.sum(where=m),
    )
    pa_ = p.group_by("year").aggregate(
        primary_exports_kg=p.weight.sum(where=p.flow == "X"),
        primary_imports_kg=p.weight.sum(where=p.flow == "M"),
    )
    j = sa.outer_join(pa_, "year")
    j = j.select(
        year=ibis.coalesce(j.year, j.year_right),
        **{c: j[c] for c in j.columns if c.startswith(("scrap_", "primary_"))},
    )
    return j.mutate(
        net_scrap_usd=_difference(j.scrap_exports_usd, j.scrap_imports_usd),
        net_scrap_kg=_difference(j.scrap_exports_kg, j.scrap_imports_kg),
        scrap_to_primary_imports=j.scrap_imports_kg / j.primary_imports_kg.nullif(0),
        scrap_to_primary_exports=j.scrap_exports_kg / j.primary_exports_kg.nullif(0),
    )
