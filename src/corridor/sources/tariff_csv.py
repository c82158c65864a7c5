"""Tariff rates as a plain CSV file: one rate per row, any importer.

Required columns (UTF-8, header on line 1; extra columns are ignored, ``description`` kept)::

    importer,partner_or_agreement,hs,rate,basis,valid_from,source
    JPN,*,760410000,7.5%,wto,2026-07-09,"Japan Customs, edition 2026-07-09"
    JPN,JP-IN-CEPA,760410000,無税,preferential,2026-07-09,"Japan Customs, edition 2026-07-09"
    USA,*,760110,2.6%,wto,2024-01-01,USITC HTS 2024

- ``importer``: country name, ISO3/ISO2 or Comtrade code;
- ``partner_or_agreement``: ``*`` (or empty) for a column that applies to every partner, an
  agreement id or EPA column of Japan's schedule (``JP-IN-CEPA``, ``EPA_インド``), or one
  partner country (``IND``, ``699``);
- ``hs``: a national line or HS code of 6-10 digits (dots allowed); HS6 = its first 6 digits;
- ``rate``: ``7.5%``, ``free``/``無税``, ``(7.5%)`` (bound, not applied), ``◎``/``conditional``
  prefix, or a specific duty in 円 (text kept, no number);
- ``basis``: general | temporary | wto | gsp | ldc | preferential;
- ``valid_from``: first day the rate applies (YYYY-MM-DD); ``source``: who published it.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, InputFileError

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.store.ingest import LoadPlan, RawFile

__all__ = ["REQUIRED", "parse_tariff_csv", "tariff_csv_plan", "tariff_table"]

REQUIRED = ("importer", "partner_or_agreement", "hs", "rate", "basis", "valid_from", "source")
_JAPAN_BASIS_COLUMN = {
    "general": "基本",
    "temporary": "暫定",
    "wto": "WTO協定",
    "gsp": "特恵",
    "ldc": "特別特恵",
}


def _fail(path: Path, line: int | None, message: str) -> InputFileError:
    return InputFileError(f"{path}: {f'line {line}: ' if line else ''}{message}")


def _target(
    value: str, basis: str, importer: int, path: Path, line: int
) -> tuple[str, str | None, int | None]:
    """(column name, agreement id, partner code) for one row."""
    from corridor.reference.countries import resolve_country
    from corridor.reference.tariffs import agreement, japan_columns

    value = value.strip()
    columns = japan_columns() if importer == 392 else {}
    if value in {"", "*", "all"}:
        if basis == "preferential":
            raise _fail(path, line, "a preferential rate needs an agreement or a partner")
        return _JAPAN_BASIS_COLUMN[basis] if columns else basis, None, None
    by_id = {c.agreement.id: c for c in columns.values() if c.agreement}
    found = None
    if columns:
        try:
            found = agreement(value)
        except CorridorError:
            found = None
    if found is not None:
        if basis != "preferential":
            raise _fail(path, line, f"agreement '{value}' with basis '{basis}' (use preferential)")
        return by_id[found.id].name, found.id, None
    try:
        partner = resolve_country(value)
    except CorridorError:
        known = ", ".join(sorted(by_id)[:6]) + ", …" if by_id else "none for this importer"
        raise _fail(
            path,
            line,
            f"unknown agreement or partner '{value}' (agreements: {known}; partners: a country "
            "name, ISO3 or Comtrade code; * for every partner)",
        ) from None
    return (f"{basis}:{partner.iso3 or partner.code}", None, partner.code)


def parse_tariff_csv(path: str | Path) -> list[dict[str, Any]]:
    """Parse a plain tariff CSV into tariff rows (see the module docstring).

    Raises:
        InputFileError: one line naming the file, the line, the column and the value.
    """
    from corridor.reference.countries import resolve_country
    from corridor.reference.tariffs import BASES, parse_rate

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, None, f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise _fail(path, 1, f"missing column(s) {', '.join(missing)} (need {', '.join(REQUIRED)})")
    reader.fieldnames = header
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for rec in reader:
        n = reader.line_num
        if None in rec:
            raise _fail(path, n, f"{len(header) + len(rec[None])} fields, expected {len(header)}")
        rec = {k: (v or "").strip() for k, v in rec.items()}
        if not any(rec.values()):
            continue
        for col in REQUIRED:
            if col != "partner_or_agreement" and not rec[col]:
                raise _fail(path, n, f"empty {col}")
        try:
            importer = resolve_country(rec["importer"]).code
        except CorridorError as exc:
            raise _fail(path, n, f"importer: {exc}") from None
        basis = rec["basis"].lower()
        if basis not in BASES:
            raise _fail(path, n, f"basis '{rec['basis']}' (accepted: {', '.join(BASES)})")
        digits = re.sub(r"[.\s]", "", rec["hs"])
        if not re.fullmatch(r"\d{6,10}", digits) or not "01" <= digits[:2] <= "97":
            raise _fail(path, n, f"hs '{rec['hs']}' (a national line or HS code of 6-10 digits)")
        try:
            rate = parse_rate(rec["rate"])
        except ValueError as exc:
            raise _fail(path, n, str(exc)) from None
        if rate is None:
            raise _fail(path, n, "empty rate (every row must carry a rate)")
        try:
            valid_from = date.fromisoformat(rec["valid_from"])
        except ValueError:
            raise _fail(path, n, f"valid_from '{rec['valid_from']}' (YYYY-MM-DD)") from None
        column, agreement, partner = _target(rec["partner_or_agreement"], basis, importer, path, n)
        key = (importer, digits, column, partner, valid_from)
        if key in seen:
            raise _fail(path, n, f"repeats line {seen[key]} (importer, hs {digits}, {column})")
        seen[key] = n
        rows.append(
            {
                "importer": importer,
                "national_line": digits,
                "hs6": digits[:6],
                "column_name": column,
                "basis": basis,
                "agreement": agreement,
                "partner": partner,
                "rate": rate.rate,
                "rate_text": rate.text,
                "kind": rate.kind,
                "not_applied": rate.not_applied,
                "conditional": rate.conditional,
                "set_at": digits,
                "valid_from": valid_from,
                "description": rec.get("description") or None,
                "source": rec["source"],
                "raw_row": n,
            }
        )
    if not rows:
        raise _fail(path, None, "no tariff rows")
    return rows


def tariff_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Tariff rows as an Arrow table in the tariff row schema."""
    import pyarrow as pa

    from corridor.reference.tariffs import tariff_schema

    return pa.Table.from_pylist(rows, schema=tariff_schema())


def tariff_csv_plan(raw: RawFile) -> LoadPlan:
    """How to load a plain tariff CSV into ``tariff_lines``."""
    from corridor.reference.tariffs import TARIFF_COLUMNS
    from corridor.store.ingest import DatasetInfo, LoadPlan

    table = tariff_table(parse_tariff_csv(raw.path))
    cols = ", ".join(c.name for c in TARIFF_COLUMNS)
    info = DatasetInfo(
        dataset=f"tariffs-{raw.path.stem}",
        source="tariff-table",
        description=f"tariff rates from {raw.path.name} (plain CSV; sources per row)",
        value_unit_original=None,
        weight_unit_original=None,
        value_basis=None,
        licence="as stated by each row's source",
    )
    return LoadPlan(
        select_sql=f"SELECT $file_id, {cols} FROM _tariff_src",
        dataset=info,
        target="tariff_lines",
        before=lambda con: con.register("_tariff_src", table),
        row_label="line",
    )
