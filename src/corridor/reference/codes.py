"""Trade codes and limits every layer shares: flows, HS revisions, years, plausible sizes.

One place for the accepted values, so that ingest validations, the CLI's argument checks and
the source readers cannot drift apart. Plain Python values; SQL is built from them where needed.
"""

from __future__ import annotations

from corridor.reference.hs import HS_REVISIONS

__all__ = [
    "BACI_REVISIONS",
    "FLOWS",
    "HS_REVISIONS",
    "IMPORT_FLOWS",
    "MAX_FLOW_KG",
    "MAX_FLOW_USD",
    "YEAR_MAX",
    "YEAR_MIN",
    "check_year",
]

#: UN Comtrade flow codes (sources.md §1) -> meaning.
FLOWS: dict[str, str] = {
    "M": "imports",
    "X": "exports",
    "RM": "re-imports",
    "RX": "re-exports",
    "DX": "domestic exports",
    "FM": "foreign imports",
    "MIP": "imports for inward processing",
    "MOP": "imports after outward processing",
    "XIP": "exports after inward processing",
    "XOP": "exports for outward processing",
}

#: Flows reported by the importing country (valued CIF by convention).
IMPORT_FLOWS: tuple[str, ...] = ("M", "RM", "FM", "MIP", "MOP")

#: CEPII BACI's two-digit HS edition -> Comtrade revision code.
BACI_REVISIONS: dict[str, str] = {
    "92": "H0",
    "96": "H1",
    "02": "H2",
    "07": "H3",
    "12": "H4",
    "17": "H5",
    "22": "H6",
}

#: Years corridor accepts in data and in questions (HS data starts in 1988).
YEAR_MIN, YEAR_MAX = 1988, 2030

#: Plausibility limits for ONE flow (one reporter, partner, product, period). World trade is
#: about USD 2.5e13 a year; China's largest single-product import (iron ore, HS 2601) is about
#: 1.2e12 kg a year, so weights get a 10x wider margin than 1e12 kg would allow.
MAX_FLOW_USD = 1e13
MAX_FLOW_KG = 1e13


def check_year(year: int) -> bool:
    """True when ``year`` is within the accepted range."""
    return YEAR_MIN <= year <= YEAR_MAX
