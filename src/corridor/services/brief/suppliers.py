"""Who supplies the market: the largest suppliers and the exporter's place among them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import Unit, fmt_pct

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["build", "movement"]


def movement(s: Session) -> str | None:
    """How the exporter's rank moved from the first to the last year (summary indicator)."""
    rows = s.indicator("summary").to_pylist()
    key = "value" if s.measure == "value" else "weight"
    first = next((r for r in rows if r[f"rank_by_{key}"] is not None), None)
    last = rows[-1]
    exp, imp = s.query.exporter.name, s.query.importer.name
    r1 = last[f"rank_by_{key}"]
    if first is None or r1 is None or first is last:
        return None
    r0 = first[f"rank_by_{key}"]
    span = f"between {first['year']} and {last['year']}"
    if r1 < r0:
        where = f"rose from {w.ordinal(r0)} to {w.ordinal(r1)} among {imp}'s suppliers {span}"
    elif r1 > r0:
        where = f"fell from {w.ordinal(r0)} to {w.ordinal(r1)} among {imp}'s suppliers {span}"
    else:
        where = f"stayed {w.ordinal(r1)} among {imp}'s suppliers {span}"
    share = f"share_of_{key}"
    return (f"{exp} {where} ({w.pct(first[share])} → {w.pct(last[share])} of imports "
            f"{w.by_measure(s)})")  # fmt: skip


def build(s: Session) -> Section:
    """The suppliers section (partners and concentration, market-wide)."""
    m = w.market(s)
    res = m.indicator("partners")
    conc = m.indicator("concentration").to_pylist()[-1]
    summary = s.indicator("summary").to_pylist()[-1]
    rows = res.to_pylist()
    imp, exp = s.query.importer.name, s.query.exporter
    last = w.last_year(s)
    sec = Section(
        id="suppliers",
        title=f"Who supplies {imp}",
        provenance=res.provenance.as_dict(),
        source=w.source_line(s, res),
    )
    ranked = sorted((r for r in rows if r["year"] == last and r["rank"] is not None),
                    key=lambda r: r["rank"])  # fmt: skip
    mine = next((r for r in rows if r["year"] == last and r["supplier"] == exp.code), None)
    top = ranked[: s.query.top_n]
    leader = ranked[0] if ranked else None
    if leader is not None:
        sec.findings.append(
            f"{leader['name']} was the largest supplier in {last} with "
            f"{fmt_pct(leader['share'])} of {imp}'s imports {w.by_measure(s)} "
            f"({w.report_of(s, exporter_figure=False)}); the top {conc['top_n']} held "
            f"{fmt_pct(conc['topn_share'])}."
        )
    moved = movement(s)
    if moved:
        sec.findings.append(moved + ".")
    elif mine is None:
        sec.findings.append(f"{exp.name} is not among {imp}'s suppliers in {last}.")
    if thin := w.thin_market(summary["suppliers"], last):
        sec.notes.append(thin)
    share_col = res.column("share")
    sec.facts += [
        Fact.of("exporter_rank", f"{exp.name}'s rank {w.by_measure(s)}, {last}",
                mine and mine["rank"], Unit.RANK),
        Fact.of("exporter_share", f"{exp.name}'s share {w.by_measure(s)}, {last}",
                mine and mine["share"], share_col.unit),
        Fact.of("leader_share", f"largest supplier's share ({leader['name'] if leader else '—'})",
                leader and leader["share"], share_col.unit),
        Fact.of("suppliers", f"supplying countries, {last}", summary["suppliers"], Unit.COUNT),
    ]  # fmt: skip
    names = [r["name"] for r in top]
    if mine is not None and mine["name"] not in names:
        names.append(mine["name"])
    order = w.supplier_order(s)
    series = [Series(name=exp.name, role="exporter")] if exp.name in names else []
    series += [Series(name=n, index=order.index(n)) for n in names if n != exp.name]
    pts = [{"year": r["year"], "share": r["share"], "series": r["name"]} for r in rows
           if r["name"] in names and r["is_country"] and r["share"] is not None]  # fmt: skip
    title = moved or f"The largest suppliers of {imp} in {last}"
    if len({p["year"] for p in pts}) > 1:  # a trend needs two years
        sec.charts.append(
            ChartSpec(name="suppliers", kind="line", title=title,
                      subtitle=f"share of {imp}'s imports of {w.scope_short(s)} "
                      f"{w.by_measure(s)}, the {len(top)} largest suppliers in {last}"
                      + (f" and {exp.name}" if mine is not None and mine not in top else ""),
                      x="year", y="share", series=series, unit=share_col.unit,
                      value_title="share of imports", rows=pts, source=w.source_line(s, res))
        )  # fmt: skip
    table_rows = ranked[:10]
    if mine is not None and mine not in table_rows:
        table_rows.append(mine)
    cols = [("rank", "Rank"), ("name", "Supplier")]
    if s.measure == "value":
        cols.append(("value", "Value"))
    cols += [("weight", "Net weight"), ("share", f"Share ({s.measure})"),
             ("share_change", "Share change"), ("rank_change", "Rank change")]  # fmt: skip
    sec.tables.append(
        Table(name="suppliers", title=f"Largest suppliers of {imp}, {last} "
              f"({w.report_of(s, exporter_figure=False)})",
              columns=[TableColumn.of(res, n, label) for n, label in cols], rows=table_rows,
              note="Changes are against the year before; a positive rank change is a move up.",
              indicator="partners", highlight=("supplier", exp.code))
    )  # fmt: skip
    return sec
