"""Analytics commands: partners, growth, concentration, prices, mirror, mix, scrap, rca, ...

Also quality and summary. Each parses options, calls :mod:`corridor.services.analytics`
and renders the result.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from corridor.cli.output import Format, emit_rows, fmt_pct, fmt_usd, fmt_weight

__all__ = ["register"]

Importer = Annotated[str, typer.Option("--importer", help="Importing country (name, ISO3, code).")]
Exporter = Annotated[str | None, typer.Option("--exporter", help="Exporting country.")]
Hs = Annotated[list[str] | None, typer.Option("--hs", help="HS code(s), repeatable.")]
Years = Annotated[str | None, typer.Option("--years", help="YYYY or YYYY-YYYY.")]
MeasureOpt = Annotated[str, typer.Option("--measure", help="value (USD) or weight (kg).")]
_ENGINE_HELP = "duckdb (default), spark, or url (CORRIDOR_ENGINE_URL)."
Engine = Annotated[str, typer.Option("--engine", envvar="CORRIDOR_ENGINE", help=_ENGINE_HELP)]
Dataset = Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")]
SideOpt = Annotated[str, typer.Option("--side", help="importer (M, CIF) or exporter (X, FOB).")]
Level = Annotated[int | None, typer.Option("--level", help="HS level to sum: 2, 4 or 6.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]

_PCT = {"share", "share_change", "yoy", "contribution", "cagr", "top1_share", "top3_share",
        "topn_share", "premium_vs_median", "premium_vs_market", "exporter_share"}  # fmt: skip
_USD = {"cif_usd", "fob_usd", "gap_usd", "scrap_exports_usd", "scrap_imports_usd",
        "net_scrap_usd"}  # fmt: skip
_KG = {"weight", "weight_m_kg", "weight_x_kg", "scrap_exports_kg", "scrap_imports_kg",
       "net_scrap_kg", "primary_imports_kg", "primary_exports_kg"}  # fmt: skip

# Columns shown in the table view (JSON and CSV carry every field).
_TABLE_COLUMNS: dict[str, list[str]] = {
    "partners": ["year", "rank", "name", "value", "weight", "share", "rank_change"],
    "growth": ["year", "name", "value", "yoy", "index", "contribution", "cagr"],
    "concentration": ["year", "hhi", "hhi_change", "top1_share", "top3_share", "topn_share",
                      "n_suppliers", "n_for_90"],
    "prices": ["year", "hs_code", "name", "unit_value", "median_uv", "premium_vs_median",
               "is_outlier", "rows_value_only", "rows_weight_only"],
    "mirror": ["year", "name", "hs_code", "cif_usd", "fob_usd", "gap_usd", "cif_fob_ratio",
               "flag"],
    "mix": ["year", "level", "product", "value", "share", "rank", "exporter_share"],
    "scrap": ["year", "scrap_exports_kg", "scrap_imports_kg", "net_scrap_kg", "net_scrap_usd",
              "scrap_to_primary_imports"],
    "rca": ["year", "hs_code", "x_ck", "rca", "tci", "esi"],
    "quality": ["check", "severity", "year", "reporter", "partner", "hs_code", "expected",
                "observed", "ratio", "detail"],
}  # fmt: skip


_WHOLE = {"hhi", "hhi_change"}  # index points: whole numbers read best


def _fmt(key: str, measure: str):
    def num(v: Any) -> str:
        if v is None:
            return "—"
        if isinstance(v, float):
            if key in _WHOLE:
                return f"{v:+,.0f}" if key.endswith("_change") else f"{v:,.0f}"
            return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
        if key == "rank_change" and isinstance(v, int):
            return f"{v:+d}" if v else "0"
        return str(v)

    if key in _PCT:
        return lambda v: fmt_pct(v, signed=key in {"yoy", "share_change", "contribution"})
    if key in _USD or (key in {"value", "market_total", "x_ck"} and measure == "value"):
        return fmt_usd
    if key in _KG or (key in {"value", "market_total", "x_ck"} and measure == "weight"):
        return fmt_weight
    return num


def render(result: Any, fmt: Format) -> None:
    """Print an IndicatorResult as a table, JSON (the full versioned document) or CSV."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json", by_alias=True), indent=2))
        sys.stdout.write("\n")
        return
    rows = result.rows
    if fmt is Format.table:
        cols = [c for c in _TABLE_COLUMNS.get(result.indicator, []) if not rows or c in rows[0]]
    else:
        cols = list(rows[0]) if rows else []
    measure = result.query.get("measure", "value")
    q = result.query
    who = q["importer"]["name"] + (f" ← {q['exporter']['name']}" if q.get("exporter") else "")
    emit_rows(
        rows,
        fmt,
        title=f"{result.indicator}: {who}, HS {', '.join(q['hs'])} ({measure})",
        schema=result.schema_,
        provenance=result.provenance.model_dump(mode="json"),
        columns={c: c for c in cols},
        formatters={c: _fmt(c, measure) for c in cols},
    )
    if fmt is Format.table:
        from corridor.cli.output import stdout

        for note in result.notes:
            stdout().print(f"[dim]note: {note}[/]")


def _query(**kw: Any):
    from corridor.cli.app import parse_years
    from corridor.errors import InvalidQuery
    from corridor.services.analytics import AnalyticsQuery

    if kw["measure"] not in {"value", "weight"}:
        raise InvalidQuery(f"measure '{kw['measure']}' (accepted: value, weight)")
    if kw["side"] not in {"importer", "exporter"}:
        raise InvalidQuery(f"side '{kw['side']}' (accepted: importer, exporter)")
    kw["years"] = parse_years(kw["years"])
    kw["hs"] = kw["hs"] or ["76"]
    return AnalyticsQuery(**{k: v for k, v in kw.items() if v is not None or k == "exporter"})


def _command(app: typer.Typer, indicator: str, doc: str, default_exporter: str | None) -> None:
    def command(
        ctx: typer.Context,
        importer: Importer = "JPN",
        exporter: Exporter = default_exporter,
        hs: Hs = None,
        years: Years = None,
        measure: MeasureOpt = "value",
        engine: Engine = "duckdb",
        dataset: Dataset = None,
        side: SideOpt = "importer",
        level: Level = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from corridor.cli.app import open_wh
        from corridor.services.analytics import run

        q = _query(importer=importer, exporter=exporter, hs=hs, years=years, measure=measure,
                   engine=engine, dataset=dataset, side=side, level=level)  # fmt: skip
        with open_wh(ctx, read_only=True) as wh:
            render(run(indicator, wh, q), fmt)

    command.__doc__ = doc
    app.command(name=indicator)(command)


_DOCS = {
    "partners": ("Suppliers of a market ranked by value or weight, with share and rank change.",
                 None),
    "growth": ("YoY change, index (first year = 100), contribution to growth and CAGR.", "IND"),
    "concentration": ("HHI, top-1/3/N shares, suppliers covering 90 % and group shares.", None),
    "prices": ("Unit values (USD/kg) by supplier and HS line, outliers, premium vs median.",
               "IND"),
    "mirror": ("Importer CIF vs exporter FOB: gap, CIF/FOB ratio, missing side, flags.", "IND"),
    "mix": ("Product mix (chapter → heading → HS6 shares) and the exporter's share in each.",
            "IND"),
    "scrap": ("Scrap (HS 7602) exports, imports, net balance and scrap-to-primary ratios of "
              "the importer.", None),
    "rca": ("Balassa RCA of the exporter per product, complementarity (TCI) and similarity "
            "(ESI).", "IND"),
    "quality": ("Data-quality findings (World vs partners, months, weights, mirror gaps, "
                "outliers), with the rows behind each.", None),
}  # fmt: skip


def _summary(app: typer.Typer) -> None:
    @app.command()
    def summary(
        ctx: typer.Context,
        importer: Importer = "JPN",
        exporter: Annotated[str, typer.Option(help="Exporting country.")] = "IND",
        hs: Hs = None,
        years: Years = None,
        dataset: Dataset = None,
        side: SideOpt = "importer",
        engine: Engine = "duckdb",
        fmt: FormatOpt = Format.table,
    ) -> None:
        """Corridor summary: value, weight, rank, share and growth of one exporter in a market."""
        from corridor.cli.app import open_wh, parse_years, print_summary
        from corridor.errors import InvalidQuery
        from corridor.services.summary import SummaryQuery, corridor_summary

        if side not in {"importer", "exporter"}:
            raise InvalidQuery(f"side '{side}' (accepted: importer, exporter)")
        query = SummaryQuery(importer=importer, exporter=exporter, hs=hs or ["76"],
                             years=parse_years(years), dataset=dataset, side=side)  # type: ignore[arg-type]  # fmt: skip
        with open_wh(ctx, read_only=True) as wh:
            print_summary(corridor_summary(wh, query, engine=engine), fmt)


def register(app: typer.Typer) -> None:
    """Add the analytics commands (and ``summary``) to the ``corridor`` application."""
    for name, (doc, exporter) in _DOCS.items():
        _command(app, name, doc, exporter)
    _summary(app)
