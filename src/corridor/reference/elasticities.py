"""Cited elasticities for scenario models (``data/elasticities_hs76.yaml``).

Each parameter has a default and a range (``low``..``high``); every value names its source,
URL and how it was checked (``read``, ``recalled`` or ``assumption``). Models take an
:class:`ElasticityRange` and report results over the whole range, so no result rests on one
number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from corridor.errors import InvalidQuery

__all__ = ["ElasticityRange", "ElasticitySource", "elasticity", "parse_range"]


@dataclass(frozen=True)
class ElasticitySource:
    """One published (or assumed) value and where it comes from."""

    value: float | None
    what: str
    source: str
    url: str
    checked: str  # read | recalled | assumption


@dataclass(frozen=True)
class ElasticityRange:
    """An elasticity: default, range and the sources behind them."""

    name: str
    symbol: str
    default: float
    low: float
    high: float
    meaning: str = ""
    sources: tuple[ElasticitySource, ...] = ()
    basis: str = "literature"  # literature | assumption | user
    note: str | None = None

    def grid(self, points: int = 5) -> list[float]:
        """The default plus ``points`` values spread evenly over low..high (sorted, unique)."""
        if math.isinf(self.low) or self.low == self.high:
            return sorted({self.low, self.default})
        step = (self.high - self.low) / (points - 1)
        return sorted({round(self.low + i * step, 6) for i in range(points)} | {self.default})

    def describe(self) -> dict:
        """A JSON-friendly record of the parameter and its sources (for assumptions)."""
        return {
            "name": self.name,
            "symbol": self.symbol,
            "default": _num(self.default),
            "low": _num(self.low),
            "high": _num(self.high),
            "basis": self.basis,
            "note": self.note,
            "sources": [
                {"value": _num(s.value), "what": " ".join(s.what.split()),
                 "source": " ".join(s.source.split()), "url": s.url, "checked": s.checked}
                for s in self.sources
            ],
        }  # fmt: skip


def _num(value: float | None) -> float | str | None:
    return "infinite" if value is not None and math.isinf(value) else value


@lru_cache(maxsize=1)
def _doc() -> dict:
    from corridor.reference.packaged import packaged_yaml

    return packaged_yaml("elasticities_hs76.yaml")["parameters"]


def elasticity(name: str) -> ElasticityRange:
    """The cited default and range of ``substitution``, ``import_demand`` or ``export_supply``.

    Raises:
        InvalidQuery: for an unknown name.
    """
    doc = _doc()
    if name not in doc:
        raise InvalidQuery(f"unknown elasticity {name!r} (known: {', '.join(sorted(doc))})")
    spec = doc[name]
    sources = tuple(
        ElasticitySource(
            None if v["value"] is None else float(v["value"]),
            v["what"], v["source"], v["url"], v["checked"],
        )
        for v in spec["values"]
    )  # fmt: skip
    return ElasticityRange(
        name=name,
        symbol=spec["symbol"],
        default=float(spec["default"]),
        low=float(spec["low"]),
        high=float(spec["high"]),
        meaning=" ".join(spec["meaning"].split()),
        sources=sources,
        basis=spec.get("basis", "literature"),
        note=" ".join(spec["note"].split()) if spec.get("note") else None,
    )


def parse_range(text: str, name: str) -> ElasticityRange:
    """A user's elasticity: ``4`` or ``2..8`` (default = the midpoint of a range).

    Raises:
        InvalidQuery: for a value that is not a non-negative number or range.
    """
    lo_text, sep, hi_text = text.strip().partition("..")
    try:
        low = float(lo_text)
        high = float(hi_text) if sep else low
    except ValueError:
        raise InvalidQuery(f"elasticity '{text}': expected a number or a range like 2..8") from None
    if low < 0 or high < 0 or math.isnan(low) or math.isnan(high):
        raise InvalidQuery(f"elasticity '{text}': must be ≥ 0")
    if high < low:
        raise InvalidQuery(f"elasticity range '{text}': low is above high")
    base = _doc().get(name, {"symbol": name})
    return ElasticityRange(
        name=name, symbol=base["symbol"], default=(low + high) / 2, low=low, high=high,
        meaning=" ".join(base.get("meaning", "").split()), basis="user",
    )  # fmt: skip
