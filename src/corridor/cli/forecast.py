"""``corridor forecast``: the demand outlook — forecasts with measured accuracy beside them.

The market total (and, with ``--exporter``, the exporter's share and implied volume), with
80 % and 95 % intervals, the model chosen and why, and the backtest accuracy and interval
coverage measured on the same data (:mod:`corridor.services.outlook`). statsforecast is
imported only when the command runs.
"""

from __future__ import annotations

import csv
import io
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli.analytics import (
    Dataset,
    Engine,
    Exporter,
    Freq,
    Hs,
    Importer,
    Level,
    MeasureOpt,
    SideOpt,
    Years,
    corridor_options,
)
from corridor.cli.output import Format

if TYPE_CHECKING:
    from corridor.services.outlook import Outlook, SeriesOutlook

__all__ = ["register"]

Horizon = Annotated[
    int, typer.Option("--horizon", help="Periods ahead: 1-10 years, or 1-36 months (--freq M).")
]
Backtest = Annotated[
    bool,
    typer.Option(
        "--backtest",
        help="The accuracy report: every candidate's backtest MASE and sMAPE against Naive and "
        "drift, and interval coverage (JSON: with every held-out forecast).",
    ),
]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        help="Candidate model, repeatable: naive, drift, ets, theta, ensemble, arima "
        "(default: all but arima). Naive and drift always run as baselines.",
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]
SHOWN_HISTORY = {"A": 5, "M": 12}  # observed periods shown above the forecast (table view)


def register(app: typer.Typer) -> None:
    """Add ``corridor forecast`` to the application."""

    @app.command()
    def forecast(
        ctx: typer.Context,
        importer: Importer = "JPN",
        exporter: Exporter = None,
        hs: Hs = None,
        years: Years = None,
        measure: MeasureOpt = "auto",
        side: SideOpt = "auto",
        dataset: Dataset = None,
        level: Level = None,
        engine: Engine = "duckdb",
        horizon: Horizon = 3,
        backtest: Backtest = False,
        model: Models = None,
        fmt: FormatOpt = Format.table,
        freq: Freq = "A",
    ) -> None:
        """Forecast the market's imports (and an exporter's share) with backtested accuracy.

        Annual series from the warehouse's annual rows; with --freq M, monthly series from
        its monthly rows (e.g. `corridor fetch comtrade ... --freq M`).
        """
        from corridor.cli.app import open_session
        from corridor.cli.output import stderr
        from corridor.services.outlook import outlook

        opts = corridor_options(importer=importer, exporter=exporter, hs=hs, years=years,
                                measure=measure, side=side, dataset=dataset, level=level,
                                engine=engine, freq=freq)  # fmt: skip
        with open_session(ctx, **opts) as session:
            if fmt is Format.table:
                with stderr().status("backtesting the candidates and forecasting…"):
                    out = outlook(session, horizon=horizon, backtest=backtest, models=model)
            else:
                out = outlook(session, horizon=horizon, backtest=backtest, models=model)
        if fmt is Format.json:
            from corridor.cli.render import emit_json

            emit_json(out.to_json(backtest=backtest))
        elif fmt is Format.csv:
            _csv(out, backtest)
        else:
            _tables(out, backtest)


# -- table view -----------------------------------------------------------------------------------
def _tables(out: Outlook, backtest: bool) -> None:
    from corridor.cli.output import stdout
    from corridor.cli.render import table
    from corridor.units import Column, Unit

    freq = out.query.get("freq", "A")
    key, key_unit = ("year", Unit.YEAR) if freq == "A" else ("period", Unit.TEXT)
    for s in out.series:
        unit = s.unit
        cols = [
            Column(key, key_unit, "calendar year" if freq == "A" else "month (YYYYMM)"),
            Column("observed", unit, "observed"),
            Column("forecast", unit, "point forecast"),
            *(Column(b, unit, b) for b in ("lo80", "hi80", "lo95", "hi95")),
        ]
        observed = [(y, v) for y, v in s.history if int(y) <= int(s.fitted[1])]
        rows: list[dict[str, Any]] = [
            {key: y, "observed": v} for y, v in observed[-SHOWN_HISTORY[freq] :]
        ]
        for r in s.forecast.to_pylist():
            at = int(r["period"]) if freq == "A" else r["period"]
            rows.append({key: at, "forecast": r["point"]}
                        | {b: r.get(b) for b in ("lo80", "hi80", "lo95", "hi95")})  # fmt: skip
        table(rows, cols, title=f"{s.label} — {s.model}", synthetic=out.synthetic,
              footer=_footer(s))  # fmt: skip
        if backtest:
            _accuracy_tables(s, out.synthetic)
    console = stdout()
    for line in [*out.provenance.lines(), f"method: {out.parameters['intervals']}",
                 *(f"note: {n}" for n in out.notes)]:  # fmt: skip
        console.print(f"[dim]{_escape(line)}[/]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _footer(s: SeriesOutlook) -> list[str]:
    lines = [f"why: {s.reason}"] if s.name != "exporter" else [s.reason]
    if line := s.backtest_line():
        lines.append(f"backtest: {line}")
    cov = []
    for level in (80, 95):
        measured, points = s.interval_coverage(level)
        if measured is not None:
            cov.append(f"{level} % intervals → {measured * 100:.1f} % of {points}")
    if cov:
        lines.append("measured coverage (nominal → held-out points inside): " + "; ".join(cov))
    if s.gaps:
        lines.append(f"gaps: {', '.join(s.gaps)}")
    lines += [f"note: {n}" for n in s.notes]
    return lines


def _accuracy_tables(s: SeriesOutlook, synthetic: bool) -> None:
    from corridor.cli.render import table
    from corridor.models.forecast import tables

    acc = tables.columns(tables.ACCURACY, s.unit)[1:]
    table(s.accuracy.to_pylist(), acc, title=f"backtest accuracy — {s.label}",
          synthetic=synthetic,
          footer=["MASE: mean absolute error ÷ the in-sample one-step naive error; "
                  "'Selected' replays the choice at every past origin"])  # fmt: skip
    cov = tables.columns(tables.COVERAGE, s.unit)[1:]
    table(s.coverage.to_pylist(), cov, title=f"interval coverage — {s.label}",
          synthetic=synthetic)  # fmt: skip


# -- CSV ----------------------------------------------------------------------------------------
_FORECAST_CSV = ("series", "key", "label", "period", "horizon", "model", "point", "lo80", "hi80",
                 "lo95", "hi95", "unit")  # fmt: skip
_ACCURACY_CSV = ("series", "key", "label", "model", "mase", "smape", "mase_vs_naive",
                 "mase_vs_drift", "points", "origins", "compared", "chosen", "coverage80",
                 "coverage95", "unit")  # fmt: skip


def _csv(out: Outlook, backtest: bool) -> None:
    from corridor.cli.render import csv_safe, provenance_columns

    extra = provenance_columns(out.provenance)
    names = _ACCURACY_CSV if backtest else _FORECAST_CSV
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*names, *extra], lineterminator="\n")
    writer.writeheader()
    for s in out.series:
        base = {"series": s.name, "key": s.key, "label": s.label, "unit": s.unit.value}
        if backtest:
            cov = {f"coverage{lv}": s.interval_coverage(lv)[0] for lv in (80, 95)}
            rows = [r | base | cov for r in s.accuracy.to_pylist()]
        else:
            rows = [r | base | {"model": r.get("model", s.model)} for r in s.forecast.to_pylist()]
        for r in rows:
            writer.writerow({**{k: csv_safe(r.get(k)) for k in names}, **extra})
    sys.stdout.write(buf.getvalue())
