"""HS (Harmonized System) codes: chapter 76 reference, validation and product words.

``data/hs76.csv`` is a hand-written fact table of chapter 76 (aluminium) for every HS edition
Comtrade publishes: H0 = HS1992, H1 = HS1996, H2 = HS2002, H3 = HS2007, H4 = HS2012,
H5 = HS2017, H6 = HS2022 (WCO Harmonized System nomenclature, editions 1992-2022; subheading
structure checked against the UN Comtrade H0-H6 reference lists). Names are corridor's own
short names, not the WCO legal texts. See ``docs/hs-revisions.md`` for what changed.

Users with full HS lists can load them with :func:`load_comtrade_hs_reference` (Comtrade
``/files/v1/app/reference/HS.json`` or ``H0.json``...``H6.json``) and
:func:`load_baci_product_codes` (BACI ``product_codes_HS17_V202401.csv`` etc.).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputFileError, InvalidQuery, ParseError, UnknownCode

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "HS_REVISIONS",
    "HSCode",
    "chapter_headings",
    "hs76_table",
    "hs_codes",
    "hs_level",
    "load_baci_product_codes",
    "load_comtrade_hs_reference",
    "normalize_hs",
    "normalize_hs6",
    "resolve_product",
    "validate_hs",
]

#: Comtrade revision code -> WCO HS edition.
HS_REVISIONS: dict[str, str] = {
    "H0": "HS1992",
    "H1": "HS1996",
    "H2": "HS2002",
    "H3": "HS2007",
    "H4": "HS2012",
    "H5": "HS2017",
    "H6": "HS2022",
}

_SEMIS = ["7604", "7605", "7606", "7607", "7608", "7609"]
_ARTICLES = ["7610", "7611", "7612", "7613", "7614", "7615", "7616"]

# Product words -> HS scopes. Keys are normalised (lower case, single spaces, no hyphens).
_PRODUCT_WORDS: dict[str, list[str]] = {
    "aluminium": ["76"],
    "aluminum": ["76"],
    "unwrought": ["7601"],
    "unwrought aluminium": ["7601"],
    "unwrought aluminum": ["7601"],
    "primary": ["7601"],
    "primary aluminium": ["7601"],
    "primary aluminum": ["7601"],
    "ingot": ["7601"],
    "ingots": ["7601"],
    "scrap": ["7602"],
    "waste": ["7602"],
    "waste and scrap": ["7602"],
    "powder": ["7603"],
    "powders": ["7603"],
    "semis": _SEMIS,
    "semi finished": _SEMIS,
    "semifinished": _SEMIS,
    "semi finished products": _SEMIS,
    "semi manufactures": _SEMIS,
    "profiles": ["7604"],
    "extrusions": ["7604"],
    "bars": ["7604"],
    "wire": ["7605"],
    "sheet": ["7606"],
    "sheets": ["7606"],
    "plates": ["7606"],
    "foil": ["7607"],
    "tubes": ["7608"],
    "pipes": ["7608"],
    "products": _ARTICLES,
    "articles": _ARTICLES,
    "cans": ["7612"],
    "cables": ["7614"],
}


@dataclass(frozen=True)
class HSCode:
    """One HS code of chapter 76 in one revision."""

    code: str
    level: int
    parent: str | None
    name: str
    hs_rev: str


@lru_cache(maxsize=1)
def _hs76_rows() -> tuple[HSCode, ...]:
    from corridor.reference.packaged import packaged_text

    text = packaged_text("hs76.csv")
    return tuple(
        HSCode(
            code=row["code"],
            level=int(row["level"]),
            parent=row["parent"] or None,
            name=row["name"],
            hs_rev=row["hs_rev"],
        )
        for row in csv.DictReader(io.StringIO(text))
    )


def hs_codes(rev: str = "H6") -> tuple[HSCode, ...]:
    """Return chapter 76 (levels 2, 4, 6) in revision ``rev`` (``H0`` ... ``H6``).

    Raises:
        InvalidQuery: for an unknown revision.
    """
    key = rev.strip().upper()
    by_edition = {v: k for k, v in HS_REVISIONS.items()}
    key = by_edition.get(key, key)
    if key not in HS_REVISIONS:
        accepted = ", ".join(f"{k} ({v})" for k, v in HS_REVISIONS.items())
        raise InvalidQuery(f"unknown HS revision {rev!r} — accepted: {accepted}")
    return tuple(c for c in _hs76_rows() if c.hs_rev == key)


def _hs_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("hs_rev", pa.string()),
            ("code", pa.string()),
            ("level", pa.int8()),
            ("parent", pa.string()),
            ("name", pa.string()),
        ]
    )


def _table(rows: list[tuple[str, str, int, str | None, str]]) -> pa.Table:
    import pyarrow as pa

    cols = list(zip(*rows, strict=True)) if rows else [[], [], [], [], []]
    return pa.table(
        {name: list(col) for name, col in zip(_hs_schema().names, cols, strict=True)},
        schema=_hs_schema(),
    )


def hs76_table() -> pa.Table:
    """Return chapter 76 for all revisions (hs_rev, code, level int8, parent, name)."""
    return _table([(c.hs_rev, c.code, c.level, c.parent, c.name) for c in _hs76_rows()])


def normalize_hs(code: str | int) -> str:
    """Return an HS code as text (``760110`` -> ``'760110'``, ``' 7601 '`` -> ``'7601'``).

    Integers are converted as they are; an odd number of digits (e.g. ``76011``, a 6-digit code
    that lost its leading zero or a typo) is rejected. Use :func:`normalize_hs6` for BACI's
    integer HS6 codes.

    Raises:
        InvalidQuery: for malformed codes (see :func:`validate_hs`).
    """
    if isinstance(code, bool):
        raise InvalidQuery(f"invalid HS code {code!r}")
    text = str(code).strip().replace(".", "")
    return validate_hs(text)


def normalize_hs6(value: str | int) -> str:
    """Zero-pad a 6-digit HS code stored as a number (BACI ``k``: ``10121`` -> ``'010121'``).

    Raises:
        InvalidQuery: if the value is not 1-6 digits.
    """
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) > 6:
        raise InvalidQuery(f"invalid HS6 code {value!r} — expected up to 6 digits")
    return validate_hs(text.zfill(6))


@lru_cache(maxsize=1)
def _hs76_known() -> dict[int, tuple[str, ...]]:
    """Chapter 76 headings (4) and subheadings (6) of any edition H0-H6, sorted."""
    return {
        level: tuple(sorted({c.code for c in _hs76_rows() if c.level == level})) for level in (4, 6)
    }


def _nearest(text: str, known: tuple[str, ...], n: int = 3) -> list[str]:
    """The ``n`` known codes closest to ``text``: fewest differing digits, then numerically."""

    def distance(code: str) -> tuple[int, int]:
        differ = sum(a != b for a, b in zip(code, text, strict=True))
        return differ, abs(int(code) - int(text))

    return sorted(known, key=distance)[:n]


#: What an HS code may be, in every message that refuses one (queries and ingest alike).
ACCEPTED_HS = "expected TOTAL or 2, 4 or 6 digits (chapters 01-97 except 77, or 99)"


def validate_hs(code: str | int) -> str:
    """Check an HS code and return it as text.

    Accepts ``TOTAL`` and 2, 4 or 6 digits in chapters 01-97 (77 is reserved) and 99 (Comtrade's
    "commodities not specified according to kind"; 98 is for national use). In chapter
    76 a heading or subheading must exist in at least one HS edition (H0-H6); elsewhere the
    shape is checked only (corridor ships no list for other chapters).

    Raises:
        InvalidQuery: naming the value and what is accepted.
        UnknownCode: a chapter-76 heading or subheading no edition has, with the nearest ones.
    """
    text = str(code).strip()
    if text.upper() == "TOTAL":
        return "TOTAL"
    accepted = ACCEPTED_HS
    if not text.isascii() or not text.isdigit() or len(text) not in (2, 4, 6):
        raise InvalidQuery(f"invalid HS code {code!r} — {accepted}")
    chapter = int(text[:2])
    if chapter == 0:
        raise InvalidQuery(f"invalid HS code {code!r} — chapter 00 does not exist; {accepted}")
    if chapter == 77:
        raise InvalidQuery(
            f"invalid HS code {code!r} — chapter 77 is reserved for future use in the HS"
        )
    if chapter == 98:
        raise InvalidQuery(
            f"invalid HS code {code!r} — chapter 98 is for national use; no source reports it; "
            f"{accepted}"
        )
    if chapter == 76 and len(text) > 2 and text not in _hs76_known()[len(text)]:
        known = _hs76_known()[len(text)]
        kind = "heading" if len(text) == 4 else "subheading"
        raise UnknownCode(
            f"{text} is not an HS {kind} in any edition (HS1992–HS2022); nearest: "
            f"{', '.join(_nearest(text, known))} (chapter 76 {kind}s: {known[0]}–{known[-1]})"
        )
    return text


def chapter_headings(chapter: str) -> int | None:
    """How many headings a chapter has (known for chapter 76 only; else None)."""
    if chapter != "76":
        return None
    return len({c.code for c in hs_codes("H6") if c.level == 4})


def hs_level(code: str | int) -> int:
    """Return the level of an HS code: 0 for ``TOTAL``, else 2, 4 or 6 digits."""
    text = validate_hs(code)
    return 0 if text == "TOTAL" else len(text)


def _norm_words(text: str) -> str:
    return " ".join(re.sub(r"[-_/]+", " ", text.casefold()).split())


def resolve_product(text: str | int) -> list[str]:
    """Map a product word or explicit HS code(s) to a list of HS scopes.

    ``'aluminium'`` -> ``['76']``; ``'unwrought'`` -> ``['7601']``; ``'scrap'`` ->
    ``['7602']``; ``'semis'`` -> ``['7604', ..., '7609']``; ``'products'`` ->
    ``['7610', ..., '7616']``; ``'7601,7602'`` -> ``['7601', '7602']``.

    Raises:
        InvalidQuery: naming the accepted words.
    """
    raw = str(text).strip()
    words = _norm_words(raw)
    if words in _PRODUCT_WORDS:
        return list(_PRODUCT_WORDS[words])
    parts = [p for p in re.split(r"[\s,;]+", raw) if p]
    if parts and all(p.replace(".", "").isdigit() or p.upper() == "TOTAL" for p in parts):
        out: list[str] = []
        for part in parts:
            code = normalize_hs(part)
            if code not in out:
                out.append(code)
        return out
    accepted = ", ".join(sorted({k for k in _PRODUCT_WORDS if " " not in k}))
    raise InvalidQuery(
        f"unknown product {raw!r} — use an HS code (2, 4 or 6 digits) or one of: {accepted}"
    )


_PREFIX = re.compile(r"^\s*([0-9A-Za-z]+)\s+-\s+")


def _strip_prefix(code: str, text: str) -> str:
    match = _PREFIX.match(text)
    if match and match.group(1).upper() == code.upper():
        return text[match.end() :].strip()
    return text.strip()


def load_comtrade_hs_reference(path: str | Path) -> pa.Table:
    """Load a Comtrade HS reference file (``HS.json`` or ``H0.json`` ... ``H6.json``).

    Handles both schema variants (``isLeaf`` as string or int, with or without
    ``standardUnitAbbr``), CRLF/tabs and a UTF-8 BOM. ``text`` loses its ``"code - "`` prefix.
    ``hs_rev`` is the file's ``classCode`` (``HS`` for the combined list).

    Returns:
        Table with columns hs_rev, code, level (int8; 0 for TOTAL), parent (null for the root),
        name; one row per entry, in file order.

    Raises:
        InputFileError: if the file cannot be read.
        ParseError: naming the file if it is not valid JSON or lacks ``results``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read Comtrade HS reference {path}: {exc}") from exc
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
        results = doc["results"]
        if not isinstance(results, list):
            raise TypeError("results is not a list")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ParseError(f"{path}: not a Comtrade HS reference file ({exc})") from exc
    rev = str(doc.get("classCode") or "HS").strip()
    rows: list[tuple[str, str, int, str | None, str]] = []
    for i, item in enumerate(results):
        try:
            code = str(item["id"]).strip()
            parent = str(item.get("parent") or "").strip()
            level = int(item.get("aggrLevel", 0 if code.upper() == "TOTAL" else len(code)))
            name = _strip_prefix(code, str(item.get("text") or ""))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ParseError(f"{path}: bad entry at results[{i}]: {exc}") from exc
        rows.append((rev, code, level, None if parent in ("", "#", "-1") else parent, name))
    return _table(rows)


def load_baci_product_codes(path: str | Path, hs_rev: str | None = None) -> pa.Table:
    """Load a BACI ``product_codes_HS{rev}_V{version}.csv`` (columns code, description).

    ``code`` stays a 6-character text with leading zeros (legacy codes such as ``9999AA`` are
    kept as they are). UTF-8 is tried first, then cp1252. ``hs_rev`` defaults to the ``HSxx``
    part of the file name (e.g. ``HS17``).

    Raises:
        InputFileError: if the file cannot be read.
        ParseError: naming the file if the header is not ``code, description``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read BACI product codes {path}: {exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if hs_rev is None:
        match = re.search(r"(HS\d{2})", path.name, flags=re.IGNORECASE)
        hs_rev = match.group(1).upper() if match else "HS"
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["code", "description"]:
        raise ParseError(f"{path}: expected header 'code,description', got {header!r}")
    rows: list[tuple[str, str, int, str | None, str]] = []
    for line_no, record in enumerate(reader, start=2):
        if not record or not any(f.strip() for f in record):
            continue
        if len(record) < 2:
            raise ParseError(f"{path}: line {line_no}: expected 2 fields, got {record!r}")
        code = record[0].strip()
        if code.isdigit():
            code = code.zfill(6)
        rows.append((hs_rev, code, len(code), code[:4], record[1].strip()))
    return _table(rows)
