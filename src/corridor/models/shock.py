"""Supplier shocks: remove or cut suppliers of one market and reallocate the lost quantity.

Input: the market's suppliers in a base year (value in USD, weight in kg, unit value in USD/kg,
optional capacity headroom) and cuts (``RUS`` 100 %, ``AUS`` 50 %). The **quantity** moved is
the weight (kg) when every supplier has one, else the value at base-year prices (USD) — SMART's
own convention ("trade value … regarded as trade quantity … by normalizing world price to 1",
WITS online help, "SMART Input Requirements and Output Results"); ``basis`` can force either.

Rows flagged ``is_country = False`` (areas n.e.s., bunkers…) are imports of no identifiable
supplier: they stay in the market total at their base-year quantity, receive none of the lost
quantity, and are left out of HHI and the top-supplier share, whose shares are of the whole
market — the definitions of :func:`corridor.analytics.concentration.concentration`.

Methods:
``proportional``
    The lost quantity ``L = Σ cut_c · q_c`` goes to the suppliers that were not cut, in
    proportion to their base-year quantities. Total demand is held.

``armington``
    Two-stage Armington demand, as in WITS SMART's demand side (World Bank, WITS online help,
    "Demand side: the Armington Assumption"): buyers choose total imports from the CES price
    index, then split them among sources by relative price with elasticity of substitution σ,
    observed unit values as prices. Calibrated to the base year, CES demand has the property
    that the relative demand of two suppliers depends only on their relative price
    (``x_i/x_j = (β_i/β_j)^σ (p_i/p_j)^-σ``); the prices of suppliers that were not cut do not
    change, so **the displaced demand goes to them in proportion to their purchases, at any
    σ** (independence of irrelevant alternatives). What σ decides is the cost of losing a
    source: a cut removing a value share ``F = Σ cut_c · s_c`` raises the CES price index by
    ``(1 - F)^(1/(1-σ)) - 1`` (σ > 1; with σ ≤ 1 every source is essential and the index has
    no finite value). With an import demand elasticity η > 0, total demand falls to
    ``Q · (P'/P)^-η`` before the rest is re-sourced; with η = 0 total demand is held. A cut is
    read as the loss of that share of the supplier's varieties (plants), which is what makes
    ``F`` the removed value share.

Capacity headroom (same unit as the quantity; missing = no limit, listed in the assumptions)
caps what each supplier can add; the displaced demand is re-sourced by water-filling, and what
nobody can supply is the **gap** — never spread silently. Weights without values mean prices
are unknown: the armington method then falls back to proportional and says so.

Outputs: per supplier before/after value, weight, share; the market's totals, gap, HHI and
top-supplier share before/after; a band over the elasticity grid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from corridor.errors import InvalidQuery
from corridor.models.tables import table_of
from corridor.units import Column, Unit, fmt_value, measure_unit

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.reference.elasticities import ElasticityRange

__all__ = [
    "BAND_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUPPLIER_COLUMNS",
    "ShockAssumptions",
    "ShockResult",
    "supplier_shock",
]

SUPPLIER_COLUMNS: tuple[Column, ...] = (
    Column("supplier", Unit.CODE, "Comtrade area code of the supplier", "int32"),
    Column("name", Unit.TEXT, "supplier name", "string"),
    Column("cut", Unit.FRACTION, "share of the supplier's base-year quantity removed"),
    Column("value_before", Unit.USD, "base-year value"),
    Column("value_after", Unit.USD, "value after the shock (base-year prices); NULL if unknown"),
    Column("weight_before", Unit.KG, "base-year net weight"),
    Column("weight_after", Unit.KG, "net weight after the shock; NULL if unknown"),
    Column("unit_value", Unit.USD_PER_KG, "base-year unit value, used as the price"),
    Column("share_before", Unit.FRACTION, "share of the market (quantity basis)"),
    Column("share_after", Unit.FRACTION, "share of the market after the shock"),
    Column("share_change", Unit.PP, "share_after - share_before"),
    Column("change", Unit.MEASURE, "quantity after - before (quantity basis)"),
    Column("headroom", Unit.MEASURE, "capacity headroom given; NULL = no limit"),
    Column("at_capacity", Unit.FLAG, "the supplier's headroom is used up", "bool"),
    Column("after_low", Unit.MEASURE, "lowest quantity after over the elasticity band"),
    Column("after_high", Unit.MEASURE, "highest quantity after over the elasticity band"),
)

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("basis", Unit.TEXT, "quantity moved: weight (kg) or value (USD, base prices)", "string"),
    Column("total_before", Unit.MEASURE, "market total, base year"),
    Column("total_after", Unit.MEASURE, "market total after the shock"),
    Column("lost", Unit.MEASURE, "quantity removed by the cuts"),
    Column("refilled", Unit.MEASURE, "quantity re-sourced from other suppliers"),
    Column("demand_change", Unit.MEASURE, "change in total demand (0 when demand is held)"),
    Column("gap", Unit.MEASURE, "demand nobody can supply (capacity), never spread"),
    Column("value_before", Unit.USD, "market value, base year; NULL if unknown"),
    Column("value_after", Unit.USD, "market value after, base-year prices; NULL if unknown"),
    Column("weight_before", Unit.KG, "market weight, base year; NULL if unknown"),
    Column("weight_after", Unit.KG, "market weight after; NULL if unknown"),
    Column("hhi_before", Unit.HHI, "Herfindahl-Hirschman index of supplier shares, before"),
    Column("hhi_after", Unit.HHI, "HHI after the shock"),
    Column("top_supplier_before", Unit.CODE, "largest supplier before", "int32"),
    Column("top_share_before", Unit.FRACTION, "its share"),
    Column("top_supplier_after", Unit.CODE, "largest supplier after", "int32"),
    Column("top_share_after", Unit.FRACTION, "its share"),
    Column("price_index_change", Unit.GROWTH, "CES import price index change (armington)"),
)

BAND_COLUMNS: tuple[Column, ...] = (
    Column("sigma", Unit.ELASTICITY, "elasticity of substitution between suppliers"),
    Column("eta", Unit.ELASTICITY, "import demand elasticity (0 = demand held)"),
    Column("total_after", Unit.MEASURE, "market total after the shock"),
    Column("demand_change", Unit.MEASURE, "change in total demand"),
    Column("gap", Unit.MEASURE, "demand nobody can supply"),
    Column("hhi_after", Unit.HHI, "HHI after the shock"),
    Column("top_share_after", Unit.FRACTION, "largest supplier's share after"),
    Column("price_index_change", Unit.GROWTH, "CES import price index change"),
)


class ShockAssumptions(BaseModel):
    """Everything a shock result rests on, for the reader and for provenance."""

    method_asked: str
    method_used: str
    basis: Literal["weight", "value"]
    prices_known: bool
    base_year: int | None
    cuts: dict[int, float]
    sigma: dict[str, Any] | None
    demand_elasticity: dict[str, Any] | None
    capacity: dict[int, float | str]
    notes: list[str] = Field(default_factory=list)


class ShockResult(BaseModel):
    """Typed tables (Arrow) and the assumptions behind them."""

    suppliers: Any  # TypedTable with SUPPLIER_COLUMNS
    summary: Any  # TypedTable with SUMMARY_COLUMNS (one row)
    band: Any  # TypedTable with BAND_COLUMNS
    assumptions: ShockAssumptions

    model_config = {"arbitrary_types_allowed": True}


# -- input ----------------------------------------------------------------------------------
def _records(suppliers: pa.Table | list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = suppliers.to_pylist() if hasattr(suppliers, "to_pylist") else list(suppliers)
    if not rows:
        raise InvalidQuery("no suppliers in the base year: nothing to shock")
    return rows


def _column(rows: list[dict[str, Any]], key: str) -> list[float | None]:
    out = []
    for r in rows:
        v = r.get(key)
        if v is not None and (not isinstance(v, int | float) or math.isnan(v)):
            raise InvalidQuery(f"supplier {r.get('supplier')}: {key} {v!r} is not a number")
        if v is not None and v < 0:
            raise InvalidQuery(f"supplier {r.get('supplier')}: negative {key} {v:g}")
        out.append(None if v is None else float(v))
    return out


def _cuts(codes: list[int], cuts: Mapping[int, float]) -> np.ndarray:
    f = np.zeros(len(codes))
    index = {c: i for i, c in enumerate(codes)}
    for code, cut in cuts.items():
        if code not in index:
            known = ", ".join(str(c) for c in codes[:12]) + (", …" if len(codes) > 12 else "")
            raise InvalidQuery(
                f"unknown supplier {code}: not among the market's suppliers ({known})"
            )
        if not isinstance(cut, int | float) or math.isnan(cut) or not 0 < cut <= 1:
            raise InvalidQuery(
                f"cut {cut!r} for supplier {code}: must be above 0 and at most 100 %"
            )
        f[index[code]] = float(cut)
    if not f.any():
        raise InvalidQuery("no cut given (e.g. RUS=100%)")
    return f


def _check_elasticity(er: ElasticityRange | None, what: str) -> None:
    if er is None:
        return
    for v in (er.low, er.default, er.high):
        if math.isnan(v) or v < 0:
            raise InvalidQuery(f"{what} {v:g}: elasticities must be ≥ 0")


# -- core -------------------------------------------------------------------------------------
def _fill(need: float, weights: np.ndarray, caps: np.ndarray) -> tuple[np.ndarray, float]:
    """Share ``need`` in proportion to ``weights`` without exceeding ``caps``; return the gap."""
    give = np.zeros_like(weights)
    active = (weights > 0) & (caps > 0)
    tol = 1e-12 * max(need, 1.0)
    while need - give.sum() > tol and active.any():
        remaining = need - give.sum()
        alloc = np.where(active, remaining * weights / weights[active].sum(), 0.0)
        over = active & (give + alloc > caps)
        if not over.any():
            give += alloc
            break
        give[over] = caps[over]
        active &= ~over
    gap = need - give.sum()
    return give, (gap if gap > tol else 0.0)  # rounding noise is no gap


def _concentration(
    q: np.ndarray, codes: list[int], countries: np.ndarray
) -> tuple[float | None, int | None, float | None]:
    """HHI over countries, the largest country and its share (shares of the whole market)."""
    total = q.sum()
    if total <= 0 or not countries.any():
        return None, None, None
    s = np.where(countries, q / total, 0.0)
    top = int(np.argmax(s))
    return float((s**2).sum() * 10_000), codes[top], float(s[top])


def _price_index(f_value_share: float, sigma: float) -> float | None:
    """CES price index ratio P'/P after removing value share F (None: no finite value)."""
    if f_value_share <= 0:
        return 1.0
    if sigma <= 1 or f_value_share >= 1:
        return None
    return (1 - f_value_share) ** (1 / (1 - sigma))


def _solve(
    q0: np.ndarray, f: np.ndarray, caps: np.ndarray, target: float, countries: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Quantities after the cut and re-sourcing towards ``target``: (q_after, refilled, gap)."""
    kept = q0 * (1 - f)
    need = target - kept.sum()
    if need < 0:  # demand fell below what is still supplied: everyone sells less
        return kept * (target / kept.sum()), 0.0, 0.0
    recipients = np.where((f == 0) & countries, q0, 0.0)
    give, gap = _fill(need, recipients, caps)
    return kept + give, float(give.sum()), gap


def supplier_shock(
    suppliers: pa.Table | list[dict[str, Any]],
    cuts: Mapping[int, float],
    *,
    method: Literal["proportional", "armington"] = "proportional",
    sigma: ElasticityRange | None = None,
    demand_elasticity: ElasticityRange | None = None,
    base_year: int | None = None,
    basis: Literal["auto", "weight", "value"] = "auto",
) -> ShockResult:
    """Remove or cut suppliers and reallocate (see the module docstring).

    Args:
        suppliers: one row per supplier: ``supplier`` (Comtrade code), optional ``name``,
            ``value_usd``, ``weight_kg``, optional ``unit_value`` (USD/kg, fills a missing value
            or weight), ``headroom`` (what the supplier can add, in the quantity unit) and
            ``is_country`` (False for areas n.e.s.; default True).
        cuts: supplier code → fraction of its base-year quantity removed (1.0 = removed).
        method: ``proportional`` or ``armington``.
        sigma: elasticity of substitution (armington; default: the cited HS 76 range).
        demand_elasticity: import demand elasticity η (armington; default 0 = demand held).
        base_year: the year the supplier table describes (recorded in the assumptions).
        basis: the quantity moved: ``weight`` (kg), ``value`` (USD at base-year prices) or
            ``auto`` (weight when every supplier has one).

    Raises:
        InvalidQuery: unknown supplier, a cut outside (0, 100 %], a negative elasticity,
            σ ≤ 1 with η > 0, a demand elasticity without prices, or a basis some supplier
            has no figure for.
    """
    from corridor.reference.elasticities import ElasticityRange, elasticity

    if method not in ("proportional", "armington"):
        raise InvalidQuery(f"method '{method}' (accepted: proportional, armington)")
    if basis not in ("auto", "weight", "value"):
        raise InvalidQuery(f"basis '{basis}' (accepted: auto, weight, value)")
    rows = _records(suppliers)
    codes = [int(r["supplier"]) for r in rows]
    if len(set(codes)) < len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise InvalidQuery(f"supplier {dup} appears twice in the supplier table")
    value, weight = _column(rows, "value_usd"), _column(rows, "weight_kg")
    uv_in, headroom = _column(rows, "unit_value"), _column(rows, "headroom")
    for i, uv in enumerate(uv_in):  # a unit value completes a missing value or weight
        if uv and value[i] is None and weight[i] is not None:
            value[i] = uv * weight[i]  # type: ignore[operator]
        if uv and weight[i] is None and value[i] is not None:
            weight[i] = value[i] / uv  # type: ignore[operator]
    has_w, has_v = all(w is not None for w in weight), all(v is not None for v in value)
    if not (has_w or has_v):
        bad = next(r["supplier"] for r, v, w in zip(rows, value, weight, strict=True)
                   if v is None and w is None)  # fmt: skip
        raise InvalidQuery(f"supplier {bad} has neither a value nor a weight")
    if basis != "auto" and not (has_w if basis == "weight" else has_v):
        figures = weight if basis == "weight" else value
        bad = next(r["supplier"] for r, x in zip(rows, figures, strict=True) if x is None)
        raise InvalidQuery(f"basis {basis}: supplier {bad} has no {basis}")
    if basis == "auto":
        basis = "weight" if has_w else "value"
    q0 = np.array(weight if basis == "weight" else value, dtype=float)
    if q0.sum() <= 0:
        raise InvalidQuery("the market's base-year total is zero: nothing to shock")
    countries = np.array([r.get("is_country", True) is not False for r in rows])
    v0 = np.array(value, dtype=float) if has_v else None
    w0 = np.array(weight, dtype=float) if has_w else None
    prices_known = bool(has_v and has_w and (w0 > 0).all())  # type: ignore[operator]
    price = (v0 / w0) if prices_known else None  # type: ignore[operator]  # USD/kg
    f = _cuts(codes, cuts)
    notes: list[str] = []
    sig = sigma or elasticity("substitution")
    eta = demand_elasticity or ElasticityRange("import_demand", "eta", 0.0, 0.0, 0.0,
                                               basis="held")  # fmt: skip
    _check_elasticity(sig, "elasticity of substitution")
    _check_elasticity(eta, "demand elasticity")
    method_used = method
    if method == "armington" and not has_v:
        method_used = "proportional"
        notes.append(
            "prices unknown (weights only): the Armington path needs values; the lost quantity "
            "was reallocated proportionally and no price-index effect is computed"
        )
    armington = method_used == "armington"
    if eta.high > 0 and not armington:
        raise InvalidQuery(
            "a demand elasticity needs prices (values) and the armington method; "
            "with weights only, total demand is held"
        )
    if armington and eta.high > 0 and min(sig.low, sig.default) <= 1:
        raise InvalidQuery(
            f"σ {min(sig.low, sig.default):g} ≤ 1 makes every supplier essential: with a demand "
            "elasticity the price index after a cut has no finite value; use σ > 1"
        )
    caps = np.array([np.inf if h is None else h for h in headroom], dtype=float)
    value_share = (v0 / v0.sum()) if (armington and v0 is not None) else None
    removed_value = float((f * value_share).sum()) if value_share is not None else None
    if armington and removed_value is not None and removed_value >= 1:
        notes.append("every supplier was cut entirely: no price index or demand response")

    def run(s: float, e: float) -> tuple[np.ndarray, float, float, float, float | None]:
        ratio = _price_index(removed_value, s) if removed_value is not None else None
        target = q0.sum() * (ratio ** (-e) if (ratio is not None and e > 0) else 1.0)
        after, refilled, gap = _solve(q0, f, caps, target, countries)
        return after, refilled, gap, target - q0.sum(), (None if ratio is None else ratio - 1)

    after, refilled, gap, demand_change, pic = run(sig.default, eta.default)
    grid = [(s, e) for s in (sig.grid() if armington else [sig.default])
            for e in (eta.grid() if armington else [0.0])]  # fmt: skip
    band_runs = [(s, e, *run(s, e)) for s, e in grid]
    lost = float((q0 * f).sum())
    if gap > 0:
        left = bool(((f == 0) & countries & (q0 > 0)).any())
        why = ("the suppliers left have no capacity headroom for it" if left
               else "no other supplier is left")  # fmt: skip
        unit = measure_unit(basis)
        notes.append(
            f"{fmt_value(gap, unit)} of {fmt_value(lost, unit)} lost ({basis}) cannot be "
            f"re-sourced: {why} (reported as the gap)"
        )
    if armington and sig.default <= 1 and removed_value:
        notes.append("σ ≤ 1: every supplier is essential; the price index change is undefined")

    if not countries.all():
        nes = ", ".join(str(codes[i]) for i in np.flatnonzero(~countries))
        notes.append(
            f"areas n.e.s. ({nes}) keep their base-year quantity: they count in the market total "
            "but receive none of the lost quantity and are left out of HHI and the top share"
        )

    def quantities(q: np.ndarray) -> tuple[list[float | None], list[float | None]]:
        if basis == "weight":
            vals = list(q * price) if price is not None else [None] * len(q)
            return vals, list(q)
        return list(q), [None] * len(q)

    vb, wb = quantities(q0)
    va, wa = quantities(after)
    if basis == "value" and has_w:  # weights known too: they scale with the value moved
        wb = list(np.array(weight, dtype=float))
        wa = [w * (a / q) if q > 0 else 0.0 for w, a, q in zip(wb, after, q0, strict=True)]  # type: ignore[operator]
    share_b, share_a = q0 / q0.sum(), (after / after.sum() if after.sum() > 0 else after * 0)
    lows = np.min([r[2] for r in band_runs], axis=0)
    highs = np.max([r[2] for r in band_runs], axis=0)
    supplier_rows = [
        {
            "supplier": codes[i], "name": rows[i].get("name"), "cut": float(f[i]),
            "value_before": vb[i], "value_after": va[i],
            "weight_before": wb[i], "weight_after": wa[i],
            "unit_value": None if price is None else float(price[i]),
            "share_before": float(share_b[i]), "share_after": float(share_a[i]),
            "share_change": float(share_a[i] - share_b[i]),
            "change": float(after[i] - q0[i]),
            "headroom": headroom[i],
            "at_capacity": bool(headroom[i] is not None and after[i] - q0[i] * (1 - f[i])
                                >= headroom[i] - 1e-9 * max(headroom[i], 1.0)),
            "after_low": float(lows[i]), "after_high": float(highs[i]),
        }
        for i in range(len(codes))
    ]  # fmt: skip
    hhi_b, top_b, top_sb = _concentration(q0, codes, countries)
    hhi_a, top_a, top_sa = _concentration(after, codes, countries)
    summary = {
        "basis": basis, "total_before": float(q0.sum()), "total_after": float(after.sum()),
        "lost": lost, "refilled": refilled, "demand_change": demand_change, "gap": gap,
        "value_before": _sum(vb), "value_after": _sum(va),
        "weight_before": _sum(wb), "weight_after": _sum(wa),
        "hhi_before": hhi_b, "hhi_after": hhi_a,
        "top_supplier_before": top_b, "top_share_before": top_sb,
        "top_supplier_after": top_a, "top_share_after": top_sa,
        "price_index_change": pic if armington else None,
    }  # fmt: skip
    band_rows = []
    for s, e, q, _, g, dc, p in band_runs:
        hhi, _, top = _concentration(q, codes, countries)
        band_rows.append(
            {"sigma": s if armington else None, "eta": e, "total_after": float(q.sum()),
             "demand_change": dc, "gap": g, "hhi_after": hhi, "top_share_after": top,
             "price_index_change": p if armington else None}
        )  # fmt: skip
    if not armington:
        notes.append(
            "proportional reallocation does not depend on an elasticity: the band is one row"
        )
    resolved = [c.resolve(basis) if c.unit is Unit.MEASURE else c for c in SUPPLIER_COLUMNS]
    assumptions = ShockAssumptions(
        method_asked=method,
        method_used=method_used,
        basis=basis,
        prices_known=prices_known,
        base_year=base_year,
        cuts={codes[i]: float(f[i]) for i in range(len(codes)) if f[i] > 0},
        sigma=sig.describe() if armington else None,
        demand_elasticity=eta.describe() if armington else None,
        capacity={
            codes[i]: (h if h is not None else "no limit given") for i, h in enumerate(headroom)
        },
        notes=notes,
    )
    return ShockResult(
        suppliers=table_of(resolved, supplier_rows),
        summary=table_of([c.resolve(basis) for c in SUMMARY_COLUMNS], [summary]),
        band=table_of([c.resolve(basis) for c in BAND_COLUMNS], band_rows),
        assumptions=assumptions,
    )


def _sum(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]
