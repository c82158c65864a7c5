"""Scrap and recycling: the importer's HS 7602 balance and the exporter's part in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import fmt_pct, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["build"]


def build(s: Session) -> Section:
    """The scrap section (scrap indicator; the exporter's share from the mix indicator)."""
    imp, exp = s.query.importer.name, s.query.exporter.name
    sec = Section(id="scrap", title="Scrap and recycling (HS 7602)")
    if not any(h.startswith("76") for h in s.query.hs):
        sec.available = False
        sec.missing = "outside the HS scope of this brief (aluminium scrap is HS 7602)."
        return sec
    res = w.market(s).indicator("scrap")
    sec.provenance = res.provenance.as_dict()
    sec.source = w.source_line(s, res)
    rows = [r for r in res.to_pylist()
            if r["scrap_exports_kg"] is not None or r["scrap_imports_kg"] is not None]  # fmt: skip
    if not rows:
        sec.available = False
        sec.missing = f"no HS 7602 (scrap) flows of {imp} in the data."
        return sec
    unit = {c.name: c.unit for c in res.columns}
    whose = (f"{imp}'s own reports" if s.side == "importer"
             else f"its partners' reports of trade with {imp}")  # fmt: skip
    last = rows[-1]
    net = last["net_scrap_kg"]
    role = None
    if net is not None:
        role = "net exporter" if net > 0 else "net importer"
        sec.findings.append(
            f"{imp} was a {role} of aluminium scrap in {last['year']}: exports "
            f"{fmt_value(last['scrap_exports_kg'], unit['scrap_exports_kg'])}, imports "
            f"{fmt_value(last['scrap_imports_kg'], unit['scrap_imports_kg'])} (net "
            f"{fmt_value(net, unit['net_scrap_kg'])}; {whose})."
        )
    if last["scrap_to_primary_imports"] is not None:
        sec.findings.append(
            f"Scrap imports equalled {fmt_pct(last['scrap_to_primary_imports'])} of primary "
            f"(HS 7601) imports by net weight in {last['year']}."
        )
    line = next((r for r in s.indicator("mix").to_pylist()
                 if r["year"] == last["year"] and r["product"] == "7602"), None)  # fmt: skip
    if line is not None:
        share, amount = line["exporter_share"], line["exporter_amount"]
        mix = s.indicator("mix")
        sec.findings.append(
            f"{exp} supplied {fmt_pct(share)} of {imp}'s scrap imports {w.by_measure(s)} in "
            f"{last['year']} ({fmt_value(amount, mix.column('exporter_amount').unit)}; "
            f"{w.report_of(s)})." if amount else
            f"{exp} supplied none of {imp}'s scrap imports in {last['year']} "
            f"({w.report_of(s)})."
        )  # fmt: skip
        sec.facts.append(Fact.of("exporter_scrap_share", f"{exp}'s share of {imp}'s scrap "
                                 f"imports {w.by_measure(s)}", share,
                                 mix.column("exporter_share").unit))  # fmt: skip
    sec.facts += [
        Fact.of(k, f"{label}, {last['year']}", last[k], unit[k])
        for k, label in (("scrap_exports_kg", "scrap exports"), ("scrap_imports_kg",
                         "scrap imports"), ("net_scrap_kg", "net scrap exports"))
    ]  # fmt: skip
    cols = [("year", "Year"), ("scrap_exports_kg", "Exports"), ("scrap_imports_kg", "Imports"),
            ("net_scrap_kg", "Net"), ("scrap_exports_usd", "Exports (value)"),
            ("scrap_imports_usd", "Imports (value)"),
            ("scrap_to_primary_imports", "Scrap / primary imports")]  # fmt: skip
    sec.tables.append(
        Table(name="scrap", title=f"{imp}'s aluminium scrap trade ({whose})",
              columns=[TableColumn.of(res, n, label) for n, label in cols], rows=rows,
              indicator="scrap",
              note="Net is shown only for years where both exports and imports are reported.")
    )  # fmt: skip
    pts = [{"year": r["year"], "amount": r[k], "series": name} for r in rows
           for k, name in (("scrap_exports_kg", "exports"), ("scrap_imports_kg", "imports"))
           if r[k] is not None]  # fmt: skip
    sec.charts.append(
        ChartSpec(name="scrap", kind="bars",
                  title=(f"{imp} was a {role} of aluminium scrap in {last['year']}" if role
                         else f"{imp}'s aluminium scrap trade"),
                  subtitle=f"{imp}'s HS 7602 exports and imports, net weight ({whose})",
                  x="year", y="amount",
                  series=[Series(name="exports", role="category", index=0),
                          Series(name="imports", role="category", index=1)],
                  unit=unit["scrap_exports_kg"], value_title="net weight", rows=pts,
                  source=w.source_line(s, res))
    )  # fmt: skip
    return sec
