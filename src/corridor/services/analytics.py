"""Indicator services: resolve a query, run the Ibis analytics on an engine, return typed results.

Every result is an :class:`IndicatorResult` with a versioned schema name
(``corridor.<indicator>/1``), the resolved query, the unit of every field, the rows and the
provenance (datasets, sources, retrieval times, flow and value basis, HS scope, level and
revisions, engine, and the ``synthetic`` flag). ``docs/analytics.md`` documents each schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from corridor.errors import InvalidQuery, NotFound

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from corridor.store.warehouse import Warehouse

__all__ = [
    "INDICATORS",
    "AnalyticsContext",
    "AnalyticsProvenance",
    "AnalyticsQuery",
    "IndicatorResult",
    "concentration",
    "growth",
    "mirror",
    "mix",
    "partners",
    "prices",
    "quality",
    "rca",
    "run",
    "scrap",
]

SCHEMA_VERSION = 1
GROUPS = ("quad", "g20", "eu27", "asean", "rcep", "oecd", "sanctioned")


class AnalyticsQuery(BaseModel):
    """What the user asked. Countries are names, ISO3 codes or Comtrade codes."""

    importer: str = "JPN"
    exporter: str | None = "IND"
    hs: list[str] = Field(default_factory=lambda: ["76"])
    years: tuple[int, int] | None = None
    measure: Literal["value", "weight"] = "value"
    dataset: str | None = None
    side: Literal["importer", "exporter"] = "importer"
    level: int | None = None
    engine: str = "duckdb"
    top_n: int = 5
    base_year: int | None = None


class SourceProvenance(BaseModel):
    """Where a figure's rows come from and what they measure (shared by every result)."""

    datasets: list[str]
    sources: list[str]
    retrieved_at: list[datetime]
    flow: str
    value_basis: list[str]
    hs_scope: list[str]
    hs_level: int | None
    hs_revisions: list[str]
    synthetic: bool


class AnalyticsProvenance(SourceProvenance):
    """Provenance of an indicator result: the rows' sources plus engine and warehouse."""

    engine: str
    warehouse: str
    units: dict[str, str] = Field(
        default_factory=lambda: {"value": "USD", "weight": "kg", "share": "fraction 0-1"}
    )


class IndicatorResult(BaseModel):
    """One indicator's output: schema name, resolved query, field units, rows, provenance."""

    schema_: str = Field(alias="schema")
    indicator: str
    query: dict[str, Any]
    fields: dict[str, str]
    rows: list[dict[str, Any]]
    provenance: AnalyticsProvenance
    notes: list[str] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


# -- field documentation (units) ------------------------------------------------------------
_MARKET = {"year": "calendar year"}
FIELDS: dict[str, dict[str, str]] = {
    "partners": {
        **_MARKET,
        "supplier": "Comtrade area code of the exporting partner",
        "name": "partner name",
        "is_country": "false for World-excluded aggregates (n.e.s., bunkers, ...)",
        "value": "USD", "weight": "kg",
        "share": "fraction 0-1 of the market total (measure)",
        "rank": "1 = largest country (measure); NULL for aggregates",
        "prev_rank": "rank in year-1", "rank_change": "prev_rank - rank (positive = up)",
        "share_change": "share - share in year-1 (fraction)",
        "market_total": "USD or kg (measure), all partners except World",
    },
    "growth": {
        **_MARKET, "supplier": "Comtrade area code", "name": "partner name",
        "value": "USD or kg (measure)", "prev_value": "same unit, year-1",
        "yoy": "fraction (x_t / x_t-1 - 1)", "index": "base year = 100",
        "contribution": "fraction: (x_t - x_t-1) / market_t-1; sums to the market's yoy",
        "cagr": "fraction per year over the query's first-last year",
    },
    "concentration": {
        **_MARKET, "hhi": "0-10,000", "hhi_change": "HHI points vs the previous year",
        "top1_share": "fraction", "top3_share": "fraction", "topn_share": "fraction",
        "top_n": "N", "n_suppliers": "countries with a positive share",
        "n_for_90": "fewest countries covering 90 %",
        "group_shares": "{group: fraction} for QUAD, G20, EU27, ASEAN, RCEP, OECD, sanctioned",
    },
    "prices": {
        **_MARKET, "hs_code": "HS code at the flows' level", "supplier": "Comtrade area code",
        "name": "partner name", "unit_value": "USD/kg (paired rows only)",
        "median_uv": "USD/kg, median of countries' unit values",
        "market_uv": "USD/kg, market paired value / paired weight",
        "premium_vs_median": "fraction (uv / median - 1)",
        "premium_vs_market": "fraction (uv / market_uv - 1)",
        "robust_z": "modified z-score on ln(uv)", "is_outlier": "|robust_z| > 3.5",
        "value": "USD (all rows)", "weight": "kg (all rows)",
        "rows_value_only": "rows without weight", "rows_weight_only": "rows without value",
    },
    "mirror": {
        **_MARKET, "importer": "Comtrade code", "exporter": "Comtrade code",
        "hs_code": "HS code", "cif_usd": "USD (importer's report, CIF)",
        "fob_usd": "USD (exporter's report, FOB)", "weight_m_kg": "kg", "weight_x_kg": "kg",
        "gap_usd": "USD (cif - fob)", "cif_fob_ratio": "ratio",
        "missing_side": "importer | exporter | NULL",
        "flag": "missing importer/exporter report, ratio below/above bounds, or NULL",
    },
    "mix": {
        **_MARKET, "product": "HS chapter/heading/subheading", "level": "2, 4 or 6",
        "value": "USD", "weight": "kg", "share": "fraction of the market (measure)",
        "rank": "1 = largest product", "exporter_amount": "USD or kg (measure)",
        "exporter_share": "fraction of the product's market held by the exporter",
        "exporter_rank": "exporter's rank in the product (NULL if absent)",
    },
    "scrap": {
        **_MARKET, "scrap_exports_usd": "USD", "scrap_exports_kg": "kg",
        "scrap_imports_usd": "USD", "scrap_imports_kg": "kg",
        "net_scrap_usd": "USD (exports - imports)", "net_scrap_kg": "kg (exports - imports)",
        "primary_imports_kg": "kg (HS 7601)", "primary_exports_kg": "kg (HS 7601)",
        "scrap_to_primary_imports": "ratio by weight", "scrap_to_primary_exports": "ratio",
    },
    "rca": {
        **_MARKET, "hs_code": "product", "exporter": "Comtrade code",
        "x_ck": "USD or kg", "x_c": "USD or kg", "x_wk": "USD or kg", "x_w": "USD or kg",
        "rca": "Balassa index (>1 = specialised)",
        "tci": "0-100 (exporter vs importer)", "esi": "0-100 (exporter vs top rival)",
    },
    "quality": {
        "check": "world_vs_partners | annual_vs_months | missing_weight | estimated_weight"
        " | mirror_gap | unit_value_outlier",
        "severity": "info | warning", "expected": "USD (or USD/kg)",
        "observed": "USD, kg or USD/kg", "ratio": "observed / expected",
        "refs": "raw_ref:raw_row ids of the rows behind the finding",
    },
}  # fmt: skip


# -- shared machinery -----------------------------------------------------------------------
class AnalyticsContext:
    """A resolved query bound to an engine: countries, scope, the trade table, the flows."""

    def __init__(self, wh: Warehouse, q: AnalyticsQuery, *, lookback: int = 0) -> None:
        from corridor.analytics.backend import backend_for, trade_table
        from corridor.analytics.scope import Scope, market_flows
        from corridor.reference.countries import resolve_country
        from corridor.reference.hs import validate_hs

        self.wh, self.q = wh, q
        self.importer = resolve_country(q.importer)
        self.exporter = resolve_country(q.exporter) if q.exporter else None
        if self.exporter and self.exporter.code == self.importer.code:
            raise InvalidQuery(f"importer and exporter are both {self.importer.label}")
        if q.level is not None and q.level not in (2, 4, 6):
            raise InvalidQuery(f"level {q.level} (accepted: 2, 4, 6)")
        self.hs = tuple(validate_hs(h) for h in q.hs)
        self.backend: BaseBackend = backend_for(q.engine, wh, hs=_spark_prefixes(self.hs))
        self.trade = trade_table(self.backend)
        # ``lookback`` reads years before the query's first year (for changes on a year
        # before); results are cut back to the query's years with ``in_years``.
        years = (q.years[0] - lookback, q.years[1]) if q.years and lookback else q.years
        self.scope = Scope(self.importer.code, self.hs, years, q.dataset, q.side, q.level)
        self.flows = market_flows(self.trade, self.scope)

    @cached_property
    def flows_meta(self) -> dict[str, Any]:
        """Provenance facts of the market flows, read once (also says whether any exist)."""
        from corridor.analytics.provenance import row_provenance

        return row_provenance(self.flows)

    def market_flows(self, require: bool = True) -> ir.Table:
        """The scope's flows, with a clear error when the warehouse holds none."""
        if require and not self.flows_meta["datasets"]:
            raise NotFound(self.missing_message())
        return self.flows

    def in_years(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows of the query's own years (drops look-back years); NotFound when none are left."""
        if self.q.years:
            rows = [r for r in rows if r["year"] >= self.q.years[0]]
        if not rows:
            raise NotFound(self.missing_message())
        return rows

    def missing_message(self) -> str:
        """One line saying which flows the warehouse lacks and how to load them."""
        q, who = self.q, self.importer.name
        what = f"imports reported by {who}" if q.side == "importer" else f"exports to {who}"
        years = f" in {q.years[0]}-{q.years[1]}" if q.years else ""
        return (
            f"no {what} for HS {','.join(self.hs)}{years} in the warehouse — load data first "
            "(`corridor sample`, `corridor ingest ...`)"
        )

    def level(self) -> int | None:
        """The HS level the flows are summed at."""
        return self.flows_meta["hs_level"]

    def provenance(
        self, rows: ir.Table | None = None, flow: str | None = None
    ) -> AnalyticsProvenance:
        """Provenance of the rows behind a result (default: the market flows)."""
        from corridor.analytics.provenance import row_provenance

        meta = self.flows_meta if rows is None else row_provenance(rows)
        datasets = meta["datasets"]
        sources = [
            r[0]
            for r in self.wh.con.execute(
                "SELECT DISTINCT source FROM datasets WHERE dataset IN (SELECT unnest(?)) "
                "ORDER BY 1",
                [datasets],
            ).fetchall()
        ]
        if flow is None:
            flow = (
                "imports as reported by the importer (flow M)"
                if self.q.side == "importer"
                else "exports to the importer as reported by each supplier (flow X)"
            )
        return AnalyticsProvenance(
            datasets=datasets,
            sources=sources,
            retrieved_at=meta["retrieved_at"],
            flow=flow,
            value_basis=meta["value_basis"],
            hs_scope=list(self.hs),
            hs_level=meta["hs_level"],
            hs_revisions=meta["hs_revisions"],
            synthetic=meta["synthetic"],
            engine=self.q.engine,
            warehouse=str(self.wh.path),
        )

    def query_dict(self) -> dict[str, Any]:
        """The resolved query, as stored in the result."""
        ref = lambda c: None if c is None else {"code": c.code, "iso3": c.iso3, "name": c.name}  # noqa: E731
        return {
            "importer": ref(self.importer),
            "exporter": ref(self.exporter),
            "hs": list(self.hs),
            "years": list(self.q.years) if self.q.years else None,
            "measure": self.q.measure,
            "side": self.q.side,
            "dataset": self.q.dataset,
            "level": self.q.level,
        }

    def result(
        self,
        indicator: str,
        rows: list[dict[str, Any]],
        provenance: AnalyticsProvenance | None = None,
        notes: list[str] | None = None,
    ) -> IndicatorResult:
        """Wrap rows into the indicator's versioned result."""
        return IndicatorResult(
            schema=f"corridor.{indicator}/{SCHEMA_VERSION}",
            indicator=indicator,
            query=self.query_dict(),
            fields=FIELDS[indicator],
            rows=rows,
            provenance=provenance or self.provenance(),
            notes=notes or [],
        )


def _spark_prefixes(hs: tuple[str, ...]) -> tuple[str, ...]:
    # Scrap and primary aluminium are read by `scrap`; chapter 76 covers both.
    return tuple(sorted({h[:2] for h in hs} | {"76"}))


def _scalar(expr: ir.Scalar) -> Any:
    return expr.to_pyarrow().as_py()


def _rows(expr: ir.Table, order: list[str]) -> list[dict[str, Any]]:
    return expr.order_by(order).to_pyarrow().to_pylist()


def _names(rows: list[dict[str, Any]], key: str = "supplier") -> list[dict[str, Any]]:
    from corridor.reference.countries import country_by_code

    cache: dict[int, str] = {}
    for r in rows:
        code = r.get(key)
        if code is not None and code not in cache:
            try:
                cache[code] = country_by_code(code).name
            except Exception:  # unknown code: keep the number
                cache[code] = str(code)
        r["name"] = cache.get(code) if code is not None else None
    return rows


# -- indicators -----------------------------------------------------------------------------
def partners(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Suppliers of the market ranked by the query's measure, with rank and share change."""
    from corridor.analytics.suppliers import rank_change, supplier_table

    ctx = AnalyticsContext(wh, q, lookback=1)  # the first year's change needs the year before
    table = rank_change(supplier_table(ctx.market_flows(), q.measure))
    cols = ["year", "supplier", "is_country", "value", "weight", "share", "rank", "prev_rank",
            "rank_change", "share_change", "market_total"]  # fmt: skip
    rows = _names(ctx.in_years(_rows(table.select(*cols), ["year", "rank", "supplier"])))
    notes = ["World (0) is excluded; n.e.s. areas are in the total but not ranked."]
    return ctx.result("partners", rows, notes=notes)


def growth(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """YoY, index, contribution to growth per supplier, and CAGR over the query's years."""
    from corridor.analytics.growth import cagr, contribution, index, yoy
    from corridor.analytics.suppliers import supplier_table

    ctx = AnalyticsContext(wh, q, lookback=1)  # the first year's YoY needs the year before
    s = supplier_table(ctx.market_flows(), q.measure).filter(lambda r: r.is_country)
    s = s.select("year", "supplier", value=s[q.measure])
    years = q.years or tuple(_scalar(s.aggregate(a=s.year.min(), b=s.year.max())).values())
    first, last = int(years[0]), int(years[1])
    base = q.base_year or first
    t = yoy(s, "value", ["supplier"])
    t = index(t, "value", base, ["supplier"])
    c = contribution(s, "value", "supplier").select("year", "supplier", "contribution")
    t = t.left_join(c, ["year", "supplier"]).select(*t.columns, "contribution")
    g = cagr(s, "value", first, last, ["supplier"]).select("supplier", "cagr_value")
    t = t.left_join(g, "supplier").select(*t.columns, "cagr_value")
    t = t.rename(yoy="yoy_value", index="index_value", cagr="cagr_value")
    rows = _names(ctx.in_years(_rows(t, ["supplier", "year"])))
    if ctx.exporter:
        rows = [r for r in rows if r["supplier"] == ctx.exporter.code] or rows
    notes = [f"measure: {q.measure}; index base year {base}; CAGR {first}-{last}"]
    return ctx.result("growth", rows, notes=notes)


def concentration(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """HHI, top-N shares, suppliers covering 90 % and group shares, per year."""
    from corridor.analytics import concentration as conc
    from corridor.analytics.suppliers import supplier_table
    from corridor.reference.countries import group_members

    ctx = AnalyticsContext(wh, q)
    s = supplier_table(ctx.market_flows(), q.measure)
    rows = _rows(conc.concentration(s, q.measure, top_n=q.top_n), ["year"])
    groups = {g: group_members(g) for g in GROUPS}
    shares = _rows(conc.group_shares(s, groups, measure=q.measure), ["year", "group"])
    by_year: dict[int, dict[str, float]] = {}
    for r in shares:
        by_year.setdefault(r["year"], {})[r["group"]] = r["share"]
    for r in rows:
        r["group_shares"] = by_year.get(r["year"], {})
    return ctx.result("concentration", rows)


def prices(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Unit values by supplier and HS line with outlier flags and premium vs the median."""
    from corridor.analytics.prices import unit_value_outliers, unit_values

    ctx = AnalyticsContext(wh, q)
    uv = unit_values(ctx.market_flows())
    out = unit_value_outliers(uv).select(
        "year", "hs_code", "supplier", "median_uv", "robust_z", "is_outlier"
    )
    j = uv.left_join(out, ["year", "hs_code", "supplier"]).select(
        *uv.columns, "median_uv", "robust_z", "is_outlier"
    )
    tot = uv.group_by(["year", "hs_code"]).aggregate(
        market_uv=uv.value_paired.sum() / uv.weight_paired.sum().nullif(0)
    )
    med = (
        uv.filter(uv.is_country, uv.unit_value.notnull())
        .group_by(["year", "hs_code"])
        .aggregate(m=lambda t: t.unit_value.median())
    )
    j = j.left_join(tot, ["year", "hs_code"]).select(*j.columns, "market_uv")
    j = j.left_join(med, ["year", "hs_code"]).select(*j.columns, "m")
    j = j.mutate(
        median_uv=j.m,
        premium_vs_median=j.unit_value / j.m.nullif(0) - 1,
        premium_vs_market=j.unit_value / j.market_uv.nullif(0) - 1,
    ).drop("m")
    if ctx.exporter:
        j = j.filter(j.supplier == ctx.exporter.code)
    rows = _names(_rows(j, ["year", "hs_code", "supplier"]))
    notes = ["unit values use rows that carry both value and weight; others are counted."]
    return ctx.result("prices", rows, notes=notes)


def mirror(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Importer CIF vs exporter FOB per year and HS line, with gap, ratio and flags."""
    from corridor.analytics.mirror import CIF_FOB_BOUNDS, mirror_flows
    from corridor.analytics.scope import hs_match

    ctx = AnalyticsContext(wh, q)
    level = q.level or ctx.level()
    exporter = ctx.exporter.code if ctx.exporter else None
    mf = mirror_flows(ctx.trade, importer=ctx.importer.code, exporter=exporter,
                      hs=ctx.hs, years=q.years, level=level)  # fmt: skip
    rows = _names(_rows(mf, ["year", "exporter", "hs_code"]), "exporter")
    if not rows:
        raise NotFound(f"no mirror flows for {ctx.importer.name}, HS {','.join(ctx.hs)}")
    t = ctx.trade
    involved = (t.reporter == ctx.importer.code) | (t.partner == ctx.importer.code)
    both = t.filter(hs_match(t, ctx.hs), t.flow.isin(["M", "X"]), involved)
    prov = ctx.provenance(both, flow="importer's imports (M, CIF) vs exporters' exports (X, FOB)")
    lo, hi = CIF_FOB_BOUNDS
    return ctx.result("mirror", rows, prov, [f"plausible CIF/FOB bounds {lo}-{hi}"])


def mix(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Product shares at chapter, heading and HS6 level, with the exporter's share in each."""
    from corridor.analytics.mix import exporter_product_shares, product_mix

    ctx = AnalyticsContext(wh, q)
    flows = ctx.market_flows()
    finest = ctx.level() or 6
    rows: list[dict[str, Any]] = []
    for level in (lv for lv in (2, 4, 6) if lv <= finest):
        rows += _rows(product_mix(flows, level, q.measure), ["year", "level", "rank"])
    if ctx.exporter:
        f2 = flows.mutate(hs_code=flows.hs_code)
        ex = {
            (r["year"], r["hs_code"]): r
            for level in (2, 4, 6)
            if level <= finest
            for r in exporter_product_shares(
                f2.mutate(hs_code=f2.hs_code.substr(0, level)), ctx.exporter.code, q.measure
            ).to_pyarrow().to_pylist()
        }  # fmt: skip
        for r in rows:
            e = ex.get((r["year"], r["product"]), {})
            r["exporter_amount"] = e.get("amount")
            r["exporter_share"] = e.get("share")
            r["exporter_rank"] = e.get("rank")
    return ctx.result("mix", rows)


def scrap(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Scrap (HS 7602) exports, imports, net balance and scrap-to-primary ratios of a country.

    The country is the importer of the query (its own reports).
    """
    from corridor.analytics.scope import classic_totals
    from corridor.analytics.scrap import scrap_balance

    ctx = AnalyticsContext(wh, q)
    table = scrap_balance(ctx.trade, ctx.importer.code, q.years, q.dataset)
    rows = _rows(table, ["year"])
    if not rows:
        raise NotFound(f"no HS 7601/7602 reports by {ctx.importer.name} in the warehouse")
    t = classic_totals(ctx.trade)
    own = t.filter(t.reporter == ctx.importer.code, t.hs_code.startswith("760"))
    own = own.filter(own.hs_code.substr(0, 4).isin(["7601", "7602"]))
    prov = ctx.provenance(own, flow=f"{ctx.importer.name}'s own reports (M and X)")
    prov.hs_scope = ["7601", "7602"]
    return ctx.result("scrap", rows, prov)


def rca(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Balassa RCA of the exporter in each product, plus TCI and ESI per year.

    Read on the exporter side (flow X, every exporter to every market), so the "world" is
    every exporter in the warehouse for the HS scope; ESI compares the exporter with the
    importer's largest other supplier.
    """
    from corridor.analytics import specialisation as sp
    from corridor.analytics.scope import bilateral
    from corridor.analytics.suppliers import supplier_table

    ctx = AnalyticsContext(wh, q)
    if not ctx.exporter:
        raise InvalidQuery("rca needs --exporter")
    fx = bilateral(ctx.trade, hs=ctx.hs, years=q.years, dataset=q.dataset, side="exporter",
                   level=q.level)  # fmt: skip
    rows = _rows(sp.rca(fx, q.measure).filter(lambda r: r.exporter == ctx.exporter.code),
                 ["year", "hs_code"])  # fmt: skip
    if not rows:
        raise NotFound(f"no exports reported by {ctx.exporter.name} for HS {','.join(ctx.hs)}")
    comp = sp.complementarity(fx, ctx.exporter.code, ctx.importer.code, q.measure)
    tci = {r["year"]: r["tci"] for r in _rows(comp, ["year"])}
    s = supplier_table(ctx.flows, q.measure)
    rival = s.filter(s.is_country, s.supplier != ctx.exporter.code, s.rank == 1)
    rivals = {r["year"]: r["supplier"] for r in _rows(rival.select("year", "supplier"), ["year"])}
    esi: dict[int, float | None] = {}
    for year, other in rivals.items():
        e = sp.export_similarity(fx.filter(fx.year == year), ctx.exporter.code, other, q.measure)
        got = e.to_pyarrow().to_pylist()
        esi[year] = got[0]["esi"] if got else None
    for r in rows:
        r["tci"] = tci.get(r["year"])
        r["esi"] = esi.get(r["year"])
        r["esi_rival"] = rivals.get(r["year"])
    prov = ctx.provenance(fx, flow="exports as reported by each exporter (flow X)")
    return ctx.result("rca", rows, prov, ["the 'world' is every exporter in the HS scope"])


def quality(wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Data-quality findings for the scope, each naming the rows behind it."""
    from corridor.analytics import quality as qa
    from corridor.analytics.prices import unit_value_outliers, unit_values

    ctx = AnalyticsContext(wh, q)
    flows = ctx.market_flows()
    level = q.level or ctx.level()
    found = qa.findings(ctx.trade, importer=ctx.importer.code, hs=ctx.hs, years=q.years,
                        level=level)  # fmt: skip
    uvf = qa.unit_value_findings(unit_value_outliers(unit_values(flows)), ctx.importer.code)
    rows = _rows(found.union(uvf), ["check", "year", "reporter", "partner", "hs_code"])
    for r in rows:
        r["refs"] = sorted(r["refs"] or [])
    return ctx.result("quality", rows)


INDICATORS: dict[str, Callable[[Warehouse, AnalyticsQuery], IndicatorResult]] = {
    "partners": partners,
    "growth": growth,
    "concentration": concentration,
    "prices": prices,
    "mirror": mirror,
    "mix": mix,
    "scrap": scrap,
    "rca": rca,
    "quality": quality,
}


def run(indicator: str, wh: Warehouse, q: AnalyticsQuery) -> IndicatorResult:
    """Run one indicator by name."""
    try:
        fn = INDICATORS[indicator]
    except KeyError:
        raise InvalidQuery(f"indicator '{indicator}' (accepted: {', '.join(INDICATORS)})") from None
    return fn(wh, q)
