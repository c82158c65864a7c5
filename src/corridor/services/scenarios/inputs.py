"""Scenario inputs: cuts, capacities and the base year, checked with one-line errors.

Faces pass what users typed (``AUS=50%``, ``IND=40kt``); these functions turn it into numbers
and say exactly what was wrong otherwise. The base year is checked against what the
warehouse holds for the question, and the session for that year is derived here.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, InvalidQuery, NotFound

if TYPE_CHECKING:
    from corridor.reference.countries import Country
    from corridor.services.session import Session

__all__ = ["base_session", "parse_amount", "parse_capacity", "parse_cut", "scope_words"]

_WEIGHT = {"kg": 1.0, "t": 1e3, "kt": 1e6, "mt": 1e9}
_VALUE = {"usd": 1.0, "kusd": 1e3, "musd": 1e6, "mnusd": 1e6, "bnusd": 1e9}
_NUMBER = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*")


def _pair(text: str, what: str, example: str) -> tuple[str, str]:
    key, sep, value = str(text).partition("=")
    if not sep or not key.strip() or not value.strip():
        raise InvalidQuery(f"{what} '{text}': expected COUNTRY=AMOUNT, e.g. {example}")
    return key.strip(), value.strip()


def parse_cut(text: str) -> tuple[str, float]:
    """``AUS=50%`` → (``AUS``, 0.5); the share of the supplier's base-year quantity removed.

    Raises:
        InvalidQuery: not ``COUNTRY=PERCENT``, no ``%``, or outside (0, 100] %.
    """
    key, value = _pair(text, "cut", "AUS=50%")
    if not value.endswith("%"):
        raise InvalidQuery(f"cut '{text}': give a percentage, e.g. {key}=50%")
    try:
        pct = float(value[:-1])
    except ValueError:
        raise InvalidQuery(f"cut '{text}': '{value}' is not a percentage") from None
    if math.isnan(pct) or not 0 < pct <= 100:
        raise InvalidQuery(f"cut '{text}': must be above 0 % and at most 100 %")
    return key, pct / 100


def parse_amount(text: str, basis: str) -> float:
    """``40kt``, ``4e7 kg``, ``30MUSD`` or a bare number (in the scenario's unit) → kg or USD.

    Raises:
        InvalidQuery: not a number, a negative amount, an unknown unit, or a weight for a
            scenario that moves value (and vice versa).
    """
    m = _NUMBER.fullmatch(str(text))
    if not m:
        raise InvalidQuery(
            f"amount '{text}': expected a number with an optional unit "
            "(kg, t, kt, Mt, USD, kUSD, MUSD, bnUSD)"
        )
    number, unit = float(m.group(1)), m.group(2).lower()
    if not unit:
        return number
    if unit in _WEIGHT:
        if basis != "weight":
            raise InvalidQuery(
                f"amount '{text}' is a weight, but the scenario moves value "
                "(USD): give USD, e.g. 30MUSD"
            )
        return number * _WEIGHT[unit]
    if unit in _VALUE:
        if basis != "value":
            raise InvalidQuery(
                f"amount '{text}' is a value, but the scenario moves net "
                "weight (kg): give a weight, e.g. 40kt"
            )
        return number * _VALUE[unit]
    raise InvalidQuery(
        f"amount '{text}': unknown unit '{m.group(2)}' "
        "(accepted: kg, t, kt, Mt, USD, kUSD, MUSD, bnUSD)"
    )


def parse_capacity(text: str) -> tuple[str, str]:
    """``IND=40kt`` → (``IND``, ``40kt``); the amount is read once the basis is known."""
    return _pair(text, "capacity", "IND=40kt")


def scope_words(session: Session) -> str:
    """'Japan's imports, HS 7601' — the market in words (the scope the data covers)."""
    try:
        scope = session.scope
    except CorridorError:
        scope = "HS " + ", ".join(session.query.hs)
    return f"{session.query.importer.name}'s imports, {scope}"


def base_session(session: Session, base_year: int | None) -> tuple[Session, int]:
    """The session for the base year (default: the latest year with data) and that year.

    Raises:
        InvalidQuery: a year outside the accepted range.
        NotFound: no data in the base year — naming the years the warehouse holds.
    """
    from corridor.query import parse_years

    coverage = session.coverage
    if not coverage:
        raise NotFound(session.missing())
    first = min(c.first_year for c in coverage)
    last = max(c.last_year for c in coverage)
    asked = session.query.years
    if base_year is None:
        year = min(last, asked[1]) if asked else last
    else:
        year = parse_years(base_year)[0]  # type: ignore[index]
    where = f"{scope_words(session)} in {session.catalog.reads_from}"
    held = f"{first}–{last}" if first != last else str(first)
    if not first <= year <= last:
        raise NotFound(f"base year {year}: no data for {where} (years with data: {held})")
    derived = session.derive(years=(year, year))
    try:
        derived.main  # noqa: B018  (resolves side and dataset; NotFound when the year is empty)
    except NotFound:
        raise NotFound(
            f"base year {year}: no data for {where} (years with data: {held}, with gaps)"
        ) from None
    return derived, year


def resolve_supplier(key: Any, suppliers: dict[int, dict[str, Any]], where: str) -> Country:
    """The country ``key`` names, which must be one of the market's ``suppliers``.

    Raises:
        InvalidQuery: an unknown country, or one that did not supply the market.
    """
    from corridor.reference.countries import Country, resolve_country

    country = key if isinstance(key, Country) else resolve_country(key)
    if country.code not in suppliers:
        ranked = sorted(suppliers.values(), key=lambda r: (r.get("rank") or 10**6, r["supplier"]))
        top = ", ".join(r["name"] for r in ranked[:5])
        raise InvalidQuery(
            f"unknown supplier {country.label}: not among the suppliers of {where} "
            f"(largest: {top}, …)"
        )
    return country
