"""Numbers formatted for people: USD 337.2 M, 45.4 kt, 12.3 % (one style everywhere)."""

from __future__ import annotations

__all__ = ["fmt_pct", "fmt_usd", "fmt_weight"]

MISSING = "—"


def fmt_usd(value: float | None) -> str:
    """USD 337.2 M style."""
    if value is None:
        return MISSING
    for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"USD {value / size:,.1f}{suffix}"
    return f"USD {value:,.0f}"


def fmt_weight(kg: float | None) -> str:
    """45.4 kt style (kg in, tonnes out)."""
    if kg is None:
        return MISSING
    tonnes = kg / 1000
    if abs(tonnes) >= 1e6:
        return f"{tonnes / 1e6:,.2f} Mt"
    if abs(tonnes) >= 1e3:
        return f"{tonnes / 1e3:,.1f} kt"
    return f"{tonnes:,.1f} t"


def fmt_pct(fraction: float | None, *, signed: bool = False) -> str:
    """12.3 % style, from a fraction."""
    if fraction is None:
        return MISSING
    return f"{fraction * 100:+.1f} %" if signed else f"{fraction * 100:.1f} %"
