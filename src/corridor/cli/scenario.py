"""``corridor scenario shock|tariff``: what-if scenarios on one corridor, with assumptions.

Each command builds a question, opens a session, calls :mod:`corridor.services.scenarios`
and renders the typed result: Rich tables with the headline and every assumption, the JSON
document (``corridor.scenario-shock/1``, ``corridor.scenario-tariff/1``) or one table as CSV.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli.analytics import (
    Dataset,
    Engine,
    Exporter,
    FormatOpt,
    Hs,
    Importer,
    MeasureOpt,
    SideOpt,
    corridor_options,
)
from corridor.cli.output import Format

if TYPE_CHECKING:
    from corridor.services.scenarios import Scenario

__all__ = ["app", "render_scenario", "supply_elasticity_of"]

app = typer.Typer(
    no_args_is_help=True,
    help="What-if scenarios: supplier shocks and tariff changes, with every assumption shown.",
)

BaseYear = Annotated[
    int | None, typer.Option("--base-year", help="Year of the trade (default: latest with data).")
]
Sigma = Annotated[
    str | None,
    typer.Option(
        "--elasticity",
        help="Elasticity of substitution σ: 4 or a range 2..8 "
        "(default: the cited range for HS 76).",
    ),
]
Eta = Annotated[
    str | None,
    typer.Option("--demand-elasticity", help="Import demand elasticity η: 1 or 0.5..2."),
]
TopN = Annotated[int, typer.Option("--top-n", help="Suppliers shown in the table view.")]
TableOpt = Annotated[
    str | None, typer.Option("--table", help="Table written as CSV (default: the main one).")
]

#: columns shown in the table view (JSON/CSV carry every column)
_SHOCK_SHOWN = (
    "name",
    "cut",
    "{b}_before",
    "{b}_after",
    "change",
    "share_before",
    "share_after",
    "headroom",
    "at_capacity",
    "after_low",
    "after_high",
)
_TARIFF_SHOWN = (
    "name",
    "imports_before",
    "trade_creation",
    "trade_diversion",
    "total_effect",
    "imports_after",
    "share_before",
    "share_after",
    "total_low",
    "total_high",
)
_LINE_SHOWN = (
    "hs6",
    "imports_before",
    "tariff_before",
    "tariff_after",
    "trade_creation",
    "trade_diversion",
    "total_effect",
    "imports_after",
)
_MAIN = {"shock": "suppliers", "tariff": "lines"}


def supply_elasticity_of(text: str) -> float:
    """``--supply-elasticity``: a number > 0 or ``inf`` (InvalidQuery otherwise)."""
    from corridor.errors import InvalidQuery

    try:
        epsilon = float(text)
    except ValueError:
        raise InvalidQuery(f"supply elasticity '{text}': a number or inf") from None
    if math.isnan(epsilon) or epsilon <= 0:
        raise InvalidQuery(f"supply elasticity '{text}': must be > 0 (or inf)")
    return epsilon


def _elasticity(text: str | None, name: str) -> Any:
    from corridor.reference.elasticities import parse_range

    return None if text is None else parse_range(text, name)


@app.command("shock")
def shock_command(
    ctx: typer.Context,
    importer: Importer = "JPN",
    exporter: Exporter = "IND",
    hs: Hs = None,
    base_year: BaseYear = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Supplier removed (repeatable): RUS.")
    ] = None,
    cut: Annotated[
        list[str] | None,
        typer.Option("--cut", help="Supplier cut by a share (repeatable): AUS=50%."),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="auto, proportional or armington.")
    ] = "auto",
    elasticity: Sigma = None,
    demand_elasticity: Eta = None,
    capacity: Annotated[
        list[str] | None,
        typer.Option(
            "--capacity", help="auto (exports to other markets) and/or IND=40kt (repeatable)."
        ),
    ] = None,
    measure: MeasureOpt = "auto",
    side: SideOpt = "auto",
    dataset: Dataset = None,
    engine: Engine = "duckdb",
    top_n: TopN = 15,
    fmt: FormatOpt = Format.table,
    table_name: TableOpt = None,
) -> None:
    """Remove or cut suppliers and re-source the lost quantity: gap, HHI, who gains."""
    from corridor.cli.app import open_session
    from corridor.services.scenarios import shock
    from corridor.services.scenarios.inputs import parse_capacity, parse_cut

    cuts: dict[str, float] = {}
    for who in remove or []:
        cuts[who] = 1.0
    for text in cut or []:
        who, fraction = parse_cut(text)
        if who in cuts:
            from corridor.errors import InvalidQuery

            raise InvalidQuery(f"{who} is cut twice")
        cuts[who] = fraction
    auto = any(c.strip().lower() == "auto" for c in capacity or [])
    given = dict(parse_capacity(c) for c in capacity or [] if c.strip().lower() != "auto")
    opts = corridor_options(
        importer=importer,
        exporter=exporter,
        hs=hs,
        measure=measure,
        side=side,
        dataset=dataset,
        engine=engine,
    )
    with open_session(ctx, **opts) as session:
        result = shock(
            session,
            cuts,
            base_year=base_year,
            method=method,
            sigma=_elasticity(elasticity, "substitution"),
            demand_elasticity=_elasticity(demand_elasticity, "import_demand"),
            capacity=given,
            capacity_auto=auto,
        )
    render_scenario(result, fmt, top_n=top_n, table_name=table_name)


@app.command("tariff")
def tariff_command(
    ctx: typer.Context,
    importer: Importer = "JPN",
    exporter: Exporter = "IND",
    hs: Hs = None,
    base_year: BaseYear = None,
    agreement: Annotated[
        str | None,
        typer.Option(
            "--agreement",
            help="The exporter moves from MFN to this agreement's rates: cepa, JP-IN-CEPA, rcep …",
        ),
    ] = None,
    tariff_file: Annotated[
        str | None,
        typer.Option(
            "--tariff-file",
            help="Plain tariff CSV with the scenario's rates "
            "(importer,partner_or_agreement,hs,rate,basis,valid_from,source).",
        ),
    ] = None,
    elasticity: Sigma = None,
    demand_elasticity: Eta = None,
    supply_elasticity: Annotated[
        str,
        typer.Option("--supply-elasticity", help="Export supply elasticity ε (default inf)."),
    ] = "inf",
    tariff_dataset: Annotated[
        str | None, typer.Option("--tariff-dataset", help="Tariff dataset in the warehouse.")
    ] = None,
    side: SideOpt = "auto",
    dataset: Dataset = None,
    engine: Engine = "duckdb",
    top_n: TopN = 15,
    fmt: FormatOpt = Format.table,
    table_name: TableOpt = None,
) -> None:
    """A tariff change (an agreement's rates or a scenario file) simulated with WITS SMART."""
    from corridor.cli.app import open_session
    from corridor.services.scenarios import tariff_change

    epsilon = supply_elasticity_of(supply_elasticity)
    opts = corridor_options(
        importer=importer, exporter=exporter, hs=hs, side=side, dataset=dataset, engine=engine
    )
    with open_session(ctx, **opts) as session:
        result = tariff_change(
            session,
            agreement=agreement,
            tariff_file=tariff_file,
            base_year=base_year,
            sigma=_elasticity(elasticity, "substitution"),
            demand_elasticity=_elasticity(demand_elasticity, "import_demand"),
            export_supply=epsilon,
            tariff_dataset=tariff_dataset,
        )
    render_scenario(result, fmt, top_n=top_n, table_name=table_name)


# -- rendering -----------------------------------------------------------------------------------
def _csv(result: Scenario, name: str) -> None:
    import csv
    import io
    import sys

    from corridor.cli.render import csv_safe

    if name not in result.tables:
        from corridor.errors import InvalidQuery

        raise InvalidQuery(f"table '{name}' (accepted: {', '.join(result.tables)})")
    t = result.table(name)
    p = result.provenance
    extra = {
        "scenario": result.title,
        "base_year": result.base_year,
        "source": ";".join(p.sources),
        "dataset": ";".join(p.datasets),
        "report": p.report,
        "synthetic": p.synthetic,
    }
    buf = io.StringIO()
    names = [c.name for c in t.columns]
    writer = csv.DictWriter(buf, fieldnames=[*names, *extra], lineterminator="\n")
    writer.writeheader()
    for row in t.rows():
        writer.writerow(
            {
                **{k: csv_safe(row.get(k)) for k in names},
                **{k: csv_safe(v) for k, v in extra.items()},
            }
        )
    sys.stdout.write(buf.getvalue())


def _shown(result: Scenario, name: str, wanted: tuple[str, ...]) -> list[Any]:
    t = result.table(name)
    have = {c.name for c in t.columns}
    return [t.column(n) for n in wanted if n in have]


def _band_corners(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The band's runs at the ends and the middle of each elasticity range (the rest: JSON)."""
    keep = {}
    for key in ("sigma", "eta"):
        values = sorted({r[key] for r in rows if r[key] is not None})
        keep[key] = {values[0], values[-1]} if values else set()
    mid = {k: sorted({r[k] for r in rows if r[k] is not None}) for k in ("sigma", "eta")}
    for k, values in mid.items():
        if values:
            keep[k].add(values[len(values) // 2])
    return [r for r in rows if all(r[k] is None or r[k] in keep[k] for k in ("sigma", "eta"))]


def render_scenario(
    result: Scenario, fmt: Format, *, top_n: int = 15, table_name: str | None = None
) -> None:
    """Print a scenario as Rich tables with headline and assumptions, JSON, or one CSV table."""
    from corridor.cli.output import stdout
    from corridor.cli.render import emit_json, table
    from corridor.services.scenarios.text import assumption_lines, headline_lines

    if fmt is Format.json:
        emit_json(result.to_json())
        return
    if fmt is Format.csv:
        _csv(result, table_name or _MAIN[result.kind])
        return
    synthetic = result.synthetic
    if result.kind == "shock":
        summary = result.table("summary").rows()[0]
        basis = summary["basis"]
        rows = result.table("suppliers").rows()
        exporter = result.query.get("exporter") or {}
        keep = {r["supplier"] for r in rows[:top_n] if True} | {
            r["supplier"] for r in rows if r["cut"] or r["supplier"] == exporter.get("code")
        }
        shown = [r for r in rows if r["supplier"] in keep]
        cols = [
            c
            for c in _shown(result, "suppliers", tuple(n.format(b=basis) for n in _SHOCK_SHOWN))
            if c.name not in ("headroom", "at_capacity") or "capacity" in result.tables
        ]
        if len(result.table("band")) <= 1:
            cols = [c for c in cols if c.name not in ("after_low", "after_high")]
        more = len(rows) - len(shown)
        table(
            shown,
            cols,
            title=result.title,
            synthetic=synthetic,
            footer=[f"{more} more suppliers: --format json or --format csv"] if more else [],
        )
    else:
        code = (result.query.get("exporter") or {}).get("code")
        lines = [r for r in result.table("lines").rows() if r["supplier"] == code]
        if lines:
            table(
                lines,
                _shown(result, "lines", _LINE_SHOWN),
                title=f"{result.title} — {lines[0]['name']}'s lines",
                synthetic=synthetic,
            )
        rows = sorted(result.table("suppliers").rows(), key=lambda r: -abs(r["total_effect"]))
        table(
            rows[:top_n],
            _shown(result, "suppliers", _TARIFF_SHOWN),
            title=f"{result.title} — effects by supplier",
            synthetic=synthetic,
        )
        if len(result.table("refused")):
            table(
                result.table("refused").rows(),
                list(result.table("refused").columns),
                title="not simulated (never averaged)",
                synthetic=synthetic,
            )
    band = result.table("band")
    if len(band) > 1:
        rows = _band_corners(band.rows())
        more = len(band) - len(rows)
        table(
            rows,
            list(band.columns),
            title="sensitivity over the elasticity range",
            synthetic=synthetic,
            footer=[f"ends and middle of each range shown; all {len(band)} runs: --format json"]
            if more
            else [],
        )
    out = stdout()
    from rich.markup import escape

    for line in headline_lines(result):
        out.print(f"[bold]{escape(line)}[/]")
    out.print("[bold]assumptions[/]")
    for line in assumption_lines(result):
        out.print(f"  {escape(line)}")
    for line in result.provenance.lines():
        out.print(f"[dim]{escape(line)}[/]")
    tariffs = result.inputs.get("tariffs")
    if tariffs is not None:
        editions = ", ".join(e.isoformat() for e in tariffs.editions)
        out.print(
            f"[dim]tariffs: {escape(tariffs.publisher)}, edition {editions} "
            f"({escape(tariffs.origin)}: {escape(', '.join(tariffs.files))})[/]"
        )
    exports = result.inputs.get("exports")
    if exports:
        names = escape(", ".join(exports["datasets"]))
        out.print(f"[dim]capacity from: the suppliers' exports to every market in {names}[/]")
    for note in result.notes:
        out.print(f"[dim]note: {escape(note)}[/]")
