"""The corridor summary: one exporter in one import market, year by year, with provenance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from corridor.services.analytics import AnalyticsProvenance as Provenance

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse

__all__ = ["CorridorSummary", "Provenance", "SummaryQuery", "SummaryYear", "corridor_summary"]

SCHEMA = "corridor.summary/1"


class SummaryQuery(BaseModel):
    """What the user asked: importer, exporter, HS scope, years, dataset and reporting side."""

    importer: str
    exporter: str
    hs: list[str] = Field(default_factory=lambda: ["76"])
    years: tuple[int, int] | None = None
    dataset: str | None = None
    side: Literal["importer", "exporter"] = "importer"


class CountryRef(BaseModel):
    """A resolved country."""

    code: int
    iso3: str | None
    name: str


class SummaryYear(BaseModel):
    """One year of the corridor."""

    year: int
    value_usd: float | None
    weight_kg: float | None
    unit_value_usd_per_kg: float | None
    rank_by_value: int | None
    rank_by_weight: int | None
    share_of_value: float | None
    share_of_weight: float | None
    yoy_value: float | None
    yoy_weight: float | None
    market_value_usd: float | None
    market_weight_kg: float | None
    suppliers: int


class CorridorSummary(BaseModel):
    """The headline table for (importer, exporter, HS scope, years)."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    importer: CountryRef
    exporter: CountryRef
    hs: list[str]
    years: list[SummaryYear]
    cagr_value: float | None
    cagr_weight: float | None
    provenance: Provenance

    model_config = {"populate_by_name": True}


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _cagr(first: float | None, last: float | None, years: int) -> float | None:
    if not first or last is None or years <= 0 or first <= 0 or last < 0:
        return None
    return (last / first) ** (1 / years) - 1


def corridor_summary(
    wh: Warehouse, query: SummaryQuery, *, engine: str = "duckdb"
) -> CorridorSummary:
    """Compute the corridor summary on the warehouse through Ibis.

    Args:
        wh: The open warehouse.
        query: Importer, exporter, HS scope, years, dataset and reporting side.
        engine: ``duckdb`` (default), ``spark`` or ``url`` (see
            :func:`corridor.analytics.backend.backend_for`).
    """
    from corridor.analytics.suppliers import supplier_table
    from corridor.services.analytics import AnalyticsContext, AnalyticsQuery

    ctx = AnalyticsContext(
        wh,
        AnalyticsQuery(
            importer=query.importer,
            exporter=query.exporter,
            hs=query.hs,
            years=query.years,
            dataset=query.dataset,
            side=query.side,
            engine=engine,
        ),
    )
    importer, exporter, hs = ctx.importer, ctx.exporter, ctx.hs
    flows = ctx.market_flows()  # NotFound, naming what is missing, when empty
    by_value = supplier_table(flows, "value")
    by_weight = supplier_table(flows, "weight")
    rows = (
        by_value.select("year", "supplier", "value", "weight", "share", "rank", "market_total",
                        "is_country")
        .join(
            by_weight.select("year", "supplier", w_share="share", w_rank="rank",
                             w_total="market_total"),
            ["year", "supplier"],
        )
        .order_by("year")
        .to_pyarrow()
        .to_pylist()
    )  # fmt: skip
    years = sorted({r["year"] for r in rows})
    mine = {r["year"]: r for r in rows if r["supplier"] == exporter.code}
    out: list[SummaryYear] = []
    prev: dict | None = None
    for year in years:
        r = mine.get(year)
        market = next(x for x in rows if x["year"] == year)
        value = r["value"] if r else None
        weight = r["weight"] if r else None
        out.append(
            SummaryYear(
                year=year,
                value_usd=value,
                weight_kg=weight,
                unit_value_usd_per_kg=_ratio(value, weight),
                rank_by_value=r["rank"] if r else None,
                rank_by_weight=r["w_rank"] if r else None,
                share_of_value=r["share"] if r else None,
                share_of_weight=r["w_share"] if r else None,
                yoy_value=_ratio(value, prev["value"]) - 1
                if prev and value is not None and prev["value"]
                else None,
                yoy_weight=_ratio(weight, prev["weight"]) - 1
                if prev and weight is not None and prev["weight"]
                else None,
                market_value_usd=market["market_total"],
                market_weight_kg=market["w_total"],
                suppliers=sum(1 for x in rows if x["year"] == year and x["is_country"]),
            )
        )
        prev = r
    meta = ctx.provenance()
    first, last = out[0], out[-1]
    span = last.year - first.year
    return CorridorSummary(
        importer=CountryRef(code=importer.code, iso3=importer.iso3, name=importer.name),
        exporter=CountryRef(code=exporter.code, iso3=exporter.iso3, name=exporter.name),
        hs=list(hs),
        years=out,
        cagr_value=_cagr(first.value_usd, last.value_usd, span),
        cagr_weight=_cagr(first.weight_kg, last.weight_kg, span),
        provenance=meta,
    )
