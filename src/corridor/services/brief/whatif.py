"""What if: the market without its largest supplier, and the exporter's tariff preference.

Arranges :func:`corridor.services.scenarios.whatif.whatif` — (a) the largest supplier of the
base year removed and its quantity re-sourced (:mod:`~corridor.services.scenarios.shock`),
(b) the exporter's margin of preference by HS code (MFN against its best agreement in force,
the CEPA for India) with the import value each margin covers. Nothing is computed here but
sums for a sentence; a part the data cannot give (weights only, no tariff rates for the
importer) is said in a sentence, never shown as zero.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.services.scenarios.result import Scenario, ScenarioTable
    from corridor.services.scenarios.whatif import WhatIf
    from corridor.services.session import Session

__all__ = ["build"]

SHOWN = 8  # suppliers in the chart and table (the exporter and the removed one added)
_NATIVE = re.compile(r"\s*\([^()]*[\u3000-\u9fff][^()]*\)")  # "(実行関税率表)"
BEFORE, AFTER = "before", "after the shock"


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    head = text[:1].upper() if text[:1].isascii() else text[:1]  # "σ …" stays lower case
    return head + text[1:] + "."


def _columns(table: ScenarioTable, labels: dict[str, str]) -> list[TableColumn]:
    cols = [(n, label, table.column(n)) for n, label in labels.items()]
    return [
        TableColumn(name=n, label=label, unit=c.unit, meaning=c.meaning) for n, label, c in cols
    ]


def _shock(sec: Section, sc: Scenario, s: Session) -> None:
    from corridor.services.scenarios.text import assumption_lines, headline_lines

    exp = s.query.exporter
    summary = sc.table("summary").rows()[0]
    basis = summary["basis"]
    unit = Unit.KG if basis == "weight" else Unit.USD
    rows = sorted(sc.table("suppliers").rows(), key=lambda r: -(r[f"{basis}_before"] or 0))
    removed = [r for r in rows if r["cut"]]
    names = ", ".join(r["name"] for r in removed)
    lines = headline_lines(sc)
    sec.findings.append(
        f"If {names} — the largest supplier in {sc.base_year} — stopped selling to "
        f"{s.query.importer.name}, the {lines[0].rstrip('.')}."
    )
    sec.findings += [_sentence(line) for line in lines[1:]]
    if any(r["supplier"] == exp.code for r in removed):
        sec.notes.append(
            f"{exp.name} is itself the largest supplier in the data, so the shock removes "
            f"{exp.name}; the data may hold fewer suppliers than the whole market."
        )
    shown = rows[:SHOWN]
    shown += [r for r in rows if r not in shown and (r["supplier"] == exp.code or r["cut"])]
    pts = [
        {"name": r["name"], "series": label, "value": r[f"{basis}_{key}"],
         "highlight": r["supplier"] == exp.code}
        for r in shown for label, key in ((BEFORE, "before"), (AFTER, "after"))
    ]  # fmt: skip
    sec.charts.append(
        ChartSpec(
            name="whatif_shock", kind="pairs",
            title=f"{s.query.importer.name}'s suppliers without {names}, {sc.base_year}",
            subtitle=f"imports of {w.scope_short(s)} {w.by_measure(s)} by supplier, before and "
            f"after the shock ({exp.name} in vermillion); "
            + ("USD at base-year prices" if basis == "value" else "net weight"),
            x="value", y="name",
            series=[Series(name=BEFORE, role="context"),
                    Series(name=AFTER, role="category", index=0)],
            unit=unit, value_title="imports", rows=pts,
            categories=[r["name"] for r in shown], source=w.source_line(s),
        )
    )  # fmt: skip
    table = sc.table("suppliers")
    sec.tables.append(
        Table(name="whatif_shock", title=f"{sc.title} ({sc.assumptions['method']['used']})",
              columns=_columns(table, {"name": "Supplier", "cut": "Cut",
                                       f"{basis}_before": "Before",
                                       f"{basis}_after": "After", "share_before": "Share before",
                                       "share_after": "Share after", "change": "Change"}),
              rows=shown, highlight=("supplier", exp.code),
              note=f"The {len(shown)} largest suppliers (all {len(rows)} in the CSV file).")
    )  # fmt: skip
    sec.tables.append(
        Table(name="whatif_shock_all", title=sc.title,
              columns=_columns(table, {c.name: c.name for c in table.columns}), rows=rows,
              printed=False)
    )  # fmt: skip
    sec.facts += [
        Fact.of("shock_gap", "gap left unfilled", summary["gap"], unit),
        Fact.of("shock_hhi_after", "HHI after the shock", summary["hhi_after"], Unit.HHI),
    ]
    if "exporter" in sc.tables:
        e = sc.table("exporter").rows()[0]
        sec.facts += [
            Fact.of("shock_exporter_after", f"imports from {exp.name} after the shock",
                    e["after"], unit),
            Fact.of("shock_exporter_change", f"change for {exp.name}", e["change"], unit),
        ]  # fmt: skip
        sec.key_facts.append("shock_exporter_change")
    sec.notes.append("Assumptions of the shock: " + "; ".join(assumption_lines(sc)) + ".")
    sec.notes += [_sentence(n) for n in sc.notes]


def _margins(sec: Section, wi: WhatIf, s: Session) -> None:
    table = wi.margins
    exp = s.query.exporter.name
    rows = table.rows()
    preferred = [r for r in rows if (r["margin_max"] or 0) > 0]
    covered = sum(r["exporter_value"] or 0 for r in preferred)
    total = sum(r["exporter_value"] or 0 for r in rows)
    saved = [r["duty_saved_high"] for r in rows if r["duty_saved_high"] is not None]
    agreements = sorted({a for r in rows if r["agreements"] for a in r["agreements"].split(", ")})
    usd = Unit.USD
    if preferred:
        widest = max(preferred, key=lambda r: r["margin_max"])
        sec.findings.append(
            f"{exp}'s preference ({', '.join(agreements)}) lowers the duty below MFN on "
            f"{len(preferred)} of {len(rows)} HS codes, up to "
            f"{fmt_value(widest['margin_max'], Unit.PP)} (HS {widest['hs_code']}); those codes "
            f"carried {fmt_value(covered, usd)} of the {fmt_value(total, usd)} imported from "
            f"{exp} in {wi.base_year}, and the margin saved up to "
            f"{fmt_value(sum(saved), usd)} in duty."
        )
    else:
        sec.findings.append(
            f"{exp} pays the MFN rate on every HS code of the scope in {wi.base_year}: no margin "
            f"of preference (imports from {exp}: {fmt_value(total, usd)})."
        )
    sec.facts += [
        Fact.of("margin_codes", "HS codes with a margin of preference", len(preferred),
                Unit.COUNT),
        Fact.of("margin_value_covered", f"imports from {exp} the margin covers, {wi.base_year}",
                covered if preferred else None, usd),
        Fact.of("margin_duty_saved", f"duty the margin saved {exp}, {wi.base_year} (up to)",
                sum(saved) if saved else None, usd),
    ]  # fmt: skip
    sec.key_facts.append("margin_value_covered")
    labels = {"hs_code": "HS code", "lines": "Lines", "mfn_max": "MFN",
              "applied_max": f"{exp} pays", "margin_min": "Margin (min)",
              "margin_max": "Margin (max)", "exporter_value": f"Imports from {exp}",
              "market_value": "All imports", "duty_saved_high": "Duty saved (up to)"}  # fmt: skip
    sec.tables.append(
        Table(name="whatif_margins", title=table.title, columns=_columns(table, labels),
              rows=rows, indicator="prices",
              note="Rates are the highest among the national lines under each code; a dash: "
              f"no imports from {exp} in the year.")
    )  # fmt: skip
    sec.tables.append(
        Table(name="whatif_margins_all", title=table.title,
              columns=_columns(table, {c.name: c.name for c in table.columns}), rows=rows,
              printed=False)
    )  # fmt: skip
    if wi.tariffs is not None:
        t = wi.tariffs
        sources = "; ".join(_NATIVE.sub("", x) for x in t.sources)  # the PDF font is Latin
        sec.notes.append(f"Tariffs: {sources}.")
    sec.notes += [_sentence(w.plain(n, s)) for n in wi.notes]


def build(s: Session) -> Section:
    """The what-if section (largest supplier removed; the margin of preference by code)."""
    from corridor.services.scenarios.whatif import whatif

    wi = whatif(s)
    if wi.shock is None and wi.margins is None:
        why = wi.shock_missing if wi.shock_missing == wi.margins_missing else (
            f"{wi.shock_missing}; {wi.margins_missing}")  # fmt: skip
        return Section(id="whatif", title="What if", available=False, missing=w.plain(why, s))
    sec = Section(id="whatif", title="What if", source=w.source_line(s),
                  provenance=wi.to_json()["provenance"])  # fmt: skip
    if wi.shock is not None:
        _shock(sec, wi.shock, s)
    else:
        sec.findings.append(f"No supplier shock: {w.plain(wi.shock_missing or '', s)}")
    if wi.margins is not None:
        _margins(sec, wi, s)
    else:
        sec.findings.append(
            f"No margin of preference by HS code: {_no_margins(wi.margins_missing, s)}"
        )
    return sec


def _no_margins(why: Any, s: Session) -> str:
    text = w.plain(str(why or ""), s)
    if "net weights only" in text:
        return "no value data (" + text.rstrip(".") + "), so no value for a margin to cover."
    return text
