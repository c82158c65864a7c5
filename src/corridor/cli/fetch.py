"""``corridor fetch ...``: live UN Comtrade data (preview or keyed), bulk files, references.

Call :func:`register` once on the root Typer app to add the ``fetch`` sub-app. The key comes
from ``--key-file`` or ``CORRIDOR_COMTRADE_KEY`` and is never printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli.output import Format

if TYPE_CHECKING:
    from corridor.services.fetch import FetchReport
    from corridor.sources.comtrade_query import PlannedRequest

__all__ = ["app", "register"]

app = typer.Typer(no_args_is_help=True, help="Fetch live data from UN Comtrade (archived).")

KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file", help="File holding the subscription key (or CORRIDOR_COMTRADE_KEY)."
    ),
]
Refresh = Annotated[
    bool, typer.Option("--refresh", help="Call the API even for archived requests.")
]
Rate = Annotated[
    float | None,
    typer.Option("--rate", help="Calls per minute (default: 60 preview, 10 keyed).", min=0.1),
]
Timeout = Annotated[float | None, typer.Option(help="Seconds to wait for a response.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table or json.")]


def register(root: typer.Typer) -> None:
    """Add the ``fetch`` sub-app to the root app (idempotent)."""
    if not any(g.name == "fetch" for g in root.registered_groups):
        root.add_typer(app, name="fetch")


def _key(key_file: Path | None) -> str | None:
    """The validated key (``--key-file`` or CORRIDOR_COMTRADE_KEY), checked before any work."""
    from corridor.services.fetch import resolve_key

    return resolve_key(None, key_file)


def _years(text: str) -> tuple[int, ...]:
    from corridor.cli.app import parse_years
    from corridor.errors import InvalidQuery

    span = parse_years(text)
    if span is None:
        raise InvalidQuery("--years is empty: give YYYY or YYYY-YYYY (e.g. --years 2015-2024)")
    return tuple(range(span[0], span[1] + 1))


def _split(values: list[str] | None) -> list[str]:
    return [p.strip() for v in values or [] for p in v.split(",") if p.strip()]


def _plan_rows(plan: list[PlannedRequest]) -> list[dict[str, Any]]:
    def areas(values: tuple[int, ...] | None) -> str:
        if values is None:
            return "all"
        return ",".join(map(str, values)) if len(values) <= 4 else f"{len(values)} areas"

    return [
        {
            "call": i,
            "endpoint": r.path,
            "reporters": areas(r.reporters),
            "partners": areas(r.partners),
            "flows": ",".join(r.flows),
            "codes": ",".join(r.codes) if len(r.codes) <= 3 else f"{len(r.codes)} codes",
            "periods": r.periods[0] if len(r.periods) == 1 else f"{r.periods[0]}–{r.periods[-1]}",
            "n_periods": len(r.periods),
            "expected_max_records": r.expected_max_records,
            "mirror": r.mirror,
            "params": r.params,
        }
        for i, r in enumerate(plan, 1)
    ]


def _print_plan(plan: list[PlannedRequest], tier: str, base_url: str, fmt: Format) -> None:
    from rich.table import Table

    from corridor.cli.output import stdout
    from corridor.sources.comtrade_query import KEYED, PREVIEW, plan_totals

    limits = KEYED if tier == "keyed" else PREVIEW
    rows = _plan_rows(plan)
    totals = plan_totals(plan)
    naive = len({(c, p) for r in plan for c in r.codes for p in r.periods})
    if fmt is Format.json:
        doc = {
            "schema": "corridor.fetch-plan/1",
            "tier": tier,
            "base_url": base_url,
            "limits": {"max_rows": limits.max_rows, "max_periods": limits.max_periods,
                       "calls_per_minute": limits.calls_per_minute},
            "calls": rows,
            "totals": totals | {"one_call_per_year_per_code": naive},
        }  # fmt: skip
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    table = Table(title=f"fetch plan — {tier} tier ({limits.max_rows:,} rows/call) at {base_url}")
    for col in ("#", "endpoint", "reporters", "partners", "flows", "codes", "periods", "max rows"):
        table.add_column(col, justify="right" if col in {"#", "max rows"} else "left")
    for r in rows:
        table.add_row(str(r["call"]), r["endpoint"], r["reporters"], r["partners"], r["flows"],
                      r["codes"], r["periods"], f"{r['expected_max_records']:,}")  # fmt: skip
    out = stdout()
    out.print(table)
    out.print(
        f"{totals['calls']:,} call(s), at most {totals['expected_max_records']:,} records "
        f"(one call per year per HS code would be {naive:,}); dry run: nothing was fetched"
    )


def _progress_bar():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.cli.output import stderr

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("calls · {task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
    )


def _print_report(report: FetchReport, warehouse: Path, fmt: Format) -> None:
    from corridor.cli.output import stderr

    err = stderr()
    if fmt is Format.json:
        sys.stdout.write(json.dumps(report.as_dict() | {"warehouse": str(warehouse)}, indent=2))
        sys.stdout.write("\n")
    err.print(
        f"fetch ({report.tier}): {report.calls_planned:,} planned, "
        f"{report.requests_fetched:,} fetched, {report.requests_cached:,} from the archive, "
        f"{report.http_calls:,} HTTP call(s); {report.rows_ingested:,} rows ingested"
        + (f"; {report.no_data} with no data" if report.no_data else "")
        + (f"; {len(report.quarantined)} quarantined" if report.quarantined else "")
        + f" into {warehouse} in {report.seconds:.1f} s",
        markup=False,
        highlight=False,
    )
    for warning in report.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False, highlight=False)
    for q in report.quarantined:
        err.print(f"quarantined: {q.url}: {q.reason} → {q.path}", style="yellow", markup=False,
                  highlight=False)  # fmt: skip


def _run(ctx: typer.Context, fmt: Format, work) -> None:
    """Run ``work(wh, progress)`` with a progress bar and print the report."""
    from corridor.cli.app import open_wh
    from corridor.services.fetch import FetchIncomplete

    with open_wh(ctx) as wh:
        bar = _progress_bar()
        task = bar.add_task("fetch", total=None, rows=0)

        def progress(p) -> None:
            bar.update(task, completed=p.done, total=p.done + p.remaining, rows=p.rows,
                       description="archive" if p.cached else "fetch")  # fmt: skip

        try:
            with bar:
                report = work(wh, progress)
        except FetchIncomplete as exc:  # the rest was fetched: say what, then the error line
            _print_report(exc.report, wh.path, fmt)
            raise
        _print_report(report, wh.path, fmt)


@app.command("comtrade")
def comtrade(
    ctx: typer.Context,
    reporter: Annotated[list[str], typer.Option(help="Reporter(s): name, ISO3 or code.")],
    years: Annotated[str, typer.Option(help="YYYY or YYYY-YYYY.")],
    partner: Annotated[list[str] | None, typer.Option(help="Partner(s), 'all' or 'world'.")] = None,
    hs: Annotated[list[str] | None, typer.Option(help="HS code(s) (default 76).")] = None,
    level: Annotated[int | None, typer.Option(help="Expand codes to 2, 4 or 6 digits.")] = None,
    flow: Annotated[str, typer.Option(help="Flow(s): M, X, ... (comma list).")] = "M",
    freq: Annotated[str, typer.Option(help="A (annual) or M (monthly).")] = "A",
    mirror: Annotated[bool, typer.Option("--mirror", help="Also the partners' reports.")] = False,
    breakdown: Annotated[
        bool, typer.Option("--breakdown", help="Plus breakdown instead of C00/0/0 totals.")
    ] = False,
    tier: Annotated[str, typer.Option(help="auto, preview or keyed.")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    key_file: KeyFile = None,
    refresh: Refresh = False,
    rate: Rate = None,
    timeout: Timeout = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Comtrade final data: public preview without a key, the data API with one."""
    from corridor.services.fetch import fetch_comtrade, make_client, resolve_tier
    from corridor.settings import get_settings
    from corridor.sources.comtrade_query import ComtradeQuery, plan_requests

    settings = get_settings()
    key = _key(key_file)
    chosen = resolve_tier(tier, key)
    query = ComtradeQuery(
        reporters=_split(reporter),
        partners=_split(partner) or None,
        flows=flow,
        hs=_split(hs) or ["76"],
        level=level,
        years=_years(years),
        freq=freq.upper(),
        mirror=mirror,
        breakdown=breakdown,
    )
    plan = plan_requests(query, chosen)
    if dry_run:
        _print_plan(plan, chosen, settings.comtrade_url, fmt)
        return

    def work(wh, progress):
        with make_client(settings, chosen, key=key, calls_per_minute=rate, timeout=timeout) as cl:
            return fetch_comtrade(wh, query, tier=chosen, client=cl, settings=settings,
                                  refresh=refresh, progress=progress, requests=plan)  # fmt: skip

    _run(ctx, fmt, work)


@app.command("comtrade-bulk")
def comtrade_bulk(
    ctx: typer.Context,
    reporter: Annotated[list[str], typer.Option(help="Reporter(s): name, ISO3 or code.")],
    years: Annotated[str, typer.Option(help="YYYY or YYYY-YYYY.")],
    freq: Annotated[str, typer.Option(help="A (annual) or M (monthly).")] = "A",
    key_file: KeyFile = None,
    refresh: Refresh = False,
    rate: Rate = None,
    timeout: Timeout = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Keyed bulk files (all partners and codes, plus breakdown) for reporters and years."""
    from corridor.reference.countries import resolve_country
    from corridor.services.fetch import fetch_bulk, make_client, resolve_tier
    from corridor.settings import get_settings
    from corridor.sources.comtrade_bulk import bulk_listing_requests

    settings = get_settings()
    key = _key(key_file)
    resolve_tier("keyed", key)
    reporters = tuple(sorted({resolve_country(r).code for r in _split(reporter)}))
    bulk_listing_requests(reporters, _years(years), freq=freq.upper())  # checks before any work

    def work(wh, progress):
        with make_client(settings, "keyed", key=key, calls_per_minute=rate, timeout=timeout) as cl:
            return fetch_bulk(wh, reporters, _years(years), client=cl, settings=settings,
                              refresh=refresh, progress=progress, freq=freq.upper())  # fmt: skip

    _run(ctx, fmt, work)


@app.command("reference")
def reference(
    refresh: Refresh = False,
    timeout: Timeout = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Refresh the Comtrade reporter, partner and HS lists (no key; reused for a week)."""
    from corridor.cli.output import emit_rows
    from corridor.services.fetch import fetch_reference, make_client
    from corridor.settings import get_settings

    settings = get_settings()
    dest = settings.data_dir / "reference" / "comtrade"
    with make_client(settings, "preview", key="", timeout=timeout) as client:
        results = fetch_reference(client, dest, refresh=refresh)
    rows = [
        {"file": r.name, "entries": r.entries, "status": r.status, "path": str(r.path),
         "retrieved_at": r.retrieved_at.isoformat(timespec="seconds")}
        for r in results
    ]  # fmt: skip
    prov = {"sources": [settings.comtrade_url + "/files/v1/app/reference/"]}
    emit_rows(rows, fmt, title="Comtrade reference lists", schema="corridor.reference/1",
              provenance=prov)  # fmt: skip
