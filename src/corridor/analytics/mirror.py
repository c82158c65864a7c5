"""Mirror flows: the importer's CIF report against the exporter's FOB report of the same trade."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

from corridor.analytics.scope import WORLD, aggregate_partners, bilateral

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["CIF_FOB_BOUNDS", "mirror_flows"]

#: Plausible CIF/FOB ratios: freight and insurance add roughly 0-20 % (IMF DOTS uses 1.06);
#: below 0.95 or above 1.30 the two reports are unlikely to describe the same goods.
CIF_FOB_BOUNDS: tuple[float, float] = (0.95, 1.30)


def mirror_flows(
    t: ir.Table,
    *,
    importer: int | None = None,
    exporter: int | None = None,
    hs: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    level: int | None = None,
    bounds: tuple[float, float] = CIF_FOB_BOUNDS,
    with_refs: bool = False,
) -> ir.Table:
    """Pair each importer-reported flow (M, CIF) with the exporter's report (X, FOB).

    Keys are (year, importer, exporter, hs_code) at one HS level; World and n.e.s. partners
    are left out (they have no mirror). Columns:

    * ``cif_usd``, ``fob_usd`` — the importer's and the exporter's value (USD);
      ``weight_m_kg``, ``weight_x_kg`` — their net weights (kg).
    * ``gap_usd = cif_usd - fob_usd``; ``cif_fob_ratio = cif_usd / fob_usd``.
    * ``missing_side`` — ``'importer'`` or ``'exporter'`` when only one side reported,
      else NULL.
    * ``flag`` — ``'missing importer report'``, ``'missing exporter report'``,
      ``'ratio below bounds'`` or ``'ratio above bounds'`` (bounds default 0.95-1.30), else NULL.
    * with ``with_refs``: ``refs_m``, ``refs_x`` — ``raw_ref:raw_row`` of the rows behind.
    """
    common = {"hs": hs, "years": years, "level": level}
    m = bilateral(t, side="importer", importer=importer, **common)
    x = bilateral(t, side="exporter", importer=importer, **common)
    aggregates = aggregate_partners()
    keys = ["year", "importer", "supplier", "hs_code"]
    out = []
    for f, v, w, r in (
        (m, "cif_usd", "weight_m_kg", "refs_m"),
        (x, "fob_usd", "weight_x_kg", "refs_x"),
    ):
        f = f.filter(
            f.supplier != WORLD,
            f.importer != WORLD,
            ~f.supplier.isin(aggregates),
            ~f.importer.isin(aggregates),
        )
        if exporter is not None:
            f = f.filter(f.supplier == exporter)
        aggs = {v: f.value.sum(), w: f.weight.sum()}
        if with_refs:
            aggs[r] = f.raw_ref.concat(":", f.raw_row.cast("string")).collect()
        out.append(f.group_by(keys).aggregate(**aggs))
    m, x = out
    j = m.outer_join(x, [m[k] == x[k] for k in keys])
    cols = {k: ibis.coalesce(j[k], j[f"{k}_right"]) for k in keys}
    j = j.select(
        **cols,
        **{c: j[c] for c in j.columns if c.endswith(("_usd", "_kg")) or c.startswith("refs_")},
        _has_m=j.importer.notnull(),
        _has_x=j.importer_right.notnull(),
    ).rename(exporter="supplier")
    ratio = j.cif_usd / j.fob_usd.nullif(0)
    lo, hi = bounds
    j = j.mutate(gap_usd=j.cif_usd - j.fob_usd, cif_fob_ratio=ratio)
    missing = ibis.cases(
        (~j._has_m, "importer"), (~j._has_x, "exporter"), else_=ibis.null("string")
    )
    flag = ibis.cases(
        (~j._has_m, "missing importer report"),
        (~j._has_x, "missing exporter report"),
        (j.cif_fob_ratio < lo, "ratio below bounds"),
        (j.cif_fob_ratio > hi, "ratio above bounds"),
        else_=ibis.null("string"),
    )
    return j.mutate(missing_side=missing, flag=flag).drop("_has_m", "_has_x")
