"""Product mix: the lines the market buys and the exporter's amount and share in each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.services.brief.prices import label
from corridor.units import Unit, fmt_pct, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["build", "gaps", "lines", "point"]

SHOWN = 12
TABLE = 15


def lines(s: Session) -> tuple[Any, list[dict[str, Any]]]:
    """(mix result, the market's lines at the finest level in the last year, largest first)."""
    res = s.indicator("mix")
    last = w.last_year(s)
    rows = [r for r in res.to_pylist() if r["year"] == last and r["level"] == s.level]
    rows.sort(key=lambda r: (r["rank"] or 10**6, r["product"]))
    return res, rows


def _split(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shipped = [r for r in rows if r["exporter_amount"]]
    return shipped, [r for r in rows if not r["exporter_amount"]]


def gaps(s: Session) -> str | None:
    """The largest lines the market buys and the exporter does not supply (None: none)."""
    res, rows = lines(s)
    absent = _split(rows)[1] if len(rows) > 1 else []
    if not absent:
        return None
    unit = res.column(s.measure).unit
    big = "; ".join(f"{r['product']} {(r['product_name'] or '').lower()} "
                    f"({fmt_value(r[s.measure], unit)})" for r in absent[:3])  # fmt: skip
    return f"the largest lines {s.query.exporter.name} does not supply are {big}"


def point(s: Session) -> str | None:
    """How many lines the exporter supplies, and where it is absent (None: one line only)."""
    _, rows = lines(s)
    if len(rows) <= 1:
        return None
    shipped = _split(rows)[0]
    exp, imp = s.query.exporter.name, s.query.importer.name
    text = f"{exp} supplies {len(shipped)} of the {len(rows)} HS{s.level} lines {imp} buys"
    absent = gaps(s)
    return f"{text}; {absent}" if absent else text


def build(s: Session) -> Section:
    """The product-mix section (mix indicator, with the exporter's part in each line)."""
    res, rows = lines(s)
    exp, imp = s.query.exporter.name, s.query.importer.name
    last = w.last_year(s)
    sec = Section(
        id="mix",
        title="Product mix",
        provenance=res.provenance.as_dict(),
        source=w.source_line(s, res),
    )
    if len(rows) <= 1:
        code = rows[0]["product"] if rows else ", ".join(s.query.hs)
        sec.available = False
        sec.missing = (f"one product line only (HS {code} at HS{s.level}): the data holds no "
                       "finer breakdown.")  # fmt: skip
        return sec
    shipped, absent = _split(rows)
    unit = res.column(s.measure).unit
    sec.findings.append(point(s) + ".")
    strong = sorted(shipped, key=lambda r: -(r["exporter_share"] or 0))[:3]
    if strong:
        sec.findings.append(
            f"{exp} is strongest in " + "; ".join(
                f"{r['product']} {(r['product_name'] or '').lower()} "
                f"({fmt_pct(r['exporter_share'])} of the line, rank {r['exporter_rank'] or '—'})"
                for r in strong) + "."
        )  # fmt: skip
    sec.facts += [
        Fact.of("lines", f"HS{s.level} lines imported, {last}", len(rows), Unit.COUNT),
        Fact.of("lines_supplied", f"lines {exp} supplied", len(shipped), Unit.COUNT),
        Fact.of("lines_absent", f"lines without {exp}", len(absent), Unit.COUNT),
    ]
    cols = [("rank", "Rank"), ("product", "HS"), ("product_name", "Product"),
            (s.measure, f"{imp}'s imports"), ("share", "Share"),
            ("exporter_amount", f"from {exp}"), ("exporter_share", f"{exp}'s share"),
            ("exporter_rank", f"{exp}'s rank"), ("n_suppliers", "Suppliers")]  # fmt: skip
    columns = [TableColumn.of(res, n, label) for n, label in cols]
    basis = w.report_of(s)
    sec.tables.append(
        Table(name="mix", title=f"{imp}'s imports by HS{s.level} line {w.by_measure(s)}, "
              f"{last} ({basis})", columns=columns, rows=rows[:TABLE], indicator="mix",
              note=None if len(rows) <= TABLE else f"The largest {TABLE} of {len(rows)} lines; "
              "the CSV table-mix_all.csv holds all.")
    )  # fmt: skip
    if len(rows) > TABLE:
        sec.tables.append(Table(name="mix_all", title="All lines", columns=columns, rows=rows,
                                indicator="mix", printed=False))  # fmt: skip
    top = rows[:SHOWN]
    total = f"{imp}'s imports from all suppliers"
    mine = f"from {exp}"
    pts: list[dict[str, Any]] = []
    for r in top:
        cat = label(r["product"], r["product_name"])
        share = f"{exp} {w.pct(r['exporter_share'])}" if r["exporter_amount"] else f"no {exp}"
        pts.append({"category": cat, "amount": r[s.measure], "series": total, "label": share})
        if r["exporter_amount"]:
            pts.append({"category": cat, "amount": r["exporter_amount"], "series": mine})
    what = "value" if s.measure == "value" else "net weight"
    sec.charts.append(
        ChartSpec(name="mix", kind="hbar",
                  title=f"{exp} supplies {len(shipped)} of {len(rows)} lines; absent from "
                  f"{len(absent)}",
                  subtitle=f"{imp}'s imports by HS{s.level} line ({what}, {basis}) and the part "
                  f"from {exp}, {last}; the {len(top)} largest lines",
                  x="amount", y="category",
                  series=[Series(name=total, role="context"), Series(name=mine, role="exporter")],
                  unit=unit, value_title=what, rows=pts,
                  categories=[label(r["product"], r["product_name"]) for r in top],
                  source=w.source_line(s, res))
    )  # fmt: skip
    return sec
