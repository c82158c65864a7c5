"""Data-quality findings, reported as data: each names the rows behind it.

Every check returns rows of one schema (:data:`FINDING_COLUMNS`) so they can be unioned:
``check``, ``severity`` (info | warning), ``dataset``, ``year``, ``reporter``, ``partner``,
``flow``, ``hs_code``, ``expected``, ``observed``, ``ratio`` (observed / expected),
``detail`` and ``refs`` — the ``raw_ref:raw_row`` ids of the rows behind the finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ibis

from corridor.analytics.mirror import CIF_FOB_BOUNDS, mirror_flows
from corridor.analytics.scope import WORLD, hs_match

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "FINDING_COLUMNS",
    "annual_vs_months",
    "findings",
    "mirror_gaps",
    "missing_weights",
    "unit_value_findings",
    "world_vs_partners",
]

FINDING_COLUMNS = (
    "check",
    "severity",
    "dataset",
    "year",
    "reporter",
    "partner",
    "flow",
    "hs_code",
    "expected",
    "observed",
    "ratio",
    "detail",
    "refs",
)
_TYPES = {"check": "string", "severity": "string", "dataset": "string", "year": "int32",
          "reporter": "int32", "partner": "int32", "flow": "string", "hs_code": "string",
          "expected": "float64", "observed": "float64", "ratio": "float64",
          "detail": "string", "refs": "array<string>"}  # fmt: skip
#: Relative difference above which totals are said to disagree.
TOTAL_TOLERANCE = 0.01


def _ref(t: ir.Table) -> ir.StringValue:
    return t.raw_ref.concat(":", t.raw_row.cast("string"))


def _scoped(t: ir.Table, hs: Sequence[str] | None, years: tuple[int, int] | None) -> ir.Table:
    t = t.filter(
        t.partner2.isnull() | (t.partner2 == 0),
        t.customs_code.isnull() | (t.customs_code == "C00"),
        t.mot_code.isnull() | (t.mot_code == 0),
    )
    if hs:
        t = t.filter(hs_match(t, hs))
    if years:
        t = t.filter(t.year.between(*years))
    return t


def _finding(t: ir.Table, check: str, severity: ir.Value | str, **cols: ir.Value) -> ir.Table:
    base = {
        "check": ibis.literal(check, "string"),
        "severity": severity if not isinstance(severity, str) else ibis.literal(severity),
        "dataset": t.dataset,
        "year": t.year.cast("int32"),
        "reporter": t.reporter.cast("int32"),
        "partner": ibis.null("int32"),
        "flow": t.flow,
        "hs_code": t.hs_code,
        "expected": ibis.null("float64"),
        "observed": ibis.null("float64"),
        "ratio": ibis.null("float64"),
        "detail": ibis.null("string"),
        "refs": t.refs,
    }
    base.update(cols)
    # sorted; no references is NULL on every engine (a list of no value is NULL on DuckDB,
    # [] on Spark and after a sort on Postgres, which cannot type an empty array literal)
    refs = base["refs"].sort()
    base["refs"] = ibis.ifelse(refs.length() > 0, refs, ibis.null("array<string>"))
    # explicit nullable types: warehouse columns are NOT NULL, literals are not, and set
    # operations need identical schemas
    return t.select(**{k: base[k].cast(_TYPES[k]) for k in FINDING_COLUMNS})


def world_vs_partners(
    t: ir.Table,
    *,
    hs: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    tolerance: float = TOTAL_TOLERANCE,
) -> ir.Table:
    """World (partner 0) value vs the sum of the partner rows, per report.

    One finding per (dataset, reporter, flow, period, HS code) whose World value differs from
    the partners' sum by more than ``tolerance`` (relative), or whose World row is missing
    while partner rows exist. ``expected`` = World, ``observed`` = sum of partners.
    """
    t = _scoped(t, hs, years).filter(t.freq == "A")
    world = t.partner == WORLD
    keys = ["dataset", "reporter", "flow", "year", "hs_code"]
    a = t.group_by(keys).aggregate(
        expected=t.value_usd.sum(where=world),
        observed=t.value_usd.sum(where=~world),
        has_world=world.any(),
        has_partners=(~world).any(),
        refs=_ref(t).collect(),
    )
    a = a.filter(a.has_world & a.has_partners)
    a = a.mutate(ratio=a.observed / a.expected.nullif(0))
    a = a.filter((a.ratio - 1).abs() > tolerance)
    return _finding(
        a, "world_vs_partners", "warning",
        expected=a.expected, observed=a.observed, ratio=a.ratio,
        detail=ibis.literal("World total differs from the sum of partner rows (USD)"),
    )  # fmt: skip


def annual_vs_months(
    t: ir.Table,
    *,
    hs: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    tolerance: float = TOTAL_TOLERANCE,
) -> ir.Table:
    """Annual value vs the sum of the same report's monthly values (all 12 months present).

    ``expected`` = annual, ``observed`` = sum of months; a finding when they differ by more
    than ``tolerance`` (relative) or when fewer than 12 months exist for an annual row.
    """
    t = _scoped(t, hs, years)
    keys = ["dataset", "reporter", "partner", "flow", "year", "hs_code"]
    annual = t.freq == "A"
    a = t.group_by(keys).aggregate(
        expected=t.value_usd.sum(where=annual),
        observed=t.value_usd.sum(where=~annual),
        months=t.period.nunique(where=~annual),
        has_annual=annual.any(),
        refs=_ref(t).collect(),
    )
    a = a.filter(a.has_annual, a.months > 0)
    a = a.mutate(ratio=a.observed / a.expected.nullif(0))
    a = a.filter(((a.ratio - 1).abs() > tolerance) | (a.months < 12))
    detail = ibis.ifelse(
        a.months < 12,
        ibis.literal("only ").concat(a.months.cast("string"), " of 12 months reported"),
        ibis.literal("annual value differs from the sum of months (USD)"),
    )
    return _finding(
        a, "annual_vs_months", "warning", partner=a.partner.cast("int32"),
        expected=a.expected, observed=a.observed, ratio=a.ratio, detail=detail,
    )  # fmt: skip


def missing_weights(
    t: ir.Table, *, hs: Sequence[str] | None = None, years: tuple[int, int] | None = None
) -> ir.Table:
    """Rows with a value but no net weight, and rows whose weight the source estimated.

    One finding per (dataset, reporter, flow, year, HS code, kind): ``observed`` = the value
    (USD) without weight, or the estimated weight (kg); ``detail`` says how many rows.
    """
    t = _scoped(t, hs, years).filter(t.freq == "A", t.partner != WORLD)
    keys = ["dataset", "reporter", "flow", "year", "hs_code"]
    out = []
    no_weight = t.value_usd.notnull() & t.net_weight_kg.isnull()
    estimated = t.is_estimated_weight.fill_null(False)
    for check, cond, amount, sev in (
        ("missing_weight", no_weight, t.value_usd, "warning"),
        ("estimated_weight", estimated, t.net_weight_kg, "info"),
    ):
        f = t.filter(cond)
        a = f.group_by(keys).aggregate(observed=amount.sum(), n=f.count(), refs=_ref(f).collect())
        out.append(
            _finding(
                a,
                check,
                sev,
                observed=a.observed.cast("float64"),
                detail=a.n.cast("string").concat(" row(s)"),
            )
        )
    return ibis.union(*out)


def mirror_gaps(
    t: ir.Table,
    *,
    importer: int | None = None,
    hs: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    level: int | None = None,
    bounds: tuple[float, float] = CIF_FOB_BOUNDS,
    datasets: tuple[Any, Any] = (None, None),
    hs_min_level: int | None = None,
) -> ir.Table:
    """Mirror pairs outside plausible CIF/FOB bounds, or with one side missing.

    ``reporter`` = importer, ``partner`` = exporter, ``expected`` = FOB, ``observed`` = CIF;
    ``datasets`` pins the importer-side and exporter-side datasets.
    """
    mf = mirror_flows(t, importer=importer, hs=hs, years=years, level=level, bounds=bounds,
                      with_refs=True, datasets=datasets, hs_min_level=hs_min_level)  # fmt: skip
    mf = mf.filter(mf.flag.notnull())
    # no empty-array literal: Postgres cannot type one (a pair has at least one side)
    refs = ibis.coalesce(mf.refs_m.concat(mf.refs_x), mf.refs_m, mf.refs_x)
    mf = mf.mutate(refs=refs, dataset=ibis.literal(None, "string"), flow=ibis.literal("M"),
                   reporter=mf.importer)  # fmt: skip
    sev = ibis.ifelse(mf.missing_side.isnull(), "warning", "info")
    return _finding(
        mf, "mirror_gap", sev, partner=mf.exporter.cast("int32"),
        expected=mf.fob_usd, observed=mf.cif_usd, ratio=mf.cif_fob_ratio, detail=mf.flag,
    )  # fmt: skip


def _one_decimal(x: ir.FloatingValue) -> ir.StringValue:
    """``x`` as text with one decimal, the same on every engine (a float's text is not)."""
    tenths = (x * 10).round().cast("int64")
    a = tenths.abs()
    sign = ibis.ifelse(tenths < 0, "-", "")
    return sign.concat((a // 10).cast("string"), ".", (a % 10).cast("string"))


def unit_value_findings(uv_outliers: ir.Table, importer: int | ir.IntegerValue) -> ir.Table:
    """Unit values flagged by :func:`corridor.analytics.prices.unit_value_outliers`.

    Needs the outlier table built from a flows table (``refs`` are not kept there, so the
    finding names the supplier and line; ``expected`` = market median, ``observed`` = UV).
    """
    o = uv_outliers.filter(uv_outliers.is_outlier)
    o = o.mutate(
        dataset=ibis.literal(None, "string"),
        reporter=(
            importer.cast("int32")
            if isinstance(importer, ibis.Expr)
            else ibis.literal(importer, "int32")
        ),
        flow=ibis.literal("M"),
        refs=ibis.null("array<string>"),
    )
    return _finding(
        o, "unit_value_outlier", "info", partner=o.supplier.cast("int32"),
        expected=o.median_uv, observed=o.unit_value, ratio=o.unit_value / o.median_uv.nullif(0),
        detail=ibis.literal("robust z = ").concat(_one_decimal(o.robust_z)),
    )  # fmt: skip


def findings(
    t: ir.Table,
    *,
    importer: int | ir.IntegerValue | None = None,
    hs: Sequence[Any] | None = None,
    years: tuple[Any, Any] | None = None,
    level: int | None = None,
    datasets: tuple[Any, Any] | None = (None, None),
    hs_min_level: int | None = None,
) -> ir.Table:
    """All row-level checks for a scope, unioned (unit-value outliers are added by callers).

    ``datasets`` pins the importer-side and exporter-side datasets of the mirror check;
    None leaves the mirror check out (no exporter reports to compare with).
    """
    parts = [
        world_vs_partners(t, hs=hs, years=years),
        annual_vs_months(t, hs=hs, years=years),
        missing_weights(t, hs=hs, years=years),
    ]
    if datasets is not None:
        parts.append(
            mirror_gaps(
                t,
                importer=importer,
                hs=hs,
                years=years,
                level=level,
                datasets=datasets,
                hs_min_level=hs_min_level,
            )
        )
    if importer is not None:
        parts[:3] = [
            p.filter((p.reporter == importer) | (p.partner == importer)) for p in parts[:3]
        ]
    return ibis.union(*parts)
