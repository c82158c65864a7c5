"""The corridor brief: every analytics service for one corridor, composed into a typed report.

:func:`build_brief` runs the indicator services for (importer, exporter, HS scope, years) and
returns a :class:`Brief`: sections with findings (sentences built from the numbers), facts
(each number with its unit), tables, chart data and provenance. A section whose data is absent
says so (``available=False`` and ``missing``) instead of showing zeros. Nothing here knows about
HTML or PDF; :mod:`corridor.report` renders a brief.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from corridor.errors import CorridorError, InvalidQuery, NotFound
from corridor.units import fmt_pct, fmt_usd, fmt_weight

if TYPE_CHECKING:
    from corridor.services.analytics import AnalyticsQuery, IndicatorResult
    from corridor.store.warehouse import Warehouse

__all__ = [
    "STEPS",
    "Brief",
    "BriefQuery",
    "ChartSpec",
    "Column",
    "Fact",
    "Section",
    "Table",
    "build_brief",
    "fmt_number",
    "fmt_pct",
    "fmt_usd",
    "fmt_weight",
]

SCHEMA = "corridor.brief/1"
Unit = Literal[
    "usd",
    "kg",
    "fraction",
    "growth",
    "pp",
    "usd_per_kg",
    "hhi",
    "count",
    "rank",
    "year",
    "ratio",
    "text",
]
STEPS = ("headline", "suppliers", "dependency", "prices", "mix", "mirror", "scrap", "notes")
NO_VALUE = "no value data"
UNIT_LABELS: dict[str, str] = {
    "usd": "USD", "kg": "kg", "fraction": "fraction 0-1", "growth": "fraction (signed)",
    "pp": "fraction-point change",
    "usd_per_kg": "USD/kg", "hhi": "HHI 0-10,000", "count": "count", "rank": "rank (1 = largest)",
    "year": "calendar year", "ratio": "ratio", "text": "text",
}  # fmt: skip


def fmt_number(value: Any, unit: str) -> str:
    """Format one value for people according to its unit."""
    if value is None:
        return "—"
    if unit == "usd":
        return fmt_usd(value)
    if unit == "kg":
        return fmt_weight(value)
    if unit == "fraction":
        return fmt_pct(value)
    if unit == "growth":
        return fmt_pct(value, signed=True)
    if unit == "pp":
        return f"{value * 100:+.1f} pp"
    if unit == "usd_per_kg":
        return f"{value:,.2f}"
    if unit == "hhi":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit in ("count", "rank"):
        return f"{int(value):,}"
    return str(value)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- the model ------------------------------------------------------------------------------
class BriefQuery(BaseModel):
    """What the brief covers: importer, exporter, HS scope, years, dataset and side."""

    importer: str = "JPN"
    exporter: str = "IND"
    hs: list[str] = Field(default_factory=lambda: ["76"])
    years: tuple[int, int] | None = None
    dataset: str | None = None
    side: Literal["importer", "exporter"] = "importer"
    top_n: int = 5


class Fact(BaseModel):
    """One number of the brief, with its unit and the text shown to people."""

    key: str
    label: str
    value: float | int | str | None
    unit: Unit
    text: str


class Column(BaseModel):
    """A table column: row key, header and unit."""

    key: str
    label: str
    unit: Unit = "text"


class Table(BaseModel):
    """A table of raw rows; renderers format each cell by its column's unit."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str | None = None


class ChartSpec(BaseModel):
    """Data and labels for one chart; :mod:`corridor.report.charts` draws it.

    ``kind`` is ``line`` (x year, y, series), ``bars`` (grouped bars by year and series),
    ``hbar`` (horizontal bars by category; ``series`` colours them) or ``dots`` (a dot per
    category and series).
    """

    name: str
    kind: Literal["line", "bars", "hbar", "dots"]
    title: str
    subtitle: str = ""
    x: str
    y: str
    series: str | None = None
    x_title: str = ""
    y_title: str = ""
    y_format: str = ",.0f"
    highlight: str | None = None
    rows: list[dict[str, Any]]
    source: str
    rules: list[float] = Field(default_factory=list)


class Section(BaseModel):
    """One section of the brief; ``available`` is False (with ``missing``) when data lacks."""

    id: str
    title: str
    available: bool = True
    missing: str | None = None
    findings: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    charts: list[ChartSpec] = Field(default_factory=list)
    provenance: dict[str, Any] | None = None


class Brief(BaseModel):
    """The corridor brief: sections, definition, provenance and the synthetic flag."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    title: str
    subtitle: str
    query: dict[str, Any]
    importer: dict[str, Any]
    exporter: dict[str, Any]
    hs: list[str]
    product: str
    years: list[int]
    measure: Literal["value", "weight"]
    definition: str
    synthetic: bool
    generated_at: datetime
    sources: list[str]
    datasets: list[str]
    retrieved_at: list[datetime]
    sections: list[Section]

    model_config = {"populate_by_name": True}

    def section(self, section_id: str) -> Section:
        """The section with this id."""
        return next(s for s in self.sections if s.id == section_id)


# -- helpers --------------------------------------------------------------------------------
def _fact(key: str, label: str, value: Any, unit: Unit) -> Fact:
    return Fact(key=key, label=label, value=value, unit=unit, text=fmt_number(value, unit))


def _product_name(hs: list[str]) -> str:
    from corridor.reference.hs import hs_codes

    names = {c.code: c.name for c in hs_codes("H6")}
    if hs == ["76"]:
        return "aluminium"
    return "; ".join(names.get(h, f"HS {h}").lower() for h in hs)


def _hs_names() -> dict[str, str]:
    from corridor.reference.hs import hs_codes

    out: dict[str, str] = {}
    for rev in ("H0", "H1", "H2", "H3", "H4", "H5", "H6"):
        for c in hs_codes(rev):
            out[c.code] = c.name
    return out


def _cagr(first: float | None, last: float | None, years: int) -> float | None:
    if not first or last is None or years <= 0 or first <= 0 or last < 0:
        return None
    return (last / first) ** (1 / years) - 1


def _when(text: str) -> str:
    return datetime.fromisoformat(str(text)).strftime("%Y-%m-%d %H:%M UTC")


def _iso3(code: int) -> str | None:
    from corridor.reference.countries import country_by_code

    try:
        return country_by_code(code).iso3
    except CorridorError:
        return None


def _source_line(prov: dict[str, Any] | None, synthetic: bool) -> str:
    if not prov:
        return ""
    sources = ", ".join(prov.get("sources") or prov.get("datasets") or [])
    basis = "/".join(prov.get("value_basis") or []) or "no values"
    line = f"Source: {sources} ({', '.join(prov.get('datasets') or [])}); {prov.get('flow')}"
    line += f"; value basis {basis}"
    return ("SYNTHETIC sample data. " if synthetic else "") + line


def _prov(result: IndicatorResult) -> dict[str, Any]:
    return result.provenance.model_dump(mode="json")


# -- the builder ----------------------------------------------------------------------------
class _Builder:
    """Holds the resolved query and runs one section after another."""

    def __init__(self, wh: Warehouse, q: BriefQuery) -> None:
        from corridor.reference.countries import resolve_country
        from corridor.reference.hs import validate_hs

        self.wh, self.q = wh, q
        self.importer = resolve_country(q.importer)
        self.exporter = resolve_country(q.exporter)
        if self.importer.code == self.exporter.code:
            raise InvalidQuery(f"importer and exporter are both {self.importer.label}")
        self.hs = [validate_hs(h) for h in q.hs]
        if q.years and q.years[0] > q.years[1]:
            raise InvalidQuery(f"empty year range {q.years[0]}-{q.years[1]}")
        self.imp, self.exp = self.importer.name, self.exporter.name
        self.product = _product_name(self.hs)
        self.hs_label = "HS " + ", ".join(self.hs)
        self.synthetic = False
        self.measure: Literal["value", "weight"] = "value"
        self.provs: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.last_year = 0
        self.first_year = 0
        self.mix_rows: dict[tuple[int, str], dict[str, Any]] = {}
        self.partner_rows: dict[str, list[dict[str, Any]]] = {}

    def aq(self, **over: Any) -> AnalyticsQuery:
        from corridor.services.analytics import AnalyticsQuery

        base = dict(importer=self.q.importer, exporter=self.q.exporter, hs=self.hs,
                    years=self.q.years, dataset=self.q.dataset, side=self.q.side,
                    measure=self.measure, top_n=self.q.top_n)  # fmt: skip
        return AnalyticsQuery(**{**base, **over})

    def run(self, name: str, **over: Any) -> IndicatorResult:
        from corridor.services import analytics

        result = analytics.run(name, self.wh, self.aq(**over))
        prov = _prov(result)
        self.provs.append(prov)
        self.synthetic |= result.provenance.synthetic
        self.notes += [n for n in result.notes if n not in self.notes]
        return result

    def source(self, prov: dict[str, Any] | None) -> str:
        return _source_line(prov, self.synthetic)

    @property
    def by(self) -> str:
        return "by value" if self.measure == "value" else "by net weight"

    @property
    def munit(self) -> Unit:
        return "usd" if self.measure == "value" else "kg"

    def _summary(self) -> dict[str, Any]:
        """The exporter's year-by-year position by value and by weight (partners service)."""
        from corridor.services.summary import SummaryYear

        by_value = self.run("partners", measure="value")
        by_weight = self.run("partners", measure="weight")
        self.partner_rows = {"value": by_value.rows, "weight": by_weight.rows}
        code = self.exporter.code
        w = {r["year"]: r for r in by_weight.rows if r["supplier"] == code}
        v = {r["year"]: r for r in by_value.rows if r["supplier"] == code}
        totals = {r["year"]: r for r in by_value.rows}
        wtotals = {r["year"]: r for r in by_weight.rows}
        out, prev = [], None
        for year in sorted(totals):
            rv, rw = v.get(year), w.get(year)
            value, weight = rv and rv["value"], rv and rv["weight"]
            out.append(SummaryYear(
                year=year, value_usd=value, weight_kg=weight,
                unit_value_usd_per_kg=value / weight if value is not None and weight else None,
                rank_by_value=rv and rv["rank"] if value is not None else None,
                rank_by_weight=rw and rw["rank"],
                share_of_value=rv and rv["share"] if value is not None else None,
                share_of_weight=rw and rw["share"],
                yoy_value=value / prev.value_usd - 1 if prev and value is not None
                and prev.value_usd else None,
                yoy_weight=weight / prev.weight_kg - 1 if prev and weight is not None
                and prev.weight_kg else None,
                market_value_usd=totals[year]["market_total"],
                market_weight_kg=wtotals[year]["market_total"] if year in wtotals else None,
                suppliers=sum(1 for r in by_value.rows if r["year"] == year and r["is_country"]),
            ))  # fmt: skip
            prev = out[-1]
        span = out[-1].year - out[0].year
        return {
            "years": out,
            "cagr_value": _cagr(out[0].value_usd, out[-1].value_usd, span),
            "cagr_weight": _cagr(out[0].weight_kg, out[-1].weight_kg, span),
            "provenance": _prov(by_value),
        }

    # 1 ------------------------------------------------------------------------------------
    def headline(self) -> Section:
        summary = self._summary()
        prov = summary["provenance"]
        years = summary["years"]
        self.first_year, self.last_year = years[0].year, years[-1].year
        has_value = any(y.market_value_usd for y in years)
        self.measure = "value" if has_value else "weight"
        last = years[-1]
        sec = Section(id="headline", title="Headline", provenance=prov)
        span = f"{self.first_year}–{self.last_year}"
        f = sec.facts
        f += [
            _fact("year", "latest year", last.year, "year"),
            _fact("value_usd", f"{self.exp}'s exports to {self.imp} (value)", last.value_usd,
                  "usd"),
            _fact("weight_kg", "net weight", last.weight_kg, "kg"),
            _fact("rank_by_value", "rank by value", last.rank_by_value, "rank"),
            _fact("share_of_value", "share of imports by value", last.share_of_value, "fraction"),
            _fact("rank_by_weight", "rank by weight", last.rank_by_weight, "rank"),
            _fact("share_of_weight", "share by weight", last.share_of_weight, "fraction"),
            _fact("yoy_value", "change on previous year (value)", last.yoy_value, "growth"),
            _fact("yoy_weight", "change on previous year (weight)", last.yoy_weight, "growth"),
            _fact("cagr_value", f"CAGR {span} (value)", summary['cagr_value'], "growth"),
            _fact("cagr_weight", f"CAGR {span} (weight)", summary['cagr_weight'], "growth"),
            _fact("market_value_usd", f"{self.imp}'s imports (value)", last.market_value_usd,
                  "usd"),
            _fact("market_weight_kg", f"{self.imp}'s imports (weight)", last.market_weight_kg,
                  "kg"),
        ]  # fmt: skip
        basis = "/".join(prov["value_basis"]) or "none (weights only)"
        self.definition = (
            f"{self.hs_label} ({self.product}), summed at HS{prov['hs_level']}; {prov['flow']}; "
            f"value basis {basis}; years {span}; revisions {', '.join(prov['hs_revisions'])}."
        )
        if last.weight_kg is None and last.value_usd is None:
            sec.findings.append(
                f"{self.imp} reports no {self.product} imports from {self.exp} in {last.year}."
            )
        elif has_value and last.value_usd is not None:
            sec.findings.append(
                f"{self.exp} was {self.imp}'s {_ordinal(last.rank_by_value)} largest "
                f"{self.product} supplier in {last.year} ({fmt_pct(last.share_of_value)} of "
                f"imports by value): {fmt_usd(last.value_usd)} and "
                f"{fmt_weight(last.weight_kg)}."
            )
        else:
            sec.findings.append(
                f"{self.exp} was {self.imp}'s {_ordinal(last.rank_by_weight)} largest "
                f"{self.product} supplier by net weight in {last.year} "
                f"({fmt_pct(last.share_of_weight)} of imports, {fmt_weight(last.weight_kg)}); "
                f"{NO_VALUE}: the source carries net weights only."
            )
        yoy = last.yoy_value if has_value else last.yoy_weight
        cagr = summary["cagr_value"] if has_value else summary["cagr_weight"]
        if yoy is not None or cagr is not None:
            what = "value" if has_value else "net weight"
            parts = []
            if yoy is not None:
                parts.append(f"{fmt_pct(yoy, signed=True)} on {last.year - 1}")
            if cagr is not None:
                parts.append(f"{fmt_pct(cagr, signed=True)} a year over {span} (CAGR)")
            sec.findings.append(f"Change in {what}: " + "; ".join(parts) + ".")
        sec.findings.append(f"Definition: {self.definition}")
        rows = [y.model_dump() for y in years]
        cols = [Column(key="year", label="Year", unit="year")]
        if has_value:
            cols += [Column(key="value_usd", label="Value", unit="usd")]
        cols += [Column(key="weight_kg", label="Net weight", unit="kg")]
        if has_value:
            cols += [Column(key="unit_value_usd_per_kg", label="USD/kg", unit="usd_per_kg"),
                     Column(key="rank_by_value", label="Rank (value)", unit="rank"),
                     Column(key="share_of_value", label="Share (value)", unit="fraction"),
                     Column(key="yoy_value", label="YoY (value)", unit="pp")]  # fmt: skip
        cols += [Column(key="rank_by_weight", label="Rank (weight)", unit="rank"),
                 Column(key="share_of_weight", label="Share (weight)",
                        unit="fraction")]  # fmt: skip
        if not has_value:
            cols += [Column(key="yoy_weight", label="YoY (weight)", unit="pp")]
        # YoY is a growth rate, not a change in share: show it signed in percent.
        for c in cols:
            if c.key.startswith("yoy"):
                c.unit = "growth"
        sec.tables.append(
            Table(name="headline", title=f"{self.exp} in {self.imp}'s imports, {span}",
                  columns=cols, rows=rows,
                  note=None if has_value else f"{NO_VALUE}: values are absent in the source.")
        )  # fmt: skip
        key = "value_usd" if has_value else "weight_kg"
        series = [{"year": y.year, "amount": y.model_dump()[key]} for y in years]
        series = [r for r in series if r["amount"] is not None]
        fmt = fmt_usd if has_value else fmt_weight
        title = f"{self.exp}'s {self.product} exports to {self.imp}"
        if series:
            title += f" went from {fmt(series[0]['amount'])} to {fmt(series[-1]['amount'])}"
        scale, unit = (1e6, "USD million") if has_value else (1e6, "thousand tonnes")
        sec.charts.append(
            ChartSpec(name="headline", kind="bars", title=title,
                      subtitle=f"{self.hs_label}, {span}, {'value' if has_value else 'net weight'}"
                      f" as reported by {self.imp if self.q.side == 'importer' else self.exp}",
                      x="year", y="amount", y_title=unit, series="series", highlight=self.exp,
                      rows=[{"year": r["year"], "amount": r["amount"] / scale,
                             "series": self.exp} for r in series],
                      source=self.source(prov))
        )  # fmt: skip
        return sec

    # 2 ------------------------------------------------------------------------------------
    def suppliers(self) -> Section:
        prov = self.provs[0] if self.measure == "value" else self.provs[1]
        sec = Section(id="suppliers", title=f"Who supplies {self.imp}", provenance=prov)
        rows = [dict(r) for r in self.partner_rows[self.measure] if r["is_country"]]
        last = [r for r in rows if r["year"] == self.last_year]
        top = sorted(last, key=lambda r: r["rank"] or 10**6)[: self.q.top_n]
        names = [r["name"] for r in top]
        if self.exp not in names:
            names.append(self.exp)
        line = [{"year": r["year"], "share": r["share"], "series": r["name"]}
                for r in rows if r["name"] in names and r["share"] is not None]  # fmt: skip
        mine = {r["year"]: r for r in rows if r["supplier"] == self.exporter.code}
        first = mine.get(self.first_year)
        now = mine.get(self.last_year)
        leader = top[0] if top else None
        if leader:
            sec.findings.append(
                f"{leader['name']} was the largest supplier in {self.last_year} with "
                f"{fmt_pct(leader['share'])} of {self.imp}'s imports {self.by}; the top "
                f"{len(top)} held {fmt_pct(sum(r['share'] or 0 for r in top))}."
            )
        if now and first and first["rank"] and now["rank"]:
            verb = (
                "rose"
                if now["rank"] < first["rank"]
                else "fell"
                if now["rank"] > first["rank"]
                else "stayed"
            )
            where = (f"from {_ordinal(first['rank'])} to {_ordinal(now['rank'])}"
                     if verb != "stayed" else f"at {_ordinal(now['rank'])}")  # fmt: skip
            title = (f"{self.exp} {verb} {where} among {self.imp}'s suppliers, "
                     f"{self.first_year}–{self.last_year}")  # fmt: skip
            sec.findings.append(
                f"{title} ({fmt_pct(first['share'])} → {fmt_pct(now['share'])} {self.by})."
            )
        elif now:
            title = f"{self.exp} ranked {_ordinal(now['rank'])} in {self.last_year}"
        else:
            title = f"{self.exp} is not among {self.imp}'s suppliers in {self.last_year}"
            sec.findings.append(title + ".")
        sec.facts += [
            _fact("exporter_rank", f"{self.exp}'s rank {self.by}", now and now["rank"], "rank"),
            _fact("exporter_share", f"{self.exp}'s share {self.by}", now and now["share"],
                  "fraction"),
            _fact("leader_share", f"largest supplier's share ({leader['name'] if leader else '—'})",
                  leader and leader["share"], "fraction"),
            _fact("suppliers", "supplying countries", len([r for r in last if r["share"]]),
                  "count"),
        ]  # fmt: skip
        sec.charts.append(
            ChartSpec(name="suppliers", kind="line", title=title,
                      subtitle=f"share of {self.imp}'s {self.hs_label} imports {self.by}, "
                      f"top {self.q.top_n} suppliers in {self.last_year}",
                      x="year", y="share", series="series", y_title="share of imports",
                      y_format=".0%", highlight=self.exp, rows=line, source=self.source(prov))
        )  # fmt: skip
        table_rows = sorted(last, key=lambda r: r["rank"] or 10**6)[:10]
        if now and now not in table_rows:
            table_rows.append(now)
        cols = [Column(key="rank", label="Rank", unit="rank"),
                Column(key="name", label="Supplier")]  # fmt: skip
        if self.measure == "value":
            cols.append(Column(key="value", label="Value", unit="usd"))
        cols += [Column(key="weight", label="Net weight", unit="kg"),
                 Column(key="share", label=f"Share ({self.measure})", unit="fraction"),
                 Column(key="share_change", label="Share change", unit="pp"),
                 Column(key="rank_change", label="Rank change", unit="text")]  # fmt: skip
        for r in table_rows:
            rc = r.get("rank_change")
            r["rank_change"] = None if rc is None else (f"+{rc}" if rc > 0 else str(rc))
        sec.tables.append(
            Table(name="suppliers", title=f"Top suppliers of {self.imp}, {self.last_year}",
                  columns=cols, rows=table_rows,
                  note="Share change and rank change are against the previous year.")
        )  # fmt: skip
        return sec

    # 3 ------------------------------------------------------------------------------------
    def dependency(self) -> Section:
        res = self.run("concentration")
        prov = _prov(res)
        sec = Section(id="dependency", title="Dependency", provenance=prov)
        rows = res.rows
        last = rows[-1]
        first = rows[0]
        hhi = last["hhi"]
        level = ("unconcentrated" if hhi < 1500 else "moderately concentrated" if hhi < 2500
                 else "highly concentrated")  # fmt: skip
        sec.findings.append(
            f"{self.imp}'s {self.product} imports were {level} in {last['year']}: HHI "
            f"{hhi:,.0f} (was {first['hhi']:,.0f} in {first['year']}); the largest supplier "
            f"held {fmt_pct(last['top1_share'])}, the top {last['top_n']} "
            f"{fmt_pct(last['topn_share'])}, and {last['n_for_90'] or '—'} countries covered "
            f"90 % {self.by}."
        )
        g = last["group_shares"]
        sec.findings.append(
            f"Group shares in {last['year']}: QUAD {fmt_pct(g.get('quad'))}, G20 "
            f"{fmt_pct(g.get('g20'))}, sanctioned suppliers {fmt_pct(g.get('sanctioned'))}."
        )
        sec.facts += [
            _fact("hhi", f"HHI {last['year']}", hhi, "hhi"),
            _fact("top1_share", "largest supplier's share", last["top1_share"], "fraction"),
            _fact("topn_share", f"top {last['top_n']} share", last["topn_share"], "fraction"),
            _fact("n_for_90", "countries covering 90 %", last["n_for_90"], "count"),
            _fact("quad_share", "QUAD share", g.get("quad"), "fraction"),
            _fact("g20_share", "G20 share", g.get("g20"), "fraction"),
            _fact("sanctioned_share", "sanctioned share", g.get("sanctioned"), "fraction"),
        ]
        table = [
            {"year": r["year"], "hhi": r["hhi"], "top1_share": r["top1_share"],
             "top3_share": r["top3_share"], "topn_share": r["topn_share"],
             "n_suppliers": r["n_suppliers"], "quad": r["group_shares"].get("quad"),
             "g20": r["group_shares"].get("g20"),
             "sanctioned": r["group_shares"].get("sanctioned")}
            for r in rows
        ]  # fmt: skip
        n = last["top_n"]
        sec.tables.append(
            Table(name="dependency", title=f"Concentration of {self.imp}'s imports {self.by}",
                  columns=[Column(key="year", label="Year", unit="year"),
                           Column(key="hhi", label="HHI", unit="hhi"),
                           Column(key="top1_share", label="Top 1", unit="fraction"),
                           Column(key="top3_share", label="Top 3", unit="fraction"),
                           Column(key="topn_share", label=f"Top {n}", unit="fraction"),
                           Column(key="n_suppliers", label="Suppliers", unit="count"),
                           Column(key="quad", label="QUAD", unit="fraction"),
                           Column(key="g20", label="G20", unit="fraction"),
                           Column(key="sanctioned", label="Sanctioned", unit="fraction")],
                  rows=table,
                  note="HHI = 10,000 × Σ share² over countries; below 1,500 unconcentrated, "
                  "above 2,500 highly concentrated (US DOJ/FTC 2010 thresholds).")
        )  # fmt: skip
        trend = "rose" if hhi > first["hhi"] else "fell" if hhi < first["hhi"] else "held"
        sec.charts.append(
            ChartSpec(name="dependency", kind="line",
                      title=f"Supplier concentration {trend} to HHI {hhi:,.0f} ({level}) "
                      f"in {last['year']}",
                      subtitle=f"Herfindahl-Hirschman index of {self.imp}'s {self.hs_label} "
                      f"imports {self.by}",
                      x="year", y="hhi", series="series", y_title="HHI (0-10,000)",
                      rows=[{"year": r["year"], "hhi": r["hhi"], "series": "HHI"} for r in rows],
                      rules=[1500, 2500], source=self.source(prov))
        )  # fmt: skip
        return sec

    # 4 ------------------------------------------------------------------------------------
    def prices(self) -> Section:
        sec = Section(id="prices", title="Prices")
        if self.measure == "weight":
            return self._missing(sec, f"{NO_VALUE}: unit values need values and weights; the "
                                 "source carries net weights only.")  # fmt: skip
        res = self.run("prices", exporter=None)
        prov = _prov(res)
        sec.provenance = prov
        rows = [r for r in res.rows if r["year"] == self.last_year and r["is_country"]]
        uv_rows = [r for r in rows if r["unit_value"] is not None]
        mine = [r for r in uv_rows if r["supplier"] == self.exporter.code]
        if not mine:
            return self._missing(sec, f"no unit values for {self.exp} in {self.last_year} "
                                 "(no rows with both value and weight).")  # fmt: skip
        # main rivals: the largest other suppliers by value in the last year
        totals: dict[str, float] = {}
        for r in rows:
            if r["supplier"] != self.exporter.code:
                totals[r["name"]] = totals.get(r["name"], 0) + (r["value"] or 0)
        rivals = sorted(totals, key=lambda k: -totals[k])[:3]
        names = _hs_names()
        # lines the exporter ships, largest market first
        market: dict[str, float] = {}
        for r in rows:
            market[r["hs_code"]] = market.get(r["hs_code"], 0) + (r["value"] or 0)
        mine = sorted(mine, key=lambda r: -market.get(r["hs_code"], 0))[:12]
        iso = {r["name"]: _iso3(r["supplier"]) for r in rows}
        table, dots = [], []
        for r in mine:
            code = r["hs_code"]
            label = f"{code} {names.get(code, '')}"
            label = label if len(label) <= 38 else label[:37] + "…"
            row = {
                "hs_code": code,
                "product": names.get(code, ""),
                "unit_value": r["unit_value"],
                "median_uv": r["median_uv"],
                "premium_vs_median": r["premium_vs_median"],
            }
            dots.append({"category": label, "premium": r["premium_vs_median"],
                         "series": self.exp})  # fmt: skip
            for i, rival in enumerate(rivals):
                got = next((x for x in uv_rows if x["hs_code"] == code and x["name"] == rival),
                           None)  # fmt: skip
                row[f"rival{i}"] = got and got["unit_value"]
                if got and got["premium_vs_median"] is not None:
                    dots.append({"category": label, "premium": got["premium_vs_median"],
                                 "series": rival})  # fmt: skip
            table.append(row)
        below = [r for r in mine if (r["premium_vs_median"] or 0) < 0]
        premiums = [r["premium_vs_median"] for r in mine if r["premium_vs_median"] is not None]
        med = statistics.median(premiums) if premiums else None
        ex_uv = sum(r["value_paired"] for r in mine) / (sum(r["weight_paired"] for r in mine)
                                                        or float("nan"))  # fmt: skip
        cheaper = len(below) > len(mine) / 2
        title = (f"{self.exp} priced below the market median in {len(below)} of {len(mine)} "
                 f"lines it shipped in {self.last_year}")  # fmt: skip
        sec.findings.append(
            f"{title} (median premium {fmt_pct(med, signed=True)}): "
            + ("cheaper than most suppliers." if cheaper else "not the cheap supplier.")
        )
        sec.findings.append(
            f"Across those lines {self.exp} averaged USD {ex_uv:,.2f}/kg (CIF as reported by "
            f"{self.imp}); main rivals compared: {', '.join(rivals)}."
        )
        sec.facts += [
            _fact("lines_below_median", "lines priced below the median", len(below), "count"),
            _fact("lines_shipped", "lines with unit values", len(mine), "count"),
            _fact("median_premium", "median premium vs market median", med, "fraction"),
            _fact("exporter_uv", f"{self.exp}'s unit value", ex_uv, "usd_per_kg"),
        ]
        cols = [
            Column(key="hs_code", label="HS"),
            Column(key="product", label="Product"),
            Column(key="unit_value", label=self.exp, unit="usd_per_kg"),
            Column(key="median_uv", label="Median", unit="usd_per_kg"),
            Column(key="premium_vs_median", label=f"{self.exp} vs median", unit="growth"),
        ]
        cols += [Column(key=f"rival{i}", label=iso.get(rival) or rival, unit="usd_per_kg")
                 for i, rival in enumerate(rivals)]  # fmt: skip
        sec.tables.append(
            Table(name="prices", title=f"Unit values by product line, USD/kg, {self.last_year}",
                  columns=cols, rows=table,
                  note="Unit value = value / net weight over rows that carry both; the median "
                  "is over all supplying countries of the line. Rivals: "
                  + ", ".join(f"{iso.get(r) or r} = {r}" for r in rivals) + ".")
        )  # fmt: skip
        sec.charts.append(
            ChartSpec(name="prices", kind="dots", title=title,
                      subtitle=f"unit value (USD/kg, CIF) against the median of all suppliers "
                      f"of each line, {self.last_year}; left of 0 = cheaper",
                      x="premium", y="category", series="series",
                      x_title="unit value vs market median (%)", rules=[0],
                      highlight=self.exp, rows=dots, source=self.source(prov), y_format="+.0%")
        )  # fmt: skip
        return sec

    # 5 ------------------------------------------------------------------------------------
    def mix(self) -> Section:
        res = self.run("mix")
        self.mix_rows = {(r["year"], r["product"]): r for r in res.rows if r["level"] == 4}
        prov = _prov(res)
        sec = Section(id="mix", title="Product mix", provenance=prov)
        finest = max((r["level"] for r in res.rows), default=2)
        rows = [r for r in res.rows if r["year"] == self.last_year and r["level"] == finest]
        rows.sort(key=lambda r: r["rank"] or 10**6)
        if len(rows) <= 1:
            code = rows[0]["product"] if rows else ", ".join(self.hs)
            return self._missing(sec, f"one product line only (HS {code} at HS{finest}); no "
                                 "finer breakdown in the data.")  # fmt: skip
        names = _hs_names()
        shipped = [r for r in rows if r["exporter_amount"]]
        absent = [r for r in rows if not r["exporter_amount"]]
        strong = sorted(shipped, key=lambda r: -(r["exporter_share"] or 0))[:3]
        sec.findings.append(
            f"{self.imp} bought {len(rows)} HS{finest} lines in {self.last_year}; "
            f"{self.exp} supplied {len(shipped)} of them."
        )
        if strong:
            sec.findings.append(
                f"{self.exp} is strongest in "
                + "; ".join(f"{r['product']} {names.get(r['product'], '').lower()} "
                            f"({fmt_pct(r['exporter_share'])} share, rank "
                            f"{r['exporter_rank'] or '—'})" for r in strong) + "."
            )  # fmt: skip
        if absent:
            big = absent[:3]
            sec.findings.append(
                f"{self.exp} is absent from {len(absent)} lines worth "
                f"{fmt_number(sum(r[self.measure] or 0 for r in absent), self.munit)}, the "
                "largest: " + "; ".join(f"{r['product']} {names.get(r['product'], '').lower()} "
                                       f"({fmt_pct(r['share'])} of imports)" for r in big) + "."
            )  # fmt: skip
        sec.facts += [
            _fact("lines", f"HS{finest} lines imported", len(rows), "count"),
            _fact("lines_supplied", f"lines {self.exp} supplied", len(shipped), "count"),
            _fact("lines_absent", f"lines without {self.exp}", len(absent), "count"),
        ]
        for r in rows:
            r["name"] = names.get(r["product"], "")
            r["status"] = "supplied" if r["exporter_amount"] else "absent"
        cols = [Column(key="rank", label="Rank", unit="rank"),
                Column(key="product", label="HS"), Column(key="name", label="Product"),
                Column(key=self.measure, label="Imports", unit=self.munit),
                Column(key="share", label="Share", unit="fraction"),
                Column(key="exporter_amount", label=f"from {self.exp}", unit=self.munit),
                Column(key="exporter_share", label=f"{self.exp} share", unit="fraction"),
                Column(key="exporter_rank", label=f"{self.exp} rank", unit="rank")]  # fmt: skip
        sec.tables.append(
            Table(name="mix", title=f"{self.imp}'s imports by HS{finest} line, {self.last_year}",
                  columns=cols, rows=rows[:25],
                  note=None if len(rows) <= 25 else f"Largest 25 of {len(rows)} lines; the "
                  "CSV holds all.")
        )  # fmt: skip
        scale = 1e-6
        top = rows[:12]
        sec.charts.append(
            ChartSpec(name="mix", kind="hbar",
                      title=f"{self.exp} supplies {len(shipped)} of {len(rows)} lines; absent "
                      f"from {len(absent)}",
                      subtitle=f"{self.imp}'s imports by HS{finest} line {self.by}, "
                      f"{self.last_year}, largest {len(top)}",
                      x="amount", y="category", series="status",
                      x_title="USD million" if self.measure == "value" else "thousand tonnes",
                      highlight=f"{self.exp} supplies",
                      rows=[{"category": f"{r['product']} {r['name']}"[:40],
                             "amount": (r[self.measure] or 0) * scale,
                             "status": f"{self.exp} supplies" if r["exporter_amount"]
                             else f"{self.exp} absent"} for r in top],
                      source=self.source(prov))
        )  # fmt: skip
        if len(rows) > 25:
            sec.tables.append(Table(name="mix_all", title="All lines", columns=cols, rows=rows))
        return sec

    # 6 ------------------------------------------------------------------------------------
    def mirror(self) -> Section:
        sec = Section(id="mirror", title="Mirror check")
        try:
            res = self.run("mirror")
        except NotFound as exc:
            return self._missing(sec, str(exc))
        prov = _prov(res)
        sec.provenance = prov
        years: dict[int, dict[str, Any]] = {}
        for r in res.rows:
            y = years.setdefault(r["year"], {"year": r["year"], "cif_usd": None, "fob_usd": None,
                                             "weight_m_kg": None, "weight_x_kg": None,
                                             "flagged": 0, "lines": 0})  # fmt: skip
            for k in ("cif_usd", "fob_usd", "weight_m_kg", "weight_x_kg"):
                if r[k] is not None:
                    y[k] = (y[k] or 0) + r[k]
            y["lines"] += 1
            y["flagged"] += r["flag"] is not None
        rows = [years[k] for k in sorted(years)]
        for y in rows:
            both = y["cif_usd"] is not None and y["fob_usd"] is not None
            y["gap_usd"] = y["cif_usd"] - y["fob_usd"] if both else None
            y["cif_fob_ratio"] = y["cif_usd"] / y["fob_usd"] if both and y["fob_usd"] else None
            wb = y["weight_m_kg"] is not None and y["weight_x_kg"] is not None
            y["weight_ratio"] = (
                y["weight_m_kg"] / y["weight_x_kg"] if wb and y["weight_x_kg"] else None
            )
        has_value = any(y["cif_usd"] is not None and y["fob_usd"] is not None for y in rows)
        has_weight = any(y["weight_ratio"] is not None for y in rows)
        if not has_value and not has_weight:
            return self._missing(sec, f"{NO_VALUE} and no weights reported by both sides.")
        last = rows[-1]
        if has_value:
            ratios = [y["cif_fob_ratio"] for y in rows if y["cif_fob_ratio"] is not None]
            lo, hi = min(ratios), max(ratios)
            sec.findings.append(
                f"In {last['year']} {self.imp} reported {fmt_usd(last['cif_usd'])} of imports "
                f"from {self.exp} (CIF) and {self.exp} reported {fmt_usd(last['fob_usd'])} of "
                f"exports (FOB): a gap of {fmt_usd(last['gap_usd'])} (CIF/FOB "
                f"{fmt_number(last['cif_fob_ratio'], 'ratio')})."
            )
            sec.findings.append(
                f"The CIF/FOB ratio ranged {lo:.2f}–{hi:.2f} over the years; freight and "
                "insurance usually explain 1.0–1.3. "
                f"{sum(y['flagged'] for y in rows)} line-years were flagged."
            )
            sec.facts += [
                _fact("cif_usd", f"{self.imp}-reported (CIF)", last["cif_usd"], "usd"),
                _fact("fob_usd", f"{self.exp}-reported (FOB)", last["fob_usd"], "usd"),
                _fact("gap_usd", "gap", last["gap_usd"], "usd"),
                _fact("cif_fob_ratio", "CIF/FOB ratio", last["cif_fob_ratio"], "ratio"),
            ]
        else:
            sec.findings.append(
                f"{NO_VALUE}: the comparison uses net weight. In {last['year']} {self.imp} "
                f"reported {fmt_weight(last['weight_m_kg'])} and {self.exp} "
                f"{fmt_weight(last['weight_x_kg'])}."
            )
        sec.facts.append(_fact("weight_ratio", "importer/exporter weight ratio",
                               last["weight_ratio"], "ratio"))  # fmt: skip
        cols = [Column(key="year", label="Year", unit="year")]
        if has_value:
            cols += [Column(key="cif_usd", label=f"{self.imp} reports (CIF)", unit="usd"),
                     Column(key="fob_usd", label=f"{self.exp} reports (FOB)", unit="usd"),
                     Column(key="gap_usd", label="Gap", unit="usd"),
                     Column(key="cif_fob_ratio", label="CIF/FOB", unit="ratio")]  # fmt: skip
        cols += [Column(key="weight_m_kg", label=f"{self.imp} kg", unit="kg"),
                 Column(key="weight_x_kg", label=f"{self.exp} kg", unit="kg"),
                 Column(key="flagged", label="Flagged lines", unit="count")]  # fmt: skip
        sec.tables.append(
            Table(name="mirror", title=f"{self.exp} → {self.imp} as reported by each side",
                  columns=cols, rows=rows, note="; ".join(res.notes) or None)
        )  # fmt: skip
        if has_value:
            pts = [{"year": y["year"], "usd": y[k] / 1e6, "series": label} for y in rows
                   for k, label in (("cif_usd", f"{self.imp} reports (CIF)"),
                                    ("fob_usd", f"{self.exp} reports (FOB)"))
                   if y[k] is not None]  # fmt: skip
            sec.charts.append(
                ChartSpec(name="mirror", kind="line",
                          title=f"{self.imp}'s figure was "
                          f"{fmt_number(last['cif_fob_ratio'], 'ratio')}× {self.exp}'s in "
                          f"{last['year']} (gap {fmt_usd(last['gap_usd'])})",
                          subtitle=f"{self.exp} → {self.imp}, {self.hs_label}, USD",
                          x="year", y="usd", series="series", y_title="USD million",
                          highlight=f"{self.exp} reports (FOB)", rows=pts,
                          source=self.source(prov))
            )  # fmt: skip
        return sec

    # 7 ------------------------------------------------------------------------------------
    def scrap(self) -> Section:
        sec = Section(id="scrap", title="Scrap and recycling (HS 7602)")
        if not any(h.startswith("76") for h in self.hs):
            return self._missing(sec, "outside the HS scope of this brief.")
        try:
            res = self.run("scrap")
        except NotFound as exc:
            return self._missing(sec, f"no HS 7602 data: {exc}.")
        prov = _prov(res)
        sec.provenance = prov
        rows = [r for r in res.rows if r["scrap_exports_kg"] or r["scrap_imports_kg"]]
        if not rows:
            return self._missing(sec, f"no HS 7602 flows reported by {self.imp}.")
        last = rows[-1]
        net = last["net_scrap_kg"]
        if net is not None:
            role = "net exporter" if net > 0 else "net importer"
            sec.findings.append(
                f"{self.imp} was a {role} of aluminium scrap in {last['year']}: exports "
                f"{fmt_weight(last['scrap_exports_kg'])}, imports "
                f"{fmt_weight(last['scrap_imports_kg'])} (net {fmt_weight(net)})."
            )
        if last["scrap_to_primary_imports"] is not None:
            sec.findings.append(
                f"Scrap imports were {fmt_pct(last['scrap_to_primary_imports'])} of primary "
                f"(HS 7601) imports by weight."
            )
        scrap_line = self.mix_rows.get((last["year"], "7602"))
        if scrap_line is not None:
            share = scrap_line["exporter_share"] or 0.0
            sec.findings.append(
                f"{self.exp} supplied {fmt_pct(share)} of {self.imp}'s scrap imports (HS 7602) "
                f"{self.by} in {last['year']} "
                f"({fmt_number(scrap_line['exporter_amount'], self.munit)})."
                if share
                else f"{self.exp} supplied none of {self.imp}'s scrap imports (HS 7602) in "
                f"{last['year']}."
            )
            sec.facts.append(_fact("exporter_scrap_share", f"{self.exp}'s share of scrap "
                                   f"imports ({self.measure})", share, "fraction"))  # fmt: skip
        sec.facts += [
            _fact("scrap_exports_kg", "scrap exports", last["scrap_exports_kg"], "kg"),
            _fact("scrap_imports_kg", "scrap imports", last["scrap_imports_kg"], "kg"),
            _fact("net_scrap_kg", "net scrap exports", net, "kg"),
        ]
        cols = [Column(key="year", label="Year", unit="year"),
                Column(key="scrap_exports_kg", label="Exports", unit="kg"),
                Column(key="scrap_imports_kg", label="Imports", unit="kg"),
                Column(key="net_scrap_kg", label="Net", unit="kg"),
                Column(key="scrap_exports_usd", label="Exports USD", unit="usd"),
                Column(key="scrap_imports_usd", label="Imports USD", unit="usd"),
                Column(key="scrap_to_primary_imports", label="Scrap/primary imports",
                       unit="fraction")]  # fmt: skip
        sec.tables.append(Table(name="scrap", title=f"{self.imp}'s aluminium scrap trade",
                                columns=cols, rows=rows))  # fmt: skip
        pts = [{"year": r["year"], "t": r[k] / 1e6, "series": label} for r in rows
               for k, label in (("scrap_exports_kg", "exports"), ("scrap_imports_kg", "imports"))
               if r[k] is not None]  # fmt: skip
        sec.charts.append(
            ChartSpec(name="scrap", kind="bars",
                      title=(f"{self.imp} was a {role} of scrap in {last['year']}"
                             if net is not None else f"{self.imp}'s scrap trade"),
                      subtitle=f"{self.imp}'s HS 7602 exports and imports, net weight",
                      x="year", y="t", series="series", y_title="thousand tonnes",
                      highlight="exports", rows=pts, source=self.source(prov))
        )  # fmt: skip
        return sec

    # 9 ------------------------------------------------------------------------------------
    def data_notes(self) -> Section:
        sec = Section(id="notes", title="Data notes")
        sources = sorted({s for p in self.provs for s in p.get("sources", [])})
        datasets = sorted({s for p in self.provs for s in p.get("datasets", [])})
        times = sorted({t for p in self.provs for t in p.get("retrieved_at", [])})
        revs = sorted({s for p in self.provs for s in p.get("hs_revisions", [])})
        self.sources, self.datasets, self.times = sources, datasets, times
        if self.synthetic:
            sec.findings.append(
                "SYNTHETIC: some inputs are generated sample data calibrated to public figures, "
                "not official statistics. Do not quote these numbers."
            )
        sec.findings += [
            f"Sources: {', '.join(sources)}; datasets: {', '.join(datasets)}.",
            "Retrieved: " + (f"{_when(times[0])} … {_when(times[-1])}" if len(times) > 1 else
                             _when(times[0]) if times else "unknown") + ".",
            f"HS revisions in the data: {', '.join(revs) or '—'}.",
            f"Definition: {self.definition}",
        ]  # fmt: skip
        if self.measure == "weight":
            sec.findings.append(f"{NO_VALUE}: shares and ranks are by net weight.")
        sec.findings += [f"Caveat: {n}" for n in self.notes]
        try:
            qres = self.run("quality")
            counts: dict[tuple[str, str], int] = {}
            for r in qres.rows:
                counts[(r["check"], r["severity"])] = counts.get((r["check"], r["severity"]), 0) + 1
            sec.tables.append(
                Table(name="quality", title="Data-quality checks",
                      columns=[Column(key="check", label="Check"),
                               Column(key="severity", label="Severity"),
                               Column(key="findings", label="Findings", unit="count")],
                      rows=[{"check": c, "severity": s, "findings": n}
                            for (c, s), n in sorted(counts.items())],
                      note="Each finding names its source rows in `corridor quality "
                      "--format json`.")
            )  # fmt: skip
        except CorridorError:
            pass
        return sec

    def _missing(self, sec: Section, why: str) -> Section:
        sec.available, sec.missing = False, why
        return sec


def build_brief(
    wh: Warehouse,
    q: BriefQuery,
    *,
    progress: Callable[[str], None] | None = None,
    on_section: Callable[[Section], None] | None = None,
) -> Brief:
    """Run the analytics for a corridor and compose the brief.

    Args:
        wh: The open warehouse.
        q: Importer, exporter, HS scope, years, dataset and reporting side.
        progress: Called with each step name (see :data:`STEPS`) before it runs.
        on_section: Called with each section as soon as it is built (e.g. to draw its charts
            while the next section's analytics run).

    Raises:
        InvalidQuery: unknown country, bad HS code, empty year range.
        NotFound: the warehouse holds no imports for the scope.
    """
    b = _Builder(wh, q)
    tell = progress or (lambda step: None)
    built = on_section or (lambda section: None)
    sections: list[Section] = []
    steps = (("headline", b.headline), ("suppliers", b.suppliers),
             ("dependency", b.dependency), ("prices", b.prices), ("mix", b.mix),
             ("mirror", b.mirror), ("scrap", b.scrap), ("notes", b.data_notes))  # fmt: skip
    for step, fn in steps:
        tell(step)
        sections.append(fn())
        built(sections[-1])
    query = {"importer": {"code": b.importer.code, "iso3": b.importer.iso3, "name": b.imp},
             "exporter": {"code": b.exporter.code, "iso3": b.exporter.iso3, "name": b.exp},
             "hs": b.hs, "years": list(q.years) if q.years else None, "dataset": q.dataset,
             "side": q.side, "top_n": q.top_n}  # fmt: skip
    return Brief(
        title=f"{b.exp} → {b.imp}: {b.product} ({b.hs_label})",
        subtitle=f"The corridor brief, {b.first_year}–{b.last_year}",
        query=query,
        importer=query["importer"],
        exporter=query["exporter"],
        hs=b.hs,
        product=b.product,
        years=[b.first_year, b.last_year],
        measure=b.measure,
        definition=b.definition,
        synthetic=b.synthetic,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        sources=b.sources,
        datasets=b.datasets,
        retrieved_at=b.times,
        sections=sections,
    )
