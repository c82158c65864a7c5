"""``corridor brief``: the corridor brief as HTML and PDF with charts, data.json and CSVs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from corridor.report.render import BriefFiles
    from corridor.report.worker import RenderWorker
    from corridor.services.brief import Brief, BriefQuery
    from corridor.store.warehouse import Warehouse

__all__ = ["make_brief", "print_files", "register"]

_LABELS = {
    "headline": "headline", "suppliers": "who supplies the market", "dependency": "dependency",
    "prices": "prices", "mix": "product mix", "mirror": "mirror check", "scrap": "scrap flows",
    "notes": "data notes", "charts": "charts (Altair → PNG + SVG)", "html": "brief.html",
    "pdf": "brief.pdf (WeasyPrint)", "data": "data.json + CSVs",
}  # fmt: skip


def make_brief(
    wh: Warehouse,
    query: BriefQuery,
    out: Path,
    *,
    pdf: bool = True,
    worker: RenderWorker | None = None,
) -> tuple[Brief, BriefFiles]:
    """Build and render a brief with a Rich progress bar (one step per section and file).

    Pass a ``worker`` started early (before the heavy imports) to overlap its start-up too.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.cli.output import stderr
    from corridor.report.render import RENDER_STEPS, render_brief
    from corridor.report.worker import RenderWorker
    from corridor.services.brief import STEPS, build_brief

    steps = [*STEPS, *(s for s in RENDER_STEPS if pdf or s != "pdf")]
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr(),
        transient=False,
    ) as bar:
        task = bar.add_task("brief", total=len(steps))
        started = [False]

        def tell(step: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=f"brief: {_LABELS.get(step, step)}")

        with worker or RenderWorker(out) as draw:  # draws charts while sections compute
            brief = build_brief(wh, query, progress=tell, on_section=draw.submit)
            files = render_brief(brief, out, pdf=pdf, progress=tell, worker=draw)
        bar.update(task, completed=len(steps), description="brief: done")
    return brief, files


def print_files(files: BriefFiles, synthetic: bool) -> None:
    """Print the output paths (stdout), most useful first."""
    from corridor.cli.output import stdout

    con = stdout()
    if synthetic:
        con.print("[bold red]SYNTHETIC DATA[/] — the brief is labelled synthetic on every page")
    con.print(f"brief: {files.pdf or files.html}")
    con.print(f"  html: {files.html}")
    con.print(f"  data: {files.data}")
    con.print(f"  charts: {len(files.charts)} × (PNG + SVG), tables: {len(files.tables)} CSV "
              f"in {files.folder}")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``brief`` to the app (idempotent)."""
    if any(c.name == "brief" for c in app.registered_commands):
        return

    @app.command(name="brief")
    def brief(
        ctx: typer.Context,
        importer: Annotated[str, typer.Option(help="Importing country (name, ISO3, code).")],
        exporter: Annotated[str, typer.Option(help="Exporting country.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
        hs: Annotated[
            list[str] | None, typer.Option("--hs", help="HS code(s), repeatable.")
        ] = None,
        years: Annotated[str | None, typer.Option(help="YYYY or YYYY-YYYY.")] = None,
        dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
        side: Annotated[str, typer.Option(help="importer (M, CIF) or exporter (X, FOB).")] = (
            "importer"
        ),
        pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Render brief.pdf.")] = True,
    ) -> None:
        """The corridor brief: HTML + PDF with charts, data.json and CSVs, in one folder."""
        start = time.perf_counter()
        from corridor.report.worker import RenderWorker

        with RenderWorker(out) as worker:  # starts now, so its imports overlap ours
            from corridor.cli.app import open_wh, parse_years
            from corridor.errors import InvalidQuery
            from corridor.services.brief import BriefQuery

            if side not in ("importer", "exporter"):
                raise InvalidQuery(f"--side {side!r} (accepted: importer, exporter)")
            query = BriefQuery(importer=importer, exporter=exporter, hs=hs or ["76"],
                               years=parse_years(years), dataset=dataset, side=side)  # fmt: skip
            with open_wh(ctx, read_only=True) as wh:
                made, files = make_brief(wh, query, out, pdf=pdf, worker=worker)
        from corridor.cli.output import stderr

        print_files(files, made.synthetic)
        stderr().print(f"[dim]done in {time.perf_counter() - start:.1f} s[/]")
