"""Tariff vocabulary: rate cells, the columns of Japan's schedule and the agreements behind them.

A tariff row is one rate of one national line in one column of a schedule, stored in the
warehouse table ``tariff_lines`` (see :mod:`corridor.store.tariff_schema`). Rates are ad
valorem fractions (``0.075`` = 7.5 %, :attr:`Unit.RATE`); a specific or compound duty
(``10円/kg``) keeps its text and has no number, so it is never compared or summed by mistake.

Cell grammar (:func:`parse_rate`), shared by Japan Customs' schedule and corridor's plain CSV:

========================  ==========================================================
``無税`` / ``free``        duty-free (0)
``7.5%``                  ad valorem 7.5 %
``(7.5%)`` / ``(無税)``    the rate is bound but **not applied**: a lower rate applies
``◎無税``                  a **conditional** rate (applies when the conditions of the
                          schedule's note are met; flagged, never dropped)
``10円/kg``, ``3%又は…円``   specific or compound: text kept, no number
empty                     the column sets no rate for this line
========================  ==========================================================

:func:`japan_columns` maps each column of Japan's schedule (``基本``, ``WTO協定``,
``EPA_インド`` …) to its basis and, for EPA columns, to the agreement and the partners it
covers with their entry-into-force dates (``data/japan_tariff_columns.yaml``, cited there).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from corridor.errors import UnknownCode
from corridor.units import Column, Unit

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "BASES",
    "TARIFF_COLUMNS",
    "Agreement",
    "Rate",
    "TariffColumn",
    "agreement",
    "gsp_ldc_note",
    "japan_columns",
    "mfn_withdrawn",
    "parse_rate",
    "tariff_schema",
]

#: corridor's names for the kinds of rate column.
BASES = ("general", "temporary", "wto", "gsp", "ldc", "preferential")

_FREE = {"無税", "free", "0%", "0"}
_AD_VALOREM = re.compile(r"(\d+(?:\.\d+)?)%")
_SPECIFIC = re.compile(r"円|yen|/kg|/l\b|/個|/本|/枚|/組|per ", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """One parsed rate cell."""

    text: str  # as written
    rate: float | None  # ad valorem fraction; None for specific/compound duties
    kind: str  # ad_valorem | specific
    not_applied: bool = False  # in parentheses: bound, but a lower rate applies
    conditional: bool = False  # ◎: conditional rate


def parse_rate(cell: str) -> Rate | None:
    """Parse one rate cell; ``None`` for an empty cell (no rate in that column).

    Raises:
        ValueError: for a cell that is neither a rate nor a recognisable specific duty; the
            message names the value and the accepted forms (callers add file and line).
    """
    text = unicodedata.normalize("NFKC", cell or "").strip()
    if not text:
        return None
    body, not_applied, conditional = text, False, False
    if body.startswith("(") and body.endswith(")"):
        body, not_applied = body[1:-1].strip(), True
    if body.startswith("◎"):
        body, conditional = body[1:].strip(), True
    if body.lower().startswith("conditional "):
        body, conditional = body[len("conditional ") :].strip(), True
    flags = {"not_applied": not_applied, "conditional": conditional}
    if body.lower() in _FREE:
        return Rate(cell.strip(), 0.0, "ad_valorem", **flags)
    if m := _AD_VALOREM.fullmatch(body.replace(" ", "")):
        return Rate(cell.strip(), round(float(m.group(1)) / 100, 10), "ad_valorem", **flags)
    if _SPECIFIC.search(body):
        return Rate(cell.strip(), None, "specific", **flags)
    raise ValueError(
        f"rate {cell!r} is not a rate (accepted: 7.5%, 無税/free, (7.5%) for a bound rate not "
        "applied, ◎ for a conditional rate, or a specific duty in 円)"
    )


# -- Japan's columns and agreements ------------------------------------------------------------
@dataclass(frozen=True)
class Agreement:
    """A preferential agreement: id, name, and (partner code, from, to) memberships."""

    id: str
    name: str
    members: tuple[tuple[int, date, date | None], ...]
    note: str | None = None

    def covers(self, partner: int, on: date) -> bool:
        """True if the agreement is in force between the importer and ``partner`` on ``on``."""
        return any(
            code == partner and start <= on and (end is None or on <= end)
            for code, start, end in self.members
        )

    def partners(self, on: date) -> list[int]:
        """Comtrade codes of the members in force on ``on``."""
        return sorted({c for c, s, e in self.members if s <= on and (e is None or on <= e)})


@dataclass(frozen=True)
class TariffColumn:
    """One column of a schedule: its source name, basis and (for EPA columns) agreement."""

    name: str
    basis: str
    label: str
    agreement: Agreement | None = None


@lru_cache(maxsize=1)
def _doc() -> dict:
    from corridor.reference.packaged import packaged_yaml

    return packaged_yaml("japan_tariff_columns.yaml")


def _code(iso3: str) -> int:
    from corridor.reference.countries import resolve_country

    return resolve_country(iso3).code


def _date(text: str) -> date:
    return date.fromisoformat(str(text))


@lru_cache(maxsize=1)
def japan_columns() -> dict[str, TariffColumn]:
    """Every column of Japan's schedule by its name in the schedule (``EPA_インド`` …)."""
    from corridor.reference.countries import group_members

    doc = _doc()
    out = {
        name: TariffColumn(name, spec["basis"], spec["name"])
        for name, spec in doc["columns"].items()
    }
    for name, spec in doc["agreements"].items():
        members = [
            (_code(m["partner"]), _date(m["from"]), _date(m["to"]) if m.get("to") else None)
            for m in spec.get("members", [])
        ]
        if group := spec.get("members_group"):
            start = _date(spec["group_from"])
            members += [(code, start, None) for code in sorted(group_members(group))]
        agreement = Agreement(spec["id"], spec["name"], tuple(members), spec.get("note"))
        out[name] = TariffColumn(name, "preferential", spec["name"], agreement)
    return out


def agreement(key: str) -> Agreement:
    """An agreement by id (``JP-IN-CEPA``), column name (``EPA_インド``) or short word (``cepa``).

    Raises:
        UnknownCode: naming the accepted ids.
    """
    cols = japan_columns()
    found = {c.agreement.id.lower(): c.agreement for c in cols.values() if c.agreement}
    short = {"cepa": "jp-in-cepa", "india": "jp-in-cepa", "rcep": "rcep-cn"}
    key_l = key.strip().lower()
    if key.strip() in cols and cols[key.strip()].agreement:
        return cols[key.strip()].agreement  # type: ignore[return-value]
    if key_l in found or short.get(key_l) in found:
        return found.get(key_l) or found[short[key_l]]
    raise UnknownCode(f"unknown agreement {key!r} — accepted: {', '.join(sorted(found))}")


@lru_cache(maxsize=1)
def _withdrawals() -> tuple[tuple[int, date], ...]:
    return tuple((_code(w["partner"]), _date(w["from"])) for w in _doc()["mfn_withdrawn"])


def mfn_withdrawn(partner: int, on: date) -> bool:
    """True if Japan has withdrawn WTO (MFN) treatment from ``partner`` by ``on``."""
    return any(code == partner and on >= start for code, start in _withdrawals())


def gsp_ldc_note() -> str:
    """Why GSP/LDC columns are applied only on request."""
    return " ".join(str(_doc()["gsp_ldc_note"]).split())


# -- the stored row ---------------------------------------------------------------------------
TARIFF_COLUMNS: tuple[Column, ...] = (
    Column("importer", Unit.CODE, "Comtrade area code of the importing country", "int16"),
    Column("national_line", Unit.CODE, "the schedule's line (Japan: 9-digit code)", "string"),
    Column("hs6", Unit.CODE, "HS subheading (first six digits of the line)", "string"),
    Column(
        "column_name", Unit.TEXT, "the schedule's column (基本, WTO協定, EPA_インド …)", "string"
    ),
    Column("basis", Unit.TEXT, "general|temporary|wto|gsp|ldc|preferential", "string"),
    Column("agreement", Unit.TEXT, "agreement id for preferential columns", "string"),
    Column("partner", Unit.CODE, "Comtrade code when the row is for one partner", "int16"),
    Column("rate", Unit.RATE, "ad valorem rate; NULL for specific/compound duties", "float64"),
    Column("rate_text", Unit.TEXT, "the cell as written", "string"),
    Column("kind", Unit.TEXT, "ad_valorem | specific", "string"),
    Column("not_applied", Unit.FLAG, "shown in parentheses: a lower rate applies", "bool"),
    Column("conditional", Unit.FLAG, "◎: a conditional rate", "bool"),
    Column("set_at", Unit.CODE, "the line or heading whose cell sets this rate", "string"),
    Column("valid_from", Unit.TIME, "first day the schedule edition applies", "date32"),
    Column("description", Unit.TEXT, "the line's description in the schedule", "string"),
    Column("source", Unit.TEXT, "who published the rate, which edition and where", "string"),
    Column("raw_row", Unit.COUNT, "line number of the cell in the raw file", "int64"),
)


def tariff_schema() -> pa.Schema:
    """Arrow schema of parsed tariff rows (the columns of :data:`TARIFF_COLUMNS`)."""
    import pyarrow as pa

    types = {
        "int16": pa.int16(),
        "int64": pa.int64(),
        "string": pa.string(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "date32": pa.date32(),
    }
    return pa.schema([(c.name, types[c.dtype]) for c in TARIFF_COLUMNS])
