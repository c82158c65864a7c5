"""Prices: unit values (USD/kg), robust outlier flags, premium or discount versus the market.

A unit value needs both a value and a weight on the same row. Rows with only one of them are
counted (``rows_value_only``, ``rows_weight_only``) and their amounts reported, but never
enter a unit value: dividing a full value by a partial weight would invent a price.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from corridor.analytics.scope import WORLD, aggregate_partners

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["MAD_SCALE", "OUTLIER_Z", "price_premium", "unit_value_outliers", "unit_values"]

#: Robust z above which a unit value is flagged (Iglewicz-Hoaglin modified z-score).
OUTLIER_Z = 3.5
#: 0.6745 = Φ⁻¹(0.75): makes the MAD comparable to a standard deviation.
MAD_SCALE = 0.6745


def unit_values(flows: ir.Table, by: Sequence[str] = ("year", "hs_code", "supplier")) -> ir.Table:
    """Unit values per ``by`` (default: year, HS code, supplier), World rows excluded.

    * ``value_paired``, ``weight_paired`` — sums over rows that have both value and weight.
    * ``unit_value`` — ``value_paired / weight_paired`` in USD/kg (NULL if no paired row).
    * ``value``, ``weight`` — sums over all rows; ``rows``, ``rows_value_only``,
      ``rows_weight_only``, ``rows_paired`` — how many rows carried what.
    * ``is_country`` — False for n.e.s. and other aggregates (reported, not ranked).
    """
    f = flows.filter(flows.supplier != WORLD)
    paired = f.value.notnull() & f.weight.notnull() & (f.weight > 0)
    agg = f.group_by(list(by)).aggregate(
        value=f.value.sum(),
        weight=f.weight.sum(),
        value_paired=f.value.sum(where=paired),
        weight_paired=f.weight.sum(where=paired),
        rows=f.count(),
        rows_paired=paired.sum().cast("int64"),
        rows_value_only=(f.value.notnull() & f.weight.isnull()).sum().cast("int64"),
        rows_weight_only=(f.value.isnull() & f.weight.notnull()).sum().cast("int64"),
    )
    out = agg.mutate(unit_value=agg.value_paired / agg.weight_paired.nullif(0))
    if "supplier" in by:
        out = out.mutate(is_country=~out.supplier.isin(aggregate_partners()))
    return out


def unit_value_outliers(
    uv: ir.Table, market: Sequence[str] = ("year", "hs_code"), z: float = OUTLIER_Z
) -> ir.Table:
    """Flag unit values far from the market's median, robustly (on the log scale).

    Per market, over country suppliers with a unit value: ``median_uv`` (median unit value),
    ``mad_log`` (median absolute deviation of ``ln(uv)``), and for each row
    ``robust_z = 0.6745 * (ln uv - median ln uv) / mad_log`` and ``is_outlier = |z| > z``.
    ``robust_z`` is NULL where MAD is 0 (fewer than three distinct prices).
    """
    market = list(market)
    u = uv.filter(uv.unit_value.notnull(), uv.unit_value > 0)
    if "is_country" in u.columns:
        u = u.filter(u.is_country)
    u = u.mutate(log_uv=u.unit_value.ln())
    med = u.group_by(market).aggregate(
        median_uv=u.unit_value.median(), median_log=u.log_uv.median()
    )
    j = u.join(med, market)
    j = j.mutate(abs_dev=(j.log_uv - j.median_log).abs())
    mad = j.group_by(market).aggregate(mad_log=j.abs_dev.median())
    j = j.join(mad, market)
    rz = MAD_SCALE * (j.log_uv - j.median_log) / j.mad_log.round(12).nullif(0)
    j = j.mutate(robust_z=rz)
    return j.mutate(is_outlier=(j.robust_z.abs() > z).fill_null(False)).drop("abs_dev")


def price_premium(
    uv: ir.Table, supplier: int, market: Sequence[str] = ("year", "hs_code")
) -> ir.Table:
    """One supplier's unit value against the market, per market (default year x HS code).

    * ``median_uv`` — median of the country suppliers' unit values.
    * ``market_uv`` — the whole market's paired value / paired weight (all partners).
    * ``premium_vs_median = uv / median_uv - 1`` (negative = discount), and
      ``premium_vs_market = uv / market_uv - 1``; NULL where the supplier has no unit value.
    """
    market = list(market)
    c = uv.filter(uv.is_country, uv.unit_value.notnull())
    med = c.group_by(market).aggregate(median_uv=c.unit_value.median(), n_priced=c.count())
    tot = uv.group_by(market).aggregate(
        market_uv=uv.value_paired.sum() / uv.weight_paired.sum().nullif(0)
    )
    mine = uv.filter(uv.supplier == supplier).select(
        *market, "unit_value", "value", "weight", "rows_value_only", "rows_weight_only"
    )
    j = tot.left_join(med, market).select(*market, "market_uv", "median_uv", "n_priced")
    j = j.left_join(mine, market).select(
        *market, "market_uv", "median_uv", "n_priced", "unit_value", "value", "weight",
        "rows_value_only", "rows_weight_only",
    )  # fmt: skip
    return j.mutate(
        premium_vs_median=j.unit_value / j.median_uv.nullif(0) - 1,
        premium_vs_market=j.unit_value / j.market_uv.nullif(0) - 1,
    )
