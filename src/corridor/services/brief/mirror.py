"""Mirror check: the importer's report of the trade against the exporter's own report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.analytics.constants import CIF_FOB_BOUNDS, WEIGHT_BOUNDS
from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import fmt_value

if TYPE_CHECKING:
    from corridor.services.result import Result
    from corridor.services.session import Session

__all__ = ["build", "point", "result", "totals"]


def result(s: Session) -> Result:
    """The mirror indicator: both reports of each HS line and year, in the brief's measure."""
    return s.indicator("mirror")


def totals(s: Session) -> list[dict[str, Any]]:
    """Per year, each side's report summed over its HS lines (the mirror_totals indicator)."""
    return s.indicator("mirror_totals").to_pylist()


def _labels(s: Session) -> tuple[str, str]:
    imp, exp = s.query.importer.name, s.query.exporter.name
    if s.measure == "value":
        return f"{imp}'s report (imports, CIF)", f"{exp}'s report (exports, FOB)"
    return f"{imp}'s report (imports, net weight)", f"{exp}'s report (exports, net weight)"


def point(s: Session) -> str | None:
    """The two reports compared in the last year both report, in one sentence."""
    both = [y for y in totals(s) if y["ratio"] is not None]
    if not both:
        return None
    last = both[-1]
    imp, exp = s.query.importer.name, s.query.exporter.name
    return (f"{imp}'s report of these imports was {fmt_value(last['ratio'], 'ratio')}× "
            f"{exp}'s own report of the exports in {last['year']}")  # fmt: skip


def build(s: Session) -> Section:
    """The mirror section (the mirror indicator: both reports in the brief's measure)."""
    res = result(s)
    rows = totals(s)
    imp, exp = s.query.importer.name, s.query.exporter.name
    sec = Section(id="mirror", title="Mirror check: two reports of the same trade",
                  provenance=res.provenance.as_dict(), source=w.source_line(s, res))  # fmt: skip
    unit = res.column("importer_report").unit
    a, b = _labels(s)
    both = [y for y in rows if y["ratio"] is not None]
    if not both:
        sec.available = False
        sec.missing = f"{imp} and {exp} never both report the same year and product line."
        return sec
    if s.measure == "weight":
        sec.findings.append("No value data: the two reports are compared by net weight.")
    last = both[-1]
    sec.findings.append(
        f"In {last['year']} {imp} reported {fmt_value(last['importer_report'], unit)} of "
        f"imports from {exp} and {exp} reported {fmt_value(last['exporter_report'], unit)} of "
        f"exports to {imp}: {imp}'s figure is {fmt_value(last['ratio'], 'ratio')}× {exp}'s "
        f"(gap {fmt_value(last['gap'], unit)})."
    )
    if len(both) > 1:
        ratios = [y["ratio"] for y in both]
        sec.findings.append(
            f"Over {w.span(both[0]['year'], last['year'])} the ratio ranged {min(ratios):.2f}–"
            f"{max(ratios):.2f}" + ("; freight and insurance usually put CIF 0–20 % above FOB."
                                    if s.measure == "value" else
                                    "; the same goods should weigh the same on both sides.")
        )  # fmt: skip
    flagged = sum(y["flagged"] for y in rows)
    lines = sum(y["lines"] for y in rows)
    if flagged:
        kinds = sorted({r["flag"] for r in res.to_pylist() if r["flag"]})
        sec.findings.append(f"{flagged} of {lines} line-years are flagged ({'; '.join(kinds)}).")
    sec.facts += [
        Fact.of("importer_report", f"{a}, {last['year']}", last["importer_report"], unit),
        Fact.of("exporter_report", f"{b}, {last['year']}", last["exporter_report"], unit),
        Fact.of("gap", f"gap, {last['year']}", last["gap"], unit),
        Fact.of("ratio", f"{imp}'s report / {exp}'s report, {last['year']}", last["ratio"],
                res.column("ratio").unit),
    ]  # fmt: skip
    tot = s.indicator("mirror_totals")
    cols = [
        TableColumn.of(tot, "year", "Year"),
        TableColumn.of(tot, "importer_report", a),
        TableColumn.of(tot, "exporter_report", b),
        TableColumn.of(tot, "gap", "Gap"),
        TableColumn.of(tot, "ratio", "Ratio"),
        TableColumn.of(tot, "lines", "Lines"),
        TableColumn.of(tot, "flagged", "Flagged"),
    ]
    lo, hi = CIF_FOB_BOUNDS if s.measure == "value" else WEIGHT_BOUNDS
    what = "CIF/FOB" if s.measure == "value" else "net weight"
    notes = f"A {what} ratio outside {lo:.2f}–{hi:.2f} is flagged."
    sec.tables.append(
        Table(name="mirror", title=f"{exp} → {imp} as reported by each side, summed over "
              f"HS{s.level} lines", columns=cols, rows=rows, indicator="mirror",
              note=notes + " Each side's total is over the lines it reports; "
              "table-mirror_lines.csv holds every line.")
    )  # fmt: skip
    line_cols = [TableColumn.of(res, n, n) for n in res.names]
    sec.tables.append(Table(name="mirror_lines", title="Mirror check by HS line",
                            columns=line_cols, rows=res.to_pylist(), indicator="mirror",
                            printed=False))  # fmt: skip
    pts = [{"year": y["year"], "amount": y[k], "series": name} for y in rows
           for k, name in (("importer_report", a), ("exporter_report", b))
           if y[k] is not None]  # fmt: skip
    if len(rows) < 2:  # a trend needs two years
        return sec
    sec.charts.append(
        ChartSpec(name="mirror", kind="line", title=point(s) or f"{a} against {b}",
                  subtitle=f"{exp} → {imp}, {w.scope_short(s)}, "
                  + ("value, USD" if s.measure == "value" else "net weight")
                  + ", each side's total over the lines it reports",
                  x="year", y="amount",
                  series=[Series(name=a, role="reference"), Series(name=b, role="exporter")],
                  unit=unit, value_title="value" if s.measure == "value" else "net weight",
                  rows=pts, source=w.source_line(s, res))
    )  # fmt: skip
    return sec
