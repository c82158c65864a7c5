"""The outlook service and ``corridor forecast`` on the real HS 7601 panel and the sample.

The panel is ingested once with the corridor table ingest (the mapping of
``test_summary_on_weight_only_panel``). Expected inputs are re-read from the CSV with the
csv module — Japan's total = the sum of its importer-reported (flow M) net weight over
partners, an exporter's amount = the same for one partner — and the expected forecasts come
from the engine run on those independently built series.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from pathlib import Path

import pytest

from corridor.errors import InvalidQuery, NotFound
from corridor.models.forecast import ForecastOptions, Series, forecast_series, share_outlook
from corridor.query import CorridorQuery
from corridor.services.outlook import outlook, outlook_section_data
from corridor.services.session import Session
from corridor.store.catalog import Catalog

PANEL = "real/hs7601_netweight_kg_2000_2017.csv"
YEARS = list(range(2000, 2018))
MAP = ["--map", "year=year,reporter=reporter_code,partner=partner_code,flow=flow",
       "--map", "net_weight=net_weight_kg", "--set", "hs_code=7601", "--set", "hs_rev=H0",
       "--dataset", "jie2020-hs7601", "--source", "comtrade"]  # fmt: skip
LINE = re.compile(
    r"^chosen model \S+.*: MASE \d+\.\d\d vs Naive \d+\.\d\d over \d+ held-out points; "
    r"80 % intervals covered \d+ % of \d+"
)


def _ingest(tmp: Path, args: list[str]) -> Path:
    from typer.testing import CliRunner

    from corridor.cli.app import app
    from corridor.settings import get_settings

    wh = tmp / "w.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORRIDOR_DATA_DIR", str(tmp / "data"))
        mp.setenv("CORRIDOR_CACHE_DIR", str(tmp / "cache"))
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["--warehouse", str(wh), "ingest", "table", *args])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return wh


@pytest.fixture(scope="module")
def panel_wh(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A warehouse holding the real HS 7601 net-weight panel."""
    return _ingest(tmp_path_factory.mktemp("panel"), [str(shared_data / PANEL), *MAP])


@pytest.fixture(scope="module")
def imports(shared_data: Path) -> dict[str, dict[int, dict[str, int]]]:
    """reporter → year → partner ISO3 → net weight, for flow M (re-read with csv)."""
    out: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    with (shared_data / PANEL).open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["flow"] == "M":
                cell = out[r["reporter_iso3"]][int(r["year"])]
                cell[r["partner_iso3"]] = cell.get(r["partner_iso3"], 0) + int(r["net_weight_kg"])
    return out


def _session(cat: Catalog, **q) -> Session:
    return Session(cat, CorridorQuery(**q))


def _totals(imports, reporter: str) -> dict[int, float]:
    return {y: float(sum(p.values())) for y, p in imports[reporter].items()}


# -- the service on the real panel ---------------------------------------------------------------


def test_japan_total_and_india_share_by_weight(panel_wh: Path, imports) -> None:
    total = _totals(imports, "JPN")
    india = {y: float(imports["JPN"][y].get("IND", 0)) for y in YEARS}
    assert sorted(total) == YEARS and all(india.values())  # Japan reports, India supplies
    with Catalog(panel_wh) as cat:
        out = outlook(_session(cat, importer="JPN", exporter="IND", hs="7601",
                               measure="weight"), backtest=True)  # fmt: skip
    assert out.measure == "weight" and out.unit.value == "kg" and not out.synthetic
    assert dict(out.market.history) == total
    assert dict(out.exporter.history) == india
    assert dict(out.share.history) == pytest.approx({y: india[y] / total[y] for y in YEARS})

    # The forecasts are the engine's on the independently built series.
    market = Series("JPN", tuple(YEARS), tuple(total[y] for y in YEARS), "kg")
    exporter = Series("IND", tuple(YEARS), tuple(india[y] for y in YEARS), "kg")
    expected = share_outlook(market, exporter, ForecastOptions(horizon=3))
    assert out.market.forecast.to_pylist() == expected.market.forecast.to_pylist()
    assert out.share.forecast.to_pylist() == expected.share.forecast.to_pylist()
    assert out.exporter.forecast.to_pylist() == expected.volume.to_pylist()
    assert [r["period"] for r in out.market.forecast.to_pylist()] == ["2018", "2019", "2020"]
    for m, s, v in zip(out.market.forecast.to_pylist(), out.share.forecast.to_pylist(),
                       out.exporter.forecast.to_pylist(), strict=True):  # fmt: skip
        assert 0 <= s["lo95"] <= s["lo80"] <= s["point"] <= s["hi80"] <= s["hi95"] <= 1
        assert m["lo95"] <= m["lo80"] <= m["point"] <= m["hi80"] <= m["hi95"]
        assert v["point"] == pytest.approx(m["point"] * s["point"])

    # The backtest: Naive's held-out forecasts are the last observed year (from the CSV).
    naive = [r for r in out.market.backtest.to_pylist() if r["model"] == "Naive"]
    assert len(naive) > 20
    for r in naive:
        assert r["forecast"] == total[int(r["origin"])]
        assert r["actual"] == total[int(r["target"])]
    assert LINE.match(out.market.backtest_line())
    assert out.market.model in out.market.backtest_line()
    cov = {round(c["nominal"] * 100): c for c in out.market.coverage.to_pylist()}
    assert set(cov) == {80, 95} and cov[80]["points"] > 0 and 0 <= cov[80]["measured"] <= 1

    doc = json.loads(json.dumps(out.to_json(backtest=True)))
    assert doc["schema"] == "corridor.forecast/1" and doc["synthetic"] is False
    assert doc["provenance"]["datasets"] == ["jie2020-hs7601"]
    assert doc["provenance"]["value_basis"] == []  # weights only: no value basis, no zeros
    assert doc["provenance"]["forecast"]["models"]["market"] == out.market.parameters
    assert "statsforecast" in doc["provenance"]["forecast"]["library"]
    units = {n: doc["series"][n]["columns"]["forecast"]["point"]["unit"]
             for n in ("market", "share", "exporter")}  # fmt: skip
    assert units == {"market": "kg", "share": "fraction", "exporter": "kg"}
    assert doc["series"]["market"]["columns"]["history"]["value"]["unit"] == "kg"


def test_absent_exporter_counts_as_zero_and_is_named(panel_wh: Path, imports) -> None:
    """Sri Lanka supplies Japan's 7601 in a few years only: 0 in the others, said so."""
    seen = sorted(y for y in YEARS if "LKA" in imports["JPN"][y])
    assert 0 < len(seen) < len(YEARS)
    with Catalog(panel_wh) as cat:
        out = outlook(_session(cat, importer="JPN", exporter="LKA", hs="7601"))
    history = dict(out.exporter.history)
    assert {y for y, v in history.items() if v} == set(seen)
    assert all(history[y] == 0.0 for y in YEARS if y not in seen)
    assert out.share.gaps == ()  # zeros are reports, not gaps
    assert any("Sri Lanka is not among the reported suppliers" in n for n in out.notes)
    for r in out.share.forecast.to_pylist():
        assert 0.0 <= r["point"] <= 1.0


def test_gaps_are_named_and_short_series_fall_back(panel_wh: Path, imports) -> None:
    vnm = _totals(imports, "VNM")
    missing = [y for y in range(min(vnm), 2018) if y not in vnm]
    assert missing  # Viet Nam skipped a year
    with Catalog(panel_wh) as cat:
        out = outlook(_session(cat, importer="VNM", hs="7601"))
        short = outlook(_session(cat, importer="JPN", hs="7601", years="2011-2017"))
    assert list(out.market.gaps) == [str(y) for y in missing]
    assert dict(out.market.history)[missing[0]] is None  # missing, never 0
    assert out.market.fitted[0] == str(missing[-1] + 1)
    assert any(f"gaps in {missing[-1]}" in n for n in out.market.notes)
    assert short.market.short_series
    assert short.market.reason.startswith("short series (7 observations < 8)")
    assert {r["model"] for r in short.market.accuracy.to_pylist()} <= {
        "Naive", "RandomWalkWithDrift", "Selected"}  # fmt: skip


def test_unknown_amount_is_missing_not_zero(tmp_path: Path) -> None:
    """A row without the measure is unknown (a gap); an absent exporter is 0."""
    path = tmp_path / "t.csv"
    rows = ["year,reporter,partner,flow,value,weight"]
    for i, year in enumerate(range(2006, 2020)):
        rows.append(f"{year},JPN,CHN,M,{9000 + 40 * i},{900 + 7 * i}")
        if year == 2015:
            rows.append(f"{year},JPN,IND,M,500,")  # value but no weight
        elif year != 2016:  # 2016: India absent
            rows.append(f"{year},JPN,IND,M,{300 + 10 * i},{30 + i}")
    path.write_text("\n".join(rows) + "\n")
    mapping = "year=year,reporter=reporter,partner=partner,flow=flow,value=value,net_weight=weight"
    wh = _ingest(tmp_path, [str(path), "--map", mapping, "--set", "hs_code=7601", "--set",
                            "hs_rev=H0", "--value-basis", "CIF", "--dataset", "edge"])  # fmt: skip
    with Catalog(wh) as cat:
        out = outlook(_session(cat, importer="JPN", exporter="IND", hs="7601", measure="weight"))
    history = dict(out.exporter.history)
    assert history[2015] is None and history[2016] == 0.0 and history[2014] == 38.0
    assert out.share.gaps == ("2015",)
    assert any("not among the reported suppliers in 2016" in n for n in out.notes)


def test_bad_inputs_raise_one_line(panel_wh: Path, imports) -> None:
    assert not any("NPL" in p for p in imports["JPN"].values())
    with Catalog(panel_wh) as cat:
        s = _session(cat, importer="JPN", hs="7601")
        for kwargs, needle in (({"horizon": 0}, "horizon 0 is not accepted"),
                               ({"horizon": 50}, "horizon 50 is not accepted"),
                               ({"models": ["prophet"]}, "unknown model 'prophet'")):  # fmt: skip
            with pytest.raises(InvalidQuery, match=needle):
                outlook(s, **kwargs)
        with pytest.raises(NotFound, match="Nepal is not among its suppliers"):
            outlook(_session(cat, importer="JPN", exporter="NPL", hs="7601"))


# -- the brief's section ------------------------------------------------------------------------


def test_outlook_section_data_and_soft_failures(panel_wh: Path) -> None:
    with Catalog(panel_wh) as cat:
        data = outlook_section_data(_session(cat, importer="JPN", exporter="IND", hs="7601"))
        no_exporter = outlook_section_data(_session(cat, importer="JPN", exporter="NPL", hs="7601"))
        short = outlook_section_data(_session(cat, importer="JPN", hs="7601", years="2015-2017"))
        nothing = outlook_section_data(_session(cat, importer="JPN", hs="7602"))  # only 7601
    assert data["available"] and data["missing"] is None and data["unit"] == "kg"
    market = data["market"]
    assert [r["year"] for r in market["forecast"]] == [2018, 2019, 2020]
    assert market["history"][-1]["year"] == 2017 and LINE.match(market["backtest_line"])
    assert data["exporter"]["available"] and data["share"]["available"]
    assert len(data["backtest_lines"]) == 3
    json.dumps(data)  # JSON-ready

    assert no_exporter["available"] and no_exporter["market"]["forecast"]
    assert no_exporter["exporter"]["missing"].startswith("not available: no imports from Nepal")
    assert not short["available"]
    assert short["missing"].startswith("not available:") and "only 3 contiguous" in short["missing"]
    assert not nothing["available"] and nothing["missing"].startswith("not available: no ")


# -- the sample corridor (values) -----------------------------------------------------------------


def test_sample_corridor_by_value(cli, warehouse_path: Path) -> None:
    assert cli("sample").exit_code == 0
    with Catalog(warehouse_path) as cat:
        s = _session(cat, importer="JPN", exporter="IND", hs="76", years="2015-2024")
        out = outlook(s, horizon=2)
        summary = s.indicator("summary").to_pylist()
    assert out.measure == "value" and out.unit.value == "USD" and out.synthetic
    assert dict(out.market.history) == {r["year"]: r["market_value_usd"] for r in summary}
    assert dict(out.exporter.history) == {r["year"]: r["value_usd"] for r in summary}
    assert [r["period"] for r in out.market.forecast.to_pylist()] == ["2025", "2026"]
    market = Series("JPN", tuple(str(r["year"]) for r in summary),
                    tuple(r["market_value_usd"] for r in summary), "USD")  # fmt: skip
    expected = forecast_series(market, ForecastOptions(horizon=2))
    assert out.market.forecast.to_pylist() == expected.forecast.to_pylist()
    assert out.to_json()["provenance"]["synthetic"] is True


# -- the command ---------------------------------------------------------------------------------


def test_forecast_command_json_csv_and_table(cli, panel_wh: Path) -> None:
    args = ("forecast", "--importer", "JPN", "--exporter", "IND", "--hs", "7601", "--measure",
            "weight", "--horizon", "3")  # fmt: skip
    res = cli(*args, "--backtest", "--format", "json", warehouse=panel_wh)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    with Catalog(panel_wh) as cat:
        q = {"importer": "JPN", "exporter": "IND", "hs": "7601", "measure": "weight"}
        expected = json.loads(json.dumps(outlook(_session(cat, **q), backtest=True).to_json(
            backtest=True)))  # fmt: skip
    assert doc == expected
    assert doc["schema"] == "corridor.forecast/1"
    for name in ("market", "share", "exporter"):
        series = doc["series"][name]
        assert {"forecast", "accuracy", "coverage", "history"} <= set(series["columns"])
        assert list(series["columns"]["forecast"]) == list(series["forecast"][0])
        models = {r["model"] for r in series["accuracy"]}
        assert {"Naive", "RandomWalkWithDrift"} <= models
        for row in series["accuracy"]:
            assert set(row) == set(series["columns"]["accuracy"])
    assert doc["series"]["market"]["backtest"]  # every held-out forecast with --backtest

    market_only = cli("forecast", "--importer", "JPN", "--hs", "7601", "--format", "json",
                      warehouse=panel_wh)  # fmt: skip
    assert market_only.exit_code == 0, market_only.output
    mdoc = json.loads(market_only.stdout)
    assert mdoc["series"]["share"] is None and mdoc["series"]["exporter"] is None
    assert "backtest" not in mdoc["series"]["market"]

    table = cli(*args, warehouse=panel_wh)
    assert table.exit_code == 0, table.output
    assert "India's share of Japan's imports" in table.stdout and "2020" in table.stdout
    assert "measured coverage" in table.stdout and "backtest: chosen model" in table.stdout

    res = cli(*args, "--format", "csv", warehouse=panel_wh)
    lines = list(csv.DictReader(res.stdout.splitlines()))
    assert len(lines) == 9 and {r["series"] for r in lines} == {"market", "share", "exporter"}
    assert {r["unit"] for r in lines if r["series"] == "share"} == {"fraction"}
    assert all(r["dataset"] == "jie2020-hs7601" and r["synthetic"] == "False" for r in lines)
    assert all(math.isfinite(float(r["point"])) for r in lines)


@pytest.mark.parametrize(
    ("extra", "needle", "code"),
    [
        (("--horizon", "0"), "horizon 0 is not accepted", 2),
        (("--horizon", "50"), "horizon 50 is not accepted", 2),
        (("--model", "prophet"), "unknown model 'prophet'", 2),
        (("--exporter", "NPL"), "no imports from Nepal", 4),
        (("--measure", "value"), "no value data", 4),
    ],
)
def test_forecast_command_bad_input_is_one_line(cli, panel_wh: Path, extra, needle, code) -> None:
    res = cli("forecast", "--importer", "JPN", "--hs", "7601", *extra, warehouse=panel_wh)
    assert res.exit_code == code
    assert needle in res.stderr
    assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.output
