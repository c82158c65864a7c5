"""Tariff changes: the WITS SMART single-market partial-equilibrium model, line by line.

SMART (World Bank, WITS; "SMART's User Manual" §3 "Theoretical Framework", and Jammes &
Olarreaga (2005) "Explaining SMART and GSIM", World Bank) treats each HS6 line of one
importing market separately. Imports from each partner ``M_c`` (base-year value, world price
normalised to 1) are imperfect substitutes (Armington); buyers first choose total imports from
the import price index (import demand elasticity η), then split them among partners by
relative tariff-inclusive price (substitution elasticity σ). Export supply is infinitely
elastic by default (SMART enters 99); a finite ε lets world prices rise with demand.

With ``t0`` / ``t1`` the old / new ad valorem tariff faced by partner c, its domestic price
changes by ``ρ_c = (1 + t1_c) / (1 + t0_c) - 1`` (``Δt / (1 + t)``) when world prices are
fixed; with finite ε only ``ρ̃_c = ρ_c / (1 + η/ε)`` reaches buyers (Laird & Yeats 1986,
UNCTAD Discussion Paper 19, the formula SMART inherits).

- **Trade creation** (own-price effect on total imports):
  ``TC_c = η · M_c · (-ρ̃_c)`` — SMART's ``TC = ε_m · M · dt / (1 + t)`` with the import demand
  elasticity written as a positive number, divided by ``1 + η/ε`` when ε is finite.
- **Trade diversion** (substitution between partners, market total unchanged): the quantity
  ratio of two partners moves by their relative price change times σ, so
  ``M'_c = T · M_c (1 - σ ρ̃_c)⁺ / Σ_k M_k (1 - σ ρ̃_k)⁺`` with ``T = Σ M_k`` and
  ``TD_c = M'_c - M_c``. For SMART's scenario — a change for beneficiaries ``k`` only — this
  is exactly the documented ``TD = M_k · M_K · σ · r / (M_k + M_K + M_k · σ · r)`` (``K`` the
  others, ``r = -ρ̃_k``): diversion reaches its ceiling at the others' existing trade, and
  the market-side diversion sums to zero.
- **Price effect** (finite ε only): the change in the value of the new quantity from the
  world-price rise ``w_c = (1 + ρ̃_c) / (1 + ρ_c) - 1``.

Per line and partner the total effect is ``TC + TD + PE``; lines are summed, never averaged.
Tariff revenue is ``Σ t · M`` before and after.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from corridor.errors import InvalidQuery
from corridor.models.tables import table_of
from corridor.units import Column, Unit

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.reference.elasticities import ElasticityRange

__all__ = [
    "BAND_COLUMNS",
    "LINE_COLUMNS",
    "SUPPLIER_COLUMNS",
    "TOTAL_COLUMNS",
    "SmartAssumptions",
    "SmartResult",
    "line_effects",
    "smart_tariff_change",
]

LINE_COLUMNS: tuple[Column, ...] = (
    Column("hs6", Unit.CODE, "HS subheading", "string"),
    Column("supplier", Unit.CODE, "Comtrade area code of the exporting partner", "int32"),
    Column("name", Unit.TEXT, "partner name", "string"),
    Column("imports_before", Unit.USD, "base-year imports from the partner"),
    Column("tariff_before", Unit.RATE, "applied ad valorem tariff before"),
    Column("tariff_after", Unit.RATE, "applied ad valorem tariff after"),
    Column("price_change", Unit.GROWTH, "tariff-inclusive price change reaching buyers"),
    Column("trade_creation", Unit.USD, "new imports from lower prices (own-price effect)"),
    Column("trade_diversion", Unit.USD, "imports shifted between partners (sums to 0)"),
    Column("price_effect", Unit.USD, "world-price effect (0 with infinite supply elasticity)"),
    Column("total_effect", Unit.USD, "creation + diversion + price effect"),
    Column("imports_after", Unit.USD, "imports after the change"),
)

SUPPLIER_COLUMNS: tuple[Column, ...] = (
    Column("supplier", Unit.CODE, "Comtrade area code of the exporting partner", "int32"),
    Column("name", Unit.TEXT, "partner name", "string"),
    Column("imports_before", Unit.USD, "base-year imports, summed over lines"),
    Column("trade_creation", Unit.USD, "summed over lines"),
    Column("trade_diversion", Unit.USD, "summed over lines"),
    Column("price_effect", Unit.USD, "summed over lines"),
    Column("total_effect", Unit.USD, "summed over lines"),
    Column("imports_after", Unit.USD, "summed over lines"),
    Column("share_before", Unit.FRACTION, "share of the market's imports in scope"),
    Column("share_after", Unit.FRACTION, "share after the change"),
    Column("total_low", Unit.USD, "lowest total effect over the elasticity band"),
    Column("total_high", Unit.USD, "highest total effect over the elasticity band"),
)

TOTAL_COLUMNS: tuple[Column, ...] = (
    Column("lines", Unit.COUNT, "HS6 lines in scope", "int32"),
    Column("imports_before", Unit.USD, "market imports in scope, base year"),
    Column("trade_creation", Unit.USD, "market trade creation"),
    Column("trade_diversion", Unit.USD, "market-side diversion (0 up to rounding)"),
    Column("price_effect", Unit.USD, "market price effect"),
    Column("total_effect", Unit.USD, "market total effect"),
    Column("imports_after", Unit.USD, "market imports after"),
    Column("revenue_before", Unit.USD, "tariff revenue before (Σ t0 · M)"),
    Column("revenue_after", Unit.USD, "tariff revenue after (Σ t1 · M')"),
)

BAND_COLUMNS: tuple[Column, ...] = (
    Column("sigma", Unit.ELASTICITY, "substitution elasticity"),
    Column("eta", Unit.ELASTICITY, "import demand elasticity"),
    Column("trade_creation", Unit.USD, "market trade creation"),
    Column("diverted", Unit.USD, "imports shifted towards gaining partners"),
    Column("total_effect", Unit.USD, "market total effect"),
    Column("focus_total", Unit.USD, "total effect for the focus partner (if any)"),
)


class SmartAssumptions(BaseModel):
    """What a SMART result rests on."""

    model: str = "WITS SMART (single-market partial equilibrium), line by line at HS6"
    import_demand: dict[str, Any]
    substitution: dict[str, Any]
    export_supply: float | str
    base_year: int | None = None
    focus: int | None = None
    lines: int = 0
    notes: list[str] = Field(default_factory=list)


class SmartResult(BaseModel):
    """Typed tables (Arrow) and the assumptions behind them."""

    lines: Any  # LINE_COLUMNS
    suppliers: Any  # SUPPLIER_COLUMNS
    totals: Any  # TOTAL_COLUMNS (one row)
    band: Any  # BAND_COLUMNS
    assumptions: SmartAssumptions

    model_config = {"arbitrary_types_allowed": True}


def line_effects(
    imports: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    *,
    eta: float,
    sigma: float,
    epsilon: float = math.inf,
) -> dict[str, np.ndarray]:
    """SMART effects for the partners of one HS6 line (arrays aligned by partner)."""
    rho = (1 + t1) / (1 + t0) - 1
    passthrough = 1.0 if math.isinf(epsilon) else 1 / (1 + eta / epsilon)
    rho_d = rho * passthrough
    creation = -eta * imports * rho_d + 0.0  # + 0.0: no negative zeros
    total = imports.sum()
    factor = np.clip(1 - sigma * rho_d, 0.0, None)
    weight = imports * factor
    if np.all(factor == factor[0]) or weight.sum() <= 0:  # no relative price change
        diversion = np.zeros_like(imports)
    else:
        diversion = total * weight / weight.sum() - imports
    world = (1 + rho_d) / (1 + rho) - 1
    price_effect = (imports + creation + diversion) * world
    return {
        "price_change": rho_d,
        "trade_creation": creation,
        "trade_diversion": diversion,
        "price_effect": price_effect,
        "total_effect": creation + diversion + price_effect,
    }


def _validate(rows: list[dict[str, Any]]) -> None:
    if not rows:
        raise InvalidQuery("no imports in scope: nothing to simulate")
    seen: set[tuple] = set()
    for r in rows:
        key = (r["hs6"], r["supplier"])
        if key in seen:
            raise InvalidQuery(f"line {r['hs6']} lists supplier {r['supplier']} twice")
        seen.add(key)
        for col in ("imports_usd", "tariff_before", "tariff_after"):
            v = r.get(col)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                raise InvalidQuery(f"line {r['hs6']}, supplier {r['supplier']}: {col} is missing")
            if v < 0:
                raise InvalidQuery(
                    f"line {r['hs6']}, supplier {r['supplier']}: negative {col} {v:g}"
                )


def _check(er: ElasticityRange, what: str) -> None:
    for v in (er.low, er.default, er.high):
        if math.isnan(v) or v < 0:
            raise InvalidQuery(f"{what} {v:g}: elasticities must be ≥ 0")


def _run(
    by_line: dict[str, list[dict[str, Any]]], eta: float, sigma: float, epsilon: float
) -> list[dict[str, Any]]:
    out = []
    for hs6 in sorted(by_line):
        items = by_line[hs6]
        m = np.array([r["imports_usd"] for r in items], dtype=float)
        t0 = np.array([r["tariff_before"] for r in items], dtype=float)
        t1 = np.array([r["tariff_after"] for r in items], dtype=float)
        eff = line_effects(m, t0, t1, eta=eta, sigma=sigma, epsilon=epsilon)
        for i, r in enumerate(items):
            row = {k: float(v[i]) for k, v in eff.items()}
            out.append(
                {"hs6": hs6, "supplier": int(r["supplier"]), "name": r.get("name"),
                 "imports_before": float(m[i]), "tariff_before": float(t0[i]),
                 "tariff_after": float(t1[i]), **row,
                 "imports_after": float(m[i] + row["total_effect"])}
            )  # fmt: skip
    return out


def smart_tariff_change(
    flows: pa.Table | list[dict[str, Any]],
    *,
    import_demand: ElasticityRange | None = None,
    substitution: ElasticityRange | None = None,
    export_supply: float = math.inf,
    focus: int | None = None,
    base_year: int | None = None,
) -> SmartResult:
    """Simulate a tariff change with SMART, per HS6 line, summed (see the module docstring).

    Args:
        flows: one row per (``hs6``, ``supplier``): ``imports_usd`` (base year),
            ``tariff_before`` and ``tariff_after`` (ad valorem fractions), optional ``name``.
        import_demand: η (default: the cited HS 76 range).
        substitution: σ (default: the cited HS 76 range).
        export_supply: ε (default infinite, SMART's default).
        focus: a partner whose total effect the band reports (e.g. India, 699).
        base_year: the year of the imports (recorded in the assumptions).

    Raises:
        InvalidQuery: a missing or negative import or tariff, a duplicate (line, supplier), a
            negative elasticity or a non-positive export supply elasticity.
    """
    from corridor.reference.elasticities import elasticity

    rows = flows.to_pylist() if hasattr(flows, "to_pylist") else list(flows)
    _validate(rows)
    eta = import_demand or elasticity("import_demand")
    sig = substitution or elasticity("substitution")
    _check(eta, "import demand elasticity")
    _check(sig, "substitution elasticity")
    if not export_supply > 0:
        raise InvalidQuery(f"export supply elasticity {export_supply:g}: must be > 0 (or infinite)")
    by_line: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_line[str(r["hs6"])].append(r)
    line_rows = _run(by_line, eta.default, sig.default, export_supply)
    band_rows, totals_by_run = [], []
    for s in sig.grid():
        for e in eta.grid():
            run = _run(by_line, e, s, export_supply)
            per = defaultdict(float)
            for r in run:
                per[r["supplier"]] += r["total_effect"]
            totals_by_run.append(per)
            band_rows.append({
                "sigma": s, "eta": e,
                "trade_creation": sum(r["trade_creation"] for r in run),
                "diverted": sum(max(r["trade_diversion"], 0.0) for r in run),
                "total_effect": sum(r["total_effect"] for r in run),
                "focus_total": per.get(focus) if focus is not None else None,
            })  # fmt: skip
    suppliers: dict[int, dict[str, Any]] = {}
    keys = ("imports_before", "trade_creation", "trade_diversion", "price_effect",
            "total_effect", "imports_after")  # fmt: skip
    for r in line_rows:
        agg = suppliers.setdefault(r["supplier"], {"supplier": r["supplier"], "name": r["name"],
                                                   **dict.fromkeys(keys, 0.0)})  # fmt: skip
        for k in keys:
            agg[k] += r[k]
    before = sum(a["imports_before"] for a in suppliers.values())
    after = sum(a["imports_after"] for a in suppliers.values())
    for code, a in suppliers.items():
        a["share_before"] = a["imports_before"] / before if before else None
        a["share_after"] = a["imports_after"] / after if after else None
        a["total_low"] = min(t.get(code, 0.0) for t in totals_by_run)
        a["total_high"] = max(t.get(code, 0.0) for t in totals_by_run)
    totals = {
        "lines": len(by_line),
        **{k: sum(r[k] for r in line_rows) for k in keys},
        "revenue_before": sum(r["tariff_before"] * r["imports_before"] for r in line_rows),
        "revenue_after": sum(r["tariff_after"] * r["imports_after"] for r in line_rows),
    }
    notes = []
    if not any(r["tariff_before"] != r["tariff_after"] for r in rows):
        notes.append("no tariff changes in scope: every effect is zero")
    if eta.basis == "assumption":
        notes.append(f"import demand elasticity is an assumption: {eta.note}")
    ordered = sorted(suppliers.values(), key=lambda a: -a["imports_before"])
    return SmartResult(
        lines=table_of(LINE_COLUMNS, line_rows),
        suppliers=table_of(SUPPLIER_COLUMNS, ordered),
        totals=table_of(TOTAL_COLUMNS, [totals]),
        band=table_of(BAND_COLUMNS, band_rows),
        assumptions=SmartAssumptions(
            import_demand=eta.describe(),
            substitution=sig.describe(),
            export_supply="infinite" if math.isinf(export_supply) else export_supply,
            base_year=base_year,
            focus=focus,
            lines=len(by_line),
            notes=notes,
        ),
    )
