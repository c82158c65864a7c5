"""Supplier shocks on the session: remove or cut suppliers of the market, re-source the rest.

Inputs come only from session indicators: ``partners`` for the base year's suppliers (value,
weight, whether each is a country) and, for ``capacity auto``, ``supplier_exports`` (each
supplier's own reported exports to every market in the base year). The numbers come from
:func:`corridor.models.shock.supplier_shock`; this module adds the question, the capacity
limits and where they came from, the named exporter's change, the assumptions and provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidQuery, NotFound
from corridor.services.scenarios.inputs import (
    base_session,
    parse_amount,
    resolve_supplier,
    scope_words,
)
from corridor.services.scenarios.result import Scenario, ScenarioTable
from corridor.units import Column, Unit

if TYPE_CHECKING:
    from corridor.reference.elasticities import ElasticityRange
    from corridor.services.session import Session

__all__ = ["CAPACITY_COLUMNS", "EXPORTER_COLUMNS", "SHOCK_SCHEMA", "SUPPLY_NOTE", "shock"]

SHOCK_SCHEMA = "corridor.scenario-shock/1"

#: Said with every shock: what σ does and does not decide in this model.
SUPPLY_NOTE = (
    "σ only moves the import price index (the cost of losing a source) at fixed supply "
    "prices: the lost quantity goes to the remaining suppliers in proportion to their "
    "base-year quantities, up to their capacity, whatever σ is. A finite export supply "
    "elasticity would not change that split: SMART takes one for all partners, and with CES "
    "demand a common one raises every remaining supplier's price alike (docs/scenarios.md). "
    "Who fills the gap differs from proportional only through capacity limits."
)

EXPORTER_COLUMNS: tuple[Column, ...] = (
    Column("supplier", Unit.CODE, "Comtrade code of the named exporter", "int32"),
    Column("name", Unit.TEXT, "its name", "string"),
    Column("in_market", Unit.FLAG, "it supplied the market in the base year", "bool"),
    Column("before", Unit.MEASURE, "its base-year quantity (NULL: not a supplier)"),
    Column("after", Unit.MEASURE, "its quantity after the shock"),
    Column("change", Unit.MEASURE, "after - before"),
    Column("change_pct", Unit.GROWTH, "change / before"),
    Column("share_before", Unit.FRACTION, "its share of the market, base year"),
    Column("share_after", Unit.FRACTION, "its share after the shock"),
    Column("after_low", Unit.MEASURE, "lowest quantity after over the elasticity band"),
    Column("after_high", Unit.MEASURE, "highest quantity after over the elasticity band"),
    Column("value_before", Unit.USD, "base-year value"),
    Column("value_after", Unit.USD, "value after, at base-year prices"),
    Column("weight_before", Unit.KG, "base-year net weight"),
    Column("weight_after", Unit.KG, "net weight after"),
)

CAPACITY_COLUMNS: tuple[Column, ...] = (
    Column("supplier", Unit.CODE, "Comtrade code of the supplier", "int32"),
    Column("name", Unit.TEXT, "its name", "string"),
    Column("headroom", Unit.MEASURE, "most it can add to this market (NULL: no limit)"),
    Column("exports_total", Unit.MEASURE, "its exports to every market, base year (own report)"),
    Column("exports_to_market", Unit.MEASURE, "the part to this importer (own report)"),
    Column("source", Unit.TEXT, "where the limit comes from", "string"),
)


def _headroom_auto(
    session: Session, suppliers: dict[int, dict[str, Any]], basis: str, year: int
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """Capacity headroom per supplier from its exports to all other markets (upper bounds)."""
    key = "value" if basis == "value" else "weight"
    try:
        result = session.indicator("supplier_exports")
    except NotFound:
        result = None
    rows = {r["supplier"]: r for r in (result.to_pylist() if result else []) if r["year"] == year}
    importer = session.query.importer
    dataset = session.main.dataset
    who = "BACI (reconciled)" if session.main.reconciled else "its own report (flow X)"
    elsewhere_known = any(
        (r["partners"] or 0) > 1 or ((r["partners"] or 0) == 1 and r[f"market_{key}"] is None)
        for r in rows.values()
    )
    out: dict[int, dict[str, Any]] = {}
    for code, sup in suppliers.items():
        r = rows.get(code)
        entry: dict[str, Any] = {"headroom": None, "exports_total": None, "exports_to_market": None}
        total = (
            None
            if r is None
            else (r[f"world_{key}"] if r[f"world_{key}"] is not None else r[f"exports_{key}"])
        )
        if not sup.get("is_country", True):
            entry["source"] = "area n.e.s.: receives nothing, no limit needed"
        elif r is None or total is None:
            entry["source"] = f"no exports ({key}) reported in {dataset} for {year}: no limit"
        elif not elsewhere_known:
            entry["source"] = (
                f"{dataset} holds exports to {importer.name} only: no limit "
                "(exports elsewhere unknown)"
            )
        else:
            to_market = r[f"market_{key}"] or 0.0
            world = " (its World total)" if r[f"world_{key}"] is not None else ""
            entry.update(
                headroom=max(total - to_market, 0.0),
                exports_total=total,
                exports_to_market=to_market,
                source=f"upper bound: exports to other markets in {year}{world}, {who}, {dataset}",
            )
        out[code] = entry
    meta = {
        "mode": "auto",
        "method": (
            "headroom = the supplier's exports of the HS scope to every other market in the "
            "base year (its World total when reported, else the sum over partners) minus its "
            f"exports to {importer.name}: an upper bound — all of it could be redirected, no "
            "new production is assumed"
        ),
        "source": result.provenance.as_dict() if result else None,
    }
    if basis == "value":
        meta["method"] += (
            "; values are the suppliers' exports (FOB) set against the market's imports "
            f"({'CIF' if session.side == 'importer' else 'FOB'})"
        )
    return out, meta


def _exporter_row(
    session: Session, suppliers: list[dict[str, Any]], basis: str
) -> dict[str, Any] | None:
    """The named exporter's change (None when no exporter is named)."""
    exporter = session.query.exporter
    if exporter is None:
        return None
    mine = next((r for r in suppliers if r["supplier"] == exporter.code), None)
    if mine is None:
        return {"supplier": exporter.code, "name": exporter.name, "in_market": False}
    before, after = mine[f"{basis}_before"], mine[f"{basis}_after"]
    change = None if before is None or after is None else after - before
    return {
        "supplier": exporter.code,
        "name": exporter.name,
        "in_market": True,
        "before": before,
        "after": after,
        "change": change,
        "change_pct": (change / before) if change is not None and before else None,
        "share_before": mine["share_before"],
        "share_after": mine["share_after"],
        "after_low": mine["after_low"],
        "after_high": mine["after_high"],
        "value_before": mine["value_before"],
        "value_after": mine["value_after"],
        "weight_before": mine["weight_before"],
        "weight_after": mine["weight_after"],
    }


def shock(
    session: Session,
    cuts: Mapping[Any, float],
    *,
    base_year: int | None = None,
    method: str = "auto",
    sigma: ElasticityRange | None = None,
    demand_elasticity: ElasticityRange | None = None,
    capacity: Mapping[Any, float | str] | None = None,
    capacity_auto: bool = False,
) -> Scenario:
    """Cut suppliers of the session's market in the base year and re-source the lost quantity.

    Args:
        session: the corridor question (importer, HS scope, optional exporter to report on).
        cuts: country (name, ISO or code) → share of its base-year quantity removed (1 = all).
        base_year: the year the market is taken from (default: the latest with data).
        method: ``auto`` (Armington when values are known, else proportional),
            ``proportional`` or ``armington``.
        sigma: elasticity of substitution (default: the cited range for HS 76).
        demand_elasticity: import demand elasticity η (default: demand held).
        capacity: country → most it can add (a number in the scenario's unit, or text like
            ``40kt``); overrides ``capacity_auto`` for that supplier.
        capacity_auto: estimate every supplier's headroom from its exports to other markets.

    Raises:
        InvalidQuery: an unknown supplier, a bad cut, capacity or elasticity.
        NotFound: no data in the base year.
    """
    from corridor.models.shock import (
        BAND_COLUMNS,
        SUMMARY_COLUMNS,
        SUPPLIER_COLUMNS,
        supplier_shock,
    )
    from corridor.models.tables import table_of
    from corridor.reference.countries import resolve_country
    from corridor.reference.elasticities import elasticity

    if method not in ("auto", "proportional", "armington"):
        raise InvalidQuery(f"method '{method}' (accepted: auto, proportional, armington)")
    if method == "proportional" and (sigma is not None or demand_elasticity is not None):
        raise InvalidQuery(
            "an elasticity needs --method armington (proportional reallocation has no elasticity)"
        )
    for who in [*cuts, *(capacity or {})]:  # unknown names fail before any query runs
        if not hasattr(who, "code"):
            resolve_country(who)
    s, year = base_session(session, base_year)
    partners = s.indicator("partners")
    basis = s.measure
    key = "value" if basis == "value" else "weight"
    rows = [r for r in partners.to_pylist() if r["year"] == year]
    where = f"{scope_words(s)} in {year}"
    usable = {r["supplier"]: r for r in rows if r[key] is not None}
    notes: list[str] = list(s.thin_market_notes())  # "nobody else" may be the file's limit
    dropped = [r["name"] for r in rows if r[key] is None]
    if dropped:
        notes.append(f"left out (no {key} reported in {year}): {', '.join(dropped)}")
    if not usable:
        raise NotFound(f"no supplier of {where} has a {key}")
    resolved: dict[int, float] = {}
    names: dict[int, str] = {}
    for who, fraction in cuts.items():
        country = resolve_supplier(who, usable, where)
        if country.code in resolved:
            raise InvalidQuery(f"{country.label} is cut twice")
        if not isinstance(fraction, int | float) or not 0 < fraction <= 1:
            raise InvalidQuery(
                f"cut {fraction!r} for {country.label}: must be above 0 and at most 100 %"
            )
        resolved[country.code] = float(fraction)
        names[country.code] = usable[country.code]["name"]
    if not resolved:
        raise InvalidQuery("no supplier to cut: give --remove COUNTRY or --cut COUNTRY=PERCENT")

    caps: dict[int, dict[str, Any]] = {}
    capacity_meta: dict[str, Any] = {
        "mode": "none",
        "note": "no capacity limit: any supplier can take any share of the lost quantity",
    }
    if capacity_auto:
        caps, capacity_meta = _headroom_auto(s, usable, basis, year)
        if not any(c["headroom"] is not None for c in caps.values()):
            reasons = sorted({c["source"] for c in caps.values()})
            notes.append(
                f"capacity auto found no limit: {reasons[0]}"
                + (f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else "")
            )
    for who, amount in (capacity or {}).items():
        country = resolve_supplier(who, usable, where)
        value = parse_amount(amount, basis) if isinstance(amount, str) else float(amount)
        if not value >= 0:
            raise InvalidQuery(f"capacity {amount!r} for {country.label}: must be ≥ 0")
        caps[country.code] = {
            "headroom": value,
            "exports_total": None,
            "exports_to_market": None,
            "source": "given by the user",
        }
        capacity_meta["mode"] = "auto and given" if capacity_auto else "given"
        capacity_meta.pop("note", None)

    values_known = all(r["value"] is not None for r in usable.values())
    used_method = method
    if method == "auto":
        asked = values_known or sigma is not None or demand_elasticity is not None
        used_method = "armington" if asked else "proportional"
    model_rows = [
        {
            "supplier": code,
            "name": r["name"],
            "value_usd": r["value"],
            "weight_kg": r["weight"],
            "is_country": r["is_country"],
            "headroom": caps.get(code, {}).get("headroom"),
        }
        for code, r in usable.items()
    ]
    result = supplier_shock(
        model_rows,
        resolved,
        method=used_method,
        sigma=sigma,  # type: ignore[arg-type]
        demand_elasticity=demand_elasticity,
        base_year=year,
        basis=basis,  # type: ignore[arg-type]
    )
    a = result.assumptions
    tables = {
        "suppliers": ScenarioTable(
            "suppliers",
            "The market by supplier, before and after",
            tuple(c.resolve(a.basis) for c in SUPPLIER_COLUMNS),
            result.suppliers,
        ),
        "summary": ScenarioTable(
            "summary",
            "The market before and after: totals, gap, HHI, top supplier",
            tuple(c.resolve(a.basis) for c in SUMMARY_COLUMNS),
            result.summary,
        ),
        "band": ScenarioTable(
            "band",
            "Sensitivity over the elasticity range",
            tuple(c.resolve(a.basis) for c in BAND_COLUMNS),
            result.band,
        ),
    }
    exporter = _exporter_row(s, result.suppliers.to_pylist(), a.basis)
    if exporter is not None:
        cols = tuple(c.resolve(a.basis) for c in EXPORTER_COLUMNS)
        tables["exporter"] = ScenarioTable(
            "exporter", f"{exporter['name']}: change", cols, table_of(cols, [exporter])
        )
        if not exporter["in_market"]:
            notes.append(
                f"{exporter['name']} did not supply {where}: only existing suppliers "
                "take the lost quantity in this model"
            )
    if caps:
        cols = tuple(c.resolve(a.basis) for c in CAPACITY_COLUMNS)
        cap_rows = [
            {"supplier": code, "name": usable[code]["name"], **caps[code]}
            for code in usable
            if code in caps
        ]
        tables["capacity"] = ScenarioTable(
            "capacity", "Capacity headroom per supplier", cols, table_of(cols, cap_rows)
        )
    notes.extend(a.notes)
    if method == "auto" and used_method == "proportional":
        notes.append(
            "no values (net weights only): prices are unknown, so the Armington path (σ, the "
            "price index) cannot run; the lost quantity is re-sourced in proportion to "
            "base-year quantities"
        )
    if a.method_used == "armington":
        notes.append(SUPPLY_NOTE)
    sig = a.sigma
    cited = elasticity("substitution").describe()
    unit = "kg" if a.basis == "weight" else "USD at base-year prices"
    assumptions = {
        "base_year": year,
        "method": {"asked": method, "used": a.method_used},
        "basis": a.basis,
        "quantity_unit": unit,
        "prices_known": a.prices_known,
        "cuts": [{"supplier": c, "name": names[c], "cut": f} for c, f in resolved.items()],
        "substitution": sig,
        "substitution_cited": cited if (sig is None or sig.get("basis") == "user") else None,
        "demand_elasticity": a.demand_elasticity
        or {"symbol": "eta", "default": 0.0, "basis": "held: total demand unchanged"},
        "supply": "infinitely elastic at base-year prices up to each supplier's capacity",
        "capacity": {
            **{k: v for k, v in capacity_meta.items() if k != "source"},
            "unit": unit,
            "suppliers": [{"supplier": c, "name": usable[c]["name"], **caps[c]} for c in caps],
        },
    }
    labels = [
        f"{names[c]} removed" if f == 1 else f"{names[c]} cut by {f * 100:g} %"
        for c, f in resolved.items()
    ]
    inputs: dict[str, Any] = {}
    if capacity_meta.get("source"):
        inputs["exports"] = capacity_meta["source"]
    return Scenario(
        kind="shock",
        schema=SHOCK_SCHEMA,
        title=f"{where}: {', '.join(labels)}",
        query={**s.query_dict(), "base_year": year},
        base_year=year,
        tables=tables,
        assumptions=assumptions,
        provenance=partners.provenance,
        inputs=inputs,
        notes=tuple(dict.fromkeys(notes)),
    )
