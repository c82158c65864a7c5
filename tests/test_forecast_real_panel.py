"""The forecast engine on the real HS 7601 net-weight panel (importer-reported, 2000-2017).

Japan's total imports = the sum of its importer-reported (flow M) net weight over partners;
India's amount = the same for partner IND (0 in a year India is not among the partners).
Naive and drift backtest rows are recomputed in closed form with numpy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from corridor.errors import InvalidQuery
from corridor.models.forecast import (
    Series,
    forecast_panel,
    forecast_series,
    series_from_arrow,
    share_outlook,
)

YEARS = list(range(2000, 2018))


@pytest.fixture(scope="module")
def japan(shared_data: Path) -> dict[str, np.ndarray]:
    raw = pcsv.read_csv(shared_data / "real/hs7601_netweight_kg_2000_2017.csv")
    jpn = raw.filter(pc.and_(pc.equal(raw["flow"], "M"), pc.equal(raw["reporter_iso3"], "JPN")))
    total = {y: 0.0 for y in YEARS}
    india = {y: 0.0 for y in YEARS}
    seen = set()
    for r in jpn.select(["year", "partner_iso3", "net_weight_kg"]).to_pylist():
        total[r["year"]] += r["net_weight_kg"]
        seen.add(r["year"])
        if r["partner_iso3"] == "IND":
            india[r["year"]] += r["net_weight_kg"]
    assert seen == set(YEARS)  # Japan reported every year
    return {
        "total": np.array([total[y] for y in YEARS]),
        "india": np.array([india[y] for y in YEARS]),
    }


def test_japan_backtest_is_finite_and_the_reason_names_the_backtest_error(japan) -> None:
    res = forecast_series(Series("JPN", tuple(YEARS), tuple(japan["total"]), "kg"))
    acc = {r["model"]: r for r in res.accuracy.to_pylist()}
    for row in acc.values():
        assert math.isfinite(row["mase"]) and row["mase"] > 0
        assert math.isfinite(row["smape"])
    assert acc[res.model]["chosen"] and acc[res.model]["compared"]
    assert f"backtest MASE {acc[res.model]['mase']:.2f}" in res.reason
    assert acc["Naive"]["mase_vs_naive"] == pytest.approx(1.0)
    assert all(r["scaled_error"] is not None for r in res.backtest.to_pylist())
    assert [r["period"] for r in res.forecast.to_pylist()] == ["2018", "2019", "2020"]

    # Naive and drift rows, recomputed in closed form from the panel
    y = japan["total"]
    rows = [r for r in res.backtest.to_pylist() if r["model"] in ("Naive", "RandomWalkWithDrift")]
    assert len(rows) > 40
    for r in rows:
        o = int(r["origin"]) - 2000
        k = r["horizon"]
        train = y[: o + 1]
        expected = train[-1] if r["model"] == "Naive" else train[-1] + k * (train[-1] - y[0]) / o
        assert r["forecast"] == pytest.approx(expected, rel=1e-9)
        assert r["actual"] == y[o + k]
        scale = np.mean(np.abs(np.diff(train)))
        assert r["scaled_error"] == pytest.approx(abs(y[o + k] - expected) / scale, rel=1e-9)


def test_india_share_of_japan_stays_in_bounds_and_combines(japan) -> None:
    market = Series("JPN", tuple(YEARS), tuple(japan["total"]), "kg")
    exporter = Series("IND", tuple(YEARS), tuple(japan["india"]), "kg")
    out = share_outlook(market, exporter)
    for r in out.share.forecast.to_pylist():
        for c in ("point", "lo80", "hi80", "lo95", "hi95"):
            assert 0.0 <= r[c] <= 1.0
    market_pts = [r["point"] for r in out.market.forecast.to_pylist()]
    share_pts = [r["point"] for r in out.share.forecast.to_pylist()]
    for r, m, s in zip(out.volume.to_pylist(), market_pts, share_pts, strict=True):
        assert r["point"] == pytest.approx(m * s)
        assert 0.0 <= r["lo95"] <= r["lo80"] <= r["point"] <= r["hi80"] <= r["hi95"]
    acc = {r["model"]: r for r in out.volume_accuracy.to_pylist()}
    assert set(acc) == {"Implied (market × share)", "Naive", "RandomWalkWithDrift"}
    assert all(math.isfinite(r["mase"]) for r in acc.values())
    cov = out.volume_coverage.to_pylist()
    assert [c["nominal"] for c in cov] == [0.8, 0.95]
    assert cov[0]["points"] > 0
    # a share computed independently from the panel: the last observed year
    assert out.share.fitted_periods[-1] == "2017"
    assert out.share.backtest.filter(pc.equal(out.share.backtest["target"], "2017")).num_rows > 0
    share_2017 = japan["india"][-1] / japan["total"][-1]
    naive_rows = [
        r for r in out.share.candidates.to_pylist() if r["model"] == "Naive" and r["horizon"] == 1
    ]
    assert naive_rows[0]["point"] == pytest.approx(share_2017, rel=1e-9)


def test_exporter_above_market_is_rejected(japan) -> None:
    market = Series("IND", tuple(YEARS), tuple(japan["india"]), "kg")
    exporter = Series("JPN", tuple(YEARS), tuple(japan["total"]), "kg")
    with pytest.raises(InvalidQuery, match=r"period 2000: exporter 'JPN' has .* the market 'IND'"):
        share_outlook(market, exporter)


def test_panel_from_an_arrow_table_of_importer_totals(shared_data: Path) -> None:
    raw = pcsv.read_csv(shared_data / "real/hs7601_netweight_kg_2000_2017.csv")
    m = raw.filter(
        pc.and_(
            pc.equal(raw["flow"], "M"),
            pc.is_in(raw["reporter_iso3"], value_set=pa.array(["JPN", "KOR", "VNM"])),
        )
    )
    totals = m.group_by(["reporter_iso3", "year"]).aggregate([("net_weight_kg", "sum")])
    series = series_from_arrow(
        totals, unit="kg", key="reporter_iso3", period="year", value="net_weight_kg_sum"
    )
    assert sorted(s.key for s in series) == ["JPN", "KOR", "VNM"]
    panel = forecast_panel(series)
    fc = panel.table("forecast")
    assert sorted(set(fc["key"].to_pylist())) == ["JPN", "KOR", "VNM"]
    assert fc.num_rows == 9
    vnm = panel.results["VNM"]
    # Viet Nam did not report one year of 2000-2017: that year is named as a gap
    vnm_years = {r["year"] for r in totals.to_pylist() if r["reporter_iso3"] == "VNM"}
    missing = sorted(set(range(min(vnm_years), 2018)) - vnm_years)
    assert missing  # the panel really has a hole there
    assert list(vnm.gaps) == [str(y) for y in missing]
    assert vnm.fitted_periods[0] == str(missing[-1] + 1)  # only the run after the last gap
    assert vnm.short_series == (2017 - missing[-1] < 8)
    assert any(f"gaps in {missing[-1]}" in n for n in vnm.notes)
    for key, res in panel.results.items():
        jp = [r for r in totals.to_pylist() if r["reporter_iso3"] == key]
        assert res.fitted_periods[-1] == str(max(r["year"] for r in jp))
    with pytest.raises(InvalidQuery, match="column 'value' is not in the table"):
        series_from_arrow(totals, unit="kg", key="reporter_iso3", period="year")
    mixed = [series[0], Series("USD", ("2016", "2017"), (1.0, 2.0), "USD")]
    with pytest.raises(InvalidQuery, match="forecast one unit and frequency at a time"):
        forecast_panel(mixed)
