"""Mirror flows: the importer's CIF report against the exporter's FOB report of the same trade."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ibis

from corridor.analytics.constants import CIF_FOB_BOUNDS, WEIGHT_BOUNDS
from corridor.analytics.scope import WORLD, aggregate_partners, bilateral

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["CIF_FOB_BOUNDS", "WEIGHT_BOUNDS", "mirror_flows", "pair_flows"]

_KEYS = ["year", "importer", "supplier", "hs_code"]


def pair_flows(
    m: ir.Table,
    x: ir.Table,
    *,
    exporter: int | ir.IntegerValue | None = None,
    measure: str = "value",
    bounds: tuple[float, float] | None = None,
    with_refs: bool = False,
) -> ir.Table:
    """Pair importer-reported flows ``m`` (M, CIF) with exporter-reported flows ``x`` (X, FOB).

    Both are flows tables (:func:`~corridor.analytics.scope.bilateral`) at the same HS level.
    Keys are (year, importer, exporter, hs_code); World and n.e.s. partners are left out
    (they have no mirror). Columns:

    * ``cif_usd``, ``fob_usd`` — the importer's and the exporter's value (USD);
      ``weight_m_kg``, ``weight_x_kg`` — their net weights (kg).
    * ``gap_usd = cif_usd - fob_usd``; ``cif_fob_ratio = cif_usd / fob_usd``;
      ``weight_ratio = weight_m_kg / weight_x_kg``.
    * ``missing_side`` — ``'importer'`` or ``'exporter'`` when only one side reported.
    * ``flag`` — ``'missing importer report'``, ``'missing exporter report'``,
      ``'ratio below bounds'`` or ``'ratio above bounds'``, judged on ``measure``'s ratio
      (value: CIF/FOB within 0.95-1.30; weight: 0.80-1.25), else NULL.
    * with ``with_refs``: ``refs_m``, ``refs_x`` — ``raw_ref:raw_row`` of the rows behind.
    """
    aggregates = aggregate_partners()
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
        aggs: dict[str, Any] = {v: f.value.sum(), w: f.weight.sum()}
        if with_refs:
            aggs[r] = f.raw_ref.concat(":", f.raw_row.cast("string")).collect()
        out.append(f.group_by(_KEYS).aggregate(**aggs))
    m, x = out
    j = m.outer_join(x, [m[k] == x[k] for k in _KEYS])
    cols = {k: ibis.coalesce(j[k], j[f"{k}_right"]) for k in _KEYS}
    j = j.select(
        **cols,
        **{c: j[c] for c in j.columns if c.endswith(("_usd", "_kg")) or c.startswith("refs_")},
        _has_m=j.importer.notnull(),
        _has_x=j.importer_right.notnull(),
    ).rename(exporter="supplier")
    j = j.mutate(
        gap_usd=j.cif_usd - j.fob_usd,
        cif_fob_ratio=j.cif_usd / j.fob_usd.nullif(0),
        weight_ratio=j.weight_m_kg / j.weight_x_kg.nullif(0),
    )
    ratio = j.cif_fob_ratio if measure == "value" else j.weight_ratio
    lo, hi = bounds or (CIF_FOB_BOUNDS if measure == "value" else WEIGHT_BOUNDS)
    missing = ibis.cases(
        (~j._has_m, "importer"), (~j._has_x, "exporter"), else_=ibis.null("string")
    )
    flag = ibis.cases(
        (~j._has_m, "missing importer report"),
        (~j._has_x, "missing exporter report"),
        (ratio < lo, "ratio below bounds"),
        (ratio > hi, "ratio above bounds"),
        else_=ibis.null("string"),
    )
    return j.mutate(missing_side=missing, flag=flag).drop("_has_m", "_has_x")


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
    datasets: tuple[Any, Any] = (None, None),
    hs_min_level: int | None = None,
) -> ir.Table:
    """:func:`pair_flows` of the trade table's M and X flows into ``importer`` (by value).

    ``datasets`` pins the importer-side and exporter-side datasets (None: every dataset).
    """
    common = {"hs": hs, "years": years, "level": level, "importer": importer,
              "hs_min_level": hs_min_level}  # fmt: skip
    m = bilateral(t, side="importer", dataset=datasets[0], **common)
    x = bilateral(t, side="exporter", dataset=datasets[1], **common)
    return pair_flows(m, x, exporter=exporter, bounds=bounds, with_refs=with_refs)
