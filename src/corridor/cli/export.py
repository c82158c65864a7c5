"""``corridor export ...``: the warehouse as Parquet (and its check), or into a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(
    no_args_is_help=True,
    help="Export the warehouse as Parquet (verify an export) or copy it into a database.",
)


@app.command("parquet")
def parquet(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="Export directory (new, empty or an export).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite an export of other content.")
    ] = False,
) -> None:
    """Write the warehouse as Parquet partitioned by year= and chapter=, with a manifest."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from corridor.cli.app import warehouse_path
    from corridor.cli.output import stderr
    from corridor.store.export import export_parquet

    err = stderr()
    with Progress(
        TextColumn("export"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.completed:,.0f} rows"), TimeRemainingColumn(),
        console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("export", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = export_parquet(warehouse_path(ctx), target, replace=replace, progress=tell)
    err.print(
        f"export {result.status}: {result.target} — {result.rows:,} trade rows, "
        f"{result.files} files, {result.bytes / 1e6:,.1f} MB in {result.seconds:.1f} s"
    )
    typer.echo(str(result.target))


@app.command("verify")
def verify(
    target: Annotated[Path, typer.Argument(help="Export directory.")],
    quick: Annotated[
        bool, typer.Option("--quick", help="Sizes and row counts only (no sha256).")
    ] = False,
) -> None:
    """Check an export against its manifest: every file, size, sha256 and row count."""
    from corridor.cli.output import stderr
    from corridor.store.export import verify_export

    info = verify_export(target, hashes=not quick)
    stderr().print(
        f"export {info['export']} matches its manifest: {info['files']} files, "
        f"{info['tables']['trade']:,} trade rows, {info['bytes'] / 1e6:,.1f} MB"
        + (" (sizes and row counts; sha256 not checked)" if quick else "")
    )


@app.command("database")
def database(
    ctx: typer.Context,
    url: Annotated[
        str,
        typer.Argument(
            help="Ibis connection URL, e.g. postgres://user@host:5432/db (a password here is "
            "never printed; PGPASSWORD also works).",
            metavar="URL",
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite corridor's tables already there.")
    ] = False,
) -> None:
    """Copy the read tables into a database, for `--engine url` with CORRIDOR_ENGINE_URL."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from corridor.cli.app import warehouse_path
    from corridor.cli.output import stderr
    from corridor.store.catalog import Catalog
    from corridor.store.database import copy_to_database, safe_url

    path = warehouse_path(ctx)
    Catalog(path).close()  # the same checks and messages as every read of the warehouse
    err = stderr()
    with Progress(
        TextColumn("copy"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.completed:,.0f} trade rows"), console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("copy", total=None)
        result = copy_to_database(
            path, url, replace=replace, progress=lambda d, t: bar.update(task, completed=d, total=t)
        )
    err.print(
        f"copied to {safe_url(url)}: "
        + ", ".join(f"{name} {rows:,}" for name, rows in result.tables.items())
        + f" rows in {result.seconds:.1f} s — query it with --engine url and "
        "CORRIDOR_ENGINE_URL set to that URL"
    )
