"""UN Comtrade Plus portal CSV exports (``TradeData_2_20_2025_10_30_9.csv``).

Quirks handled (sources.md §2): the portal writes latin-1/cp1252 bytes, but a file opened
and saved again is often UTF-8 (with or without a BOM), so the encoding is detected and a
cp1252 file is read through a UTF-8 copy in the scratch directory; CRLF;
a trailing comma on every data row (48 fields against a 47-name header); quoted numbers;
camelCase or PascalCase names. An export without ``primaryValue`` takes the CIF value of
imports and the FOB value of exports.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from corridor.errors import InputFileError
from corridor.sources.comtrade_records import (
    COMTRADE_DATASET,
    RECORD_FIELDS,
    REQUIRED,
    canonical_select,
    field_lookup,
    require_value,
)
from corridor.sources.registry import FileKind
from corridor.store.plan import LoadPlan, RawFile, sql_str
from corridor.store.scratch import scratch_file

__all__ = ["KIND", "comtrade_csv_plan", "detect_encoding"]

_BOM = b"\xef\xbb\xbf"


def detect_encoding(path: Path) -> str:
    """'utf-8' when the whole file is valid UTF-8 (BOM or not), else 'cp1252' (latin-1).

    Raises:
        InputFileError: for UTF-16 text, which the portal never writes.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputFileError(
                f"{path}: line 1: UTF-16 text; save the export as CSV (UTF-8 or latin-1)"
            )
        try:
            decoder.decode(head)
            while block := fh.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _utf8_copy(path: Path) -> Path:
    """A UTF-8 copy of a cp1252 file in the scratch directory (the caller removes it)."""
    tmp = scratch_file(".csv")
    decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")  # 5 unused bytes
    try:
        with path.open("rb") as src, tmp.open("w", encoding="utf-8", newline="") as out:
            while block := src.read(1 << 20):
                out.write(decoder.decode(block))
            out.write(decoder.decode(b"", final=True))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _first_lines(path: Path, encoding: str, n: int = 2) -> list[str]:
    with path.open("rb") as fh:
        raw = [fh.readline() for _ in range(n)]
    raw[0] = raw[0].removeprefix(_BOM)
    return [line.decode(encoding, "replace").rstrip("\r\n") for line in raw]


def _split(line: str) -> list[str]:
    import csv

    return next(csv.reader([line])) if line else []


def comtrade_csv_plan(raw: RawFile) -> LoadPlan:
    """Describe how to load one portal CSV export."""
    encoding = detect_encoding(raw.path)
    header_line, first_row = _first_lines(raw.path, encoding)
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
    present = {n for n in names if n}
    require_value(raw.path, present)
    if not first_row:
        raise InputFileError(f"{raw.path}: no data rows")
    trailing = len(_split(first_row)) == len(header) + 1  # the portal's trailing comma
    columns: list[tuple[str, str]] = []
    for i, name in enumerate(names):
        columns.append((name or f"_extra{i}", RECORD_FIELDS[name] if name else "VARCHAR"))
    if trailing:
        columns.append(("_trailing", "VARCHAR"))
    spec = ", ".join(f"'{n}': '{t}'" for n, t in columns)
    read = raw.path if encoding == "utf-8" else _utf8_copy(raw.path)
    relation = f"""read_csv({sql_str(str(read))}, header = false, skip = 1,
                            auto_detect = false, delim = ',', quote = '"', escape = '"',
                            encoding = 'utf-8', columns = {{{spec}}}, nullstr = '',
                            strict_mode = true)"""
    select = canonical_select(relation, present=present, row_number="row_number() OVER ()")
    cleanup = [] if read == raw.path else [read]
    return LoadPlan(select, COMTRADE_DATASET, row_label="line", row_offset=1, cleanup=cleanup)


KIND = FileKind(
    "comtrade-csv",
    "UN Comtrade Plus portal CSV exports (latin-1 or UTF-8, trailing comma handled)",
    comtrade_csv_plan,
)
