"""Headline: the exporter's amount, rank, share and growth in the market (summary indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import fmt_pct, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["build", "point"]


def _keys(s: Session) -> dict[str, str]:
    """Column names for the measure the brief uses."""
    if s.measure == "value":
        return {"amount": "value_usd", "rank": "rank_by_value", "share": "share_of_value",
                "yoy": "yoy_value", "cagr": "cagr_value", "market": "market_value_usd"}  # fmt: skip
    return {"amount": "weight_kg", "rank": "rank_by_weight", "share": "share_of_weight",
            "yoy": "yoy_weight", "cagr": "cagr_weight", "market": "market_weight_kg"}  # fmt: skip


def _by_report(s: Session) -> str:
    main, imp = s.main, s.query.importer.name
    basis = "/".join(main.value_basis)
    tail = basis if s.measure == "value" else "net weight; no value data"
    if main.reconciled:
        return f"In CEPII BACI {main.dataset.rsplit('-', 1)[-1]} (reconciled flows, {tail})"
    if s.side == "importer":
        return f"By {imp}'s own report ({tail})"
    return f"By the suppliers' own export reports ({tail})"


def point(s: Session) -> str:
    """The headline in one sentence: whose report, rank, amount and share in the last year."""
    res = s.indicator("summary")
    last = res.to_pylist()[-1]
    k, imp, exp = _keys(s), s.query.importer.name, s.query.exporter.name
    year, amount = last["year"], last[k["amount"]]
    if amount is None:
        return f"{_by_report(s)}, {imp} received no {w.product(s)} from {exp} in {year}."
    unit = res.column(k["amount"]).unit
    also = f" and {fmt_value(last['weight_kg'], res.column('weight_kg').unit)}" if (
        s.measure == "value" and last["weight_kg"] is not None) else ""  # fmt: skip
    return (
        f"{_by_report(s)}, {exp} was {imp}'s {w.largest(last[k['rank']])} "
        f"{w.product(s)} supplier in {year} ({w.pct(last[k['share']])} of imports "
        f"{w.by_measure(s)}): {fmt_value(amount, unit)}{also}."
    )


def _change(s: Session, first: dict[str, Any], last: dict[str, Any]) -> str | None:
    parts = []
    span = w.span(first["year"], last["year"])
    for what, yoy, cagr in (("value", "yoy_value", "cagr_value"),
                            ("net weight", "yoy_weight", "cagr_weight")):  # fmt: skip
        if what == "value" and s.measure != "value":
            continue
        bits = []
        if last[yoy] is not None:
            bits.append(f"{fmt_pct(last[yoy], signed=True)} on {last['year'] - 1}")
        if last[cagr] is not None:
            bits.append(f"{fmt_pct(last[cagr], signed=True)} a year over {span} (CAGR)")
        if bits:
            parts.append(f"{what} {' and '.join(bits)}")
    return ("Change in " + "; ".join(parts) + ".") if parts else None


def build(s: Session) -> Section:
    """The headline section."""
    res = s.indicator("summary")
    rows = res.to_pylist()
    first, last = rows[0], rows[-1]
    imp, exp = s.query.importer.name, s.query.exporter.name
    k, year = _keys(s), last["year"]
    unit = {c.name: c.unit for c in res.columns}
    sec = Section(
        id="headline",
        title="Headline",
        provenance=res.provenance.as_dict(),
        source=w.source_line(s, res),
    )
    basis = w.report_of(s)
    rank = last[k["rank"]]
    labels = {
        "value_usd": f"{w.corridor_flow(s)}, {year}, value ({basis})",
        "weight_kg": f"{w.corridor_flow(s)}, {year}, net weight",
        "unit_value_usd_per_kg": f"unit value, {year} (USD/kg)",
        "rank_by_value": "rank among suppliers by value",
        "rank_by_weight": "rank among suppliers by net weight",
        "share_of_value": f"share of {imp}'s imports by value"
        + (f" — {w.largest(last['rank_by_value'])}" if last["rank_by_value"] else ""),
        "share_of_weight": f"share of {imp}'s imports by net weight"
        + (f" — {w.largest(last['rank_by_weight'])}" if last["rank_by_weight"] else ""),
        "yoy_value": f"change in value on {year - 1}",
        "yoy_weight": f"change in net weight on {year - 1}",
        "cagr_value": f"a year, {w.span(first['year'], year)} (CAGR, value)",
        "cagr_weight": f"a year, {w.span(first['year'], year)} (CAGR, net weight)",
        "market_value_usd": f"{imp}'s imports, {year}, value (all suppliers)",
        "market_weight_kg": f"{imp}'s imports, {year}, net weight (all suppliers)",
        "suppliers": f"supplying countries, {year}",
    }
    if s.measure == "weight":
        labels["weight_kg"] = f"{w.corridor_flow(s)}, {year}, net weight ({basis})"
    sec.facts.append(Fact.of("year", "latest year", year, unit["year"]))
    for name, label in labels.items():
        sec.facts.append(Fact.of(name, label, last[name], unit[name], basis=basis))
    sec.key_facts = [k[x] for x in ("amount", "share", "yoy", "cagr") if last[k[x]] is not None]
    sec.findings.append(point(s))
    change = _change(s, first, last)
    if change:
        sec.findings.append(change)
    market = last[k["market"]]
    if market is not None:
        sec.findings.append(
            f"{imp}'s {w.product(s)} imports were {fmt_value(market, unit[k['market']])} "
            f"{w.by_measure(s)} in {year}, from {last['suppliers']} supplying countries "
            f"({w.report_of(s, exporter_figure=False)})."
        )
    if rank is None and last[k["amount"]] is not None:
        sec.findings.append(f"{exp}'s flows are not ranked in {year} (not a country).")
    sec.tables.append(_table(s, res, rows))
    if len(rows) > 1:  # a trend needs two years
        sec.charts.append(_chart(s, res, rows))
    return sec


def _table(s: Session, res: Any, rows: list[dict[str, Any]]) -> Table:
    imp, exp = s.query.importer.name, s.query.exporter.name
    value = s.measure == "value"
    cols = [("year", "Year")]
    if value:
        cols += [("value_usd", "Value"), ("weight_kg", "Net weight"),
                 ("unit_value_usd_per_kg", "USD/kg"), ("rank_by_value", "Rank (value)"),
                 ("share_of_value", "Share (value)"), ("yoy_value", "Change (value)"),
                 ("rank_by_weight", "Rank (weight)"), ("share_of_weight", "Share (weight)"),
                 ("market_value_usd", f"{imp}'s imports (value)")]  # fmt: skip
    else:
        cols += [("weight_kg", "Net weight"), ("rank_by_weight", "Rank"),
                 ("share_of_weight", "Share"), ("yoy_weight", "Change"),
                 ("market_weight_kg", f"{imp}'s imports (net weight)")]  # fmt: skip
    note = "Change = on the year before. Ranks and shares among supplying countries."
    if not value:
        note += " No value data: the source carries net weights only."
    return Table(
        name="headline",
        title=f"{exp} in {imp}'s {w.product(s)} imports, "
        f"{w.span(rows[0]['year'], rows[-1]['year'])} ({w.report_of(s)})",
        columns=[TableColumn.of(res, n, label) for n, label in cols],
        rows=rows,
        note=note,
        indicator="summary",
    )


def _chart(s: Session, res: Any, rows: list[dict[str, Any]]) -> ChartSpec:
    exp = s.query.exporter.name
    key = _keys(s)["amount"]
    unit = res.column(key).unit
    pts = [{"year": r["year"], "amount": r[key], "series": exp} for r in rows
           if r[key] is not None]  # fmt: skip
    title = f"{w.corridor_flow(s)} ({w.scope_short(s)})"
    if len(pts) > 1:
        verb = "rose" if pts[-1]["amount"] > pts[0]["amount"] else "fell"
        title = (f"{w.corridor_flow(s)} {verb} from {fmt_value(pts[0]['amount'], unit)} in "
                 f"{pts[0]['year']} to {fmt_value(pts[-1]['amount'], unit)} in "
                 f"{pts[-1]['year']}")  # fmt: skip
    what = "value" if s.measure == "value" else "net weight"
    return ChartSpec(
        name="headline",
        kind="bars",
        title=title,
        subtitle=f"{w.scope_short(s)}, "
        + (f"value, {w.report_of(s)}" if s.measure == "value" else w.report_of(s)),
        x="year",
        y="amount",
        series=[Series(name=exp, role="exporter")],
        unit=unit,
        value_title=what,
        rows=pts,
        source=w.source_line(s, res),
    )
