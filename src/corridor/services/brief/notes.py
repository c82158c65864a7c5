"""Data, sources and method: what the figures cover, whose reports, vintages, citations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import corridor.analytics.indicators  # noqa: F401  (registers the indicators)
from corridor.analytics.registry import INDICATORS
from corridor.errors import NotFound
from corridor.services.brief import words as w
from corridor.services.brief.model import Section, Table, TableColumn
from corridor.units import Unit

if TYPE_CHECKING:
    from corridor.services.session import Coverage, Session

__all__ = ["build", "citations", "datasets", "definition"]

#: Indicators whose caveats the brief repeats (those its sections read).
CAVEATS = ("summary", "partners", "concentration", "prices", "mix")


def datasets(s: Session) -> list[Coverage]:
    """The datasets the brief reads: the main one and the exporters' own reports (mirror)."""
    used = [s.main]
    other = s.exporter_side(reported=True)
    if other is not None and other is not s.main:
        used.append(other)
    return used


def citations(s: Session) -> tuple[list[str], list[str]]:
    """Formal citations and licence lines of every dataset the brief reads."""
    cites: list[str] = []
    licences: list[str] = []
    for c in datasets(s):
        a, b = w.citation(s, c)
        cites += [x for x in a if x not in cites]
        licences += [x for x in b if x not in licences]
    return cites, licences


def definition(s: Session) -> str:
    """What the figures cover, in one line."""
    main = s.main
    y0, y1 = w.years(s)
    basis = "/".join(main.value_basis) or "none (net weights only)"
    revs = ", ".join(main.hs_revisions) or "—"
    return (f"{s.scope}, summed at HS{s.level}; {w.flow_words(s)}; value basis {basis}; "
            f"years {w.span(y0, y1)}; HS revisions {revs}.")  # fmt: skip


def build(s: Session) -> Section:
    """The data-notes section (coverage, provenance, caveats and the quality indicator)."""
    sec = Section(id="notes", title="Data, sources and method",
                  provenance=s.provenance().as_dict())  # fmt: skip
    main = s.main
    if main.synthetic:
        sec.findings.append(
            "SYNTHETIC: the inputs are generated sample data calibrated to public figures, not "
            "official statistics. Do not quote these numbers."
        )
    sec.findings.append(f"What the figures cover: {definition(s)}")
    if main.reconciled:
        sec.findings.append(
            "Whose report: CEPII BACI reconciles each flow from the exporter's and the "
            "importer's reports into one FOB value; it is neither country's own figure."
        )
    elif s.side == "importer":
        cif, fob = (" (CIF: cost, insurance and freight to its border)", " (FOB)") if (
            main.value_rows) else ("", "")  # fmt: skip
        sec.findings.append(
            f"Whose report: {s.query.importer.name}'s own import declarations{cif}, except the "
            f"mirror check, which sets them against {s.query.exporter.name}'s own export "
            f"report{fob}."
        )
    else:
        fob = " (FOB)" if main.value_rows else ""
        sec.findings.append(
            f"Whose report: each supplier's own report of its exports to "
            f"{s.query.importer.name}{fob}, because {s.query.importer.name} reports no imports "
            "for this scope in the data."
        )
    if s.measure == "weight":
        sec.findings.append(
            "No value data: the source carries net weights only, so shares, ranks and totals "
            "are by net weight, and there are no prices."
        )
    sides = {"importer": f"{s.query.importer.name}'s report", "exporter": "exporters' reports"}
    used: dict[str, list[Coverage]] = {}
    for c in datasets(s):
        used.setdefault(c.dataset, []).append(c)
    for name, parts in used.items():
        c = parts[0]
        rows = " and ".join(f"{p.rows:,} rows ("
                            + ("reconciled flows" if p.reconciled else sides[p.side]) + ")"
                            for p in parts)  # fmt: skip
        years = w.span(min(p.first_year for p in parts), max(p.last_year for p in parts))
        sec.findings.append(
            f"Data: {w.publisher(c)}, dataset {name} ({w.vintage(s, c)}): {rows} in scope, {years}."
        )
    for d in s.decisions:
        text = w.plain(d, s)
        if text not in sec.notes:
            sec.notes.append(text)
    for name in CAVEATS:
        for n in INDICATORS[name].notes:
            text = w.plain(n, s)
            if text not in sec.notes:
                sec.notes.append(text)
    try:
        q = w.market(s).indicator("quality")
    except NotFound:
        return sec
    if not len(q):
        sec.notes.append("The data-quality checks found nothing to report on these rows.")
        return sec
    counts: dict[tuple[str, str], int] = {}
    for r in q.to_pylist():
        key = (r["check"], r["severity"])
        counts[key] = counts.get(key, 0) + 1
    sec.tables.append(
        Table(name="quality", title="Data-quality checks on the rows behind this brief",
              columns=[TableColumn.of(q, "check", "Check"),
                       TableColumn.of(q, "severity", "Severity"),
                       TableColumn(name="findings", label="Findings", unit=Unit.COUNT,
                                   meaning="findings of this check and severity")],
              rows=[{"check": c, "severity": sv, "findings": n}
                    for (c, sv), n in sorted(counts.items())],
              indicator="quality",
              note="Each finding, with the raw file rows behind it, is listed in "
              "table-quality_findings.csv beside this brief.")
    )  # fmt: skip
    cols = [TableColumn.of(q, n, n.replace("_", " ").capitalize()) for n in q.names]
    sec.tables.append(Table(name="quality_findings", title="Data-quality findings",
                            columns=cols, rows=q.to_pylist(), indicator="quality",
                            printed=False))  # fmt: skip
    return sec
