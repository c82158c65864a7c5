"""``corridor brief``: the corridor brief as HTML and PDF with charts, data.json and CSVs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli.analytics import (
    Dataset,
    Engine,
    Hs,
    Level,
    MeasureOpt,
    SideOpt,
    TopN,
    Years,
    corridor_options,
)

if TYPE_CHECKING:
    from corridor.report.render import BriefFiles
    from corridor.report.worker import RenderWorker
    from corridor.services.brief import Brief
    from corridor.services.session import Session

__all__ = ["check_out", "make_brief", "print_files", "register", "start_worker"]


def check_out(out: Path) -> Path:
    """The output folder, refused at once if a file (not a folder) is in its place."""
    from corridor.errors import InvalidQuery

    if out.exists() and not out.is_dir():
        raise InvalidQuery(
            f"--out {out}: that is an existing file; --out names a folder for the brief's "
            "files (created if missing)"
        )
    return out


def start_worker(out: Path, *, pdf: bool) -> RenderWorker:
    """Start the chart/PDF process (checks first that its libraries are installed)."""
    from corridor.report.worker import RenderWorker
    from corridor.settings import get_settings

    return RenderWorker(out, pdf=pdf, cache=get_settings().cache_dir / "charts")


def make_brief(
    session: Session, out: Path, *, pdf: bool = True, worker: RenderWorker | None = None
) -> tuple[Brief, BriefFiles]:
    """Build and render a brief with a progress bar (one step per section and file).

    Pass a ``worker`` started early (before the heavy imports) so its start-up overlaps.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.cli.output import stderr
    from corridor.report.render import RENDER_STEPS, render_brief
    from corridor.services.brief import build_brief, steps

    labels = dict([*steps(), *RENDER_STEPS])
    total = len(steps()) + sum(1 for s, _ in RENDER_STEPS if pdf or s != "pdf")
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr(),
        transient=False,
    ) as bar:
        task = bar.add_task("brief", total=total)
        started = [False]

        def tell(step: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=f"brief: {labels.get(step, step)}")

        with worker or start_worker(out, pdf=pdf) as draw:
            brief = build_brief(session, progress=tell, on_section=draw.submit)
            files = render_brief(brief, out, pdf=pdf, progress=tell, worker=draw)
        bar.update(task, completed=total, description="brief: done")
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
    con.print(f"  charts: {len(files.charts)} × (SVG, PNG, JPEG), tables: {len(files.tables)} CSV "
              f"in {files.folder}")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``brief`` to the app (idempotent)."""
    if any(c.name == "brief" for c in app.registered_commands):
        return

    @app.command(name="brief")
    def brief(
        ctx: typer.Context,
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created).")],
        importer: Annotated[
            str, typer.Option("--importer", help="Importing country (name, ISO3, code).")
        ] = "JPN",
        exporter: Annotated[str, typer.Option("--exporter", help="Exporting country.")] = "IND",
        hs: Hs = None,
        years: Years = None,
        measure: MeasureOpt = "auto",
        side: SideOpt = "auto",
        dataset: Dataset = None,
        level: Level = None,
        top_n: TopN = 5,
        engine: Engine = "duckdb",
        pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Render brief.pdf.")] = True,
    ) -> None:
        """The corridor brief: HTML + PDF with charts, data.json and CSVs, in one folder."""
        start = time.perf_counter()
        check_out(out)
        opts = corridor_options(importer=importer, exporter=exporter, hs=hs, years=years,
                                measure=measure, side=side, dataset=dataset, level=level,
                                top_n=top_n, engine=engine)  # fmt: skip
        with start_worker(out, pdf=pdf) as worker:  # its imports overlap ours from here on
            from corridor.cli.app import open_session

            with open_session(ctx, **opts) as session:
                made, files = make_brief(session, out, pdf=pdf, worker=worker)
        from corridor.cli.output import stderr

        print_files(files, made.synthetic)
        stderr().print(f"[dim]done in {time.perf_counter() - start:.1f} s[/]")
