"""CEPII BACI trade files (``BACI_HS17_Y2022_V202401.csv``) and their code files.

BACI rows are reconciled flows from exporter ``i`` to importer ``j`` valued FOB. They are
stored as dataset ``baci-HS{rev}-V{version}``, flow X, reporter = exporter, partner =
importer; ``v`` (thousand USD) becomes USD and ``q`` (tonnes) becomes kg at ingest, and the
original units are recorded in the ``datasets`` table. ``k`` is read as text and zero-padded
to six digits; ``NA`` quantities become NULL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputFileError
from corridor.store.ingest import DatasetInfo, LoadPlan, RawFile, Validation

if TYPE_CHECKING:
    import duckdb

__all__ = ["BACI_REVISIONS", "baci_plan", "parse_baci_name", "read_header"]

# BACI's two-digit HS edition → Comtrade classification code.
BACI_REVISIONS = {
    "92": "H0",
    "96": "H1",
    "02": "H2",
    "07": "H3",
    "12": "H4",
    "17": "H5",
    "22": "H6",
}
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


def baci_plan(raw: RawFile, *, product_codes: set[str] | None = None) -> LoadPlan:
    """Describe how to load one BACI trade file."""
    rev, year, version = parse_baci_name(raw.path)
    _check_header(raw.path)
    dataset = f"baci-HS{_rev_digits(rev)}-V{version}"
    reader = _reader(raw.path)
    select = f"""
        SELECT $file_id, t, i, j, lpad(trim(k), 6, '0'), v * 1000, q * 1000 FROM {reader}
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
        ordered=False,  # the key (t, i, j, k) names a line; row numbers only on errors
        locate=lambda con, row: _locate(con, raw.path, row),
    )


def _reader(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    return f"""read_csv('{quoted}', header = true, auto_detect = false, delim = ',',
                    quote = '"', columns = {{'t': 'SMALLINT', 'i': 'SMALLINT', 'j': 'SMALLINT',
                                             'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'DOUBLE'}},
                    nullstr = ['NA', ''], strict_mode = true)"""


def _locate(con: duckdb.DuckDBPyConnection, path: Path, row: dict[str, object]) -> list[int]:
    """Data-row numbers (1-based) of the lines carrying a key, found by re-reading the file."""
    con.execute("SET preserve_insertion_order = true")
    found = con.execute(
        f"""SELECT rn FROM (SELECT row_number() OVER () AS rn, t, i, j,
                                   lpad(trim(k), 6, '0') AS k FROM {_reader(path)})
            WHERE t = $year AND i = $reporter AND j = $partner AND k = $hs ORDER BY rn""",
        {"year": row["year"], "reporter": row["reporter"], "partner": row["partner"],
         "hs": row["hs_code"]},
    ).fetchall()  # fmt: skip
    return [r[0] for r in found]


def _rev_digits(rev: str) -> str:
    return next(k for k, v in BACI_REVISIONS.items() if v == rev)
