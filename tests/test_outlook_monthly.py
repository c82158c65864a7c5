"""Monthly rows: ``periods`` and ``corridor forecast --freq M`` on Comtrade-shaped responses.

The warehouse holds both frequencies for Japan's HS 7601 imports, loaded through
``corridor ingest comtrade-json`` from records built on a real recorded record: annual rows
for 2016-2022 and monthly rows for 2016-01..2022-12 whose months do *not* add up to the
annual rows, so any mixing of the two shows in the totals. India is absent from Japan's
monthly reports in three months and the month 2019-05 has no report at all (a gap).
Expected numbers are recomputed here from the generated records.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from comtrade_fake import make_record, template_record
from corridor.errors import InvalidQuery, NotFound
from corridor.query import CorridorQuery
from corridor.services.outlook import outlook
from corridor.services.session import Session
from corridor.store.catalog import Catalog

PARTNERS = {36: 4.0e7, 699: 2.5e7, 643: 3.0e7, 156: 1.0e7}  # AUS, IND, RUS, CHN: monthly USD
GAP = (2019, 5)  # no report at all
INDIA_ABSENT = {(2017, 2), (2020, 7), (2020, 8)}  # Japan reports no row from India


def _record(base: dict, year: int, month: int | None, partner: int, value: float) -> dict:
    period = f"{year}{month:02d}" if month else str(year)
    rec = make_record(base, reporterCode=392, reporterISO="JPN", partnerCode=partner,
                      flowCode="M", cmdCode="7601", refYear=year, primaryValue=value,
                      netWgt=round(value / 2.5), freqCode="M" if month else "A",
                      period_override=period)  # fmt: skip
    if month:
        rec["refMonth"], rec["refPeriodId"] = month, year * 10000 + month * 100 + 1
    return rec


def _generate(base: dict) -> tuple[list[dict], list[dict]]:
    """(annual records, monthly records): seasonal months, a trend, deterministic noise."""
    rng = random.Random(20261202)
    annual, monthly = [], []
    for year in range(2016, 2023):
        for partner, level in PARTNERS.items():
            annual.append(_record(base, year, None, partner, float(round(level * 11.0))))
        for month in range(1, 13):
            if (year, month) == GAP:
                continue
            season = 1 + 0.3 * math.sin(2 * math.pi * (month - 1) / 12)
            trend = 1 + 0.03 * (year - 2016)
            for partner, level in PARTNERS.items():
                if partner == 699 and (year, month) in INDIA_ABSENT:
                    continue
                value = float(round(level * season * trend * (1 + rng.gauss(0, 0.03))))
                monthly.append(_record(base, year, month, partner, value))
    return annual, monthly


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, shared_data: Path):
    """(warehouse, annual records, monthly records), ingested through the CLI."""
    from typer.testing import CliRunner

    from corridor.cli.app import app
    from corridor.settings import get_settings

    tmp = tmp_path_factory.mktemp("monthly")
    annual, monthly = _generate(template_record(shared_data / "fixtures"))
    files = []
    for name, recs in (("annual.json", annual), ("monthly.json", monthly)):
        doc = {"elapsedTime": "0.1 secs", "count": len(recs), "data": recs, "error": ""}
        (tmp / name).write_text(json.dumps(doc))
        files.append(str(tmp / name))
    wh = tmp / "w.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORRIDOR_DATA_DIR", str(tmp / "data"))
        mp.setenv("CORRIDOR_CACHE_DIR", str(tmp / "cache"))
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["--warehouse", str(wh), "ingest", "comtrade-json",
                                          *files])  # fmt: skip
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return wh, annual, monthly


def _sums(recs: list[dict], partner: int | None = None) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for r in recs:
        if partner is None or r["partnerCode"] == partner:
            out[r["period"]] += r["primaryValue"]
    return dict(out)


def _session(wh: Path, **q) -> Session:
    return Session(Catalog(wh), CorridorQuery(importer="JPN", hs="7601", **q))


def test_each_frequency_reads_only_its_own_rows(data):
    wh, annual, monthly = data
    s = _session(wh, exporter="IND", freq="M")
    rows = s.indicator("periods").to_pylist()
    markets, india = _sums(monthly), _sums(monthly, 699)
    assert {r["period"]: r["market_total"] for r in rows} == pytest.approx(markets)
    assert len(rows) == 7 * 12 - 1 and "201905" not in markets
    for r in rows:
        absent = (r["year"], int(r["period"][4:])) in INDIA_ABSENT
        assert r["exporter_rows"] == (0 if absent else 1)
        assert r["exporter_amount"] == (None if absent else pytest.approx(india[r["period"]]))
        assert r["suppliers"] == (3 if absent else 4)
    assert "monthly" in s.indicator("periods").provenance.flow
    # the annual question: the annual rows, never a sum of months
    a = _session(wh, freq="A")
    totals = {}
    for r in a.indicator("partners").to_pylist():
        totals.setdefault(str(r["year"]), r["market_total"])
    assert totals == pytest.approx(_sums(annual))
    assert {r["period"]: r["market_total"] for r in a.indicator("periods").to_pylist()} == (
        pytest.approx(_sums(annual))
    )


def test_annual_indicators_refuse_a_monthly_question(data):
    wh, _, _ = data
    s = _session(wh, freq="M")
    with pytest.raises(InvalidQuery, match="partners answers annual questions only"):
        s.indicator("partners")
    with pytest.raises(InvalidQuery, match=r"freq 'Q' \(accepted: A, M\)"):
        CorridorQuery(freq="Q")
    assert CorridorQuery(freq="m").freq == "M"


def test_a_scope_with_only_monthly_rows_says_so(tmp_path: Path, shared_data: Path, cli):
    _, monthly = _generate(template_record(shared_data / "fixtures"))
    doc = {"elapsedTime": "0.1 secs", "count": len(monthly), "data": monthly, "error": ""}
    (tmp_path / "m.json").write_text(json.dumps(doc))
    assert cli("ingest", "comtrade-json", str(tmp_path / "m.json")).exit_code == 0
    r = cli("partners", "--importer", "JPN", "--hs", "7601")
    assert r.exit_code == 4 and "ask with --freq M" in r.output  # NotFound
    assert len(r.output.strip().splitlines()) == 1
    r = cli("periods", "--importer", "JPN", "--hs", "7602", "--freq", "M")
    assert r.exit_code == 4 and "no monthly imports" in r.output and "--freq M`" in r.output


def test_monthly_forecast_continues_the_calendar_and_names_gaps(data):
    wh, _, monthly = data
    s = _session(wh, exporter="IND", freq="M")
    out = outlook(s, horizon=6)
    doc = out.to_json()
    assert doc["freq"] == "M" and out.parameters["freq"] == "M"
    assert "SeasonalNaive" in out.parameters["candidates"]
    # history: every month from the first report to the last, the gap as None
    hist = dict(out.market.history)
    months = list(hist)
    assert months[0] == "201601" and months[-1] == "202212" and len(months) == 84
    assert hist["201905"] is None
    assert {k: v for k, v in hist.items() if v is not None} == pytest.approx(_sums(monthly))
    assert "201905" in out.market.gaps and out.market.fitted == ("201906", "202212")
    periods = [r["period"] for r in out.market.forecast.to_pylist()]
    assert periods == ["202301", "202302", "202303", "202304", "202305", "202306"]
    assert "forecast 202301-202306" in out.title and "monthly" in out.title
    # India absent: 0 (named), never missing
    ex = dict(out.exporter.history)
    assert ex["201702"] == 0.0 and ex["202007"] == 0.0
    assert any("201702, 202007-202008" in n and "is 0" in n for n in out.notes)
    # a strongly seasonal series: the chosen model beats Naive out of sample
    chosen = next(r for r in out.market.accuracy.to_pylist() if r["chosen"])
    assert chosen["points"] > 0 and chosen["mase_vs_naive"] < 1
    assert doc["series"]["market"]["history"][0] == {"period": "201601",
                                                     "value": hist["201601"]}  # fmt: skip


def test_forecast_cli_monthly_table_json_and_bad_horizon(data):
    from typer.testing import CliRunner

    from corridor.cli.app import app

    wh, _, _ = data
    base = ["--warehouse", str(wh), "forecast", "--importer", "JPN", "--hs", "7601"]
    r = CliRunner().invoke(app, [*base, "--freq", "M", "--horizon", "3"])
    assert r.exit_code == 0, r.output
    assert re.search(r"│ 202212 │\s+USD [\d.]+ M │\s+— │", r.output)
    assert re.search(r"│ 202303 │\s+— │\s+USD [\d.]+ M │", r.output)
    r = CliRunner().invoke(app, [*base, "--freq", "M", "--horizon", "37"])
    assert r.exit_code == 2 and "whole number of months from 1 to 36" in r.output
    r = CliRunner().invoke(app, [*base, "--horizon", "12"])
    assert r.exit_code == 2 and "years from 1 to 10" in r.output
    r = CliRunner().invoke(app, [*base, "--freq", "M", "--format", "json", "--horizon", "2"])
    doc = json.loads(r.output)
    assert doc["freq"] == "M" and doc["query"]["freq"] == "M"
    assert [f["period"] for f in doc["series"]["market"]["forecast"]] == ["202301", "202302"]


def test_monthly_question_without_rows_is_not_found(data):
    wh, _, _ = data
    with pytest.raises(NotFound, match="no monthly imports"):
        outlook(_session(wh, freq="M", years="2010-2012"), horizon=3)
