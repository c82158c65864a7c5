"""CEPII BACI trade files (``BACI_HS17_Y2022_V202401.csv``) and their code files.

BACI rows are reconciled flows from exporter ``i`` to importer ``j`` valued FOB. They are
stored as dataset ``baci-HS{rev}-V{version}``, flow X, reporter = exporter, partner =
importer; ``v`` (thousand USD) becomes USD and ``q`` (tonnes) becomes kg at ingest, and the
original units are recorded in the ``datasets`` table.

CEPII's files differ between releases: the header may be quoted, numbers may be right-aligned
with spaces inside quotes (``"       13.235"``), missing quantities are ``NA`` padded or not,
and ``k`` loses its leading zero. A file whose data lines carry quotes is therefore read as
text and trimmed field by field (``NA`` and empty become NULL); a plain one is read typed,
which is faster. Either way ``k`` is zero-padded to six digits, and anything that is not a
number is reported with its line, column and value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputFileError, ParseError
from corridor.reference.codes import BACI_REVISIONS
from corridor.sources.registry import FileKind
from corridor.store.plan import DatasetInfo, LoadPlan, RawFile, Validation, sql_str

if TYPE_CHECKING:
    import duckdb

__all__ = ["BACI_REVISIONS", "KIND", "baci_plan", "parse_baci_name", "read_header"]
_NAME = re.compile(r"BACI_HS(\d{2})_Y(\d{4})_V(\d{6}[a-z]?)", re.IGNORECASE)
_COLUMNS = ("t", "i", "j", "k", "v", "q")
LICENCE = "Etalab Open Licence 2.0; cite CEPII BACI (Gaulier & Zignago 2010) and the version"


def parse_baci_name(path: Path) -> tuple[str, int, str]:
    """Return (HS revision code, year, version) from a BACI file name."""
    m = _NAME.search(path.name)
    if not m:
        raise InputFileError(
            f"{path}: not a BACI file name (expected BACI_HS<rev>_Y<year>_V<version>.csv, "
            "e.g. BACI_HS17_Y2022_V202401.csv)"
        )
    rev, year, version = m.groups()
    if rev not in BACI_REVISIONS:
        raise InputFileError(
            f"{path}: unknown BACI HS revision HS{rev} (accepted: "
            + ", ".join(f"HS{r}" for r in BACI_REVISIONS)
            + ")"
        )
    return BACI_REVISIONS[rev], int(year), version


def read_header(path: Path, encoding: str = "utf-8") -> str:
    """Return the first line of a text file without its line ending."""
    with path.open("rb") as fh:
        first = fh.readline()
    return first.decode(encoding, errors="replace").rstrip("\r\n").lstrip("\ufeff")


def _check_header(path: Path) -> None:
    header = read_header(path)
    found = tuple(h.strip().strip('"').lower() for h in header.split(","))
    if found != _COLUMNS:
        hint = ""
        for delim in (";", "\t", "|"):
            if delim in header:
                hint = f" — the file seems to use {delim!r} as delimiter; BACI files use ','"
        missing = [c for c in _COLUMNS if c not in found]
        raise InputFileError(
            f"{path}: line 1: expected columns t,i,j,k,v,q, found {header[:80]!r}"
            + (f" (missing: {', '.join(missing)})" if missing and not hint else "")
            + hint
        )


# column -> (DuckDB type, what it is); read as text, converted after trimming.
_TYPES = {
    "t": ("SMALLINT", "year"),
    "i": ("SMALLINT", "exporter code"),
    "j": ("SMALLINT", "importer code"),
    "k": ("VARCHAR", "HS6 product code"),
    "v": ("DOUBLE", "value in thousand USD"),
    "q": ("DOUBLE", "quantity in tonnes"),
}
_REQUIRED = ("t", "i", "j", "k")  # NA or empty is an error; v and q may be missing


def _field(col: str) -> str:
    """SQL for one field: trimmed text, NULL for NA/empty, cast to its type."""
    text = f"nullif(nullif(trim({col}), 'NA'), '')"
    if col == "k":
        return f"CASE WHEN length({text}) < 6 THEN lpad({text}, 6, '0') ELSE {text} END"
    return f"CAST({text} AS {_TYPES[col][0]})"


def baci_plan(raw: RawFile, *, product_codes: set[str] | None = None) -> LoadPlan:
    """Describe how to load one BACI trade file."""
    rev, year, version = parse_baci_name(raw.path)
    _check_header(raw.path)
    dataset = f"baci-HS{_rev_digits(rev)}-V{version}"
    padded = _padded(raw.path)
    if padded:
        select = f"""
            SELECT $file_id, {_field("t")}, {_field("i")}, {_field("j")}, {_field("k")},
                   {_field("v")} * 1000, {_field("q")} * 1000
            FROM {_reader(raw.path)}
        """
    else:
        select = f"""
            SELECT $file_id, t, i, j, {_field("k")}, v * 1000, q * 1000
            FROM {_reader(raw.path, typed=True)}
        """
    validations = [
        Validation(
            f"year <> {year}",
            "year",
            f"year {{value}} in a file named for {year}",
        ),
        Validation(
            "value_usd IS NULL",
            "hs_code",
            "missing value v (BACI lists only positive flows)",
        ),
    ]
    if product_codes:
        codes = ", ".join(f"'{c}'" for c in sorted(product_codes))
        validations.append(
            Validation(
                f"hs_code NOT IN ({codes})",
                "hs_code",
                f"HS code '{{value}}' is not in the product_codes file of HS{_rev_digits(rev)}",
            )
        )
    info = DatasetInfo(
        dataset=dataset,
        source="baci",
        description=f"CEPII BACI HS{_rev_digits(rev)} version {version}: reconciled "
        "bilateral flows, exporter → importer, FOB",
        value_unit_original="thousand USD",
        weight_unit_original="tonnes",
        value_basis="FOB",
        licence=LICENCE,
    )
    return LoadPlan(
        select,
        info,
        validations,
        row_label="line",
        row_offset=1,
        value_scale=1000.0,
        weight_scale=1000.0,
        target="trade_baci",
        hs_rev=rev,
        ordered=False,  # the key (t, i, j, k) names a line; line numbers only on errors
        key_values={"year": year},
        locate=lambda con, row: _locate(con, raw.path, row),
        explain=(lambda con: _explain(con, raw.path)) if padded else None,
    )


def _padded(path: Path) -> bool:
    """True when the data lines carry quotes or padded NAs (CEPII's right-aligned layout)."""
    with path.open("rb") as fh:
        fh.readline()
        sample = fh.read(1 << 16)
    return b'"' in sample or b" NA" in sample


def _reader(path: Path, *, typed: bool = False) -> str:
    """read_csv of a BACI file: every column as text, or (``typed``) with its type."""
    columns = ", ".join(f"'{c}': '{t if typed else 'VARCHAR'}'" for c, (t, _) in _TYPES.items())
    nulls = "['NA', '']" if typed else "''"
    return f"""read_csv({sql_str(str(path))}, header = true, auto_detect = false, delim = ',',
                    quote = '"', columns = {{{columns}}}, nullstr = {nulls}, strict_mode = true)"""


def _explain(con: duckdb.DuckDBPyConnection, path: Path) -> InputFileError | None:
    """The first line with a field that is not what its column holds (None: none found)."""
    empty = "({c} IS NULL OR nullif(trim({c}), '') IS NULL OR trim({c}) = 'NA')"
    checks = []
    for c, (kind, _) in _TYPES.items():
        if c in _REQUIRED:
            checks.append(empty.format(c=c))
        if kind != "VARCHAR":
            checks.append(f"(NOT {empty.format(c=c)} AND TRY_CAST(trim({c}) AS {kind}) IS NULL)")
    bad = " OR ".join(checks)
    row = con.execute(
        f"""SELECT * FROM (SELECT row_number() OVER () AS rn, * FROM {_reader(path)})
            WHERE {bad} ORDER BY rn LIMIT 1"""
    ).fetchone()
    if row is None:
        return None
    line, values = row[0] + 1, dict(zip(_TYPES, row[1:], strict=True))
    for col, (kind, what) in _TYPES.items():
        value = values[col]
        text = (value or "").strip()
        if col in _REQUIRED and text in {"", "NA"}:
            return ParseError(f"{path}: line {line}: column {col} ({what}) is empty or NA")
        if kind != "VARCHAR" and text not in {"", "NA"}:
            try:
                float(text) if kind == "DOUBLE" else int(text)
            except ValueError:
                return ParseError(
                    f"{path}: line {line}: cannot read '{value}' in column {col} as a number "
                    f"({what})"
                )
            if kind == "SMALLINT" and not -32768 <= int(text) <= 32767:
                return ParseError(
                    f"{path}: line {line}: {what} {text} in column {col} is out of range "
                    "(accepted: -32768 to 32767)"
                )
    return None


def _locate(con: duckdb.DuckDBPyConnection, path: Path, row: dict[str, object]) -> list[int]:
    """Data-row numbers (1-based) of the lines carrying a key, found by re-reading the file."""
    found = con.execute(
        f"""SELECT rn FROM (SELECT row_number() OVER () AS rn, {_field("t")} AS t,
                                   {_field("i")} AS i, {_field("j")} AS j, {_field("k")} AS k
                            FROM {_reader(path)})
            WHERE t = $year AND i = $reporter AND j = $partner AND k = $hs ORDER BY rn""",
        {"year": row["year"], "reporter": row["reporter"], "partner": row["partner"],
         "hs": row["hs_code"]},
    ).fetchall()  # fmt: skip
    return [r[0] for r in found]


def _rev_digits(rev: str) -> str:
    return next(k for k, v in BACI_REVISIONS.items() if v == rev)


KIND = FileKind(
    "baci",
    "CEPII BACI trade files (t,i,j,k,v,q: thousand USD, tonnes) → USD and kg",
    baci_plan,
    options=frozenset({"product_codes"}),
)
