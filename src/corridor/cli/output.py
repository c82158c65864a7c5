"""Rendering results for people (Rich tables) and programs (JSON, CSV), and number formats."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import Enum, StrEnum
from typing import Any

from corridor.units import MISSING, fmt_pct, fmt_usd, fmt_weight

__all__ = ["Format", "emit_rows", "fmt_pct", "fmt_usd", "fmt_weight", "stderr", "stdout"]


class Format(StrEnum):
    """Output formats every data command accepts."""

    table = "table"
    json = "json"
    csv = "csv"


def stdout():
    """A Rich console on standard output."""
    from rich.console import Console

    return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)


def stderr():
    """A Rich console on standard error (progress, notes)."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def emit_rows(
    rows: Sequence[dict[str, Any]],
    fmt: Format,
    *,
    title: str,
    schema: str,
    provenance: dict[str, Any],
    columns: dict[str, str] | None = None,
    formatters: dict[str, Any] | None = None,
) -> None:
    """Print rows as a Rich table (with a provenance caption), JSON or CSV.

    JSON is ``{"schema", "provenance", "rows"}``; CSV carries provenance columns
    (``source``, ``dataset``, ``synthetic``) on every row, so a file never loses them.
    """
    columns = columns or {k: k for k in (rows[0] if rows else {})}
    if fmt is Format.json:
        payload = {"schema": schema, "provenance": provenance, "rows": list(rows)}
        sys.stdout.write(json.dumps(payload, default=_plain, indent=2) + "\n")
        return
    if fmt is Format.csv:
        buf = io.StringIO()
        extra = {
            "source": ";".join(provenance.get("sources", [])),
            "dataset": ";".join(provenance.get("datasets", [])),
            "synthetic": provenance.get("synthetic", False),
        }
        writer = csv.DictWriter(buf, fieldnames=[*columns, *extra], lineterminator="\n")
        writer.writeheader()
        from corridor.cli.render import csv_safe

        for row in rows:
            writer.writerow({**{k: csv_safe(_plain(row.get(k))) for k in columns}, **extra})
        sys.stdout.write(buf.getvalue())
        return
    from rich.table import Table

    formatters = formatters or {}
    synthetic = provenance.get("synthetic")
    table = Table(title=("[bold red]SYNTHETIC DATA[/] — " if synthetic else "") + title)
    for label in columns.values():
        table.add_column(label, justify="right" if label != columns.get("name") else "left")

    def cell(k: str, value: Any) -> str:
        if value is None and k not in formatters:
            return MISSING  # missing is shown as missing, never as "None"
        return str(formatters.get(k, _plain)(value))

    for row in rows:
        table.add_row(*(cell(k, row.get(k)) for k in columns))
    console = stdout()
    console.print(table)
    for line in provenance_lines(provenance):
        console.print(f"[dim]{line}[/]")


def provenance_lines(p: dict[str, Any]) -> list[str]:
    """Short human lines saying where numbers came from."""
    lines = []
    if p.get("synthetic"):
        lines.append("synthetic: YES — generated sample data, not official statistics")
    if p.get("sources") or p.get("datasets"):
        sources, datasets = ", ".join(p.get("sources", [])), ", ".join(p.get("datasets", []))
        lines.append(f"source: {sources}" + (f" · dataset: {datasets}" if datasets else ""))
    if p.get("flow"):
        basis = ", ".join(p.get("value_basis", [])) or "no values"
        lines.append(f"flow: {p['flow']} · value basis: {basis}")
    if p.get("units"):
        lines.append("units: " + ", ".join(f"{k} {v}" for k, v in p["units"].items()))
    if p.get("hs_scope"):
        lines.append(
            f"HS scope: {', '.join(p['hs_scope'])} summed at HS{p.get('hs_level')} "
            f"(revisions {', '.join(p.get('hs_revisions', []))})"
        )
    if p.get("retrieved_at"):
        times = [str(_plain(t)) for t in p["retrieved_at"]]
        lines.append(f"retrieved: {times[0]}" + (f" … {times[-1]}" if len(times) > 1 else ""))
    if p.get("warehouse"):
        lines.append(f"warehouse: {p['warehouse']}")
    return lines
