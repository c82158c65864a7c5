"""Growth: year-on-year change, CAGR over any window, index (base year = 100), contributions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["cagr", "contribution", "index", "yoy"]


def _previous(t: ir.Table, column: str, keys: Sequence[str]) -> ir.Table:
    """Join each row to the same keys' row of ``year - 1``: adds ``prev_<column>``."""
    keys = list(keys)
    prev = t.select(
        *keys,
        next_year=(t.year + 1).cast(t.year.type()),
        **{f"prev_{column}": t[column]},
    )
    j = t.left_join(prev, [*(t[k] == prev[k] for k in keys), t.year == prev.next_year])
    return j.select(*t.columns, f"prev_{column}")


def yoy(t: ir.Table, column: str, keys: Sequence[str] = ()) -> ir.Table:
    """Year-on-year change of ``column`` per ``keys``: ``prev_<column>``, ``yoy_<column>``.

    ``yoy = x_t / x_{t-1} - 1`` (fraction; NULL when the previous year is absent, NULL or 0).
    The previous year is exactly ``year - 1``, never an earlier year standing in for a gap.
    """
    j = _previous(t, column, keys)
    return j.mutate(**{f"yoy_{column}": j[column] / j[f"prev_{column}"].nullif(0) - 1})


def cagr(t: ir.Table, column: str, first: int, last: int, keys: Sequence[str] = ()) -> ir.Table:
    """Compound annual growth rate of ``column`` from ``first`` to ``last`` per ``keys``.

    ``cagr = (x_last / x_first) ** (1 / (last - first)) - 1``. NULL when either end is missing,
    ``x_first <= 0``, ``x_last < 0`` or ``last <= first``. Columns: keys, ``first_year``,
    ``last_year``, ``first_<column>``, ``last_<column>``, ``cagr_<column>``.
    """
    x = t[column]
    agg = t.group_by(list(keys)).aggregate(
        **{
            f"first_{column}": x.sum(where=t.year == first),
            f"last_{column}": x.sum(where=t.year == last),
        }
    )
    a, b = agg[f"first_{column}"], agg[f"last_{column}"]
    span = last - first
    ok = (a > 0) & (b >= 0) & ibis.literal(span > 0)
    ratio = b / a.nullif(0)
    growth = ibis.ifelse(ok, ratio.pow(1.0 / span if span > 0 else 1.0) - 1, ibis.null("float64"))
    return agg.mutate(
        first_year=ibis.literal(first, "int16"),
        last_year=ibis.literal(last, "int16"),
        **{f"cagr_{column}": growth},
    )


def index(t: ir.Table, column: str, base_year: int, keys: Sequence[str] = ()) -> ir.Table:
    """Index of ``column`` per ``keys`` with ``base_year = 100``: ``index_<column>``.

    ``index = 100 * x_t / x_base``; NULL where the base year is missing or 0.
    """
    keys = list(keys)
    base = t.filter(t.year == base_year).select(*keys, _base=t[column])
    j = t.left_join(base, [t[k] == base[k] for k in keys]) if keys else t.cross_join(base)
    j = j.select(*t.columns, "_base")
    return j.mutate(**{f"index_{column}": 100.0 * j[column] / j._base.nullif(0)}).drop("_base")


def contribution(
    t: ir.Table, column: str, part: str, market: Sequence[str] = ("year",)
) -> ir.Table:
    """Contribution of each ``part`` (e.g. supplier) to the market's growth, per year.

    ``contribution = (x_part,t - x_part,t-1) / X_market,t-1`` — percentage points (as a
    fraction) of the market's year-on-year growth; the contributions of all parts sum to the
    market's ``yoy``. A part absent in one of the two years counts as 0 there. ``market``
    must include ``year``.
    """
    keys = [k for k in market if k != "year"]
    cur = t.select(*keys, "year", part, x=t[column])
    prev = t.select(*keys, part, year=(t.year + 1).cast(t.year.type()), x_prev=t[column])
    both = cur.outer_join(prev, [*(cur[k] == prev[k] for k in keys), cur[part] == prev[part],
                                 cur.year == prev.year])  # fmt: skip
    both = both.select(
        *(ibis.coalesce(both[k], both[f"{k}_right"]).name(k) for k in [*keys, "year", part]),
        x=both.x.fill_null(0),
        x_prev=both.x_prev.fill_null(0),
    )
    first = t.year.min()
    last = t.year.max()
    span = t.aggregate(first=first, last=last)
    both = both.cross_join(span).filter(lambda r: (r.year > r.first) & (r.year <= r.last))
    market_prev = both.x_prev.sum().over(group_by=[both[k] for k in [*keys, "year"]])
    return both.select(
        *keys,
        "year",
        part,
        **{column: both.x, f"prev_{column}": both.x_prev},
        contribution=(both.x - both.x_prev) / market_prev.nullif(0),
    )
