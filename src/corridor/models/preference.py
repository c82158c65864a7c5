"""The applied rate a partner faces on each tariff line, and its margin of preference.

For one importer, partner and date, per national line (Japan: 9-digit statistical code):

- **statutory** rate: the temporary rate (暫定) where one is in force, else the general (基本);
- **MFN applied** rate: the lower of the statutory and the WTO rate (WTO協定) for partners with
  WTO treatment (a tie keeps the statutory rate: a WTO rate in parentheses is not applied);
  the statutory rate for partners without it (Japan: Russia from 2022-04-21);
- **best preferential** rate: the lowest rate among the agreement columns whose agreement is
  in force between the importer and the partner on that date (``Agreement.covers``), plus the
  GSP/LDC columns only when the caller says the partner is eligible;
- **applied** rate: the lower of the two (a tie keeps MFN: no preference is needed), with the
  column that set it; **margin** = MFN − applied (percentage points, ≥ 0).

Specific or compound duties have no ad valorem number; a line where one decides the outcome
has ``applied_rate`` NULL and says so — never a guessed number. Several lines of one HS6 are
summarised by :func:`by_hs6` as min/max and a line count, never an average.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from corridor.models.tables import TypedTable, table_of
from corridor.units import Column, Unit

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["HS6_COLUMNS", "LINE_COLUMNS", "applied_rates", "by_hs6"]

LINE_COLUMNS: tuple[Column, ...] = (
    Column("national_line", Unit.CODE, "the schedule's line (Japan: 9-digit code)", "string"),
    Column("hs6", Unit.CODE, "HS subheading", "string"),
    Column("description", Unit.TEXT, "the line's description in the schedule", "string"),
    Column("mfn_rate", Unit.RATE, "MFN applied rate (lower of WTO and statutory)"),
    Column("mfn_column", Unit.TEXT, "column that sets the MFN rate", "string"),
    Column("mfn_text", Unit.TEXT, "that cell as written", "string"),
    Column("pref_rate", Unit.RATE, "partner's best preferential rate in force"),
    Column("pref_column", Unit.TEXT, "column that sets the preferential rate", "string"),
    Column("pref_agreement", Unit.TEXT, "agreement id of that column", "string"),
    Column("pref_text", Unit.TEXT, "that cell as written", "string"),
    Column("applied_rate", Unit.RATE, "rate the partner pays: the lower of MFN and preference"),
    Column("applied_column", Unit.TEXT, "column that sets the applied rate", "string"),
    Column("margin", Unit.PP, "margin of preference: MFN minus applied rate"),
    Column("conditional", Unit.FLAG, "the applied rate is conditional (◎)", "bool"),
    Column("note", Unit.TEXT, "why a rate is missing or how it was chosen", "string"),
)

HS6_COLUMNS: tuple[Column, ...] = (
    Column("hs6", Unit.CODE, "HS subheading", "string"),
    Column("lines", Unit.COUNT, "national lines in the subheading", "int32"),
    Column("mfn_min", Unit.RATE, "lowest MFN applied rate among the lines"),
    Column("mfn_max", Unit.RATE, "highest MFN applied rate among the lines"),
    Column("applied_min", Unit.RATE, "lowest applied rate among the lines"),
    Column("applied_max", Unit.RATE, "highest applied rate among the lines"),
    Column("margin_min", Unit.PP, "smallest margin of preference among the lines"),
    Column("margin_max", Unit.PP, "largest margin of preference among the lines"),
    Column("lines_unknown", Unit.COUNT, "lines whose applied rate is unknown", "int32"),
)


def _covers(row: dict[str, Any], partner: int, on: date, agreements: dict[str, Any]) -> bool:
    if row["partner"] is not None:
        return row["partner"] == partner
    found = agreements.get(row["agreement"])
    return bool(found and found.covers(partner, on))


def _lowest(cells: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, bool]:
    """(the cell with the lowest ad valorem rate, whether a specific duty was among them)."""
    numeric = [c for c in cells if c["rate"] is not None]
    specific = len(numeric) < len(cells)
    return (min(numeric, key=lambda c: c["rate"]) if numeric else None), specific


def _line(
    cells: list[dict[str, Any]],
    partner: int,
    on: date,
    agreements: dict[str, Any],
    *,
    wto: bool,
    gsp: bool,
    ldc: bool,
) -> dict[str, Any]:
    by_basis: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in cells:
        if c["basis"] != "preferential" and c["partner"] not in (None, partner):
            continue
        by_basis[c["basis"]].append(c)
    notes: list[str] = []
    statutory = by_basis.get("temporary") or by_basis.get("general") or []
    candidates = list(statutory[:1])
    if wto and by_basis.get("wto"):
        candidates.append(by_basis["wto"][0])
    elif by_basis.get("wto"):
        notes.append("WTO treatment withdrawn: statutory rate")
    mfn, mfn_specific = _lowest(candidates)  # min() keeps the first: a tie stays statutory
    if mfn_specific:
        mfn = None
        notes.append("MFN includes a specific duty: compare by hand")
    if not candidates:
        notes.append("no general, temporary or WTO rate")
    prefs = [c for c in by_basis.get("preferential", []) if _covers(c, partner, on, agreements)]
    prefs += (by_basis.get("gsp", []) if gsp else []) + (by_basis.get("ldc", []) if ldc else [])
    pref, pref_specific = _lowest(prefs)
    if pref_specific:
        notes.append("a preferential rate is a specific duty (not compared)")
    applied = mfn
    if pref is not None and (mfn is None or pref["rate"] < mfn["rate"]):
        applied = pref if (mfn is not None or pref["rate"] == 0) else None
    margin = None
    if mfn is not None and applied is not None:
        margin = round(mfn["rate"] - applied["rate"], 10)
    first = cells[0]
    return {
        "national_line": first["national_line"],
        "hs6": first["hs6"],
        "description": next((c["description"] for c in cells if c["description"]), None),
        "mfn_rate": mfn and mfn["rate"],
        "mfn_column": mfn and mfn["column_name"],
        "mfn_text": mfn and mfn["rate_text"],
        "pref_rate": pref and pref["rate"],
        "pref_column": pref and pref["column_name"],
        "pref_agreement": pref and pref["agreement"],
        "pref_text": pref and pref["rate_text"],
        "applied_rate": applied and applied["rate"],
        "applied_column": applied and applied["column_name"],
        "margin": margin,
        "conditional": bool(applied and applied["conditional"]),
        "note": "; ".join(notes) or None,
    }


def applied_rates(
    rows: pa.Table | list[dict[str, Any]],
    partner: int,
    on: date,
    *,
    gsp: bool = False,
    ldc: bool = False,
) -> TypedTable:
    """Per national line: MFN, best preference, applied rate and margin for ``partner``.

    Args:
        rows: tariff rows of one importer and one edition (the ``tariff_lines`` columns).
        partner: Comtrade code of the exporting country.
        on: the date agreements and MFN treatment are judged on.
        gsp: treat the partner as a GSP beneficiary (corridor ships no beneficiary list).
        ldc: treat the partner as an LDC beneficiary.

    Returns:
        A table with :data:`LINE_COLUMNS`, one row per national line, sorted.
    """
    from corridor.reference.tariffs import japan_columns, mfn_withdrawn

    records = rows.to_pylist() if hasattr(rows, "to_pylist") else list(rows)
    agreements = {c.agreement.id: c.agreement for c in japan_columns().values() if c.agreement}
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        lines[r["national_line"]].append(r)
    importers = {r["importer"] for r in records}
    wto = not (importers == {392} and mfn_withdrawn(partner, on))
    out = [
        _line(lines[k], partner, on, agreements, wto=wto, gsp=gsp, ldc=ldc) for k in sorted(lines)
    ]
    return table_of(LINE_COLUMNS, out)


def by_hs6(lines: TypedTable | pa.Table) -> TypedTable:
    """Min/max of MFN, applied rate and margin over the lines of each HS6 (no averages)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in lines.to_pylist():
        groups[r["hs6"]].append(r)

    def lo_hi(items: list[dict[str, Any]], key: str) -> tuple[float | None, float | None]:
        known = [i[key] for i in items if i[key] is not None]
        return (min(known), max(known)) if known else (None, None)

    out = []
    for hs6 in sorted(groups):
        items = groups[hs6]
        mfn, applied, margin = (lo_hi(items, k) for k in ("mfn_rate", "applied_rate", "margin"))
        out.append(
            {
                "hs6": hs6,
                "lines": len(items),
                "mfn_min": mfn[0], "mfn_max": mfn[1],
                "applied_min": applied[0], "applied_max": applied[1],
                "margin_min": margin[0], "margin_max": margin[1],
                "lines_unknown": sum(i["applied_rate"] is None for i in items),
            }
        )  # fmt: skip
    return table_of(HS6_COLUMNS, out)
