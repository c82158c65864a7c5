"""``corridor ingest ...``: load files into the warehouse (idempotent, resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.errors import InputFileError, InvalidQuery

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Load trade files into the warehouse.")

Files = Annotated[list[Path], typer.Argument(help="Files to ingest.", show_default=False)]


def _run(ctx: typer.Context, files: list[Path], kind: str, **kwargs) -> None:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from corridor.cli.app import _report, open_wh
    from corridor.cli.output import stderr
    from corridor.services.loading import load_files

    with open_wh(ctx) as wh:
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=stderr(),
            transient=True,
        )
        tasks: dict[str, int] = {}

        def report(name: str, pct: float) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"ingest {name}", total=100)
            progress.update(tasks[name], completed=pct)

        with progress:
            results = load_files(wh, files, kind, progress=report, **kwargs)
        _report(results, wh.path)


def _sibling(path: Path, pattern: str) -> Path | None:
    found = sorted(path.parent.glob(pattern))
    return found[-1] if found else None


@app.command("baci")
def baci(
    ctx: typer.Context,
    files: Files,
    product_codes: Annotated[
        Path | None,
        typer.Option(help="product_codes_HS*_V*.csv (default: found beside the files)."),
    ] = None,
) -> None:
    """CEPII BACI trade files (t,i,j,k,v,q: thousand USD, tonnes) → USD and kg."""
    from corridor.reference.codes import BACI_REVISIONS
    from corridor.reference.hs import load_baci_product_codes
    from corridor.sources.baci import parse_baci_name

    codes: set[str] | None = None
    rev, _, version = parse_baci_name(files[0])
    if product_codes is None:
        digits = {code: two for two, code in BACI_REVISIONS.items()}[rev]
        product_codes = _sibling(files[0], f"product_codes_HS{digits}_V{version}*.csv")
    if product_codes is not None:
        if not product_codes.exists():
            raise InputFileError(f"{product_codes}: no such file")
        codes = set(load_baci_product_codes(product_codes).column("code").to_pylist())
    _run(ctx, files, "baci", product_codes=codes)


@app.command("comtrade-csv")
def comtrade_csv(ctx: typer.Context, files: Files) -> None:
    """UN Comtrade Plus portal CSV exports (latin-1 or UTF-8, trailing comma handled)."""
    _run(ctx, files, "comtrade-csv")


@app.command("comtrade-json")
def comtrade_json(ctx: typer.Context, files: Files) -> None:
    """Saved UN Comtrade API v1 JSON responses (plain or gzip)."""
    _run(ctx, files, "comtrade-json")


@app.command("table")
def table(
    ctx: typer.Context,
    files: Files,
    map_: Annotated[
        list[str],
        typer.Option("--map", help="field=column pairs, e.g. year=year,reporter=reporter_code."),
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="field=constant, e.g. hs_code=7601 (repeatable)."),
    ] = None,
    dataset: Annotated[str, typer.Option(help="Dataset name for these rows.")] = "table",
    source: Annotated[str, typer.Option(help="Who published the data.")] = "table",
    value_unit: Annotated[str, typer.Option(help="usd, kusd or musd.")] = "usd",
    weight_unit: Annotated[str, typer.Option(help="kg, t or kt.")] = "kg",
    value_basis: Annotated[str | None, typer.Option(help="CIF or FOB (needed with value).")] = None,
    description: Annotated[str, typer.Option(help="What the file is.")] = "",
    licence: Annotated[str, typer.Option(help="Licence of the data.")] = "as stated by publisher",
) -> None:
    """Any tidy CSV/Parquet file, with a column mapping and declared units."""
    from corridor.sources.table import TableSpec, parse_mapping

    if dataset in {"sample", "comtrade"} or dataset.startswith("baci-"):
        raise InvalidQuery(f"dataset name '{dataset}' is reserved; choose another --dataset")
    spec = TableSpec(
        mapping=parse_mapping(map_),
        constants=parse_mapping(set_ or [], what="--set"),
        dataset=dataset,
        source=source,
        value_unit=value_unit.lower(),
        weight_unit=weight_unit.lower(),
        value_basis=value_basis.upper() if value_basis else None,
        description=description,
        licence=licence,
    )
    _run(ctx, files, "table", spec=spec)


@app.command("tariffs")
def tariffs(
    ctx: typer.Context,
    files: Files,
    edition: Annotated[
        str | None,
        typer.Option(help="Schedule edition YYYY-MM-DD (default: from a *_YYYY-MM-DD_* name)."),
    ] = None,
) -> None:
    """Tariff schedules: Japan Customs JSON (9-digit lines, every column) or a plain CSV."""
    from datetime import date

    when = None
    if edition:
        try:
            when = date.fromisoformat(edition)
        except ValueError:
            raise InvalidQuery(f"edition '{edition}': expected YYYY-MM-DD") from None
    _run(ctx, files, "tariffs", edition=when)
