"""Prices: the exporter's unit values (USD/kg) line by line, against the median and rivals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["build", "label", "point", "position"]

MAX_LINES = 10
RIVALS = 3
MEDIAN = "median of all supplying countries"


def label(code: str, name: str | None, limit: int = 50) -> str:
    """'760120 Unwrought aluminium alloys', shortened at a word boundary (never mid-word)."""
    text = f"{code} {name}" if name else code
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;")
    return cut + "…"


def _no_values(s: Session) -> str | None:
    if s.measure == "value" and s.main.value_rows:
        return None
    return (f"no value data: unit values need values and net weights, and dataset "
            f"{s.main.dataset} carries net weights only for this scope.")  # fmt: skip


def _lines(s: Session) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """(prices result, the exporter's priced lines largest first, every country's rows)."""
    res = w.market(s).indicator("prices")
    last = w.last_year(s)
    code = s.query.exporter.code
    rows = [r for r in res.to_pylist() if r["year"] == last and r["is_country"]]
    lines = {r["product"]: r for r in s.indicator("mix").to_pylist()
             if r["year"] == last and r["level"] == s.level}  # fmt: skip
    ranks = {k: r["rank"] for k, r in lines.items()}
    # a price is compared only where another country supplies the line too
    mine = [r for r in rows if r["supplier"] == code and r["unit_value"] is not None
            and (lines.get(r["hs_code"], {}).get("n_suppliers") or 0) > 1]  # fmt: skip
    mine.sort(key=lambda r: (ranks.get(r["hs_code"]) or 10**6, r["hs_code"]))
    return res, mine[:MAX_LINES], rows


def position(s: Session) -> tuple[int, int] | None:
    """(lines priced below the median, lines priced) in the last year; None without values."""
    if _no_values(s):
        return None
    _, mine, _ = _lines(s)
    if not mine:
        return None
    return sum(1 for r in mine if (r["premium_vs_median"] or 0) < 0), len(mine)


def point(s: Session) -> str | None:
    """The exporter's price position in one sentence (None without values)."""
    pos = position(s)
    if pos is None:
        return None
    return (f"{s.query.exporter.name} priced below the market median in {pos[0]} of the "
            f"{pos[1]} largest lines it shipped in {w.last_year(s)}")  # fmt: skip


def build(s: Session) -> Section:
    """The prices section (prices indicator, market-wide; unit values need values)."""
    sec = Section(id="prices", title="Prices")
    why = _no_values(s)
    if why:
        sec.available, sec.missing = False, why
        return sec
    res, mine, rows = _lines(s)
    exp, last = s.query.exporter, w.last_year(s)
    sec.provenance = res.provenance.as_dict()
    if not mine:
        sec.available = False
        sec.missing = (f"nothing to compare: in {last} no line that {exp.name} ships with both "
                       "value and net weight has another supplier in the data.")  # fmt: skip
        return sec
    sec.source = w.source_line(s, res)
    summary = s.indicator("summary").to_pylist()[-1]
    order = w.supplier_order(s)
    rivals = order[:RIVALS]
    by_name = {(r["hs_code"], r["name"]): r for r in rows}
    below = [r for r in mine if (r["premium_vs_median"] or 0) < 0]
    outliers = [r for r in mine if r["is_outlier"]]
    said = point(s)
    cheaper = len(below) > len(mine) / 2
    sec.findings.append(f"{said}: " + ("cheaper than most suppliers." if cheaper
                                       else "not the cheaper supplier in most lines."))  # fmt: skip
    basis = w.report_of(s)
    uv_unit = res.column("unit_value").unit
    sec.findings.append(
        f"Across all its lines {exp.name} averaged "
        f"USD {fmt_value(summary['unit_value_usd_per_kg'], uv_unit)}/kg in {last} ({basis}); "
        f"rivals compared: {', '.join(rivals) or 'none'}."
    )
    if outliers:
        sec.findings.append(
            f"{len(outliers)} of its unit values are outliers (far from the other suppliers' in "
            f"the same line): {', '.join(r['hs_code'] for r in outliers)}."
        )
    sec.facts += [
        Fact.of("lines_below_median", "lines priced below the median", len(below), Unit.COUNT),
        Fact.of("lines_priced", "lines with unit values", len(mine), Unit.COUNT),
        Fact.of("exporter_uv", f"{exp.name}'s unit value, all lines, {last}",
                summary["unit_value_usd_per_kg"], uv_unit, basis=basis),
    ]  # fmt: skip
    partners = w.market(s).indicator("partners").to_pylist()
    iso = {r["name"]: r["iso3"] or r["name"] for r in partners if r["year"] == last}
    table, dots = [], []
    for r in mine:
        cat = label(r["hs_code"], r["product_name"])
        row = {k: r[k] for k in ("hs_code", "product_name", "unit_value", "median_uv",
                                 "premium_vs_median")}  # fmt: skip
        dots.append({"category": cat, "uv": r["unit_value"], "series": exp.name})
        if r["median_uv"] is not None:
            dots.append({"category": cat, "uv": r["median_uv"], "series": MEDIAN})
        for i, rival in enumerate(rivals):
            got = by_name.get((r["hs_code"], rival))
            row[f"rival{i}"] = got and got["unit_value"]
            if got and got["unit_value"] is not None:
                dots.append({"category": cat, "uv": got["unit_value"], "series": rival})
        table.append(row)
    cols = [
        TableColumn.of(res, "hs_code", "HS"),
        TableColumn.of(res, "product_name", "Product"),
        TableColumn.of(res, "unit_value", exp.iso3 or exp.name),
        TableColumn.of(res, "median_uv", "Median"),
        TableColumn.of(res, "premium_vs_median", f"{exp.iso3 or exp.name} vs median"),
    ]
    cols += [
        TableColumn(
            name=f"rival{i}",
            label=iso.get(rv, rv),
            unit=uv_unit,
            meaning=f"{rv}'s unit value in the line",
        )
        for i, rv in enumerate(rivals)
    ]
    sec.tables.append(
        Table(name="prices", title=f"Unit values by product line, USD/kg, {last} ({basis})",
              columns=cols, rows=table, indicator="prices",
              note="Unit value = value / net weight over rows that carry both; the median is "
              "over every supplying country of the line. Rivals: the largest other suppliers: "
              + ", ".join(f"{iso.get(r, r)} = {r}" for r in rivals) + ".")
    )  # fmt: skip
    series = [Series(name=exp.name, role="exporter")]
    series += [Series(name=r, index=order.index(r)) for r in rivals]
    series.append(Series(name=MEDIAN, role="reference"))
    sec.charts.append(
        ChartSpec(name="prices", kind="dots", title=said,
                  subtitle=f"unit value in USD/kg ({basis}) of the {len(mine)} largest lines "
                  f"{exp.name} shipped in {last}; bar = median of all supplying countries",
                  x="uv", y="category", series=series, unit=uv_unit,
                  value_title="unit value", rows=dots,
                  categories=[label(r["hs_code"], r["product_name"]) for r in mine],
                  source=w.source_line(s, res))
    )  # fmt: skip
    return sec
