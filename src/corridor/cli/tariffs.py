"""``corridor tariffs``: MFN vs preferential rates an exporter faces, line by line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from corridor.cli.output import Format

__all__ = ["open_catalog_if_any", "register"]

_TABLE = {
    "national_line": "line",
    "hs6": "HS6",
    "mfn_rate": "MFN",
    "mfn_column": "MFN column",
    "pref_rate": "preference",
    "pref_agreement": "agreement",
    "margin": "margin",
    "applied_rate": "applied",
    "conditional": "◎",
    "note": "note",
}


def register(app: typer.Typer) -> None:
    """Add ``corridor tariffs`` to the application."""

    @app.command()
    def tariffs(
        ctx: typer.Context,
        importer: Annotated[str, typer.Option(help="Importing country.")] = "JPN",
        exporter: Annotated[str, typer.Option(help="Exporting country.")] = "IND",
        hs: Annotated[list[str] | None, typer.Option("--hs", help="HS code(s).")] = None,
        year: Annotated[
            int | None, typer.Option(help="Judge agreements in force on 31 Dec of this year.")
        ] = None,
        dataset: Annotated[str | None, typer.Option(help="Tariff dataset to use.")] = None,
        gsp: Annotated[bool, typer.Option(help="Treat the exporter as GSP-eligible.")] = False,
        ldc: Annotated[bool, typer.Option(help="Treat the exporter as LDC-eligible.")] = False,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")] = (
            Format.table
        ),
    ) -> None:
        """MFN applied rate, the exporter's best preferential rate and the margin, per line."""
        from corridor.services.tariffs import TariffQuery, tariff_lines

        query = TariffQuery(importer=importer, exporter=exporter, hs=hs or ["76"], year=year,
                            dataset=dataset, gsp=gsp, ldc=ldc)  # fmt: skip
        with open_catalog_if_any(ctx) as catalog:
            result = tariff_lines(catalog, query)
        _render(result, fmt)


@contextmanager
def open_catalog_if_any(ctx: typer.Context) -> Iterator[Any]:
    """The warehouse's read side when the file exists, else None (the offline table is used)."""
    from corridor.cli.app import warehouse_path
    from corridor.store.catalog import Catalog

    path = warehouse_path(ctx)
    if not path.is_file():
        yield None
        return
    catalog = Catalog(path)
    try:
        yield catalog
    finally:
        catalog.close()


def _render(result, fmt: Format) -> None:
    from corridor.cli.output import emit_rows, stdout
    from corridor.units import Unit, fmt_value

    if fmt is Format.json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json", by_alias=True), indent=2))
        sys.stdout.write("\n")
        return
    p, q = result.provenance, result.query
    editions = ", ".join(e.isoformat() for e in p.editions)
    prov = {
        "sources": [f"{p.publisher}, edition {editions}", *p.files],
        "datasets": p.datasets,
        "retrieved_at": p.retrieved_at,
        "warehouse": p.warehouse,
        "synthetic": p.synthetic,
    }
    units = {name: Unit(spec["unit"]) for name, spec in result.fields.items()}
    first = result.rows[0] if result.rows else {}
    columns = _TABLE if fmt is Format.table else {k: k for k in result.fields if k in first}
    emit_rows(
        result.rows,
        fmt,
        title=f"{q['exporter']['name']} → {q['importer']['name']}, HS {', '.join(q['hs'])}: "
        f"MFN vs best preference (agreements in force on {q['judged_on']})",
        schema=result.schema_,
        provenance=prov,
        columns=columns,
        formatters={k: (lambda v, u=units[k]: fmt_value(v, u)) for k in columns},
    )
    if fmt is Format.table:
        out = stdout()
        out.print(f"[dim]schedule: {p.publisher}, edition {editions} ({p.origin})[/]")
        for note in result.notes:
            out.print(f"[dim]note: {note}[/]")
