"""What this means: one paragraph up front, composed from the other sections' key points.

Each point is a pure function of the session in its own section module (memoised
indicators), so the paragraph can never disagree with the section it summarises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from corridor.errors import NotFound
from corridor.services.brief import dependency, mirror, mix, prices
from corridor.services.brief import words as w
from corridor.services.brief.model import Section
from corridor.units import fmt_pct, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["build"]


def _safe(fn: Callable[[Session], str | None], s: Session) -> str | None:
    try:
        return fn(s)
    except NotFound:
        return None


def _position(s: Session) -> str:
    rows = s.indicator("summary").to_pylist()
    key = "value" if s.measure == "value" else "weight"
    share, rank = f"share_of_{key}", f"rank_by_{key}"
    exp, imp = s.query.exporter.name, s.query.importer.name
    last = rows[-1]
    first = next((r for r in rows if r[share] is not None), None)
    if last[rank] is None or first is None:
        return f"{exp} is not among {imp}'s {w.product(s)} suppliers in {last['year']}."
    size = ("one of its main suppliers" if last[rank] <= 3 else
            "a mid-sized supplier" if last[rank] <= 10 else "a minor supplier")  # fmt: skip
    if first is last:
        return (
            f"{exp} is {size} of {w.product(s)} to {imp}: {w.pct(last[share])} of its "
            f"imports {w.by_measure(s)} in {last['year']}, the {w.largest(last[rank])}."
        )
    ratio = last[share] / first[share] if first[share] else None
    trend = ("gaining ground" if ratio is None or ratio > 1.25 else
             "losing ground" if ratio < 0.8 else "holding its place")  # fmt: skip
    return (f"{exp} is {size} of {w.product(s)} to {imp} and is {trend}: its share of "
            f"{imp}'s imports {w.by_measure(s)} went from {w.pct(first[share])} in "
            f"{first['year']} to {w.pct(last[share])} in {last['year']} "
            f"(the {w.largest(last[rank])}).")  # fmt: skip


def _dependency(s: Session) -> str | None:
    last = w.market(s).indicator("concentration").to_pylist()[-1]
    if last["hhi"] is None:
        return None
    imp = s.query.importer.name
    hhi = fmt_value(last["hhi"], "HHI")
    band = dependency.level(last["hhi"])
    if band == "unconcentrated":
        return (f"{imp} spreads its purchases over many suppliers (HHI {hhi}; the largest, "
                f"{last['top1_name']}, holds {fmt_pct(last['top1_share'])}): a supplier gains "
                "share from many rivals rather than by displacing one.")  # fmt: skip
    return (f"{imp}'s supply is {band} (HHI {hhi}): {last['top1_name']} alone holds "
            f"{fmt_pct(last['top1_share'])}, so a change in that one supplier moves the whole "
            "market.")  # fmt: skip


def _prices(s: Session) -> str | None:
    pos = prices.position(s)
    if pos is None:
        return None
    below, of = pos
    exp, year = s.query.exporter.name, w.last_year(s)
    if below > of / 2:
        return (f"{exp} competes on price: it was cheaper than the median supplier in {below} "
                f"of its {of} largest lines in {year}.")  # fmt: skip
    return (f"{exp} is not the cheap option: it was at or above the median supplier's price "
            f"in {of - below} of its {of} largest lines in {year}.")  # fmt: skip


def _mirror(s: Session) -> str | None:
    from corridor.analytics.constants import CIF_FOB_BOUNDS, WEIGHT_BOUNDS

    rows = [y for y in mirror.totals(s) if y["ratio"] is not None]
    if not rows:
        return None
    lo, hi = CIF_FOB_BOUNDS if s.measure == "value" else WEIGHT_BOUNDS
    ratio = rows[-1]["ratio"]
    imp, exp = s.query.importer.name, s.query.exporter.name
    if lo <= ratio <= hi:
        return (
            f"{imp}'s and {exp}'s own records of this trade agree within the usual margin "
            f"(ratio {fmt_value(ratio, 'ratio')} in {rows[-1]['year']})."
        )
    return (f"{imp}'s and {exp}'s own records of this trade disagree (ratio "
            f"{fmt_value(ratio, 'ratio')} in {rows[-1]['year']}): read every figure as one "
            "side's report.")  # fmt: skip


def _caveats(s: Session) -> list[str]:
    out = []
    if s.synthetic:
        out.append("All of this is SYNTHETIC sample data: the brief shows the method, not the "
                   "real corridor.")  # fmt: skip
    if s.measure == "weight":
        out.append("The data holds net weights only, so nothing here speaks to values or "
                   "prices.")  # fmt: skip
    if "only" in s.scope:
        out.append(f"The data covers {w.scope_short(s)}, not the whole HS chapter asked for.")
    if s.main.reconciled:
        out.append("Figures are CEPII BACI's reconciled flows, not either country's own report.")
    last = s.indicator("summary").to_pylist()[-1]
    if thin := w.thin_market(last["suppliers"], last["year"]):
        out.append(thin)
    return out


def build(s: Session) -> Section:
    """The 'what this means' paragraph (one finding) for the front of the brief."""
    parts = [_position(s)]
    for fn in (_dependency, _prices):
        said = _safe(fn, s)
        if said:
            parts.append(said)
    gaps = _safe(mix.gaps, s)
    if gaps:
        parts.append(f"Room to grow: {gaps}.")
    said = _safe(_mirror, s)
    if said:
        parts.append(said)
    parts += _caveats(s)
    return Section(id="summary", title="What this means", findings=[" ".join(parts)],
                   provenance=s.provenance().as_dict())  # fmt: skip
