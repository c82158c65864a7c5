"""UN Comtrade Plus portal CSV exports (``TradeData_2_20_2025_10_30_9.csv``).

Quirks handled (sources.md §2): latin-1/cp1252 bytes, CRLF, a trailing comma on every data
row (48 fields against a 47-name header), quoted numbers, camelCase or PascalCase names.
"""

from __future__ import annotations

from pathlib import Path

from corridor.errors import InputFileError
from corridor.sources.comtrade_records import (
    COMTRADE_DATASET,
    RECORD_FIELDS,
    REQUIRED,
    canonical_select,
    field_lookup,
)
from corridor.store.ingest import LoadPlan, RawFile

__all__ = ["comtrade_csv_plan"]


def _first_lines(path: Path, n: int = 2) -> list[str]:
    with path.open("rb") as fh:
        raw = [fh.readline() for _ in range(n)]
    if raw[0].startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            f"{path}: line 1: UTF-16 text; save the export as CSV (UTF-8 or latin-1)"
        )
    return [
        line.decode("latin-1").rstrip("\r\n").lstrip("\ufeff\u00ef\u00bb\u00bf") for line in raw
    ]


def _split(line: str) -> list[str]:
    import csv

    return next(csv.reader([line])) if line else []


def comtrade_csv_plan(raw: RawFile) -> LoadPlan:
    """Describe how to load one portal CSV export."""
    header_line, first_row = _first_lines(raw.path)
    header = [h.strip() for h in _split(header_line)]
    if len(header) <= 1:
        raise InputFileError(
            f"{raw.path}: line 1: found {len(header)} column(s) in {header_line[:60]!r} — "
            "Comtrade CSV exports are comma-separated"
        )
    lookup = field_lookup()
    names = [lookup.get(h.lower()) for h in header]
    missing = [f for f in REQUIRED if f not in names]
    if missing:
        raise InputFileError(
            f"{raw.path}: line 1: not a Comtrade export; missing columns: {', '.join(missing)}"
        )
    if not first_row:
        raise InputFileError(f"{raw.path}: no data rows")
    trailing = len(_split(first_row)) == len(header) + 1  # the portal's trailing comma
    columns: list[tuple[str, str]] = []
    for i, name in enumerate(names):
        columns.append((name or f"_extra{i}", RECORD_FIELDS[name] if name else "VARCHAR"))
    if trailing:
        columns.append(("_trailing", "VARCHAR"))
    spec = ", ".join(f"'{n}': '{t}'" for n, t in columns)
    path = str(raw.path).replace("'", "''")
    relation = f"""read_csv('{path}', header = false, skip = 1, auto_detect = false,
                            delim = ',', quote = '"', escape = '"', encoding = 'latin-1',
                            columns = {{{spec}}}, nullstr = '', strict_mode = true)"""
    select = canonical_select(
        relation, present={n for n in names if n}, row_number="row_number() OVER ()"
    )
    return LoadPlan(select, COMTRADE_DATASET, row_label="line", row_offset=1)
