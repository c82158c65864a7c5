"""``corridor export ...``: the warehouse as Hive-partitioned Parquet, and its check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Export the warehouse as Parquet; verify an export.")


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
