"""Every indicator corridor answers with, declared once (see :mod:`corridor.analytics.registry`).

Each build function reads a :class:`~corridor.analytics.registry.Frame` — the scoped flows,
the reference tables and named parameters — and returns an Ibis expression with exactly the
declared columns. Numbers are never post-processed in Python: names come from a join to
``ref_country``, look-back years are trimmed in the expression, growth and group shares are
computed where the rows are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.analytics.constants import CIF_FOB_BOUNDS, GROUPS, WEIGHT_BOUNDS
from corridor.analytics.registry import Frame, indicator
from corridor.units import Column, Unit

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__: list[str] = []

C, U = Column, Unit
YEAR = C("year", U.YEAR, "calendar year", "int16")
SUPPLIER = C("supplier", U.CODE, "Comtrade area code of the exporting partner", "int16")
NAME = C("name", U.TEXT, "partner name (reference data)", "string")
EXPORTER = C("exporter", U.CODE, "Comtrade code of the exporter", "int16")
ISO3 = C("iso3", U.CODE, "ISO alpha-3 code (NULL for areas without one)", "string")
IS_COUNTRY = C("is_country", U.FLAG, "false for aggregates (n.e.s. areas, bunkers, …)", "bool")
VALUE = C("value", U.USD, "trade value, USD (CIF on the importer side, FOB otherwise)")
WEIGHT = C("weight", U.KG, "net weight, kg")
HS_CODE = C("hs_code", U.CODE, "HS code at the level summed", "string")
PRODUCT_NAME = C("product_name", U.TEXT, "HS code's short name (chapter 76 only)", "string")


def _measure(f: Frame) -> str:
    return f.shape.measure


def _hs_names(f: Frame) -> ir.Table:
    h = f.table("ref_hs")
    return h.group_by(_code=h.code).aggregate(_pname=h.name.max())


def _with_product_names(f: Frame, t: ir.Table, key: str) -> ir.Table:
    h = _hs_names(f)
    j = t.left_join(h, t[key] == h._code)
    return j.select(*t.columns, product_name=j._pname)


# -- the probe: what the data holds for the question ---------------------------------------
@indicator(
    name="coverage",
    title="What the warehouse holds for the question: per reporting side and dataset.",
    columns=(
        C("side", U.TEXT, "importer (flow M by the importer) or exporter (flow X to it)", "string"),
        C("dataset", U.TEXT, "dataset name", "string"),
        C("source", U.TEXT, "publisher of the dataset", "string"),
        C("rows", U.COUNT, "rows in scope", "int64"),
        C("value_rows", U.COUNT, "rows with a value", "int64"),
        C("weight_rows", U.COUNT, "rows with a net weight", "int64"),
        C("first_year", U.YEAR, "first year with rows", "int16"),
        C("last_year", U.YEAR, "last year with rows", "int16"),
        C("levels", U.TEXT, "HS levels present", "list<int8>"),
        C("codes6", U.TEXT, "headings with HS6 rows", "list<string>"),
        C("codes4", U.TEXT, "headings with HS4 rows", "list<string>"),
        C("codes2", U.TEXT, "chapters with HS2 rows", "list<string>"),
        C("value_basis", U.TEXT, "value bases (CIF, FOB)", "list<string>"),
        C("hs_revisions", U.TEXT, "HS revisions (H0…H6)", "list<string>"),
        C("first_retrieved", U.TIME, "earliest retrieval of the rows' raw files", "timestamp"),
        C("last_retrieved", U.TIME, "latest retrieval", "timestamp"),
        C("synthetic", U.FLAG, "any row synthetic", "bool"),
        C("suppliers", U.COUNT, "countries with rows (World, n.e.s. areas not counted)", "int64"),
        C("description", U.TEXT, "dataset description", "string"),
        C("licence", U.TEXT, "dataset licence / terms", "string"),
        C("value_unit_original", U.TEXT, "value unit before conversion to USD", "string"),
        C("weight_unit_original", U.TEXT, "weight unit before conversion to kg", "string"),
        C("files", U.COUNT, "raw files (responses, exports) behind the dataset", "int64"),
        C("kinds", U.TEXT, "kinds of those files (comtrade-json, baci, table…)", "list<string>"),
    ),
    order=("side", "dataset"),
    uses_side=False,
    uses_measure=False,
)
def coverage(f: Frame) -> ir.Table:
    """Rows in scope per side and dataset, with everything provenance needs."""
    import ibis

    from corridor.analytics.scope import aggregate_partners, classic_totals, hs_match

    years = f.years(0)

    def side(flow: str, column: str, label: str, counterpart: str) -> ir.Table:
        # the side's own filter first: each branch is a scan the row layout can skip on
        # (an OR of the two, or a shared subquery, would read the whole HS scope)
        t = f.trade.filter(f.trade.flow == flow, f.trade[column] == f.p.importer)
        t = classic_totals(t, f.shape.freq)  # type: ignore[arg-type]
        t = t.filter(hs_match(t, f.hs), t.hs_level >= f.hs_min_level)
        if years:
            t = t.filter(t.year.between(*years))
        return t.mutate(side=ibis.literal(label), _supplier=t[counterpart])

    t = side("M", "reporter", "importer", "partner").union(
        side("X", "partner", "exporter", "reporter")
    )
    t = t.mutate(_h4=t.hs_code.substr(0, 4))
    a = t.group_by(["side", "dataset"]).aggregate(
        source=t.source.max(),
        rows=t.count(),
        value_rows=t.value_usd.count(),
        weight_rows=t.net_weight_kg.count(),
        first_year=t.year.min(),
        last_year=t.year.max(),
        levels=t.hs_level.collect(distinct=True),
        codes6=t._h4.collect(distinct=True, where=t.hs_level == 6),
        codes4=t._h4.collect(distinct=True, where=t.hs_level == 4),
        codes2=t.hs_code.collect(distinct=True, where=t.hs_level == 2),
        value_basis=t.value_basis.collect(distinct=True),
        hs_revisions=t.hs_rev.collect(distinct=True),
        first_retrieved=t.retrieved_at.min(),
        last_retrieved=t.retrieved_at.max(),
        synthetic=t.synthetic.any(),
        suppliers=t._supplier.nunique(where=~t._supplier.isin(aggregate_partners())),
    )
    d = f.table("datasets")
    d = d.select(
        _ds=d.dataset,
        description=d.description,
        licence=d.licence,
        value_unit_original=d.value_unit_original,
        weight_unit_original=d.weight_unit_original,
    )
    j = a.left_join(d, a.dataset == d._ds).drop("_ds")
    r = f.table("raw_files")
    r = r.group_by(_rds=r.dataset).aggregate(files=r.count(), kinds=r.kind.collect(distinct=True))
    return j.left_join(r, j.dataset == r._rds).drop("_rds")


# -- suppliers -----------------------------------------------------------------------------
@indicator(
    name="partners",
    title="Suppliers of the market ranked by the measure, with share and rank change.",
    columns=(
        YEAR, SUPPLIER, NAME, ISO3, IS_COUNTRY, VALUE, WEIGHT,
        C("share", U.FRACTION, "of the market total (the measure)"),
        C("rank", U.RANK, "1 = largest country (the measure); NULL for aggregates", "int32"),
        C("prev_rank", U.RANK, "rank in the year before", "int32"),
        C("rank_change", U.RANK_CHANGE, "previous rank - rank (positive = moved up)", "int32"),
        C("share_change", U.PP, "share - share in the year before"),
        C("market_total", U.MEASURE, "the market's total over all partners except World"),
    ),
    order=("year", "rank", "supplier"),
    lookback=1,
    notes=("World (0) is excluded; n.e.s. areas are in the total but not ranked.",),
    per_year=True,
    market_shares=True,
)  # fmt: skip
def partners(f: Frame) -> ir.Table:
    """Supplier table with the year-before comparison, names, trimmed to the years asked."""
    from corridor.analytics.suppliers import rank_change, supplier_table

    t = rank_change(supplier_table(f.flows, _measure(f)))
    return f.named(f.in_years(t))


@indicator(
    name="supplier_exports",
    title="Each supplier's own reported exports in the HS scope: to every market and to this one.",
    columns=(
        YEAR, SUPPLIER, NAME, ISO3, IS_COUNTRY,
        C("exports_value", U.USD, "exports to every partner except World, as the supplier (or "
          "BACI) reports them, FOB; NULL: none reported"),
        C("exports_weight", U.KG, "the same in net weight"),
        C("market_value", U.USD, "the part of exports_value that goes to this importer"),
        C("market_weight", U.KG, "the part of exports_weight that goes to this importer"),
        C("world_value", U.USD, "the supplier's own World total (partner 0); NULL if not reported"),
        C("world_weight", U.KG, "the same in net weight"),
        C("partners", U.COUNT, "partners the supplier reports exports to (World excluded)",
          "int64"),
    ),
    order=("year", "supplier"),
    uses_measure=False,
    notes=("Every supplier of the market in the years asked, with its exports (flow X: its own "
           "report, or BACI) from the exporter-side dataset; a supplier without export rows "
           "there has NULLs, never zeros.",),
    reads_slice=False,
)  # fmt: skip
def supplier_exports(f: Frame) -> ir.Table:
    """The market's suppliers (the session's side) and their exports to all partners."""
    from corridor.analytics.scope import WORLD, aggregate_partners, bilateral

    market = f.flows
    suppliers = market.filter(market.supplier != WORLD).select("year", "supplier").distinct()
    x = bilateral(f.trade, hs=f.hs, years=f.years(0), dataset=f.p.dataset_x, side="exporter",
                  level=f.shape.level, hs_min_level=f.hs_min_level)  # fmt: skip
    elsewhere, here, world = x.importer != WORLD, x.importer == f.p.importer, x.importer == WORLD
    agg = x.group_by(["year", "supplier"]).aggregate(
        exports_value=x.value.sum(where=elsewhere),
        exports_weight=x.weight.sum(where=elsewhere),
        market_value=x.value.sum(where=here),
        market_weight=x.weight.sum(where=here),
        world_value=x.value.sum(where=world),
        world_weight=x.weight.sum(where=world),
        partners=x.importer.nunique(where=elsewhere).cast("int64"),
    )
    j = suppliers.left_join(agg, ["year", "supplier"])
    j = j.select(suppliers.year, suppliers.supplier,
                 *(c for c in agg.columns if c not in ("year", "supplier")))  # fmt: skip
    j = j.mutate(is_country=~j.supplier.isin(aggregate_partners()))
    return f.named(j)


@indicator(
    name="summary",
    title="One exporter in the market, year by year: value, weight, rank, share and growth.",
    columns=(
        YEAR,
        C("value_usd", U.USD, "the exporter's value (NULL: none reported)"),
        C("weight_kg", U.KG, "the exporter's net weight"),
        C("unit_value_usd_per_kg", U.USD_PER_KG, "value / weight"),
        C("rank_by_value", U.RANK, "rank among countries by value", "int32"),
        C("rank_by_weight", U.RANK, "rank among countries by net weight", "int32"),
        C("share_of_value", U.FRACTION, "share of the market's value"),
        C("share_of_weight", U.FRACTION, "share of the market's net weight"),
        C("yoy_value", U.GROWTH, "change of value on the year before"),
        C("yoy_weight", U.GROWTH, "change of weight on the year before"),
        C("market_value_usd", U.USD, "the market's value, all partners except World"),
        C("market_weight_kg", U.KG, "the market's net weight"),
        C("suppliers", U.COUNT, "supplying countries", "int64"),
        C("cagr_value", U.GROWTH, "compound annual growth of value over the years shown"),
        C("cagr_weight", U.GROWTH, "compound annual growth of weight over the years shown"),
    ),
    order=("year",),
    lookback=1,
    needs_exporter=True,
    uses_measure=False,
    market_shares=True,
)  # fmt: skip
def summary(f: Frame) -> ir.Table:
    """The exporter's position per market year, by value and by weight at once.

    Ranks and shares are those of :func:`~corridor.analytics.suppliers.supplier_table`,
    computed in one aggregation per year without ranking every supplier: the exporter's
    rank is one plus the countries with a larger rounded measure.
    """
    import ibis

    from corridor.analytics import growth as gr
    from corridor.analytics.scope import WORLD, aggregate_partners
    from corridor.analytics.suppliers import rows_ahead

    flows = f.flows.filter(f.flows.supplier != WORLD)
    s = flows.group_by(["year", "supplier"]).aggregate(
        value=flows.value.sum(), weight=flows.weight.sum()
    )
    s = s.mutate(is_country=~s.supplier.isin(aggregate_partners()))
    mine = s.filter(s.supplier == f.p.exporter)
    mine = mine.select("year", _v=mine.value, _w=mine.weight, _c=mine.is_country)
    j = s.left_join(mine, "year").select(*s.columns, "_v", "_w", "_c")

    t = j.group_by("year").aggregate(
        market_value_usd=j.value.sum(),
        suppliers=j.is_country.sum().cast("int64"),
        market_weight_kg=j.weight.sum(),
        value_usd=j._v.max(),
        weight_kg=j._w.max(),
        _country=j._c.max(),
        _va=rows_ahead(j.value, j._v, among=j.is_country).fill_null(0),
        _wa=rows_ahead(j.weight, j._w, among=j.is_country).fill_null(0),
    )

    def rank(x: ir.NumericColumn, n: ir.IntegerColumn) -> ir.IntegerColumn:
        return ibis.ifelse(t._country & x.notnull(), (n + 1).cast("int32"), ibis.null("int32"))

    t = t.select(
        "year",
        "market_value_usd",
        "suppliers",
        "market_weight_kg",
        "value_usd",
        "weight_kg",
        rank_by_value=rank(t.value_usd, t._va),
        share_of_value=t.value_usd / t.market_value_usd.nullif(0),
        rank_by_weight=rank(t.weight_kg, t._wa),
        share_of_weight=t.weight_kg / t.market_weight_kg.nullif(0),
    )
    t = gr.yoy(t, "value_usd").rename(yoy_value="yoy_value_usd")
    t = gr.yoy(t, "weight_kg").rename(yoy_weight="yoy_weight_kg")
    t = f.in_years(t)
    t = t.mutate(unit_value_usd_per_kg=t.value_usd / t.weight_kg.nullif(0))
    return _with_cagr(t, {"value_usd": "cagr_value", "weight_kg": "cagr_weight"})


@indicator(
    name="periods",
    title="The market's total and the exporter's amount per period (year, or month with "
    "--freq M), in the measure.",
    columns=(
        C("period", U.TEXT, "'2017' (annual) or '201703' (monthly)", "string"),
        YEAR,
        C("market_total", U.MEASURE, "the market's total over all partners except World"),
        C("suppliers", U.COUNT, "supplying countries", "int64"),
        C("exporter_amount", U.MEASURE, "the exporter's amount (NULL: not reported, or no "
          "exporter asked)"),
        C("exporter_rows", U.COUNT, "the exporter's rows in the period (0: not among the "
          "market's suppliers; NULL: no exporter asked)", "int64"),
    ),
    order=("period",),
    notes=("World (0) is excluded; n.e.s. areas are in the total.",),
    monthly=True,
)  # fmt: skip
def periods(f: Frame) -> ir.Table:
    """One row per period the market reported: its total, and the exporter's part of it."""
    import ibis

    from corridor.analytics.suppliers import supplier_table

    flows = f.flows
    if f.shape.freq == "A":
        flows = flows.mutate(period=flows.year.cast("string"))
    t = supplier_table(flows, _measure(f), by=("period", "year"))
    market = {"market_total": t.market_total.max(), "suppliers": t.is_country.sum().cast("int64")}
    if not f.shape.has_exporter:
        a = t.group_by(["period", "year"]).aggregate(**market)
        return a.mutate(exporter_amount=ibis.null("float64"), exporter_rows=ibis.null("int64"))
    mine = t.supplier == f.p.exporter
    return t.group_by(["period", "year"]).aggregate(
        **market,
        exporter_amount=t[_measure(f)].sum(where=mine),
        exporter_rows=t.rows.sum(where=mine).fill_null(0).cast("int64"),
    )


def _with_cagr(t: ir.Table, columns: dict[str, str]) -> ir.Table:
    """Add CAGR columns over the table's first and last year (NULL when undefined)."""
    import ibis

    ends = t.aggregate(_fy=t.year.min(), _ly=t.year.max())
    j = t.cross_join(ends)
    out = {}
    for col, name in columns.items():
        first = j[col].max(where=j.year == j._fy).over()
        last = j[col].max(where=j.year == j._ly).over()
        span = (j._ly - j._fy).cast("float64")
        ok = (first > 0) & (last >= 0) & (span > 0)
        growth = (last / first).pow(1.0 / span.nullif(0)) - 1
        out[name] = ibis.ifelse(ok, growth, ibis.null("float64"))
    return j.mutate(**out).drop("_fy", "_ly")


@indicator(
    name="growth",
    title="Year-on-year change, index, contribution to the market's growth and CAGR per supplier.",
    columns=(
        YEAR, SUPPLIER, NAME, ISO3,
        C("value", U.MEASURE, "the supplier's measure"),
        C("prev_value", U.MEASURE, "the same in the year before"),
        C("yoy", U.GROWTH, "value / prev_value - 1"),
        C("index", U.INDEX, "100 × value / value in the base year"),
        C("contribution", U.GROWTH, "(value - prev_value) / market the year before; sums to the "
          "market's change"),
        C("cagr", U.GROWTH, "compound annual growth from the first to the last year"),
        C("first_year", U.YEAR, "first year of the CAGR", "int16"),
        C("last_year", U.YEAR, "last year of the CAGR", "int16"),
        C("base_year", U.YEAR, "base year of the index", "int16"),
    ),
    order=("supplier", "year"),
    lookback=1,
)  # fmt: skip
def growth(f: Frame) -> ir.Table:
    """Growth per supplier (the exporter only, when one is named)."""
    import ibis

    from corridor.analytics import growth as gr
    from corridor.analytics.suppliers import supplier_table

    s = supplier_table(f.flows, _measure(f))
    s = s.filter(s.is_country).select("year", "supplier", value=s[_measure(f)])
    kept = f.in_years(s)
    ends = kept.aggregate(first_year=kept.year.min(), last_year=kept.year.max())
    if f.shape.has_years:
        ends = ends.mutate(
            first_year=f.p.year_from.cast("int16"), last_year=f.p.year_to.cast("int16")
        )
    base = f.p.base_year.cast("int16") if "base" in f.shape.extra else ends.first_year
    ends = ends.mutate(base_year=base)
    t = gr.yoy(s, "value", ["supplier"])
    c = gr.contribution(s, "value", "supplier").select("year", "supplier", "contribution")
    t = t.left_join(c, ["year", "supplier"]).select(*t.columns, "contribution")
    t = t.cross_join(ends)
    b = t.filter(t.year == t.base_year).select("supplier", _base=t.value)
    t = t.left_join(b, "supplier").select(*t.columns, "_base")
    ends_v = t.group_by("supplier").aggregate(
        _fv=t.value.max(where=t.year == t.first_year), _lv=t.value.max(where=t.year == t.last_year)
    )
    t = t.left_join(ends_v, "supplier").select(*t.columns, "_fv", "_lv")
    span = (t.last_year - t.first_year).cast("float64")
    ok = (t._fv > 0) & (t._lv >= 0) & (span > 0)
    t = t.mutate(
        yoy=t.yoy_value,
        index=100.0 * t.value / t._base.nullif(0),
        cagr=ibis.ifelse(ok, (t._lv / t._fv).pow(1.0 / span.nullif(0)) - 1, ibis.null("float64")),
    )
    t = f.in_years(t)
    if f.shape.has_exporter:
        t = t.filter(t.supplier == f.p.exporter)
    return f.named(t)


@indicator(
    name="concentration",
    title="HHI, top-N shares, suppliers covering 90 % and the shares of country groups.",
    columns=(
        YEAR,
        C("hhi", U.HHI, "10,000 × Σ share² over countries"),
        C("hhi_change", U.HHI, "HHI points against the year before"),
        C("top1_share", U.FRACTION, "share of the largest country"),
        C("top1_supplier", U.CODE, "the largest country", "int16"),
        C("top1_name", U.TEXT, "its name", "string"),
        C("top3_share", U.FRACTION, "share of the three largest"),
        C("topn_share", U.FRACTION, "share of the N largest"),
        C("top_n", U.COUNT, "N", "int32"),
        C("n_suppliers", U.COUNT, "countries with a positive share", "int64"),
        C("n_for_90", U.COUNT, "fewest countries covering 90 %", "int64"),
        *(C(f"{g}_share", U.FRACTION, f"share of {g.upper()} members that year (NULL: the group "
            "had no member yet)") for g in GROUPS),
    ),
    order=("year",),
    notes=("Group shares count each country only in years it was a member (dated membership: "
           "`corridor countries --group NAME`); 'sanctioned' is a modelling convenience, see "
           "its basis per country.",),
    market_shares=True,
)  # fmt: skip
def concentration(f: Frame) -> ir.Table:
    """Concentration per year, with dated group shares as columns."""
    from corridor.analytics import concentration as conc
    from corridor.analytics.suppliers import supplier_table

    m = _measure(f)
    s = supplier_table(f.flows, m)
    c = conc.concentration(s, m, top_n=f.p.top_n)
    c = f.named(c, "top1_supplier", prefix="top1_").drop("top1_iso3")
    return c.left_join(_group_shares(f, s), "year").select(
        *c.columns, *(f"{g}_share" for g in GROUPS)
    )


def _group_shares(f: Frame, s: ir.Table) -> ir.Table:
    """Per year, each group's share; NULL for a group with no member that year."""
    import ibis

    g = f.table("ref_country_group")
    years = s.select("year").distinct()

    def valid(t: ir.Table) -> ir.BooleanValue:
        return (t.valid_from.isnull() | (t.valid_from <= t.year)) & (
            t.valid_to.isnull() | (t.valid_to >= t.year)
        )

    active = years.cross_join(g)
    active = (
        active.filter(valid(active))
        .group_by("year")
        .aggregate(**{f"_{gid}": (active.group_id == gid).any() for gid in GROUPS})
    )
    c = s.filter(s.is_country, s.share.notnull())
    j = c.join(g, c.supplier == g.code)
    j = j.filter(valid(j))
    shares = j.group_by("year").aggregate(
        **{f"_s_{gid}": j.share.sum(where=j.group_id == gid) for gid in GROUPS}
    )
    out = active.left_join(shares, "year")
    return out.select(
        year=out.year,
        **{
            f"{gid}_share": ibis.ifelse(
                out[f"_{gid}"].fill_null(False), out[f"_s_{gid}"].fill_null(0.0), None
            ).cast("float64")
            for gid in GROUPS
        },
    )


# -- prices ----------------------------------------------------------------------------------
@indicator(
    name="prices",
    title="Unit values (USD/kg) by supplier and HS line, outliers, premium against the market.",
    columns=(
        YEAR, HS_CODE, PRODUCT_NAME, SUPPLIER, NAME, IS_COUNTRY,
        C("unit_value", U.USD_PER_KG, "paired value / paired weight"),
        C("median_uv", U.USD_PER_KG, "median of the countries' unit values in the line"),
        C("market_uv", U.USD_PER_KG, "the line's paired value / paired weight"),
        C("premium_vs_median", U.GROWTH, "unit_value / median_uv - 1 (negative = cheaper)"),
        C("premium_vs_market", U.GROWTH, "unit_value / market_uv - 1"),
        C("robust_z", U.RATIO, "modified z-score of ln(unit value)"),
        C("is_outlier", U.FLAG, "|robust_z| > 3.5", "bool"),
        C("value", U.USD, "value over all rows"),
        C("weight", U.KG, "net weight over all rows"),
        C("rows_paired", U.COUNT, "rows with both value and weight", "int64"),
        C("rows_value_only", U.COUNT, "rows without weight", "int64"),
        C("rows_weight_only", U.COUNT, "rows without value", "int64"),
    ),
    order=("year", "hs_code", "supplier"),
    notes=("Unit values use rows that carry both value and weight; others are counted.",),
    per_year=True,
)  # fmt: skip
def prices(f: Frame) -> ir.Table:
    """Unit values with outlier flags and premiums (the exporter's lines when one is named)."""
    from corridor.analytics import prices as pr

    uv = pr.unit_values(f.flows)
    out = pr.unit_value_outliers(uv).select("year", "hs_code", "supplier", "robust_z", "is_outlier")
    j = uv.left_join(out, ["year", "hs_code", "supplier"]).select(
        *uv.columns, "robust_z", "is_outlier"
    )
    tot = uv.group_by(["year", "hs_code"]).aggregate(
        market_uv=uv.value_paired.sum() / uv.weight_paired.sum().nullif(0)
    )
    c = uv.filter(uv.is_country, uv.unit_value.notnull())
    med = c.group_by(["year", "hs_code"]).aggregate(median_uv=c.unit_value.median())
    j = j.left_join(tot, ["year", "hs_code"]).select(*j.columns, "market_uv")
    j = j.left_join(med, ["year", "hs_code"]).select(*j.columns, "median_uv")
    j = j.mutate(
        premium_vs_median=j.unit_value / j.median_uv.nullif(0) - 1,
        premium_vs_market=j.unit_value / j.market_uv.nullif(0) - 1,
        is_outlier=j.is_outlier.fill_null(False),
    )
    if f.shape.has_exporter:
        j = j.filter(j.supplier == f.p.exporter)
    return _with_product_names(f, f.named(j), "hs_code")


# -- mirror ----------------------------------------------------------------------------------
@indicator(
    name="mirror",
    title="The importer's report (CIF) against each exporter's report (FOB) of the same trade.",
    columns=(
        YEAR,
        EXPORTER,
        NAME, HS_CODE,
        C("importer_report", U.MEASURE, "the measure as the importer reports it (M)"),
        C("exporter_report", U.MEASURE, "the measure as the exporter reports it (X)"),
        C("gap", U.MEASURE, "importer_report - exporter_report"),
        C("ratio", U.RATIO, "importer_report / exporter_report"),
        C("cif_usd", U.USD, "importer's value (CIF)"),
        C("fob_usd", U.USD, "exporter's value (FOB)"),
        C("gap_usd", U.USD, "cif_usd - fob_usd"),
        C("cif_fob_ratio", U.RATIO, "cif_usd / fob_usd"),
        C("weight_m_kg", U.KG, "importer's net weight"),
        C("weight_x_kg", U.KG, "exporter's net weight"),
        C("weight_ratio", U.RATIO, "weight_m_kg / weight_x_kg"),
        C("missing_side", U.TEXT, "importer or exporter when only one side reported", "string"),
        C("flag", U.TEXT, "missing report or ratio outside plausible bounds", "string"),
    ),
    order=("year", "exporter", "hs_code"),
    uses_side=False,
    notes=(f"Plausible bounds: CIF/FOB {CIF_FOB_BOUNDS[0]}-{CIF_FOB_BOUNDS[1]}; net weights "
           f"{WEIGHT_BOUNDS[0]}-{WEIGHT_BOUNDS[1]}.",),
)  # fmt: skip
def mirror(f: Frame) -> ir.Table:
    """Pair the two reports line by line (datasets chosen per side by the session)."""
    return f.named(_mirror_lines(f), "exporter")


def _mirror_lines(f: Frame) -> ir.Table:
    from corridor.analytics.mirror import pair_flows

    m = f.side_flows("importer", dataset=f.p.dataset)
    x = f.side_flows("exporter", dataset=f.p.dataset_x)
    exporter = f.p.exporter if f.shape.has_exporter else None
    j = pair_flows(m, x, exporter=exporter, measure=_measure(f))
    a, b = (j.cif_usd, j.fob_usd) if _measure(f) == "value" else (j.weight_m_kg, j.weight_x_kg)
    return j.mutate(importer_report=a, exporter_report=b, gap=a - b, ratio=a / b.nullif(0))


@indicator(
    name="mirror_totals",
    title="Both reports of the corridor's trade per year: totals, gap, ratio, lines flagged.",
    columns=(
        YEAR,
        EXPORTER,
        NAME,
        C("lines", U.COUNT, "HS lines either side reports", "int64"),
        C("lines_both", U.COUNT, "HS lines both sides report", "int64"),
        C("flagged", U.COUNT, "lines with a missing report or a ratio out of bounds", "int64"),
        C("importer_report", U.MEASURE, "the importer's report summed over its lines"),
        C("exporter_report", U.MEASURE, "the exporter's report summed over its lines"),
        C("gap", U.MEASURE, "importer_report - exporter_report"),
        C("ratio", U.RATIO, "importer_report / exporter_report"),
        C("matched_ratio", U.RATIO, "the same ratio over the lines both sides report"),
    ),
    order=("year", "exporter"),
    uses_side=False,
    notes=("Totals add each side's own lines; matched_ratio compares only lines both report.",),
)  # fmt: skip
def mirror_totals(f: Frame) -> ir.Table:
    """The mirror's lines summed per year and exporter (what a reader of the corridor needs)."""
    import ibis

    j = _mirror_lines(f)
    both = j.importer_report.notnull() & j.exporter_report.notnull()
    t = j.group_by(["year", "exporter"]).aggregate(
        lines=j.count(),
        lines_both=both.sum().cast("int64"),
        flagged=j.flag.notnull().sum().cast("int64"),
        importer_report=j.importer_report.sum(),
        exporter_report=j.exporter_report.sum(),
        _ma=j.importer_report.sum(where=both),
        _mb=j.exporter_report.sum(where=both),
    )
    has = t.importer_report.notnull() & t.exporter_report.notnull()
    t = t.mutate(
        gap=ibis.ifelse(has, t.importer_report - t.exporter_report, ibis.null("float64")),
        ratio=t.importer_report / t.exporter_report.nullif(0),
        matched_ratio=t._ma / t._mb.nullif(0),
    )
    return f.named(t, "exporter")


# -- product mix -----------------------------------------------------------------------------
@indicator(
    name="mix",
    title="Product mix (chapter → heading → HS6) and the exporter's amount and share in each.",
    columns=(
        YEAR,
        C("level", U.COUNT, "HS level of the product: 2, 4 or 6", "int8"),
        C("product", U.CODE, "HS code at that level", "string"),
        PRODUCT_NAME, VALUE, WEIGHT,
        C("share", U.FRACTION, "product's share of the market (the measure)"),
        C("rank", U.RANK, "1 = largest product at its level", "int32"),
        C("n_suppliers", U.COUNT, "countries supplying the product", "int64"),
        C("exporter_amount", U.MEASURE, "the exporter's measure (0: the market buys it, the "
          "exporter reported none)"),
        C("exporter_share", U.FRACTION, "the exporter's share of the product"),
        C("exporter_rank", U.RANK, "the exporter's rank in the product", "int32"),
    ),
    order=("year", "level", "rank", "product"),
    market_shares=True,
)  # fmt: skip
def mix(f: Frame) -> ir.Table:
    """Shares at every level down to the finest present, with the exporter's part.

    The flows are cut to each level and stacked (a ``level`` column), so one aggregation
    serves every level: a third of the SQL DuckDB would otherwise plan for three levels.
    """
    import ibis

    from corridor.analytics import mix as mx

    m = _measure(f)
    finest = f.shape.extra[0] if f.shape.extra else 6
    flows = f.flows
    cuts = [
        flows.mutate(hs_code=flows.hs_code.substr(0, lv), level=ibis.literal(lv, "int8"))
        for lv in (2, 4, 6)
        if lv <= finest
    ]
    cut = ibis.union(*cuts) if len(cuts) > 1 else cuts[0]
    by = ("year", "level")
    pm = mx.product_mix(cut, None, m, by=by)
    mine = f.shape.has_exporter
    ex = mx.exporter_product_shares(cut, f.p.exporter if mine else -1, m, by=by)
    ex = ex.select(
        "year",
        "level",
        _product="hs_code",
        n_suppliers="n_suppliers",
        exporter_amount=ex.amount if mine else ibis.null("float64"),
        exporter_share=ex.share if mine else ibis.null("float64"),
        exporter_rank=ex["rank"] if mine else ibis.null("int32"),
    )
    j = pm.left_join(ex, [pm.year == ex.year, pm.level == ex.level, pm.product == ex._product])
    out = j.select(
        year=pm.year,
        level=pm.level,
        product=pm.product,
        value=pm.value,
        weight=pm.weight,
        share=pm.share,
        rank=pm["rank"],
        n_suppliers=j.n_suppliers,
        exporter_amount=j.exporter_amount.cast("float64"),
        exporter_share=j.exporter_share.cast("float64"),
        exporter_rank=j.exporter_rank.cast("int32"),
    )
    return _with_product_names(f, out, "product")


# -- scrap -----------------------------------------------------------------------------------
@indicator(
    name="scrap",
    title="Scrap (HS 7602) exports, imports, net balance and scrap-to-primary ratios.",
    columns=(
        YEAR,
        C("scrap_exports_usd", U.USD, "HS 7602 exports"),
        C("scrap_exports_kg", U.KG, "HS 7602 exports"),
        C("scrap_imports_usd", U.USD, "HS 7602 imports"),
        C("scrap_imports_kg", U.KG, "HS 7602 imports"),
        C("net_scrap_usd", U.USD, "exports - imports (NULL unless both are reported)"),
        C("net_scrap_kg", U.KG, "exports - imports (NULL unless both are reported)"),
        C("primary_imports_kg", U.KG, "HS 7601 imports"),
        C("primary_exports_kg", U.KG, "HS 7601 exports"),
        C("scrap_to_primary_imports", U.RATIO, "scrap imports / primary imports (weight)"),
        C("scrap_to_primary_exports", U.RATIO, "scrap exports / primary exports (weight)"),
    ),
    order=("year",),
    uses_measure=False,
    notes=("The country is the query's importer; the side says whose reports are read.",),
    reads_slice=False,
)  # fmt: skip
def scrap(f: Frame) -> ir.Table:
    """The importer's scrap balance from its own reports or its partners'."""
    from corridor.analytics import scrap as sc

    dataset = f.p.dataset if f.shape.has_dataset else None
    return sc.scrap_balance(f.trade, f.p.importer, f.years(0), dataset, side=f.shape.side)


# -- specialisation --------------------------------------------------------------------------
@indicator(
    name="rca",
    title="The exporter's revealed comparative advantage per product, complementarity, similarity.",
    columns=(
        YEAR, HS_CODE,
        EXPORTER,
        C("x_ck", U.MEASURE, "the exporter's exports of the product"),
        C("x_c", U.MEASURE, "the exporter's exports in scope"),
        C("x_wk", U.MEASURE, "every exporter's exports of the product"),
        C("x_w", U.MEASURE, "every exporter's exports in scope"),
        C("rca", U.RATIO, "Balassa index (> 1 = specialised)"),
        C("tci", U.SCORE, "trade complementarity, exporter's supply vs importer's demand"),
        C("esi", U.SCORE, "export similarity with the importer's largest other supplier"),
        C("esi_rival", U.CODE, "that supplier", "int16"),
        C("esi_rival_name", U.TEXT, "its name", "string"),
    ),
    order=("year", "hs_code"),
    needs_exporter=True,
    uses_side=False,
    notes=("The 'world' is every exporter's reported exports in the HS scope (flow X).",),
    reads_slice=False,
)  # fmt: skip
def rca(f: Frame) -> ir.Table:
    """RCA per product; TCI and ESI per year (set-based, every year at once)."""
    import ibis

    from corridor.analytics import specialisation as sp
    from corridor.analytics.scope import bilateral
    from corridor.analytics.suppliers import supplier_table

    m = _measure(f)
    fx = bilateral(f.trade, hs=f.hs, years=f.years(0), dataset=f.p.dataset_x, side="exporter",
                   level=f.shape.level, hs_min_level=f.hs_min_level)  # fmt: skip
    r = sp.rca(fx, m)
    r = r.filter(r.exporter == f.p.exporter)
    tci = sp.complementarity(fx, f.p.exporter, f.p.importer, m).select("year", "tci")
    market = supplier_table(f.flows, m)
    rivals = market.filter(market.is_country, market.supplier != f.p.exporter)
    w = ibis.window(group_by=rivals.year, order_by=[ibis.desc(rivals[m].round(2)), rivals.supplier])
    rivals = rivals.mutate(_pos=ibis.row_number().over(w))
    rivals = rivals.filter(rivals._pos == 0).select("year", esi_rival=rivals.supplier)
    esi = _similarity(fx, f.p.exporter, rivals, m)
    r = r.left_join(tci, "year").select(*r.columns, "tci")
    r = r.left_join(rivals, "year").select(*r.columns, "esi_rival")
    r = r.left_join(esi, "year").select(*r.columns, "esi")
    return f.named(r, "esi_rival", prefix="esi_rival_").drop("esi_rival_iso3")


def _similarity(fx: ir.Table, exporter: Any, rivals: ir.Table, measure: str) -> ir.Table:
    """Finger-Kreinin similarity of the exporter with each year's rival (set-based)."""
    import ibis

    from corridor.analytics.scope import aggregate_partners

    agg = set(aggregate_partners())
    f = fx.filter(~fx.supplier.isin(agg), ~fx.importer.isin(agg))

    def shares(t: ir.Table, col: str) -> ir.Table:
        a = t.group_by(["year", "hs_code"]).aggregate(x=t[measure].sum())
        a = a.mutate(s=a.x / a.x.sum().over(group_by=a.year).nullif(0))
        return a.select(
            year=a.year.cast("int16"), hs_code=a.hs_code.cast("string"), **{col: a.s.fill_null(0)}
        )

    a = shares(f.filter(f.supplier == exporter), "a")
    rv = f.join(rivals, [f.year == rivals.year, f.supplier == rivals.esi_rival]).select(
        f.year, f.hs_code, f[measure]
    )
    b = shares(rv, "b")
    u = ibis.union(
        a.select("year", "hs_code", "a", b=ibis.literal(0.0)),
        b.select("year", "hs_code", a=ibis.literal(0.0), b=b.b),
    )
    p = u.group_by(["year", "hs_code"]).aggregate(a=u.a.sum(), b=u.b.sum())
    out = p.group_by("year").aggregate(s=ibis.least(p.a, p.b).sum(), sa=p.a.sum(), sb=p.b.sum())
    both = (out.sa > 0.5) & (out.sb > 0.5)  # NULL when a side has nothing in the measure
    return out.select("year", esi=ibis.ifelse(both, 100.0 * out.s, ibis.null("float64")))


# -- data quality ----------------------------------------------------------------------------
@indicator(
    name="quality",
    title="Data-quality findings, each naming the source rows behind it.",
    columns=(
        C("check", U.TEXT, "world_vs_partners | annual_vs_months | missing_weight | "
          "estimated_weight | mirror_gap | unit_value_outlier", "string"),
        C("severity", U.TEXT, "info | warning", "string"),
        C("dataset", U.TEXT, "dataset of the rows", "string"),
        YEAR,
        C("reporter", U.CODE, "reporting area", "int32"),
        C("partner", U.CODE, "partner area", "int32"),
        C("flow", U.TEXT, "flow code", "string"),
        HS_CODE,
        C("expected", U.RATIO, "the reference figure (USD, kg or USD/kg: see detail)"),
        C("observed", U.RATIO, "the figure checked, same unit as expected"),
        C("ratio", U.RATIO, "observed / expected"),
        C("detail", U.TEXT, "what the finding means", "string"),
        C("refs", U.TEXT, "raw_ref:raw_row of the rows behind the finding", "list<string>"),
    ),
    order=("check", "year", "reporter", "partner", "hs_code", "flow", "dataset"),
    uses_side=False,
    uses_measure=False,
    reads_slice=False,
    empty_is_answer=True,
)  # fmt: skip
def quality(f: Frame) -> ir.Table:
    """Row-level checks for the scope plus unit-value outliers of the market."""
    from corridor.analytics import prices as pr
    from corridor.analytics import quality as qa

    datasets = (f.p.dataset, f.p.dataset_x) if "mirror" in f.shape.extra else None
    found = qa.findings(
        f.trade, importer=f.p.importer, hs=f.hs, years=f.years(0), level=f.shape.level,
        datasets=datasets, hs_min_level=f.hs_min_level,
    )  # fmt: skip
    uv = pr.unit_value_outliers(pr.unit_values(f.flows))
    return found.union(qa.unit_value_findings(uv, f.p.importer))
