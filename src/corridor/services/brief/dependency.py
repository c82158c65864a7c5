"""Dependency: how concentrated the market's supply is, and the shares of country groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import fmt_pct, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["GROUPS", "build", "level", "point", "sanctioned_basis"]

#: Groups the brief shows (the indicator has more: see its columns).
GROUPS = {"quad": "Quad", "g20": "G20", "sanctioned": "Sanctioned"}
#: US DOJ/FTC (2010) thresholds.
THRESHOLDS = (1500.0, 2500.0)


def level(hhi: float) -> str:
    """The HHI band in words."""
    if hhi < THRESHOLDS[0]:
        return "unconcentrated"
    return "moderately concentrated" if hhi < THRESHOLDS[1] else "highly concentrated"


def point(s: Session) -> str | None:
    """Concentration in one sentence (last year)."""
    last = w.market(s).indicator("concentration").to_pylist()[-1]
    if last["hhi"] is None:
        return None
    return (
        f"{s.query.importer.name}'s {w.product(s)} imports were {level(last['hhi'])} in "
        f"{last['year']} (HHI {fmt_value(last['hhi'], 'HHI')}): the largest supplier, "
        f"{last['top1_name']}, held {fmt_pct(last['top1_share'])} {w.by_measure(s)}"
    )


def sanctioned_basis(s: Session) -> list[str]:
    """Each sanctioned-group member that supplies the market: from when it counts, and why."""
    from corridor.reference.countries import country_by_code, memberships

    suppliers = {r[1] for r in w.market(s).indicator("partners").rows}
    out = []
    for m in memberships():
        if m.group_id == "sanctioned" and m.code in suppliers:
            since = f"from {m.valid_from}" if m.valid_from else "in every year"
            name = country_by_code(m.code).name
            basis = f" ({m.basis.rstrip('.')})" if m.basis else ""
            out.append(f"{name} {since}{basis}")
    return out


def build(s: Session) -> Section:
    """The dependency section (concentration indicator, market-wide)."""
    from corridor.reference.countries import group_info

    res = w.market(s).indicator("concentration")
    rows = res.to_pylist()
    first, last = rows[0], rows[-1]
    imp = s.query.importer.name
    sec = Section(id="dependency", title="Dependency on few suppliers",
                  provenance=res.provenance.as_dict(), source=w.source_line(s, res))  # fmt: skip
    hhi = last["hhi"]
    said = point(s)
    if said:
        was = (f"; HHI was {fmt_value(first['hhi'], 'HHI')} in {first['year']}"
               if first is not last and first["hhi"] is not None else "")  # fmt: skip
        sec.findings.append(
            f"{said}{was}. The top {last['top_n']} held {fmt_pct(last['topn_share'])} and "
            f"{w.countries(last['n_for_90']) if last['n_for_90'] is not None else '— countries'}"
            " covered 90 %."
        )
    groups = [f"{label} {fmt_pct(last[f'{g}_share'])}" for g, label in GROUPS.items()]
    sec.findings.append(f"Group shares in {last['year']} {w.by_measure(s)}: " +
                        ", ".join(groups) + ".")  # fmt: skip
    if thin := w.thin_market(last["n_suppliers"], last["year"]):
        sec.notes.append(thin)
    basis = sanctioned_basis(s)
    info = group_info("sanctioned")
    sec.notes.append(
        "'Sanctioned' follows corridor's reference list of countries under broad sanctions "
        f"regimes (as of {info['as_of']}): a modelling convenience, not a legal "
        "classification. Each country counts only from the year its broad regime began"
        + (": " + "; ".join(basis) + "." if basis else "; no such country supplies this "
           "market in the data.")
    )  # fmt: skip
    sec.notes.append(
        "Group shares count each country only in the years it was a member; a share shown as "
        "— means the group had no member that year. HHI = 10,000 × Σ share² over supplying "
        "countries; below 1,500 unconcentrated, above 2,500 highly concentrated (US DOJ/FTC "
        "2010 thresholds)."
    )
    unit = {c.name: c.unit for c in res.columns}
    sec.facts += [
        Fact.of("hhi", f"HHI {last['year']}", hhi, unit["hhi"]),
        Fact.of("top1_share", f"largest supplier's share ({last['top1_name']})",
                last["top1_share"], unit["top1_share"]),
        Fact.of("topn_share", f"top {last['top_n']} share", last["topn_share"], unit["topn_share"]),
        Fact.of("n_for_90", "countries covering 90 %", last["n_for_90"], unit["n_for_90"]),
        *(Fact.of(f"{g}_share", f"{label} share {last['year']}", last[f"{g}_share"],
                  unit[f"{g}_share"]) for g, label in GROUPS.items()),
    ]  # fmt: skip
    cols = [
        ("year", "Year"),
        ("hhi", "HHI"),
        ("top1_name", "Largest"),
        ("top1_share", "Top 1"),
        ("top3_share", "Top 3"),
        ("topn_share", f"Top {last['top_n']}"),
        ("n_suppliers", "Suppliers"),
        ("n_for_90", "For 90 %"),
        *((f"{g}_share", label) for g, label in GROUPS.items()),
    ]
    sec.tables.append(
        Table(name="dependency", title=f"Concentration of {imp}'s imports "
              f"{w.by_measure(s)} ({w.report_of(s, exporter_figure=False)})",
              columns=[TableColumn.of(res, n, label) for n, label in cols], rows=rows,
              indicator="concentration")
    )  # fmt: skip
    if len(rows) > 1:  # a trend needs two years
        sec.charts.append(_chart(s, res, rows, imp))
    return sec


def _chart(s: Session, res: Any, rows: list[dict[str, Any]], imp: str) -> ChartSpec:
    last, first = rows[-1], rows[0]
    hhi = last["hhi"]
    trend = "rose" if hhi > first["hhi"] else "fell" if hhi < first["hhi"] else "held"
    title = (f"Supplier concentration {trend} to HHI {fmt_value(hhi, 'HHI')} ({level(hhi)}) "
             f"in {last['year']}")  # fmt: skip
    return ChartSpec(
        name="dependency", kind="line", title=title,
        subtitle=f"Herfindahl-Hirschman index of {imp}'s {w.scope_short(s)} imports "
        f"{w.by_measure(s)}; dashed lines: 1,500 and 2,500",
        x="year", y="hhi", series=[Series(name="HHI", role="reference")],
        unit=res.column("hhi").unit, value_title="HHI",
        rows=[{"year": r["year"], "hhi": r["hhi"], "series": "HHI"} for r in rows
              if r["hhi"] is not None],
        rules=list(THRESHOLDS), source=w.source_line(s, res),
    )  # fmt: skip
