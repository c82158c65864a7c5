"""Deterministic synthetic trade data for the India → Japan aluminium (HS 76) corridor.

The model (every knob lives in ``calibration.yaml``, section ``model``):

* **Japan's imports** (reporter 392, flow ``M``, CIF) from about 30 partners, 2015–2024, at
  HS6 for the chapter-76 lines each partner plausibly ships. Each partner has a 2015 net
  weight per segment (unwrought 7601, scrap 7602, semis 7603–7609, articles 7610–7616), a
  yearly trend and optional one-year shocks. A partner×segment×year level and each HS6 line
  get lognormal noise; the product mix is the segment's HS6 weights with lognormal noise.
  Unit value (USD/kg) = price index of the year × HS6 multiplier × partner premium × noise,
  and value = weight × unit value.
* **Calibration** is then imposed exactly, after the noise: India's 7601 weights in 2015–2017
  and India's 2024 HS 76 value are scaled to the published figures; Australia's 7601 rows are
  lifted to the leading share when noise pushed them below it; Russia's 2023–2024 7601 rows
  are cut if the post-sanctions drop is too small; the market 7601 unit value is pulled into
  its band by scaling the values (not weights) of non-Indian rows. A final check raises
  :class:`RuntimeError` if any target is missed, so every seed yields a calibrated table.
* **World rows** (partner 0) are the exact sum of the partner rows per year and HS6 (the
  World weight includes partner weights later hidden as missing).
* **Mirror rows**: partners that report (``mirror: true``) record exports to Japan (flow
  ``X``, FOB) = Japan's CIF / a CIF/FOB ratio with noise, weights with small noise; some rows
  are not reported (``row_coverage``) and a few deliberate anomalies fall outside plausible
  CIF/FOB bounds.
* **Scrap both ways**: Japan's exports of 760200 (flow ``X``, FOB) to Asian buyers and the USA,
  a World row, and the buyers' mirror imports (flow ``M``, CIF).
* A few percent of non-7601 rows have a NULL weight (never 0) and about 1 % carry
  ``is_estimated_weight``.

Only :class:`numpy.random.Generator` seeded with ``seed`` supplies randomness, the draws happen
in a fixed order and ``retrieved_at`` defaults to a fixed timestamp, so the same seed gives a
byte-identical table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from corridor.store.schema import TRADE_COLUMNS

__all__ = ["SAMPLE_DATASET", "generate_sample", "load_calibration", "trade_schema"]

SAMPLE_DATASET = "sample"
JAPAN = 392
INDIA = 699
AUSTRALIA = 36
RUSSIA = 643
WORLD = 0
UNWROUGHT = "unwrought"
SCRAP_HS6 = "760200"
DEFAULT_RETRIEVED_AT = datetime(2025, 1, 1)

_ARROW_TYPES: dict[str, pa.DataType] = {
    "SMALLINT": pa.int16(),
    "TINYINT": pa.int8(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}


def load_calibration() -> dict[str, Any]:
    """Read the packaged ``calibration.yaml``.

    Returns:
        The parsed YAML: ``meta``, ``targets`` and ``model`` sections.
    """
    from corridor.reference.packaged import packaged_yaml

    return packaged_yaml("calibration.yaml", "corridor.sample", "")


def trade_schema() -> pa.Schema:
    """Build the Arrow schema of the canonical trade record from ``TRADE_COLUMNS``.

    Returns:
        Fields in ``TRADE_COLUMNS`` order; ``NOT NULL`` columns are non-nullable.
    """
    fields = []
    for name, kind in TRADE_COLUMNS.items():
        base = kind.split()[0].upper()
        fields.append(pa.field(name, _ARROW_TYPES[base], nullable="NOT NULL" not in kind.upper()))
    return pa.schema(fields)


@dataclass
class _Rows:
    """Column buffers for one block of trade rows (one entry per row)."""

    year: list[int] = field(default_factory=list)
    reporter: list[int] = field(default_factory=list)
    partner: list[int] = field(default_factory=list)
    flow: list[str] = field(default_factory=list)
    hs6: list[str] = field(default_factory=list)
    segment: list[str] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def add(
        self,
        year: int,
        reporter: int,
        partner: int,
        flow: str,
        hs6: str,
        segment: str,
        weight: float,
        value: float,
    ) -> None:
        """Append one row."""
        self.year.append(year)
        self.reporter.append(reporter)
        self.partner.append(partner)
        self.flow.append(flow)
        self.hs6.append(hs6)
        self.segment.append(segment)
        self.weight.append(weight)
        self.value.append(value)


def _trend(spec: dict[str, Any], year: int, first_year: int) -> float:
    """Expected net weight in kt for one partner segment and year."""
    path = spec.get("path_kt") or {}
    if year in path:
        level = float(path[year])
    else:
        level = float(spec["base_kt"]) * (1.0 + float(spec.get("growth", 0.0))) ** (
            year - first_year
        )
    return level * float((spec.get("shocks") or {}).get(year, 1.0))


def _japan_imports(
    model: dict[str, Any], years: list[int], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draw Japan's partner-level imports before calibration."""
    noise = model["noise"]
    prices = model["price_index_usd_per_kg"]
    min_line_kg = float(model["min_line_kg"])
    rows = _Rows()
    for partner in model["partners"]:
        premium = 1.0 + float(partner.get("premium", 0.0))
        for segment, spec in partner["segments"].items():
            lines = model["hs6"][segment]
            codes = list(lines)
            mix = np.array([float(lines[c]["mix"]) for c in codes])
            mix = mix / mix.sum()
            # Line set from the un-noised mix, so the row structure does not depend on the seed.
            keep = mix * float(spec["base_kt"]) * 1e6 >= min_line_kg
            keep[np.argmax(mix)] = True
            noisy = mix * rng.lognormal(0.0, noise["mix_sd"], size=mix.size)
            noisy = np.where(keep, noisy, 0.0)
            noisy = noisy / noisy.sum()
            uv = np.array([float(lines[c]["uv"]) for c in codes])
            price_sd = noise["price_unwrought_sd" if segment == UNWROUGHT else "price_other_sd"]
            for year in years:
                level = _trend(spec, year, years[0]) * 1e6
                level *= rng.lognormal(0.0, noise["volume_year_sd"])
                line_noise = rng.lognormal(0.0, noise["volume_line_sd"], size=mix.size)
                price_noise = rng.lognormal(0.0, price_sd, size=mix.size)
                for i, code in enumerate(codes):
                    if not keep[i]:
                        continue
                    weight = level * noisy[i] * line_noise[i]
                    unit_value = float(prices[year]) * uv[i] * premium * price_noise[i]
                    rows.add(
                        year,
                        JAPAN,
                        int(partner["code"]),
                        "M",
                        code,
                        segment,
                        weight,
                        weight * unit_value,
                    )
    return {
        "year": np.array(rows.year, dtype=np.int16),
        "partner": np.array(rows.partner, dtype=np.int16),
        "hs6": np.array(rows.hs6),
        "segment": np.array(rows.segment),
        "weight": np.array(rows.weight, dtype=np.float64),
        "value": np.array(rows.value, dtype=np.float64),
    }


def _calibrate(imp: dict[str, np.ndarray], targets: dict[str, Any], years: list[int]) -> None:
    """Impose the published figures on Japan's partner rows (in place)."""
    year, partner, seg = imp["year"], imp["partner"], imp["segment"]
    weight, value = imp["weight"], imp["value"]
    unwrought = seg == UNWROUGHT
    india = partner == INDIA

    def scale(mask: np.ndarray, factor: float) -> None:
        weight[mask] *= factor
        value[mask] *= factor

    # 1. India's 7601 net weight in the early years.
    for y, kg in targets["india_7601_net_weight_kg"]["values"].items():
        mask = india & unwrought & (year == int(y))
        scale(mask, float(kg) / weight[mask].sum())
    # 2. India's HS 76 value in 2024 (value and weight scaled together: unit values unchanged).
    tgt = targets["india_hs76_value_2024"]
    mask = india & (year == int(tgt["year"]))
    scale(mask, float(tgt["value_usd"]) / value[mask].sum())
    # 3. Australia leads 7601 with at least the enforced share.
    share = float(targets["australia_7601"]["enforced_share"])
    for y in years:
        in_year = unwrought & (year == y)
        aus = in_year & (partner == AUSTRALIA)
        a = weight[aus].sum()
        rest = weight[in_year & ~aus].sum()
        biggest_other = max(
            weight[in_year & (partner == p)].sum()
            for p in np.unique(partner[in_year])
            if p != AUSTRALIA
        )
        factor = max(1.0, share * rest / ((1.0 - share) * a), 1.05 * biggest_other / a)
        scale(aus, factor)
    # 4. Russia's post-sanctions share at most enforced_ratio x its pre-sanctions mean.
    rus_t = targets["russia_7601"]
    pre = range(rus_t["pre_years"][0], rus_t["pre_years"][1] + 1)
    post = range(rus_t["post_years"][0], rus_t["post_years"][1] + 1)

    def russia_share(y: int) -> tuple[float, float]:
        in_year = unwrought & (year == y)
        r = weight[in_year & (partner == RUSSIA)].sum()
        return r, weight[in_year].sum() - r

    pre_mean = float(np.mean([r / (r + o) for r, o in map(russia_share, pre)]))
    post_shares = [r / (r + o) for r, o in map(russia_share, post)]
    ratio = float(np.mean(post_shares)) / pre_mean
    limit = float(rus_t["enforced_ratio"])
    if ratio > limit:
        for y, s in zip(post, post_shares, strict=True):
            r, o = russia_share(y)
            t = s * limit / ratio
            scale(unwrought & (year == y) & (partner == RUSSIA), t * o / ((1.0 - t) * r))
    # 5. Market unit value of 7601 inside the band: scale non-Indian values only.
    band = targets["unwrought_unit_value_usd_per_kg"]
    lo, hi = float(band["min"]) + 0.02, float(band["max"]) - 0.02
    for y in years:
        in_year = unwrought & (year == y)
        w = weight[in_year].sum()
        uv = value[in_year].sum() / w
        if lo <= uv <= hi:
            continue
        goal = min(max(uv, lo), hi)
        fixed = value[in_year & india].sum()
        movable = in_year & ~india
        value[movable] *= (goal * w - fixed) / value[movable].sum()


def _round_positive(x: np.ndarray) -> np.ndarray:
    """Round to whole units, never below 1 (weights and values are never 0)."""
    return np.maximum(np.rint(x), 1.0)


def _verify(imp: dict[str, np.ndarray], targets: dict[str, Any], years: list[int]) -> None:
    """Raise RuntimeError when a calibration target does not hold on the final numbers."""
    year, partner, seg = imp["year"], imp["partner"], imp["segment"]
    weight, value = imp["weight"], imp["value"]
    unwrought = seg == UNWROUGHT
    problems = []
    tgt = targets["india_hs76_value_2024"]
    got = value[(partner == INDIA) & (year == tgt["year"])].sum()
    if abs(got / tgt["value_usd"] - 1.0) > tgt["tolerance"]:
        problems.append(f"India 2024 value {got:.0f}")
    rank_t = targets["india_rank_2024"]
    in_year = (year == rank_t["year"]) & ~np.isin(partner, rank_t["excluded_partners"])
    codes = np.unique(partner[in_year])
    totals = {int(p): value[in_year & (partner == p)].sum() for p in codes}
    rank = 1 + sum(v > totals[INDIA] for v in totals.values())
    if not rank_t["min_rank"] <= rank <= rank_t["max_rank"]:
        problems.append(f"India rank {rank}")
    iw = targets["india_7601_net_weight_kg"]
    for y, kg in iw["values"].items():
        got = weight[(partner == INDIA) & unwrought & (year == int(y))].sum()
        if abs(got / kg - 1.0) > iw["tolerance"]:
            problems.append(f"India 7601 weight {y}: {got:.0f}")
    band = targets["unwrought_unit_value_usd_per_kg"]
    for y in years:
        in_year = unwrought & (year == y)
        total = weight[in_year].sum()
        aus = weight[in_year & (partner == AUSTRALIA)].sum()
        if aus / total <= targets["australia_7601"]["min_share"]:
            problems.append(f"Australia share {y}: {aus / total:.3f}")
        uv = value[in_year].sum() / total
        if not band["min"] <= uv <= band["max"]:
            problems.append(f"7601 unit value {y}: {uv:.3f}")
    if problems:
        raise RuntimeError("sample calibration failed: " + "; ".join(problems))


def _world_rows(rows: _Rows, weight_true: np.ndarray, reporter: int, flow: str) -> _Rows:
    """Sum a reporter's partner rows into World (partner 0) rows per year and HS6."""
    sums: dict[tuple[int, str, str], list[float]] = {}
    for i, (r, f) in enumerate(zip(rows.reporter, rows.flow, strict=True)):
        if r != reporter or f != flow:
            continue
        key = (rows.year[i], rows.hs6[i], rows.segment[i])
        acc = sums.setdefault(key, [0.0, 0.0])
        acc[0] += weight_true[i]
        acc[1] += rows.value[i]
    world = _Rows()
    for (y, hs6, segment), (w, v) in sorted(sums.items()):
        world.add(y, reporter, WORLD, flow, hs6, segment, w, v)
    return world


def generate_sample(*, seed: int = 7601, retrieved_at: datetime | None = None) -> pa.Table:
    """Generate the synthetic Japan aluminium dataset in the canonical trade layout.

    Args:
        seed: Seed of the numpy Generator; the same seed gives a byte-identical table.
        retrieved_at: Timestamp stored on every row; defaults to 2025-01-01T00:00:00.
            Aware datetimes are converted to naive UTC.

    Returns:
        A table with exactly the ``TRADE_COLUMNS`` columns (see :func:`trade_schema`),
        ``source`` and ``dataset`` ``'sample'`` and ``synthetic`` true on every row.

    Raises:
        RuntimeError: If a calibration target cannot be met (a bug in the YAML or the code).
    """
    cal = load_calibration()
    model, targets = cal["model"], cal["targets"]
    first, last = cal["meta"]["years"]
    years = list(range(int(first), int(last) + 1))
    rng = np.random.default_rng(seed)

    imp = _japan_imports(model, years, rng)
    _calibrate(imp, targets, years)
    imp["weight"] = _round_positive(imp["weight"])
    imp["value"] = _round_positive(imp["value"])
    _verify(imp, targets, years)

    rows = _Rows(
        year=imp["year"].tolist(),
        reporter=[JAPAN] * len(imp["year"]),
        partner=imp["partner"].tolist(),
        flow=["M"] * len(imp["year"]),
        hs6=imp["hs6"].tolist(),
        segment=imp["segment"].tolist(),
        weight=imp["weight"].tolist(),
        value=imp["value"].tolist(),
    )

    # Japan's scrap exports (FOB).
    scrap = model["japan_scrap_exports"]
    prices = model["price_index_usd_per_kg"]
    sd = model["noise"]
    for buyer in scrap["partners"]:
        for y in years:
            w = _trend(buyer, y, years[0]) * 1e6 * rng.lognormal(0.0, sd["volume_year_sd"])
            uv = float(prices[y]) * float(scrap["uv"]) * rng.lognormal(0.0, sd["price_other_sd"])
            rows.add(
                y,
                JAPAN,
                int(buyer["code"]),
                "X",
                SCRAP_HS6,
                "scrap",
                *map(float, _round_positive(np.array([w, w * uv]))),
            )

    n_japan = len(rows.year)
    # Missing weights: never on 7601 (the calibration is by weight) nor on World rows.
    eligible = np.array([s != UNWROUGHT for s in rows.segment])
    missing_share = float(model["missing_weight_share"])
    weight_true = np.array(rows.weight)
    missing = eligible & (rng.random(n_japan) < missing_share)

    world_m = _world_rows(rows, weight_true, JAPAN, "M")
    world_x = _world_rows(rows, weight_true, JAPAN, "X")

    # Mirror rows.
    cif_fob = model["cif_fob"]
    mirror_cfg = model["mirror"]
    reports = {int(p["code"]): bool(p["mirror"]) for p in model["partners"]}
    anomalies = {
        (int(a["reporter"]), int(a["year"]), str(a["hs6"])): float(a["ratio"])
        for a in mirror_cfg["anomalies"]
    }
    lo, hi = (float(x) for x in cif_fob["clip"])
    draw = rng.random(n_japan)
    mean_ratio = np.array([float(cif_fob["ratio_by_segment"][seg]) for seg in rows.segment])
    ratios = np.clip(rng.normal(mean_ratio, float(cif_fob["sd"])), lo, hi)
    mirror_w = _round_positive(weight_true * rng.lognormal(0.0, mirror_cfg["weight_sd"], n_japan))
    mirror = _Rows()
    for i in range(n_japan):
        p, y, hs6, seg = rows.partner[i], rows.year[i], rows.hs6[i], rows.segment[i]
        w = float(mirror_w[i])
        if rows.flow[i] == "M":
            key = (p, y, hs6)
            if not reports.get(p, False):
                continue
            if key not in anomalies and draw[i] >= float(mirror_cfg["row_coverage"]):
                continue
            fob = max(round(rows.value[i] / anomalies.get(key, float(ratios[i]))), 1)
            mirror.add(y, p, JAPAN, "X", hs6, seg, w, float(fob))
        else:  # Japan's scrap export: the buyer's import, CIF
            mirror.add(y, p, JAPAN, "M", hs6, seg, w, float(round(rows.value[i] * ratios[i])))
    mirror_missing = rng.random(len(mirror.year)) < missing_share

    blocks = [
        (rows, missing),
        (world_m, np.zeros(len(world_m.year), dtype=bool)),
        (world_x, np.zeros(len(world_x.year), dtype=bool)),
        (mirror, mirror_missing),
    ]
    return _to_table(blocks, model, rng, retrieved_at)


def _to_table(
    blocks: list[tuple[_Rows, np.ndarray]],
    model: dict[str, Any],
    rng: np.random.Generator,
    retrieved_at: datetime | None,
) -> pa.Table:
    """Concatenate row blocks, add the constant columns and sort into a stable order."""
    year = np.concatenate([np.array(b.year, dtype=np.int16) for b, _ in blocks])
    reporter = np.concatenate([np.array(b.reporter, dtype=np.int16) for b, _ in blocks])
    partner = np.concatenate([np.array(b.partner, dtype=np.int16) for b, _ in blocks])
    flow = np.concatenate([np.array(b.flow, dtype="<U1") for b, _ in blocks])
    hs6 = np.concatenate([np.array(b.hs6, dtype="<U6") for b, _ in blocks])
    weight = np.concatenate([np.array(b.weight, dtype=np.float64) for b, _ in blocks])
    value = np.concatenate([np.array(b.value, dtype=np.float64) for b, _ in blocks])
    missing = np.concatenate([m for _, m in blocks])
    is_world = partner == WORLD
    estimated = (
        ~missing & ~is_world & (rng.random(len(year)) < float(model["estimated_weight_share"]))
    )

    # Japan's rows first, then the mirror reporters; inside: year, flow, partner, HS6.
    order = np.lexsort((hs6, partner, flow, reporter, year, reporter != JAPAN))
    n = len(order)
    year, reporter, partner = year[order], reporter[order], partner[order]
    flow, hs6, weight, value = flow[order], hs6[order], weight[order], value[order]
    missing, estimated = missing[order], estimated[order]

    basis = np.where((flow == "M"), "CIF", "FOB")
    hs_rev = {int(y): str(r) for y, r in model["hs_rev_by_year"].items()}
    ts = retrieved_at or DEFAULT_RETRIEVED_AT
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    weight_arr = pa.array(weight, pa.float64(), mask=missing)
    columns: dict[str, pa.Array] = {
        "year": pa.array(year, pa.int16()),
        "period": pa.array([str(y) for y in year.tolist()], pa.string()),
        "freq": pa.array(["A"] * n, pa.string()),
        "reporter": pa.array(reporter, pa.int16()),
        "partner": pa.array(partner, pa.int16()),
        "partner2": pa.array(np.zeros(n, dtype=np.int16), pa.int16()),
        "flow": pa.array(flow.tolist(), pa.string()),
        "hs_rev": pa.array([hs_rev[y] for y in year.tolist()], pa.string()),
        "hs_code": pa.array(hs6.tolist(), pa.string()),
        "hs_level": pa.array(np.full(n, 6, dtype=np.int8), pa.int8()),
        "customs_code": pa.array(["C00"] * n, pa.string()),
        "mot_code": pa.array(np.zeros(n, dtype=np.int32), pa.int32()),
        "value_usd": pa.array(value, pa.float64()),
        "value_basis": pa.array(basis.tolist(), pa.string()),
        "net_weight_kg": weight_arr,
        "qty": weight_arr,
        "qty_unit": pa.array(["kg"] * n, pa.string()),
        "is_estimated_weight": pa.array(estimated, pa.bool_()),
        "source": pa.array(["sample"] * n, pa.string()),
        "dataset": pa.array([SAMPLE_DATASET] * n, pa.string()),
        "retrieved_at": pa.array([ts] * n, pa.timestamp("us")),
        "raw_ref": pa.array([""] * n, pa.string()),
        "raw_row": pa.array(np.arange(1, n + 1, dtype=np.int64), pa.int64()),
        "synthetic": pa.array(np.ones(n, dtype=bool), pa.bool_()),
    }
    schema = trade_schema()
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)
