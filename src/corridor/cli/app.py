"""The ``corridor`` command line: global options, error handling, and the commands."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from corridor import __version__
from corridor.cli.output import Format, emit_rows, stderr
from corridor.errors import CorridorError, first_line, one_line

__all__ = ["app", "main"]


@dataclass
class State:
    """Options given before the command."""

    debug: bool = False
    warehouse: Path | None = None


#: Options of the root command that may also be written after a subcommand (value count).
GLOBAL_OPTIONS = {"--warehouse": 1, "--debug": 0}


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options written anywhere (``corridor summary --warehouse X``) to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            takes = GLOBAL_OPTIONS[name] if "=" not in arg else 0
            front += args[i : i + 1 + takes]
            i += 1 + takes
            continue
        rest.append(arg)
        i += 1
    return front + rest


class CorridorGroup(TyperGroup):
    """Turns corridor errors into one line on stderr and an exit code (tracebacks: --debug)."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """Accept the global options after the subcommand too."""
        if ctx.parent is None:
            args = hoist_global_options(list(args))
        return super().parse_args(ctx, args)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Run; a bad option or argument is one line on stderr and exit 2 (no usage box)."""
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
        from typer.exceptions import Abort

        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:  # `corridor ingest` alone: the help, as click shows it
            exc.show()
            rv = exc.exit_code
        except UsageError as exc:
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            typer.echo(f"error: {one_line(exc.format_message())}{where}", err=True)
            rv = 2
        except ClickException as exc:
            typer.echo(f"error: {one_line(exc.format_message())}", err=True)
            rv = exc.exit_code
        except Abort:
            typer.echo("interrupted — run the same command again to resume", err=True)
            rv = 130
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: typer.Context) -> Any:
        """Run the command; map CorridorError to a one-line message."""
        try:
            return super().invoke(ctx)
        except CorridorError as exc:
            state = ctx.find_object(State)
            if state and state.debug:
                raise
            typer.echo(f"error: {one_line(str(exc))}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted — run the same command again to resume", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            if isinstance(exc, typer.Exit | typer.Abort) or type(exc).__module__.startswith(
                "typer"
            ):
                raise
            if isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower():  # DuckDB
                typer.echo("interrupted — run the same command again to resume", err=True)
                raise typer.Exit(130) from None
            state = ctx.find_object(State)
            if state and state.debug:
                raise
            first = first_line(exc, "")
            typer.echo(
                f"internal error: {type(exc).__name__}: {first} — please report it; "
                "--debug shows the traceback",
                err=True,
            )
            raise typer.Exit(70) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"corridor {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            envvar="CORRIDOR_WAREHOUSE",
            help="DuckDB warehouse file, or a Parquet export directory to read "
            "(default: <data dir>/corridor.duckdb).",
        ),
    ] = None,
) -> None:
    """Evidence about one trade corridor from UN Comtrade and CEPII BACI data."""
    ctx.obj = State(debug=debug, warehouse=warehouse)


def state(ctx: typer.Context) -> State:
    """The global options of this invocation."""
    return ctx.find_object(State) or State()


def open_wh(ctx: typer.Context, *, sample: bool = False, read_only: bool = False):
    """Open the warehouse chosen by --warehouse, or the default (sample: the demo's own)."""
    from corridor.settings import get_settings
    from corridor.store.warehouse import Warehouse

    settings = get_settings()
    path = state(ctx).warehouse
    if path is None:
        path = settings.sample_warehouse_path if sample else settings.warehouse_path
    return Warehouse(path, read_only=read_only)


def warehouse_path(ctx: typer.Context, *, sample: bool = False) -> Path:
    """The warehouse chosen by --warehouse, or the default (sample: the demo's own)."""
    from corridor.settings import get_settings

    path = state(ctx).warehouse
    if path is None:
        settings = get_settings()
        path = settings.sample_warehouse_path if sample else settings.warehouse_path
    return path


@contextmanager
def open_session(ctx: typer.Context, *, sample: bool = False, **query: Any) -> Iterator[Any]:
    """A session on the chosen warehouse for the question ``query`` (closed afterwards)."""
    from corridor.query import CorridorQuery
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    q = CorridorQuery(**query)
    catalog = Catalog(warehouse_path(ctx, sample=sample), engine=q.engine)
    try:
        yield Session(catalog, q)
    finally:
        catalog.close()


def parse_years(text: str | None) -> tuple[int, int] | None:
    """'2015-2024' or '2022' → (first, last), checked (see :func:`corridor.query.parse_years`)."""
    from corridor.query import parse_years as parse

    return parse(text)


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")]


def sample(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed (deterministic output).")] = 7601,
) -> None:
    """Build the SYNTHETIC sample corridor (Japan's HS 76 imports + mirror, 2015–2024)."""
    from corridor.services.loading import build_sample
    from corridor.settings import get_settings

    with open_wh(ctx, sample=True) as wh:
        result = build_sample(wh, get_settings().data_dir / "generated", seed=seed)
        _report([result], wh.path)


def demo(
    ctx: typer.Context,
    fmt: FormatOpt = Format.table,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Brief folder (default: <data dir>/briefs/jpn-ind-76)."),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Real data: fetch Japan's HS 76 imports (HS6, all partners, 2015-2024) and "
            "India's mirror exports from the public Comtrade preview (no key; cached), then "
            "build the brief from them.",
        ),
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Render brief.pdf.")] = True,
) -> None:
    """The main job: the India→Japan aluminium corridor, as a table and as the corridor brief."""
    from corridor.cli.brief import check_out, start_worker
    from corridor.settings import get_settings

    start = time.perf_counter()
    err = stderr()
    settings = get_settings()
    years = (2015, 2024)
    folder = out or settings.data_dir / "briefs" / ("jpn-ind-76-live" if live else "jpn-ind-76")
    check_out(folder)
    # The chart/PDF worker starts first: its start-up overlaps the sample and the analytics.
    with start_worker(folder, pdf=pdf) as worker:
        from corridor.cli.analytics import show
        from corridor.cli.brief import make_brief, print_files

        with open_wh(ctx, sample=not live) as wh:
            if live:
                _fetch_live(wh, years)
            else:
                from corridor.services.loading import build_sample

                with err.status("building the synthetic sample corridor…"):
                    result = build_sample(wh, settings.data_dir / "generated")
                err.print(
                    f"sample: {result.status}, {result.rows_inserted:,} rows "
                    f"({'already there' if result.status == 'already ingested' else 'new'}) "
                    f"in {wh.path}"
                )
        query = {"importer": "JPN", "exporter": "IND", "hs": "76", "years": years}
        with open_session(ctx, sample=not live, **query) as session:
            show(session, "summary", fmt)
            brief, files = make_brief(session, folder, pdf=pdf, worker=worker)
    if fmt is Format.table:
        print_files(files, brief.synthetic)
    else:
        err.print(f"brief: {files.pdf or files.html}")
    err.print(f"[dim]done in {time.perf_counter() - start:.1f} s[/]")


def _fetch_live(wh: Any, years: tuple[int, int]) -> None:
    """Fetch the demo corridor from the Comtrade preview into ``wh`` (archive-cached)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.services.fetch import fetch_corridor

    err = stderr()
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.completed}/{task.total} calls"), TimeElapsedColumn(), console=err,
    ) as bar:  # fmt: skip
        for label, exporter, mirror in (("Japan's imports, all partners", None, False),
                                        ("India's mirror exports", "IND", True)):  # fmt: skip
            task = bar.add_task(f"fetch: {label}", total=None)

            def tell(p: Any, task: Any = task) -> None:
                bar.update(task, completed=p.done, total=p.done + p.remaining)

            report = fetch_corridor(wh, "JPN", exporter, "76", years, mirror=mirror,
                                    tier="preview", level=6, progress=tell)  # fmt: skip
            err.print(
                f"fetch ({label}): {report.http_calls} call(s), {report.requests_cached} "
                f"from cache, {report.rows_ingested:,} new rows"
            )
            for w in report.warnings[:3]:
                err.print(f"[yellow]warning:[/] {w}")


def status(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """What the warehouse holds: datasets, rows, years, raw files, interrupted ingests."""
    with open_wh(ctx, read_only=True) as wh:
        info = wh.status()
    rows = info.pop("datasets")
    prov = {"warehouse": info["warehouse"], "synthetic": any(r["synthetic"] for r in rows)}
    emit_rows(rows, fmt, title="warehouse contents", schema="corridor.status/1", provenance=prov)
    if info["interrupted_ingests"] and fmt is Format.table:
        stderr().print(
            f"[yellow]{info['interrupted_ingests']} interrupted ingest(s): run the same "
            "ingest command again to resume[/]"
        )


def countries(
    query: Annotated[str | None, typer.Argument(help="Name, ISO code or Comtrade code.")] = None,
    group: Annotated[str | None, typer.Option(help="Only members of QUAD, G20, EU27, ...")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Comtrade area codes with ISO codes, names and kinds (reference data)."""
    from corridor.reference.countries import countries as all_countries
    from corridor.reference.countries import group_members, resolve_country

    items = [resolve_country(query)] if query else list(all_countries())
    if group:
        members = group_members(group)
        items = [c for c in items if c.code in members]
    rows = [
        {
            "code": c.code,
            "iso3": c.iso3,
            "iso2": c.iso2,
            "name": c.name,
            "kind": c.kind,
            "valid_from": c.valid_from,
            "valid_to": c.valid_to,
        }
        for c in items
    ]
    prov = {"sources": ["corridor reference data (pycountry + UN Comtrade area list)"]}
    emit_rows(rows, fmt, title="Comtrade areas", schema="corridor.countries/1", provenance=prov)


def _report(results: list[Any], warehouse: Path) -> None:
    from rich.table import Table

    table = Table(title=f"ingest into {warehouse}")
    for col in ("file", "status", "dataset", "read", "inserted", "replaced", "skipped", "s"):
        table.add_column(col, justify="left" if col in {"file", "status", "dataset"} else "right")
    for r in results:
        table.add_row(
            Path(r.origin).name if "/" in r.origin else r.origin,
            r.status + (" (resumed)" if r.resumed else ""),
            r.dataset,
            f"{r.rows_read:,}",
            f"{r.rows_inserted:,}",
            f"{r.rows_replaced:,}",
            f"{r.rows_skipped:,}",
            f"{r.seconds:.1f}",
        )
    err = stderr()
    err.print(table)
    for r in results:
        err.print(
            f"[dim]provenance: {r.origin} · sha256 {r.sha256[:16]}… · "
            f"retrieved {r.retrieved_at:%Y-%m-%d %H:%M:%S} UTC[/]"
        )


def _register_core(a: typer.Typer, only: str | None) -> None:
    for fn in (sample, demo, status, countries):
        if only in (None, fn.__name__):
            a.command()(fn)


def _register(module: str, attr: str = "register") -> Callable[[typer.Typer, str | None], None]:
    def register(a: typer.Typer, only: str | None) -> None:
        import importlib

        getattr(importlib.import_module(f"corridor.cli.{module}"), attr)(a)

    return register


def _analytics(a: typer.Typer, only: str | None) -> None:
    from corridor.cli import analytics

    analytics.register(a, names=None if only is None else (only,))


def _subapp(module: str, name: str) -> Callable[[typer.Typer, str | None], None]:
    def register(a: typer.Typer, only: str | None) -> None:
        import importlib

        a.add_typer(importlib.import_module(f"corridor.cli.{module}").app, name=name)

    return register


#: command name → how to add it; a group of commands shares one registrar.
_ANALYTICS = ("summary", "partners", "growth", "concentration", "prices", "mirror", "mix",
              "scrap", "rca", "quality", "periods")  # fmt: skip
_REGISTRARS: dict[str, Callable[[typer.Typer, str | None], None]] = {
    **dict.fromkeys(("sample", "demo", "status", "countries"), _register_core),
    "ingest": _subapp("ingest", "ingest"),
    "fetch": _register("fetch"),
    **dict.fromkeys(_ANALYTICS, _analytics),
    "check": _register("check"),
    "brief": _register("brief"),
    "tariffs": _register("tariffs"),
    "scenario": _subapp("scenario", "scenario"),
    "export": _subapp("export", "export"),
    "forecast": _register("forecast"),
    "serve": _register("serve"),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The ``corridor`` application: every command, or only ``only`` (faster to start)."""
    a = typer.Typer(
        cls=CorridorGroup,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        help="Evidence about one trade corridor from UN Comtrade and CEPII BACI data.",
    )
    a.callback()(root)
    done: set[int] = set()
    for name, register in _REGISTRARS.items():
        if only is not None and name != only:
            continue
        if only is None and id(register) in done:
            continue
        register(a, only)
        done.add(id(register))
    return a


def _command_of(args: list[str]) -> str | None:
    """The subcommand named in ``args`` (after the global options), if it is a known one."""
    rest = hoist_global_options(args)
    i = 0
    while i < len(rest) and rest[i].split("=", 1)[0] in GLOBAL_OPTIONS:
        name = rest[i].split("=", 1)[0]
        i += 1 + (GLOBAL_OPTIONS[name] if "=" not in rest[i] else 0)
    if i < len(rest) and rest[i] in _REGISTRARS:
        return rest[i]
    return None


app: typer.Typer  # every command: built on first access, by __getattr__


def __getattr__(name: str) -> typer.Typer:
    """``app``, the full application, built on first use (the entry point builds less)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    full = globals()["app"] = build_app()
    return full


def main() -> None:
    """Console-script entry point: builds only the command invoked.

    Typer builds every command's parameters up front, which costs a tenth of a second for
    the full set; ``corridor --help`` and unknown commands get the full application.
    """
    args = sys.argv[1:]
    try:
        build_app(_command_of(args))(args=args, prog_name="corridor")
    finally:
        gc.freeze()  # the process ends: its exit need not search every object for cycles
