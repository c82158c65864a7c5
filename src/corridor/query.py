"""``CorridorQuery``: the one description of a corridor question, validated once.

Countries are resolved through the reference data (names, ISO codes or Comtrade codes), HS
codes are checked against the HS tree, years against the accepted range, and the options
against what each accepts — so every face (CLI, Python, web) gets the same one-line errors
and every service receives a query it can trust.

``side`` and ``measure`` may be ``auto``: the session then decides from what the data holds
(the importer's own report if there is one, else the exporters' mirror; value if reported,
else net weight) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidQuery
from corridor.reference.codes import YEAR_MAX, YEAR_MIN

if TYPE_CHECKING:
    from corridor.reference.countries import Country

__all__ = ["ENGINES", "FREQS", "MEASURES", "SIDES", "CorridorQuery", "parse_years"]

SIDES = ("auto", "importer", "exporter")
MEASURES = ("auto", "value", "weight")
ENGINES = ("duckdb", "spark", "url")
FREQS = ("A", "M")
LEVELS = (2, 4, 6)
MAX_TOP_N = 50


def parse_years(text: str | int | tuple[int, int] | list[int] | None) -> tuple[int, int] | None:
    """``'2015-2024'``, ``'2022'``, ``2022`` or ``(2015, 2024)`` → (first, last), checked."""
    if text is None or text == "":
        return None
    if isinstance(text, tuple | list):
        if len(text) != 2:
            raise InvalidQuery(f"years {text!r}: expected (first, last)")
        first, last = text
    elif isinstance(text, int) and not isinstance(text, bool):
        first = last = text
    else:
        raw = str(text).strip()
        a, sep, b = raw.partition("-")
        if not a.strip().isdigit() or (sep and not b.strip().isdigit()):
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            raise InvalidQuery(f"years '{shown}': expected YYYY or YYYY-YYYY")
        first, last = int(a), int(b or a)
    lo, hi = YEAR_MIN, YEAR_MAX
    for y in (first, last):
        if not isinstance(y, int) or isinstance(y, bool) or not lo <= y <= hi:
            raise InvalidQuery(f"year {y} outside {lo}–{hi}")
    if first > last:
        raise InvalidQuery(f"empty year range '{first}-{last}' (first year after last)")
    return first, last


def _choice(name: str, value: Any, accepted: tuple) -> Any:
    if value not in accepted:
        shown = str(value)[:40]
        raise InvalidQuery(f"{name} '{shown}' (accepted: {', '.join(map(str, accepted))})")
    return value


def _hs_scope(hs: Any) -> tuple[str, ...]:
    from corridor.reference.hs import validate_hs

    items = [hs] if isinstance(hs, str | int) else list(hs or [])
    codes: list[str] = []
    for item in items:
        for part in str(item).replace(";", ",").split(","):
            if part.strip():
                code = validate_hs(part.strip().replace(".", ""))
                if code not in codes:
                    codes.append(code)
    if not codes:
        raise InvalidQuery("no HS code given (e.g. --hs 76, --hs 7601 --hs 7602)")
    if "TOTAL" in codes and len(codes) > 1:
        raise InvalidQuery("HS TOTAL already covers every code; ask for it alone")
    for a in codes:
        for b in codes:
            if a != b and b.startswith(a):
                raise InvalidQuery(f"HS {b} is inside HS {a}: asking for both would double count")
    return tuple(codes)


@dataclass(frozen=True)
class CorridorQuery:
    """One corridor question. Construct with plain values; every field is checked at once.

    Args:
        importer: the importing country (name, ISO3/ISO2, Comtrade code, or a Country).
        exporter: the exporting country of interest, or None for the whole market.
        hs: HS scope — one code or several (``"76"``, ``["7601", "7602"]``, ``"TOTAL"``).
        years: ``(first, last)``, ``"2015-2024"`` or None (every year the data holds).
        side: ``importer`` (the importer's report, flow M, CIF), ``exporter`` (the
            exporters' reports of exports to the importer, flow X, FOB; also BACI) or
            ``auto`` (the importer's own report when the data has it).
        measure: ``value`` (USD), ``weight`` (kg) or ``auto`` (value when reported).
        level: HS level summed (2, 4, 6); None = the finest level present.
        dataset: only this dataset (e.g. ``comtrade``, ``baci-HS17-V202401``).
        engine: ``duckdb`` (default), ``spark`` or ``url``.
        top_n: N of "top-N" figures.
        base_year: base of growth indices (default: the first year).
        freq: ``A`` (annual rows, every indicator) or ``M`` (monthly rows: the indicators
            that answer by month, e.g. ``periods`` and the forecast).
    """

    importer: Any = "JPN"
    exporter: Any = None
    hs: Any = ("76",)
    years: Any = None
    side: str = "auto"
    measure: str = "auto"
    level: int | None = None
    dataset: str | None = None
    engine: str = "duckdb"
    top_n: int = 5
    base_year: int | None = None
    freq: str = "A"
    _checked: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from corridor.reference.countries import Country, resolve_country

        def country(value: Any) -> Country:
            return value if isinstance(value, Country) else resolve_country(value)

        set_ = object.__setattr__
        importer = country(self.importer)
        exporter = None if self.exporter in (None, "") else country(self.exporter)
        if exporter is not None and exporter.code == importer.code:
            raise InvalidQuery(f"importer and exporter are both {importer.label}")
        if importer.is_aggregate:
            raise InvalidQuery(f"importer {importer.label} is not a country")
        set_(self, "importer", importer)
        set_(self, "exporter", exporter)
        set_(self, "hs", _hs_scope(self.hs))
        set_(self, "years", parse_years(self.years))
        _choice("side", self.side, SIDES)
        _choice("measure", self.measure, MEASURES)
        _choice("engine", self.engine, ENGINES)
        set_(self, "freq", _choice("freq", str(self.freq).upper(), FREQS))
        if self.level is not None:
            _choice("level", self.level, LEVELS)
            finest = max(len(h) for h in self.hs)
            if self.level < finest:
                raise InvalidQuery(f"level {self.level} is coarser than HS {self.hs}")
        if isinstance(self.top_n, bool) or not isinstance(self.top_n, int):
            raise InvalidQuery(f"top_n {self.top_n!r}: expected a whole number 1–{MAX_TOP_N}")
        if not 1 <= self.top_n <= MAX_TOP_N:
            raise InvalidQuery(f"top_n {self.top_n} outside 1–{MAX_TOP_N}")
        if self.base_year is not None:
            base = parse_years(self.base_year)[0]  # type: ignore[index]
            if self.years and not self.years[0] <= base <= self.years[1]:
                raise InvalidQuery(f"base year {base} outside the years {self.years}")
            set_(self, "base_year", base)
        if self.dataset is not None and not str(self.dataset).strip():
            set_(self, "dataset", None)
        set_(self, "_checked", True)

    def replace(self, **changes: Any) -> CorridorQuery:
        """A copy with some fields changed (checked again)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: countries as ``{code, iso3, name}``."""

        def ref(c: Country | None) -> dict[str, Any] | None:
            return None if c is None else {"code": c.code, "iso3": c.iso3, "name": c.name}

        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name.startswith("_"):
                continue
            value = getattr(self, f.name)
            if f.name in ("importer", "exporter"):
                value = ref(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out
