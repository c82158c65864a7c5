"""The indicator commands: ``partners``, ``summary``, ``growth``, ``concentration`` and more.

One command per registered indicator, all with the same corridor options; each builds a
:class:`~corridor.query.CorridorQuery`, opens a session and renders the result from its
declared columns.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from corridor.cli.output import Format

__all__ = ["COMMANDS", "corridor_options", "register", "show"]

Importer = Annotated[str, typer.Option("--importer", help="Importing country (name, ISO3, code).")]
Exporter = Annotated[str | None, typer.Option("--exporter", help="Exporting country.")]
Hs = Annotated[list[str] | None, typer.Option("--hs", help="HS code(s), repeatable (default 76).")]
Years = Annotated[str | None, typer.Option("--years", help="YYYY or YYYY-YYYY (default: all).")]
MeasureOpt = Annotated[
    str, typer.Option("--measure", help="value (USD), weight (kg) or auto (value if reported).")
]
Engine = Annotated[
    str,
    typer.Option("--engine", envvar="CORRIDOR_ENGINE", help="duckdb, spark or url."),
]
Dataset = Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")]
SideOpt = Annotated[
    str,
    typer.Option(
        "--side", help="importer (M, CIF), exporter (X, FOB) or auto (importer's if any)."
    ),
]
Level = Annotated[int | None, typer.Option("--level", help="HS level to sum: 2, 4 or 6.")]
TopN = Annotated[int, typer.Option("--top-n", help="N of the top-N figures.")]
BaseYear = Annotated[int | None, typer.Option("--base-year", help="Base year of indices.")]
Freq = Annotated[
    str, typer.Option("--freq", help="A (annual rows) or M (monthly rows, e.g. a monthly fetch).")
]
FreqHidden = Annotated[str, typer.Option("--freq", hidden=True)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]

#: command → (default exporter, columns shown in the table view; JSON/CSV carry every column)
COMMANDS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "summary": ("IND", ("year", "value_usd", "weight_kg", "unit_value_usd_per_kg",
                        "rank_by_value", "share_of_value", "rank_by_weight", "share_of_weight",
                        "yoy_value", "yoy_weight", "suppliers")),
    "partners": (None, ("year", "rank", "name", "value", "weight", "share", "rank_change")),
    "growth": ("IND", ("year", "name", "value", "yoy", "index", "contribution", "cagr")),
    "concentration": (None, ("year", "hhi", "hhi_change", "top1_name", "top1_share",
                             "top3_share", "topn_share", "n_suppliers", "n_for_90",
                             "sanctioned_share")),
    "prices": ("IND", ("year", "hs_code", "name", "unit_value", "median_uv", "premium_vs_median",
                       "is_outlier", "rows_value_only", "rows_weight_only")),
    "mirror": ("IND", ("year", "name", "hs_code", "importer_report", "exporter_report", "gap",
                       "ratio", "flag")),
    "mix": ("IND", ("year", "level", "product", "product_name", "value", "weight", "share",
                    "rank", "exporter_share")),
    "scrap": (None, ("year", "scrap_exports_kg", "scrap_imports_kg", "net_scrap_kg",
                     "net_scrap_usd", "scrap_to_primary_imports")),
    "rca": ("IND", ("year", "hs_code", "x_ck", "rca", "tci", "esi", "esi_rival_name")),
    "quality": (None, ("check", "severity", "year", "reporter", "partner", "hs_code",
                       "expected", "observed", "ratio", "detail")),
    "periods": (None, ("period", "market_total", "suppliers", "exporter_amount",
                       "exporter_rows")),
}  # fmt: skip
#: columns shown only when the question names an exporter
_EXPORTER_ONLY = {"exporter_amount", "exporter_rows"}


def corridor_options(**kw: Any) -> dict[str, Any]:
    """CLI option values → CorridorQuery keyword arguments (HS default 76)."""
    kw["hs"] = kw.get("hs") or ["76"]
    return {k: v for k, v in kw.items() if v is not None or k == "exporter"}


def _title(result: Any) -> str:
    q = result.query
    who = q["importer"]["name"] + (f" ← {q['exporter']['name']}" if q.get("exporter") else "")
    measure = "value" if q["measure"] == "value" else "net weight"
    monthly = ", monthly" if q.get("freq") == "M" else ""
    return f"{result.indicator}: {who}, {result.provenance.hs_covered} (by {measure}{monthly})"


def show(session: Any, name: str, fmt: Format) -> Any:
    """Run indicator ``name`` in ``session`` and print it (summary: with its CAGR line)."""
    from corridor.cli.render import render

    result = session.indicator(name)
    display = COMMANDS[name][1]
    if session.query.exporter is None:
        display = tuple(c for c in display if c not in _EXPORTER_ONLY)
    render(result, fmt, display=display, title=_title(result))
    if name == "summary" and fmt is Format.table:
        from corridor.cli.output import stdout
        from corridor.units import fmt_pct

        rows = result.to_pylist()
        stdout().print(
            f"CAGR {rows[0]['year']}–{rows[-1]['year']}: value "
            f"{fmt_pct(rows[-1]['cagr_value'], signed=True)}, weight "
            f"{fmt_pct(rows[-1]['cagr_weight'], signed=True)}"
        )
    return result


def _command(
    app: typer.Typer, name: str, doc: str, exporter_default: str | None, monthly: bool
) -> None:
    def command(
        ctx: typer.Context,
        importer: Importer = "JPN",
        exporter: Exporter = exporter_default,
        hs: Hs = None,
        years: Years = None,
        measure: MeasureOpt = "auto",
        side: SideOpt = "auto",
        dataset: Dataset = None,
        level: Level = None,
        top_n: TopN = 5,
        base_year: BaseYear = None,
        engine: Engine = "duckdb",
        fmt: FormatOpt = Format.table,
        freq: Freq = "A",
    ) -> None:
        from corridor.cli.app import open_session

        opts = corridor_options(importer=importer, exporter=exporter, hs=hs, years=years,
                                measure=measure, side=side, dataset=dataset, level=level,
                                top_n=top_n, base_year=base_year, engine=engine,
                                freq=freq)  # fmt: skip
        with open_session(ctx, **opts) as session:
            show(session, name, fmt)

    command.__doc__ = doc
    if not monthly:  # accepted (the session says which commands answer it), not advertised
        command.__annotations__["freq"] = FreqHidden
    app.command(name=name)(command)


def register(app: typer.Typer, names: tuple[str, ...] | None = None) -> None:
    """Add one command per indicator (or only ``names``) to the ``corridor`` application."""
    import corridor.analytics.indicators  # noqa: F401  (registers the indicators)
    from corridor.analytics.registry import INDICATORS

    for name, (exporter, _) in COMMANDS.items():
        if names is None or name in names:
            ind = INDICATORS[name]
            _command(app, name, ind.title, exporter, ind.monthly)
