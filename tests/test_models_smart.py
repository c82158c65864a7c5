"""SMART tariff model: known answers from the documented formulas, properties, real data."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from corridor.errors import InvalidQuery
from corridor.models.preference import applied_rates, by_hs6
from corridor.models.smart import smart_tariff_change
from corridor.reference.elasticities import ElasticityRange, parse_range
from corridor.sources.tariffs_japan import parse_japan_schedule

IND, CHN, AUS, ZAF = 699, 156, 36, 710


def el(eta: str, sigma: str) -> dict:
    return {"import_demand": parse_range(eta, "import_demand"),
            "substitution": parse_range(sigma, "substitution")}  # fmt: skip


def flows(t_ind_after: float = 0.0) -> list[dict]:
    return [
        {"hs6": "760410", "supplier": IND, "imports_usd": 100.0, "tariff_before": 0.075,
         "tariff_after": t_ind_after},
        {"hs6": "760410", "supplier": CHN, "imports_usd": 300.0, "tariff_before": 0.075,
         "tariff_after": 0.075},
        {"hs6": "760410", "supplier": AUS, "imports_usd": 100.0, "tariff_before": 0.075,
         "tariff_after": 0.075},
        {"hs6": "760110", "supplier": IND, "imports_usd": 50.0, "tariff_before": 0.0,
         "tariff_after": 0.0},
    ]  # fmt: skip


def by(table, key=("hs6", "supplier")) -> dict:
    return {tuple(r[k] for k in key): r for r in table.to_pylist()}


def test_zero_tariff_change_changes_nothing() -> None:
    r = smart_tariff_change(flows(t_ind_after=0.075), **el("1", "4"))
    for row in r.lines.to_pylist():
        assert row["trade_creation"] == row["trade_diversion"] == row["total_effect"] == 0
        assert row["imports_after"] == row["imports_before"]
    t = r.totals.to_pylist()[0]
    assert t["revenue_after"] == t["revenue_before"] == pytest.approx(0.075 * 500)
    assert "no tariff changes" in r.assumptions.notes[0]


def test_known_answer_from_the_documented_formulas() -> None:
    """TC = η·M·Δt/(1+t); TD = M_k·M_K·σ·r/(M_k + M_K + M_k·σ·r) (Laird & Yeats; SMART)."""
    eta, sigma = 1.3, 4.0
    r = by(smart_tariff_change(flows(), **el(str(eta), str(sigma))).lines)
    m_k, m_big_k, t0, t1 = 100.0, 400.0, 0.075, 0.0
    creation = eta * m_k * (t0 - t1) / (1 + t0)
    rel = (t0 - t1) / (1 + t0)  # the beneficiary's relative price fall against the others
    diversion = m_k * m_big_k * sigma * rel / (m_k + m_big_k + m_k * sigma * rel)
    ind = r[("760410", IND)]
    assert ind["trade_creation"] == pytest.approx(creation)
    assert ind["trade_diversion"] == pytest.approx(diversion)
    # the others lose the diverted trade in proportion to their imports; nothing is created
    assert r[("760410", CHN)]["trade_diversion"] == pytest.approx(-diversion * 300 / 400)
    assert r[("760410", AUS)]["trade_diversion"] == pytest.approx(-diversion * 100 / 400)
    assert r[("760410", CHN)]["trade_creation"] == 0
    assert r[("760110", IND)]["total_effect"] == 0  # duty-free line: nothing to change


def test_market_diversion_sums_to_zero_and_lines_are_summed() -> None:
    r = smart_tariff_change(flows(), **el("1", "8"), focus=IND)
    lines = r.lines.to_pylist()
    per_line: dict[str, float] = {}
    for row in lines:
        per_line[row["hs6"]] = per_line.get(row["hs6"], 0.0) + row["trade_diversion"]
    assert all(abs(v) < 1e-9 for v in per_line.values())
    india = by(r.suppliers, ("supplier",))[(IND,)]
    assert india["total_effect"] == pytest.approx(
        sum(x["total_effect"] for x in lines if x["supplier"] == IND)
    )
    t = r.totals.to_pylist()[0]
    assert t["trade_creation"] == pytest.approx(t["total_effect"]) and t["lines"] == 2


def test_monotone_and_saturating_in_the_elasticities() -> None:
    def india(eta: str, sigma: str) -> dict:
        return by(smart_tariff_change(flows(), **el(eta, sigma)).lines)[("760410", IND)]

    creation = [india(e, "4")["trade_creation"] for e in ("0.5", "1", "2")]
    assert creation[1] == pytest.approx(2 * creation[0]) and creation[2] == pytest.approx(
        2 * creation[1])  # doubling η doubles creation (WITS help)  # fmt: skip
    diversion = [india("1", s)["trade_diversion"] for s in ("1", "2", "4", "8", "1000000")]
    assert diversion == sorted(diversion)
    assert diversion[-1] == pytest.approx(400, rel=1e-3)  # ceiling: the others' existing trade


def test_finite_export_supply_dampens_creation() -> None:
    eta, eps = 1.0, 2.0
    r = smart_tariff_change(flows(), **el(str(eta), "0"), export_supply=eps)
    ind = by(r.lines)[("760410", IND)]
    assert ind["trade_creation"] == pytest.approx(1.0 * 100 * 0.075 / 1.075 / (1 + eta / eps))
    assert ind["price_effect"] > 0  # the exporter's world price rises with demand


def test_band_and_assumptions() -> None:
    r = smart_tariff_change(flows(), focus=IND, base_year=2021)
    band = r.band.to_pylist()
    assert {b["sigma"] for b in band} >= {1.5, 8.4} and {b["eta"] for b in band} >= {0.5, 2.0}
    india = by(r.suppliers, ("supplier",))[(IND,)]
    focus = [b["focus_total"] for b in band]
    assert india["total_low"] == pytest.approx(min(focus))
    assert india["total_high"] == pytest.approx(max(focus))
    a = r.assumptions
    assert a.export_supply == "infinite" and a.import_demand["basis"] == "assumption"
    assert any("assumption" in n for n in a.notes) and a.base_year == 2021


@pytest.mark.parametrize(
    ("change", "kwargs", "fragment"),
    [
        ({"tariff_after": -0.1}, {}, "negative tariff_after"),
        ({"imports_usd": None}, {}, "imports_usd is missing"),
        ({}, {"export_supply": 0.0}, "export supply elasticity 0"),
        ({}, {"substitution": ElasticityRange("substitution", "sigma", -1, -1, -1)}, "must be ≥ 0"),
    ],
)
def test_bad_inputs(change: dict, kwargs: dict, fragment: str) -> None:
    rows = flows()
    rows[0] = {**rows[0], **change}
    with pytest.raises(InvalidQuery) as exc:
        smart_tariff_change(rows, **kwargs)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_duplicate_and_empty() -> None:
    with pytest.raises(InvalidQuery, match="lists supplier 699 twice"):
        smart_tariff_change([*flows(), flows()[0]])
    with pytest.raises(InvalidQuery, match="nothing to simulate"):
        smart_tariff_change([])


# -- real data: BACI values and Japan Customs rates ---------------------------------------------
@pytest.fixture(scope="module")
def zaf_to_japan(shared_file) -> list[dict]:
    """BACI V202301 (real): South Africa → Japan, chapter 76, 2021, USD (v × 1000)."""
    path = shared_file("real/baci/BACI_HS92_Y2021_V202301_exporters_AFG_ZAF.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [
        {"hs6": r["k"].strip(), "imports_usd": float(r["v"]) * 1000}
        for r in rows
        if r["i"] == "710" and r["j"] == "392" and r["k"].strip().startswith("76")
    ]


@pytest.fixture(scope="module")
def zaf_rates(schedule_path: Path) -> dict[str, dict]:
    lines = applied_rates(parse_japan_schedule(schedule_path).rows, ZAF, date(2021, 12, 31))
    return {r["hs6"]: r for r in by_hs6(lines).to_pylist()}


def test_real_zaf_duty_free_scenario(zaf_to_japan: list[dict], zaf_rates: dict) -> None:
    """If Japan let South African aluminium in duty-free: creation on the dutiable lines only."""
    assert {r["hs6"] for r in zaf_to_japan} == {"760110", "760200", "760611", "760810", "761690"}
    usable = [r for r in zaf_to_japan if r["hs6"] in zaf_rates]
    assert {r["hs6"] for r in usable} == {"760110", "760200", "760611", "760810"}  # 761690: HS92
    rows = []
    for r in usable:
        rate = zaf_rates[r["hs6"]]
        assert rate["applied_min"] == rate["applied_max"]  # one rate per HS6 for these lines
        rows.append({**r, "supplier": ZAF, "tariff_before": rate["applied_max"],
                     "tariff_after": 0.0})  # fmt: skip
    result = smart_tariff_change(rows, **el("1.5", "4"), focus=ZAF, base_year=2021)
    lines = {r["hs6"]: r for r in result.lines.to_pylist()}
    for hs6, t0 in (("760611", 0.02), ("760810", 0.075)):
        m = next(r["imports_usd"] for r in usable if r["hs6"] == hs6)
        assert lines[hs6]["tariff_before"] == t0
        assert lines[hs6]["trade_creation"] == pytest.approx(1.5 * m * t0 / (1 + t0))
    assert lines["760110"]["total_effect"] == 0 and lines["760200"]["total_effect"] == 0
    assert all(r["trade_diversion"] == 0 for r in lines.values())  # one supplier per line here
    total = result.totals.to_pylist()[0]
    assert total["imports_before"] == pytest.approx(sum(r["imports_usd"] for r in usable))
    assert math.isclose(total["revenue_after"], 0.0, abs_tol=1e-9)
