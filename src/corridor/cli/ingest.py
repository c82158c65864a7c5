"""``corridor ingest ...``: load files into the warehouse (idempotent, resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.errors import InputFileError, InvalidQuery

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Load trade files into the warehouse.")

Files = Annotated[list[Path], typer.Argument(help="Files to ingest.", show_default=False)]


class IngestMeter:
    """Turns per-file progress (name, percent) into bytes and estimated rows over all files.

    The ingest reports a percentage for the file (or group of small files) it is loading;
    the meter weighs it by the file's size. Rows are estimated from the newline density of
    the first text file's first MiB (exact counts come in the report at the end), so the bar
    shows rows/s and an ETA for ten BACI years as well as for one file.
    """

    def __init__(self, files: list[Path], kind: str) -> None:
        self.sizes = {p.name: p.stat().st_size for p in files if p.is_file()}
        self.total = sum(self.sizes.values())
        self.rows_per_byte = _rows_per_byte(files, kind)
        self._pct: dict[str, float] = {}

    def update(self, name: str, pct: float) -> int:
        """Record ``pct`` for ``name``; return the bytes done over all files."""
        self._pct[name] = max(self._pct.get(name, 0.0), min(pct, 100.0))
        named = {n for n in self._pct if n in self.sizes}
        rest = self.total - sum(self.sizes[n] for n in named)  # files loaded in groups
        groups = [n for n in self._pct if n not in self.sizes]
        done = sum(self.sizes[n] * self._pct[n] / 100 for n in named)
        done += sum(rest / len(groups) * self._pct[n] / 100 for n in groups)
        return int(min(done, self.total))

    def rows(self, done_bytes: float) -> int | None:
        """Estimated rows in ``done_bytes`` (None when the kind is not line-based)."""
        return None if self.rows_per_byte is None else int(done_bytes * self.rows_per_byte)


def _rows_per_byte(files: list[Path], kind: str) -> float | None:
    if kind not in {"baci", "comtrade-csv", "table"} or not files:
        return None
    try:
        with files[0].open("rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return None
    if not head or files[0].suffix.lower() not in {".csv", ".txt"}:
        return None
    return max(head.count(b"\n") - 1, 1) / len(head)


def _run(ctx: typer.Context, files: list[Path], kind: str, **kwargs) -> None:
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from corridor.cli.app import _report, open_wh
    from corridor.cli.output import stderr
    from corridor.services.loading import load_files

    meter = IngestMeter(files, kind)
    with open_wh(ctx) as wh:
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=stderr(),
            transient=True,
        )
        label = files[0].name if len(files) == 1 else f"{len(files)} files"
        task = progress.add_task(f"ingest {label}", total=meter.total or None, rate="")

        def report(name: str, pct: float) -> None:
            done = meter.update(name, pct)
            elapsed = progress.tasks[task].elapsed or 0.0
            rows = meter.rows(done)
            if elapsed > 0 and rows is not None:
                rate = f"~{rows:,} rows · {rows / elapsed:,.0f} rows/s"
            elif elapsed > 0:
                rate = f"{done / elapsed / 1e6:,.1f} MB/s"
            else:
                rate = ""
            progress.update(task, completed=done, rate=rate)

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
