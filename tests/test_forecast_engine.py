"""The forecast engine: out-of-sample selection, conformal coverage, fallbacks, gaps, inputs.

statsforecast fits tiny series here (≤ 24 points; monthly 48), so the whole file runs in a few
seconds. Expected values are recomputed independently with numpy (closed-form Naive and drift
forecasts), not copied from the engine's output.
"""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from corridor.errors import InvalidQuery
from corridor.models.forecast import DEFAULT_MODELS, ForecastOptions, Series, forecast_series
from corridor.models.forecast.conformal import Calibrator, Replay, coverage, needed, quantile
from corridor.units import Unit

YEARS = tuple(range(2000, 2018))


def annual(values, key="S", unit="kg", start=2000) -> Series:
    return Series(key, tuple(range(start, start + len(values))), tuple(values), unit)


# -- selection: out-of-sample error only ------------------------------------------------------

# Flat for 11 years, then +20 a year. In-sample (one-step fitted residuals over the whole
# series) Naive fits better than drift: most changes are 0 and drift's constant slope misses
# every one of them. Out of sample (origins in the rising years) drift is closer every time.
FLAT_THEN_RISING = [100.0] * 11 + [100.0 + 20 * i for i in range(1, 8)]


def _closed_form_backtest(y: np.ndarray, h: int, first_origin: int) -> dict[str, list[float]]:
    """Scaled errors of Naive and drift from every origin (skipping constant windows)."""
    errs: dict[str, list[float]] = {"Naive": [], "RandomWalkWithDrift": []}
    for o in range(first_origin, len(y) - 1):
        train = y[: o + 1]
        scale = np.mean(np.abs(np.diff(train)))
        if scale == 0:
            continue
        slope = (train[-1] - train[0]) / o
        for k in range(1, min(h, len(y) - 1 - o) + 1):
            errs["Naive"].append(abs(y[o + k] - train[-1]) / scale)
            errs["RandomWalkWithDrift"].append(abs(y[o + k] - (train[-1] + k * slope)) / scale)
    return errs


def test_choice_follows_out_of_sample_error_not_in_sample_fit() -> None:
    y = np.array(FLAT_THEN_RISING)
    d = np.diff(y)
    in_sample = {"Naive": np.mean(np.abs(d)), "RandomWalkWithDrift": np.mean(np.abs(d - d.mean()))}
    assert in_sample["Naive"] < in_sample["RandomWalkWithDrift"]  # in-sample favours Naive
    oos = _closed_form_backtest(y, h=3, first_origin=4)
    assert np.mean(oos["RandomWalkWithDrift"]) < np.mean(oos["Naive"])  # out of sample: drift

    res = forecast_series(annual(y), ForecastOptions(models=("naive", "drift")))
    assert res.model == "RandomWalkWithDrift"
    acc = {r["model"]: r for r in res.accuracy.to_pylist()}
    for m in ("Naive", "RandomWalkWithDrift"):
        assert acc[m]["mase"] == pytest.approx(np.mean(oos[m]), rel=1e-9)
        assert acc[m]["points"] == len(oos[m])
    assert f"{acc['RandomWalkWithDrift']['mase']:.2f}" in res.reason
    assert "out-of-sample" in res.reason
    # the backtest table holds exactly those held-out errors
    bt = res.backtest.to_pylist()
    drift_rows = [r for r in bt if r["model"] == "RandomWalkWithDrift" and r["scaled_error"]]
    assert sorted(r["scaled_error"] for r in drift_rows) == pytest.approx(
        sorted(e for e in oos["RandomWalkWithDrift"] if e)
    )


def test_choice_at_an_origin_never_sees_later_values() -> None:
    """Replayed choices and calibration errors up to an origin ignore everything after it."""
    rng = np.random.default_rng(7)
    y = 1000 + np.cumsum(rng.normal(5, 40, 18))
    wild = y.copy()
    wild[-3:] = [5000.0, 10.0, 8000.0]
    a = forecast_series(annual(y)).replay
    b = forecast_series(annual(wild)).replay
    cut = len(y) - 4  # last index both series share
    for o in a.chosen:
        if o <= cut:
            assert a.chosen[o] == b.chosen[o]
    for (o, k), s in a.scores.items():
        if o + k <= cut:
            assert b.scores[(o, k)] == pytest.approx(s)

    # A rising series: drift earns its place only once its own errors show it; a tail that
    # would favour Naive (values back to flat) changes no choice made before it.
    rising = np.array([100.0] * 8 + [100.0 + 20 * i for i in range(1, 11)])
    flat_tail = rising.copy()
    flat_tail[-3:] = rising[-4]
    opts = ForecastOptions(models=("naive", "drift"))
    r1 = forecast_series(annual(rising), opts).replay
    r2 = forecast_series(annual(flat_tail), opts).replay
    first = min(r1.chosen)
    assert r1.chosen[first] == "Naive"  # nothing to judge by yet: the default
    assert r1.chosen[max(r1.chosen)] == "RandomWalkWithDrift"
    assert {o: m for o, m in r1.chosen.items() if o <= cut} == {
        o: m for o, m in r2.chosen.items() if o <= cut
    }


# -- conformal quantile and coverage ------------------------------------------------------------


def test_conformal_quantile_and_needed_points() -> None:
    scores = [float(s) for s in range(1, 11)]  # 1..10
    assert quantile(scores, 80) == (9.0, True)  # ⌈11·0.8⌉ = 9th smallest
    assert quantile(scores, 95) == (10.0, False)  # ⌈11·0.95⌉ = 11 > 10: widest, flagged
    assert math.isnan(quantile([1.0, 2.0, 3.0], 80)[0])
    assert needed(80) == 4
    assert needed(95) == 19
    for level in (80, 95):  # the smallest n whose rank ⌈(n+1)·level⌉ fits inside n scores
        n = needed(level)
        assert math.ceil(Fraction(n + 1) * level / 100) <= n
        assert math.ceil(Fraction(n) * level / 100) > n - 1


def test_coverage_uses_only_earlier_errors() -> None:
    # origins 0..7, horizon 1: target of (o, 1) is o + 1
    scores = {(o, 1): s for o, s in enumerate([1.0, 2.0, 3.0, 4.0, 2.5, 9.0, 1.0, 3.5])}
    rp = Replay({}, {}, {}, scores, {})
    share, points, hits = coverage(rp, 80, Calibrator())
    expected = {}
    for (o, k), s in scores.items():
        earlier = sorted(v for (oo, kk), v in scores.items() if oo + kk <= o)
        if len(earlier) < 4:
            continue
        rank = math.ceil((len(earlier) + 1) * 0.8)
        q = earlier[min(rank, len(earlier)) - 1]
        expected[(o, k)] = s <= q
    assert hits == expected
    assert points == len(expected) == 4
    assert share == sum(expected.values()) / 4


def test_reported_coverage_matches_the_intervals_in_the_backtest_table() -> None:
    rng = np.random.default_rng(3)
    y = 500 + np.cumsum(rng.normal(0, 25, 24))
    res = forecast_series(annual(y))
    rows = [r for r in res.backtest.to_pylist() if r["model"] == "Selected"]
    for level in (80, 95):
        judged = [r for r in rows if r[f"lo{level}"] is not None]
        inside = [r[f"lo{level}"] <= r["actual"] <= r[f"hi{level}"] for r in judged]
        cov = next(c for c in res.coverage.to_pylist() if c["nominal"] == level / 100)
        assert cov["points"] == len(judged) > 0
        assert cov["measured"] == pytest.approx(sum(inside) / len(inside))
    fc = res.forecast.to_pylist()
    for r in fc:
        assert r["lo95"] <= r["lo80"] <= r["point"] <= r["hi80"] <= r["hi95"]
    # widths grow with the horizon (√h scaling)
    assert fc[0]["hi80"] - fc[0]["lo80"] < fc[2]["hi80"] - fc[2]["lo80"]


# -- short series, gaps, monthly, shares ---------------------------------------------------------


def test_short_series_falls_back_to_simple_methods_and_says_so() -> None:
    res = forecast_series(annual([10.0, 12.0, 11.0, 15.0, 14.0, 18.0]))
    assert res.short_series
    assert res.reason.startswith("short series (6 observations < 8)")
    assert {r["model"] for r in res.candidates.to_pylist()} == {"Naive", "RandomWalkWithDrift"}
    assert res.model in ("Naive", "RandomWalkWithDrift")

    one = forecast_series(annual([42.0]))
    assert one.model == "Naive"
    assert [r["point"] for r in one.forecast.to_pylist()] == [42.0, 42.0, 42.0]
    assert all(r["lo80"] is None for r in one.forecast.to_pylist())  # missing, never faked
    assert any("too few to calibrate" in n for n in one.notes)


def test_gaps_are_named_and_never_filled_silently() -> None:
    values = [100.0 + i for i in range(18)]
    periods = list(YEARS)
    values[5] = None  # 2005 missing
    del periods[9], values[9]  # 2009 absent
    s = Series("G", tuple(periods), tuple(values), "kg")
    res = forecast_series(s)
    assert res.gaps == ("2005", "2009")
    assert res.fitted_periods == tuple(str(y) for y in range(2010, 2018))
    assert any("gaps in 2005, 2009" in n and "nothing is interpolated" in n for n in res.notes)

    filled = forecast_series(s, ForecastOptions(gaps="interpolate"))
    assert filled.gaps == ("2005", "2009")
    assert filled.fitted_periods[0] == "2000"
    assert any("linear interpolation" in n and "2005, 2009" in n for n in filled.notes)


def test_monthly_series_with_season() -> None:
    """No real monthly series is in shared/data: a seeded seasonal series stands in."""
    rng = np.random.default_rng(11)
    t = np.arange(48)
    y = 1000 + 150 * np.sin(2 * np.pi * t / 12) + 2 * t + rng.normal(0, 15, 48)
    periods = tuple(f"{2014 + i // 12}-{i % 12 + 1:02d}" for i in t)
    res = forecast_series(
        Series("JPN", periods, tuple(y), "USD", freq="M"), ForecastOptions(horizon=6)
    )
    fc = res.forecast.to_pylist()
    assert [r["period"] for r in fc] == ["201801", "201802", "201803", "201804", "201805", "201806"]
    models = {r["model"] for r in res.candidates.to_pylist()}
    assert "SeasonalNaive" in models
    # the season matters: the chosen method beats Naive out of sample by a wide margin
    acc = {r["model"]: r for r in res.accuracy.to_pylist()}
    assert acc[res.model]["mase_vs_naive"] < 0.6
    assert res.forecast.schema.field("point").metadata[b"unit"] == b"USD"


def test_share_forecast_on_logit_scale_stays_in_bounds() -> None:
    shares = [0.0, 0.01, 0.3, 0.02, 0.6, 0.05, 0.9, 0.97, 0.4, 1.0, 0.2, 0.99]
    res = forecast_series(annual(shares, unit="fraction"), ForecastOptions(scale="logit"))
    for r in res.forecast.to_pylist() + res.candidates.to_pylist():
        for c in ("point", "lo80", "hi80", "lo95", "hi95", "native_lo95", "native_hi95"):
            if r.get(c) is not None:
                assert 0.0 <= r[c] <= 1.0
    assert any("exactly 0 or 1" in n for n in res.notes)
    with pytest.raises(InvalidQuery, match=r"1\.5 is not a share"):
        forecast_series(annual([0.1, 1.5, 0.2], unit="fraction"), ForecastOptions(scale="logit"))


# -- bad input: one line, names the value -------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "needle"),
    [
        (lambda: ForecastOptions(horizon=-1), "horizon -1 is not accepted"),
        (lambda: ForecastOptions(horizon=0), "horizon 0 is not accepted"),
        (lambda: ForecastOptions(horizon=2.5), "horizon 2.5 is not accepted"),
        (lambda: Series("JPN", (), (), "kg"), "series 'JPN' is empty"),
        (lambda: ForecastOptions(models=("ets", "prophet")), "unknown model 'prophet'"),
        (lambda: Series("JPN", (2017,), (1.0,), "tonnes"), "unit 'tonnes' is not accepted"),
        (lambda: Series("JPN", (2017, 2017), (1.0, 2.0), "kg"), "period 2017 appears twice"),
        (lambda: Series("JPN", ("2017x",), (1.0,), "kg"), "period '2017x' is not accepted"),
        (lambda: Series("JPN", (2017,), (float("inf"),), "kg"), "is not a finite number"),
        (lambda: forecast_series(Series("JPN", (2016, 2017), (None, None), "kg")),
         "has no observed value"),
        (lambda: forecast_series(annual([1.0, 2.0]), ForecastOptions(horizon=12)),
         "horizon 12 is not accepted for an annual series"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(build, needle) -> None:
    with pytest.raises(InvalidQuery) as err:
        build()
    message = str(err.value)
    assert needle in message
    assert "\n" not in message


def test_typed_columns_carry_units() -> None:
    res = forecast_series(annual([100.0 + 3 * i + (i % 3) for i in range(12)]))
    meta = {f.name: f.metadata[b"unit"].decode() for f in res.forecast.schema}
    assert meta["point"] == meta["lo80"] == meta["hi95"] == Unit.KG.value
    assert meta["horizon"] == Unit.COUNT.value
    acc = {f.name: f.metadata[b"unit"].decode() for f in res.accuracy.schema}
    assert acc["mase"] == Unit.RATIO.value
    cov = {f.name: f.metadata[b"unit"].decode() for f in res.coverage.schema}
    assert cov["nominal"] == cov["measured"] == Unit.FRACTION.value


def test_importing_the_engine_does_not_import_statsforecast() -> None:
    code = (
        "import sys, corridor.models.forecast, corridor.models.forecast.share; "
        "print('statsforecast' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_autoarima_is_opt_in() -> None:
    y = [100.0 + 4 * i + (6 if i % 2 else -6) for i in range(14)]
    default = forecast_series(annual(y))
    assert "AutoARIMA" not in set(default.candidates["model"].to_pylist())
    opted = forecast_series(annual(y), ForecastOptions(models=(*DEFAULT_MODELS, "arima")))
    assert "AutoARIMA" in set(opted.candidates["model"].to_pylist())
    assert "AutoARIMA" in set(opted.accuracy["model"].to_pylist())


# -- calibration options: weighted quantile, horizons, recency, scale ---------------------------


def test_weighted_quantile_with_equal_weights_is_the_conformal_rank() -> None:
    rng = np.random.default_rng(5)
    for n in range(4, 31):
        scores = list(rng.exponential(1.0, n))
        for level in (80, 95):
            assert quantile(scores, level, [1.0] * n) == quantile(scores, level)


def test_weighted_quantile_by_hand() -> None:
    scores = [5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 7.0, 6.0, 8.0, 10.0]
    weights = [1.0 if s <= 7 else 0.2 for s in scores]  # the three largest errors are old
    # test point weight 1 at +inf; need cumulative weight ≥ level · (Σw + 1) over sorted scores
    total = sum(Fraction(str(w)) for w in weights) + 1
    pairs = sorted(zip(scores, weights, strict=True))

    def by_hand(level: int) -> float | None:
        cum = Fraction(0)
        for s, w in pairs:
            cum += Fraction(str(w))
            if cum >= Fraction(level, 100) * total:
                return s
        return None

    assert by_hand(80) == 7.0  # unweighted: the 9th smallest, 9.0
    assert quantile(scores, 80, weights) == (7.0, True)
    assert quantile(scores, 80) == (9.0, True)
    assert by_hand(95) is None
    assert quantile(scores, 95, weights) == (10.0, False)  # never reached: widest, flagged


def test_calibrator_samples_by_horizon_recency_and_profile() -> None:
    # errors ÷ scale at (origin, horizon); targets o + k
    scores = {(0, 1): 1.0, (0, 2): 3.0, (1, 1): 2.0, (1, 2): 4.0, (2, 1): 1.5, (2, 2): 5.0,
              (3, 1): 0.5, (3, 2): 6.0, (4, 1): 9.0}  # fmt: skip
    t = 4  # targets ≤ 4: drops (3, 2) and (4, 1)
    known = {p: s for p, s in scores.items() if p[0] + p[1] <= t}
    pooled, w, g = Calibrator("pooled").sample(scores, t, 2)
    assert w is None and g == pytest.approx(math.sqrt(2))
    assert sorted(pooled) == pytest.approx(sorted(s / math.sqrt(k) for (o, k), s in known.items()))
    own, _, g = Calibrator("by_horizon").sample(scores, t, 2)
    assert g == 1.0 and sorted(own) == [3.0, 4.0, 5.0]
    _, weights, _ = Calibrator("by_horizon", half_life=2.0).sample(scores, t, 2)
    ages = [t - (o + k) for (o, k) in known if k == 2]
    assert sorted(weights) == pytest.approx(sorted(0.5 ** (a / 2.0) for a in ages))
    # profile: median error at h2 over median at h1, from the known errors
    h1 = [s for (o, k), s in known.items() if k == 1]
    h2 = [s for (o, k), s in known.items() if k == 2]
    growth = float(np.median(h2) / np.median(h1))
    prof = Calibrator("profile").growth(scores, t, 3)
    assert prof[1] == 1.0 and prof[2] == pytest.approx(growth)
    assert prof[3] == pytest.approx(max(growth, math.sqrt(3)))  # too few h3 errors: √3
    r, _, n = Calibrator("profile").quantile(scores, t, 2, 80)
    q, _ = quantile([s / prof[k] for (o, k), s in known.items()], 80)
    assert n == len(known) and r == pytest.approx(q * growth)


def test_median_scale_resists_one_outlier_year() -> None:
    y = np.array([100.0, 102, 101, 104, 60, 103, 105, 104])  # one collapse and rebound
    d = np.abs(np.diff(y))
    assert Calibrator(scale="mean").scale_of(y) == pytest.approx(d.mean())
    assert Calibrator(scale="median").scale_of(y) == pytest.approx(np.median(d))
    flat = np.array([5.0, 5, 5, 5, 7])  # median change 0: falls back to the mean
    assert Calibrator(scale="median").scale_of(flat) == pytest.approx(0.5)
    assert math.isnan(Calibrator().scale_of(np.array([3.0, 3.0])))


def test_by_horizon_coverage_uses_only_earlier_errors_of_the_same_horizon() -> None:
    rng = np.random.default_rng(2)
    scores = {(o, k): float(rng.exponential()) for o in range(12) for k in (1, 2)}
    cal = Calibrator("by_horizon")
    _, points, hits = coverage(Replay({}, {}, {}, scores, {}), 80, cal)
    expected = {}
    for (o, k), s in scores.items():
        earlier = sorted(v for (oo, kk), v in scores.items() if kk == k and oo + kk <= o)
        if len(earlier) < 4:
            continue
        rank = math.ceil((len(earlier) + 1) * 0.8)
        expected[(o, k)] = s <= earlier[min(rank, len(earlier)) - 1]
    assert hits == expected and points == len(expected)


def test_calibration_options_change_only_the_intervals() -> None:
    rng = np.random.default_rng(9)
    y = 1000 + np.cumsum(rng.normal(10, 60, 18))
    base = forecast_series(annual(y), ForecastOptions(half_life=None, score_scale="mean"))
    for opts in (ForecastOptions(horizons="by_horizon"), ForecastOptions(horizons="profile"),
                 ForecastOptions(half_life=3.0, score_scale="median")):  # fmt: skip
        res = forecast_series(annual(y), opts)
        assert res.model == base.model
        assert res.forecast["point"].to_pylist() == base.forecast["point"].to_pylist()
        assert res.parameters["intervals"] == opts.calibrator.describe()
        for r in res.forecast.to_pylist():
            assert r["lo95"] <= r["lo80"] <= r["point"] <= r["hi80"] <= r["hi95"]


def test_log_scale_keeps_forecasts_positive() -> None:
    y = [50.0 * 1.3**i for i in range(12)]
    res = forecast_series(annual(y), ForecastOptions(scale="log", models=("naive", "drift")))
    naive = [r for r in res.candidates.to_pylist() if r["model"] == "Naive"]
    assert naive[0]["point"] == pytest.approx(y[-1])
    drift = [r for r in res.candidates.to_pylist() if r["model"] == "RandomWalkWithDrift"]
    assert drift[0]["point"] == pytest.approx(y[-1] * 1.3)  # geometric growth on log(y)
    for r in res.forecast.to_pylist():
        assert 0 < r["lo95"] <= r["point"] <= r["hi95"]
    with pytest.raises(InvalidQuery, match=r"value 0\.0 is not positive"):
        forecast_series(annual([3.0, 0.0, 4.0]), ForecastOptions(scale="log"))


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"half_life": 0}, "half-life 0 is not accepted"),
        ({"half_life": "6"}, "half-life '6' is not accepted"),
        ({"horizons": "each"}, "calibration 'each' is not accepted"),
        ({"score_scale": "max"}, "score scale 'max' is not accepted"),
        ({"scale": "sqrt"}, "scale 'sqrt' is not accepted"),
    ],
)
def test_bad_calibration_options_are_one_line(kwargs, needle) -> None:
    with pytest.raises(InvalidQuery, match=needle) as err:
        ForecastOptions(**kwargs)
    assert "\n" not in str(err.value)
