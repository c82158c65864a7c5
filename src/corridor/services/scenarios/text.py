"""A scenario in plain sentences: the headline figures and every assumption behind them.

Face-neutral text (no markup) that the CLI prints under its tables and the brief can reuse;
every number is formatted from its unit with :func:`corridor.units.fmt_value`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.services.scenarios.result import Scenario

__all__ = ["assumption_lines", "elasticity_line", "headline_lines"]


def _f(value: Any, unit: Unit | str) -> str:
    return fmt_value(value, unit)


def elasticity_line(label: str, spec: dict[str, Any] | None) -> str:
    """'σ = 8.4 (range 1.5–8.4, literature): 8.4 Hertel et al. … [recalled]; …'."""
    if not spec:
        return f"{label}: not used"
    value = spec.get("default")
    lo, hi = spec.get("low"), spec.get("high")
    rng = "" if lo is None or lo == hi else f", range {lo:g}–{hi:g}"
    text = f"{label} = {value if isinstance(value, str) else format(value, 'g')}{rng}"
    text += f" ({spec.get('basis', 'literature')})"
    sources = [
        f"{s['value'] if s['value'] is not None else 'n/a'}: {s['source']} [{s['checked']}]"
        for s in spec.get("sources") or []
    ]
    if sources:
        text += " — " + "; ".join(sources)
    if spec.get("note"):
        text += f" — {spec['note']}"
    return text


def _names(scenario: Scenario) -> dict[int, str]:
    return {r["supplier"]: r["name"] for r in scenario.table("suppliers").rows()}


def headline_lines(scenario: Scenario) -> list[str]:
    """The result in a few sentences (market, gap, concentration, the exporter's change)."""
    if scenario.kind == "tariff":
        return _tariff_headline(scenario)
    s = scenario.table("summary").rows()[0]
    unit = Unit.KG if s["basis"] == "weight" else Unit.USD
    names = _names(scenario)
    out = [
        f"market: {_f(s['total_before'], unit)} → {_f(s['total_after'], unit)} "
        f"(lost {_f(s['lost'], unit)}, re-sourced {_f(s['refilled'], unit)}, "
        f"gap left unfilled {_f(s['gap'], unit)}"
        + (f", demand change {_f(s['demand_change'], unit)}" if s["demand_change"] else "")
        + ")",
        f"HHI {_f(s['hhi_before'], Unit.HHI)} → {_f(s['hhi_after'], Unit.HHI)}; top supplier "
        f"{names.get(s['top_supplier_before'], '—')} {_f(s['top_share_before'], Unit.FRACTION)}"
        f" → {names.get(s['top_supplier_after'], '—')} "
        f"{_f(s['top_share_after'], Unit.FRACTION)}",
    ]
    band = scenario.table("band").rows()
    if s["price_index_change"] is not None:
        changes = [b["price_index_change"] for b in band if b["price_index_change"] is not None]
        span = ""
        if changes and min(changes) != max(changes):
            span = f" (band {_f(min(changes), Unit.GROWTH)} to {_f(max(changes), Unit.GROWTH)})"
        out.append(
            f"import price index {_f(s['price_index_change'], Unit.GROWTH)} at base-year "
            f"supply prices{span}"
        )
    if "exporter" in scenario.tables:
        e = scenario.table("exporter").rows()[0]
        if e["in_market"]:
            span = ""
            if e["after_low"] != e["after_high"]:
                span = f"; band {_f(e['after_low'], unit)}–{_f(e['after_high'], unit)}"
            out.append(
                f"{e['name']}: {_f(e['before'], unit)} → {_f(e['after'], unit)} "
                f"({_f(e['change'], unit)}, {_f(e['change_pct'], Unit.GROWTH)}), share "
                f"{_f(e['share_before'], Unit.FRACTION)} → {_f(e['share_after'], Unit.FRACTION)}"
                f"{span}"
            )
        else:
            out.append(f"{e['name']}: not a supplier in {scenario.base_year}")
    return out


def _tariff_headline(scenario: Scenario) -> list[str]:
    t = scenario.table("totals").rows()[0]
    out = [
        f"market ({t['lines']} HS lines simulated): {_f(t['imports_before'], Unit.USD)} → "
        f"{_f(t['imports_after'], Unit.USD)} (trade creation "
        f"{_f(t['trade_creation'], Unit.USD)}); tariff revenue "
        f"{_f(t['revenue_before'], Unit.USD)} → {_f(t['revenue_after'], Unit.USD)}"
    ]
    if "exporter" in scenario.tables:
        e = scenario.table("exporter").rows()[0]
        out.append(
            f"{e['name']}: {_f(e['imports_before'], Unit.USD)} → "
            f"{_f(e['imports_after'], Unit.USD)} ({_f(e['total_effect'], Unit.USD)}, "
            f"{_f(e['change_pct'], Unit.GROWTH)}: creation {_f(e['trade_creation'], Unit.USD)}, "
            f"diversion {_f(e['trade_diversion'], Unit.USD)}); band "
            f"{_f(e['total_low'], Unit.USD)} to {_f(e['total_high'], Unit.USD)}"
        )
    return out


def assumption_lines(scenario: Scenario) -> list[str]:
    """Every assumption the result rests on, one sentence each."""
    a = scenario.assumptions
    out = [f"base year: {a['base_year']}"]
    if scenario.kind == "shock":
        cuts = ", ".join(f"{c['name']} {_f(c['cut'], Unit.FRACTION)}" for c in a["cuts"])
        out += [
            f"cut: {cuts} of base-year quantity",
            f"method: {a['method']['used']} (asked: {a['method']['asked']}); quantity moved: "
            f"{a['basis']} ({a['quantity_unit']})",
            elasticity_line("σ, substitution between suppliers", a["substitution"]),
        ]
        if a.get("substitution_cited") and a["substitution"]:
            out.append(elasticity_line("σ cited for HS 76", a["substitution_cited"]))
        eta = a["demand_elasticity"]
        out.append(
            "η, import demand: held (0), total demand unchanged"
            if eta.get("basis", "").startswith("held")
            else elasticity_line("η, import demand", eta)
        )
        out.append(f"supply: {a['supply']}")
        cap = a["capacity"]
        text = f"capacity: {cap['mode']}"
        if cap.get("method"):
            text += f" — {cap['method']}"
        if cap.get("note"):
            text += f" — {cap['note']}"
        limited = [s for s in cap.get("suppliers", []) if s.get("headroom") is not None]
        if cap.get("suppliers"):
            text += f"; {len(limited)} of {len(cap['suppliers'])} suppliers have a limit"
        out.append(text)
        return out
    sc = a["scenario"]
    if sc["kind"] == "agreement":
        out.append(
            f"scenario: {sc['agreement']} ({sc['name']}), in force for the exporter from "
            f"{_f(sc['in_force_for_exporter_from'], Unit.TEXT)}"
        )
    else:
        out.append(
            f"scenario: rates of {sc['file']} (sha256 {sc['sha256'][:16]}…, "
            f"{sc['rows']} rows; sources: {', '.join(sc['sources'])})"
        )
    t = a["tariffs"]
    editions = ", ".join(_f(e, Unit.TEXT) for e in t["editions"])
    out += [
        f"tariffs: {t['publisher']}, edition {editions} ({t['origin']}: "
        f"{', '.join(t['datasets'])}); agreements judged in force on "
        f"{_f(a['judged_on'], Unit.TEXT)}",
        f"model: {a['model']}; {a['lines']['codes_simulated']} codes simulated, "
        f"{a['lines']['codes_refused']} refused",
        elasticity_line("η, import demand", a["import_demand"]),
        elasticity_line("σ, substitution between suppliers", a["substitution"]),
        f"ε, export supply: {a['export_supply']}",
    ]
    return out
