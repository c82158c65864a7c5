"""Scrap and recycling: HS 7602 flows, scrap-to-primary ratios, a country's net scrap balance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from corridor.analytics.scope import WORLD, classic_totals

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["PRIMARY_HS", "SCRAP_HS", "reporter_totals", "scrap_balance"]

SCRAP_HS = "7602"  # aluminium waste and scrap
PRIMARY_HS = "7601"  # unwrought aluminium


def reporter_totals(
    t: ir.Table,
    country: int,
    hs: str,
    years: tuple[int, int] | None = None,
    dataset: str | None = None,
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
    if dataset:
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


def scrap_balance(
    t: ir.Table,
    country: int,
    years: tuple[int, int] | None = None,
    dataset: str | None = None,
) -> ir.Table:
    """A country's scrap trade per year and its relation to primary aluminium.

    Columns (values USD, weights kg; NULL where not reported):

    * ``scrap_exports_usd``/``_kg``, ``scrap_imports_usd``/``_kg`` — HS 7602, own reports.
    * ``net_scrap_usd``/``_kg = exports - imports`` (positive = net scrap exporter).
    * ``primary_imports_kg``, ``primary_exports_kg`` — HS 7601.
    * ``scrap_to_primary_imports = scrap_imports_kg / primary_imports_kg`` and
      ``scrap_to_primary_exports`` — by weight (nullif-guarded).
    """
    s = reporter_totals(t, country, SCRAP_HS, years, dataset)
    p = reporter_totals(t, country, PRIMARY_HS, years, dataset)
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
        net_scrap_usd=j.scrap_exports_usd.fill_null(0) - j.scrap_imports_usd.fill_null(0),
        net_scrap_kg=j.scrap_exports_kg.fill_null(0) - j.scrap_imports_kg.fill_null(0),
        scrap_to_primary_imports=j.scrap_imports_kg / j.primary_imports_kg.nullif(0),
        scrap_to_primary_exports=j.scrap_exports_kg / j.primary_exports_kg.nullif(0),
    )
