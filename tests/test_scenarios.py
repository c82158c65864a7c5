"""Scenarios on real data: the HS 7601 net-weight panel, the BACI slice and the sample corridor.

Expected figures are recomputed here from the raw files (csv module) or from other indicators
(`corridor partners`, `corridor concentration`), never copied from the scenario's output.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.reference.countries import resolve_country
from corridor.units import fmt_value

RUS, AUS, IND, CHN, ZAF, JPN = 643, 36, 699, 156, 710, 392
HEADER = "importer,partner_or_agreement,hs,rate,basis,valid_from,source\n"
PANEL = "real/hs7601_netweight_kg_2000_2017.csv"
BACI = "real/baci/BACI_HS92_Y2021_V202301_exporters_AFG_ZAF.csv"
PANEL_MAP = (
    "year=year,reporter=reporter_code,partner=partner_code,flow=flow,net_weight=net_weight_kg"
)


def run(warehouse: Path, *args: str):
    from corridor.cli.app import app

    return CliRunner().invoke(app, ["--warehouse", str(warehouse), *map(str, args)])


def ok_json(warehouse: Path, *args: str) -> dict:
    result = run(warehouse, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def by_supplier(rows: list[dict]) -> dict[int, dict]:
    return {r["supplier"]: r for r in rows}


def is_country(code: int) -> bool:
    return not resolve_country(code).is_aggregate


@pytest.fixture(scope="module")
def isolated(tmp_path_factory):
    """Module-wide data and cache dirs (the per-test isolation starts after module fixtures)."""
    from corridor.settings import get_settings

    root = tmp_path_factory.mktemp("scenarios")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORRIDOR_DATA_DIR", str(root / "data"))
        mp.setenv("CORRIDOR_CACHE_DIR", str(root / "cache"))
        mp.delenv("CORRIDOR_WAREHOUSE", raising=False)
        get_settings.cache_clear()
        yield root
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def shared_plans(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One cache dir for the module, so compiled plans are reused across its tests."""
    from corridor.settings import get_settings

    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(isolated / "cache"))
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def panel_wh(isolated: Path, shared_data: Path) -> Path:
    """The real HS 7601 net-weight panel, ingested as the README shows."""
    wh = isolated / "panel.duckdb"
    result = run(
        wh,
        "ingest",
        "table",
        shared_data / PANEL,
        "--map",
        PANEL_MAP,
        "--set",
        "hs_code=7601",
        "--set",
        "hs_rev=H0",
        "--dataset",
        "jie2020-hs7601",
        "--source",
        "comtrade",
    )
    assert result.exit_code == 0, result.output
    return wh


@pytest.fixture(scope="module")
def sample_wh(isolated: Path) -> Path:
    wh = isolated / "sample.duckdb"
    result = run(wh, "sample")
    assert result.exit_code == 0, result.output
    return wh


@pytest.fixture(scope="module")
def panel_rows(shared_data: Path) -> list[dict]:
    with (shared_data / PANEL).open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["year"] == "2017"]


@pytest.fixture(scope="module")
def japan_2017(panel_rows: list[dict]) -> dict[int, float]:
    """Japan's 2017 HS 7601 imports by partner, kg (its own report), from the raw file."""
    return {
        int(r["partner_code"]): float(r["net_weight_kg"])
        for r in panel_rows
        if r["flow"] == "M" and r["reporter_code"] == "392"
    }


# -- the supplier_exports indicator ---------------------------------------------------------------
def test_supplier_exports_matches_the_raw_panel(panel_wh: Path, panel_rows, japan_2017) -> None:
    total, to_japan, partners = defaultdict(float), defaultdict(float), defaultdict(set)
    for r in panel_rows:
        if r["flow"] == "X":
            code = int(r["reporter_code"])
            total[code] += float(r["net_weight_kg"])
            partners[code].add(int(r["partner_code"]))
            if r["partner_code"] == "392":
                to_japan[code] += float(r["net_weight_kg"])
    from corridor.query import CorridorQuery
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    with Catalog(panel_wh) as cat:
        result = Session(cat, CorridorQuery(hs="7601", years=2017)).indicator("supplier_exports")
    rows = by_supplier(result.to_pylist())
    assert set(rows) == set(japan_2017)  # every supplier of the market, nothing else
    for code, row in rows.items():
        if code in total:
            assert row["exports_weight"] == pytest.approx(total[code])
            assert row["market_weight"] == (
                pytest.approx(to_japan[code]) if code in to_japan else None
            )
            assert row["partners"] == len(partners[code])
        else:  # no export report: NULL, never 0
            assert row["exports_weight"] is None and row["partners"] in (None, 0)
        assert row["exports_value"] is None and row["world_weight"] is None  # weights only
    assert rows[RUS]["exports_weight"] == 3_066_031_550
    assert [c.name for c in result.columns][:5] == [
        "year",
        "supplier",
        "name",
        "iso3",
        "is_country",
    ]


@pytest.mark.spark
def test_supplier_exports_on_spark_equals_duckdb(panel_wh: Path) -> None:
    pytest.importorskip("pyspark")
    if not Path("/usr/lib/jvm/java-17-openjdk-amd64").is_dir():
        pytest.skip("Spark needs Java 17")
    from corridor.query import CorridorQuery
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    out = {}
    for engine in ("duckdb", "spark"):
        q = CorridorQuery(hs="7601", years=2017, engine=engine)
        with Catalog(panel_wh, engine=engine) as cat:
            out[engine] = Session(cat, q).indicator("supplier_exports").to_pylist()
    assert len(out["spark"]) == len(out["duckdb"]) > 50
    for a, b in zip(out["duckdb"], out["spark"], strict=True):
        assert a.keys() == b.keys() and a["supplier"] == b["supplier"]
        for k, v in a.items():
            assert b[k] == (pytest.approx(v) if isinstance(v, float) else v), (a["supplier"], k)


# -- supplier shock: the real HS 7601 panel (weights only) -----------------------------------------
def test_shock_remove_russia_2017_on_the_panel(panel_wh: Path, japan_2017) -> None:
    doc = ok_json(
        panel_wh,
        "scenario",
        "shock",
        "--importer",
        "JPN",
        "--hs",
        "7601",
        "--remove",
        "RUS",
        "--base-year",
        "2017",
    )
    assert doc["schema"] == "corridor.scenario-shock/1" and doc["synthetic"] is False
    total = sum(japan_2017.values())
    lost = japan_2017[RUS]
    recipients = {c: w for c, w in japan_2017.items() if c != RUS and is_country(c)}
    grow = 1 + lost / sum(recipients.values())
    rows = by_supplier(doc["tables"]["suppliers"])
    for code, w in japan_2017.items():
        expected = 0 if code == RUS else (w * grow if code in recipients else w)
        assert rows[code]["weight_after"] == pytest.approx(expected)
    assert rows[490]["weight_after"] == japan_2017[490]  # Other Asia, nes: kept, not a recipient
    s = doc["tables"]["summary"][0]
    assert (s["total_before"], s["lost"]) == (pytest.approx(total), lost)
    assert s["total_after"] == pytest.approx(total) and s["gap"] == 0
    countries = {c: w for c, w in japan_2017.items() if is_country(c)}
    hhi = sum((w / total) ** 2 for w in countries.values()) * 1e4
    assert s["hhi_before"] == pytest.approx(hhi)
    conc = ok_json(panel_wh, "concentration", "--hs", "7601", "--years", "2017")
    assert s["hhi_before"] == pytest.approx(conc["rows"][0]["hhi"])  # as `corridor concentration`
    after = {c: w * grow for c, w in recipients.items()}
    assert s["hhi_after"] == pytest.approx(sum((w / total) ** 2 for w in after.values()) * 1e4)
    assert s["top_supplier_before"] == RUS and s["top_supplier_after"] == CHN
    assert s["top_share_after"] == pytest.approx(japan_2017[CHN] * grow / total)
    india = doc["tables"]["exporter"][0]
    assert india["before"] == japan_2017[IND] and india["after"] == pytest.approx(
        japan_2017[IND] * grow
    )
    a = doc["assumptions"]
    assert a["method"] == {"asked": "auto", "used": "proportional"} and a["basis"] == "weight"
    assert a["prices_known"] is False and a["base_year"] == 2017
    assert any("prices are unknown" in n for n in doc["notes"])
    assert s["value_before"] is None and s["price_index_change"] is None  # no values: no prices
    p = doc["provenance"]["trade"]
    assert p["datasets"] == ["jie2020-hs7601"] and p["units"]["measure"] == "kg"
    assert p["years"] == [2017, 2017] and p["synthetic"] is False


def test_shock_capacity_auto_on_the_panel(panel_wh: Path, panel_rows, japan_2017) -> None:
    exports, to_japan = defaultdict(float), defaultdict(float)
    for r in panel_rows:
        if r["flow"] == "X":
            exports[int(r["reporter_code"])] += float(r["net_weight_kg"])
            if r["partner_code"] == "392":
                to_japan[int(r["reporter_code"])] += float(r["net_weight_kg"])
    doc = ok_json(
        panel_wh,
        "scenario",
        "shock",
        "--hs",
        "7601",
        "--remove",
        "RUS",
        "--base-year",
        "2017",
        "--capacity",
        "auto",
    )
    caps = by_supplier(doc["tables"]["capacity"])
    for code in japan_2017:
        if code in exports and is_country(code):
            assert caps[code]["headroom"] == pytest.approx(exports[code] - to_japan[code])
            assert caps[code]["source"].startswith("upper bound: exports to other markets in 2017")
        else:
            assert caps[code]["headroom"] is None
    rows = by_supplier(doc["tables"]["suppliers"])
    s = doc["tables"]["summary"][0]
    change = {c: rows[c]["change"] for c in japan_2017 if c != RUS}
    assert sum(change.values()) == pytest.approx(s["lost"] - s["gap"])
    # water-filling: recipients below their headroom grow by one common factor; capped ones
    # get exactly their headroom, which is less than that factor would give them
    free = [c for c in change if c in caps and is_country(c) and not rows[c]["at_capacity"]]
    factors = {round(change[c] / japan_2017[c], 9) for c in free if japan_2017[c] > 0}
    assert len(factors) == 1
    factor = factors.pop()
    capped = [c for c in change if rows[c]["at_capacity"]]
    assert capped  # some suppliers send Japan nearly all their exports
    for c in capped:
        assert change[c] == pytest.approx(caps[c]["headroom"])
        assert caps[c]["headroom"] <= factor * japan_2017[c] + 1e-6
    assert s["gap"] == 0  # suppliers without an export report have no limit
    a = doc["assumptions"]["capacity"]
    assert a["mode"] == "auto" and "upper bound" in a["method"]
    assert doc["provenance"]["exports"]["datasets"] == ["jie2020-hs7601"]


# -- supplier shock: the sample corridor (values) ----------------------------------------------
def test_shock_cut_australia_on_the_sample(sample_wh: Path) -> None:
    partners = ok_json(sample_wh, "partners", "--hs", "76", "--years", "2024")["rows"]
    values = {r["supplier"]: r["value"] for r in partners if r["year"] == 2024}
    doc = ok_json(
        sample_wh,
        "scenario",
        "shock",
        "--importer",
        "JPN",
        "--hs",
        "76",
        "--cut",
        "AUS=50%",
        "--elasticity",
        "4",
        "--capacity",
        "auto",
    )
    assert doc["synthetic"] is True and doc["base_year"] == 2024
    a = doc["assumptions"]
    assert a["method"]["used"] == "armington" and a["basis"] == "value"
    assert a["substitution"]["default"] == 4 and a["substitution"]["basis"] == "user"
    assert a["substitution_cited"]["default"] == 8.4  # the cited range is shown beside it
    total = sum(values.values())
    share = values[AUS] / total
    s = doc["tables"]["summary"][0]
    assert s["price_index_change"] == pytest.approx((1 - 0.5 * share) ** (1 / (1 - 4)) - 1)
    recipients = sum(v for c, v in values.items() if c != AUS and is_country(c))
    india = doc["tables"]["exporter"][0]
    assert india["after"] == pytest.approx(values[IND] * (1 + 0.5 * values[AUS] / recipients))
    assert s["total_after"] == pytest.approx(total) and s["gap"] == 0
    conc = ok_json(sample_wh, "concentration", "--hs", "76", "--years", "2024")["rows"][0]
    assert s["hhi_before"] == pytest.approx(conc["hhi"])
    assert s["top_share_before"] == pytest.approx(conc["top1_share"])
    # the sample holds the suppliers' exports to Japan only: no capacity can be estimated
    assert all(c["headroom"] is None for c in doc["tables"]["capacity"])
    assert any("capacity auto found no limit" in n for n in doc["notes"])
    assert any(n.startswith("σ only moves the import price index") for n in doc["notes"])
    assert doc["columns"]["suppliers"]["value_after"]["unit"] == "USD"


def test_shock_table_view_prints_assumptions_and_band(sample_wh: Path) -> None:
    result = run(
        sample_wh,
        "scenario",
        "shock",
        "--hs",
        "76",
        "--remove",
        "CHN",
        "--elasticity",
        "2..8",
        "--demand-elasticity",
        "0.5..2",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    for text in (
        "SYNTHETIC DATA",
        "China removed",
        "sensitivity over the elasticity range",
        "HHI",
        "gap left unfilled",
        "import price index",
        "assumptions",
        "σ, substitution between suppliers = 5, range 2–8 (user)",
        "η, import demand = 1.25, range 0.5–2 (user)",
        "Hertel",
        "[recalled]",
        "σ only moves the import price index",
        "source: sample",
    ):
        assert text in out, text
    csv_out = run(
        sample_wh,
        "scenario",
        "shock",
        "--hs",
        "76",
        "--remove",
        "CHN",
        "--format",
        "csv",
        "--table",
        "band",
    )
    rows = list(csv.DictReader(csv_out.output.splitlines()))
    assert len(rows) == 5 and all(r["synthetic"] == "True" for r in rows)  # σ grid, η held
    sigmas = [float(r["sigma"]) for r in rows]
    rises = [float(r["price_index_change"]) for r in rows]
    assert sigmas == sorted(sigmas) and rises == sorted(rises, reverse=True)


def test_demand_elasticity_lowers_the_total_monotonically(sample_wh: Path) -> None:
    def total(eta: str) -> float:
        doc = ok_json(
            sample_wh,
            "scenario",
            "shock",
            "--hs",
            "76",
            "--remove",
            "CHN",
            "--elasticity",
            "4",
            "--demand-elasticity",
            eta,
        )
        return doc["tables"]["summary"][0]["total_after"]

    totals = [total(e) for e in ("0.5", "1", "2")]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) == 3


# -- tariff change: the sample corridor with Japan's real schedule ----------------------------
def test_tariff_cepa_on_the_sample(sample_wh: Path) -> None:
    doc = ok_json(
        sample_wh,
        "scenario",
        "tariff",
        "--importer",
        "JPN",
        "--exporter",
        "IND",
        "--hs",
        "76",
        "--agreement",
        "cepa",
    )
    assert doc["schema"] == "corridor.scenario-tariff/1" and doc["synthetic"] is True
    lines = defaultdict(dict)
    for r in doc["tables"]["lines"]:
        lines[r["hs6"]][r["supplier"]] = r
    foil = lines["760410"]
    mine = foil[IND]
    assert (mine["tariff_before"], mine["tariff_after"]) == (0.075, 0.0)  # WTO 7.5 % → CEPA free
    m_k = mine["imports_before"]
    m_big = sum(r["imports_before"] for c, r in foil.items() if c != IND)
    eta, sigma, r = 1.0, 8.4, 0.075 / 1.075  # cited defaults; the relative price fall
    assert mine["trade_creation"] == pytest.approx(eta * m_k * r)
    assert mine["trade_diversion"] == pytest.approx(
        m_k * m_big * sigma * r / (m_k + m_big + m_k * sigma * r)
    )
    assert all(row["trade_creation"] == 0 for c, row in foil.items() if c != IND)
    refused = {r["hs_code"]: r for r in doc["tables"]["refused"]}
    assert set(refused) == {"760612", "760692"}  # 0 % and 2 % lines: never averaged
    assert refused["760612"]["reason"] == "lines with different rates (0–2 %)"
    prices = ok_json(sample_wh, "prices", "--hs", "760612", "--years", "2024", "--exporter", "")
    assert refused["760612"]["imports"] == pytest.approx(sum(r["value"] for r in prices["rows"]))
    lost = fmt_value(sum(r["imports"] for r in refused.values()), "USD")  # e.g. USD 358.6 M
    assert any(n.startswith(f"2 trade code(s) not simulated ({lost} of imports)")
               for n in doc["notes"]), doc["notes"]  # fmt: skip
    t = doc["tables"]["totals"][0]
    assert abs(t["trade_diversion"]) < 1e-3
    assert t["revenue_before"] == pytest.approx(
        sum(r["tariff_before"] * r["imports_before"] for r in doc["tables"]["lines"])
    )
    exporter = doc["tables"]["exporter"][0]
    band = [b["focus_total"] for b in doc["tables"]["band"] if b["eta"] == 1.0]
    assert band == sorted(band)  # more substitutable: more diversion to India
    assert exporter["total_low"] == pytest.approx(
        min(b["focus_total"] for b in doc["tables"]["band"])
    )
    a = doc["assumptions"]
    assert a["scenario"]["agreement"] == "JP-IN-CEPA" and a["scenario"]["in_force_in_base_year"]
    assert a["tariffs"]["editions"] == ["2026-07-09"] and a["tariffs"]["origin"] == "offline table"
    assert doc["provenance"]["tariffs"]["publisher"] == "Japan Customs"
    assert any("values the preference at base-year trade" in n for n in doc["notes"])
    rates = {r["national_line"]: r for r in doc["tables"]["rates"]}
    assert rates["760410000"]["column_before"] == "WTO協定"
    assert rates["760410000"]["column_after"] == "EPA_インド"


def test_tariff_file_on_the_sample(sample_wh: Path, tmp_path: Path) -> None:
    rates = tmp_path / "my_rates.csv"
    rates.write_text(
        "importer,partner_or_agreement,hs,rate,basis,valid_from,source\n"
        "JPN,IND,760410,free,preferential,2026-01-01,my scenario\n"
        "JPN,IND,760421,free,preferential,2026-01-01,my scenario\n"
        "JPN,*,760429,5%,wto,2026-01-01,my scenario\n",
        encoding="utf-8",
    )
    doc = ok_json(
        sample_wh,
        "scenario",
        "tariff",
        "--importer",
        "JPN",
        "--exporter",
        "IND",
        "--hs",
        "7604",
        "--tariff-file",
        rates,
        "--elasticity",
        "2..8",
    )
    lines = {(r["hs6"], r["supplier"]): r for r in doc["tables"]["lines"]}
    china = lines[("760429", CHN)]
    assert (china["tariff_before"], china["tariff_after"]) == (0.075, 0.05)
    assert lines[("760429", IND)]["tariff_after"] == 0.0  # CEPA still applies
    assert lines[("760429", IND)]["trade_diversion"] < 0  # the others' cut takes trade from India
    assert {b["sigma"] for b in doc["tables"]["band"]} == {2.0, 3.5, 5.0, 6.5, 8.0}
    facts = doc["assumptions"]["scenario"]
    assert facts["kind"] == "file" and facts["rows"] == 3 and len(facts["sha256"]) == 64


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("JPN,IND,760410,free,preferential,2026-01-01,x\n", "no rate for line(s) 760421000"),
        (
            "JPN,JP-XX-FTA,760410,free,preferential,2026-01-01,x\n",
            "line 2: unknown agreement or partner 'JP-XX-FTA'",
        ),
        ("JPN,IND,760499,free,preferential,2026-01-01,x\n", "hs 760499 matches no line"),
        ("USA,IND,760410,free,preferential,2026-01-01,x\n", "is not the scenario's importer"),
    ],
)
def test_bad_tariff_files(sample_wh: Path, tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(HEADER + content, encoding="utf-8")
    result = run(sample_wh, "scenario", "tariff", "--hs", "7604", "--tariff-file", path)
    assert result.exit_code == 3, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1


# -- bad inputs: one line, non-zero exit -----------------------------------------------------
@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("shock", "--remove", "MNG"), 2, "unknown supplier Mongolia (MNG, 496)"),
        (("shock", "--remove", "XYZ"), 2, "unknown country 'XYZ'"),
        (("shock", "--cut", "AUS=150%"), 2, "cut 'AUS=150%': must be above 0 % and at most 100 %"),
        (("shock", "--cut", "AUS=0.5"), 2, "give a percentage"),
        (("shock", "--remove", "RUS", "--cut", "RUS=50%"), 2, "RUS is cut twice"),
        (("shock", "--remove", "RUS", "--elasticity", "-2"), 2, "elasticity '-2': must be ≥ 0"),
        (("shock", "--remove", "RUS", "--elasticity", "8..2"), 2, "'8..2': low is above high"),
        (
            ("shock", "--remove", "RUS", "--base-year", "2019"),
            4,
            "base year 2019: no data for Japan's imports, HS 7601",
        ),
        (("shock", "--remove", "RUS", "--capacity", "IND=40"), 0, None),
        (("shock", "--remove", "RUS", "--capacity", "IND=30MUSD"), 2, "is a value"),
        (("shock", "--remove", "RUS", "--method", "magic"), 2, "method 'magic'"),
        (("tariff", "--agreement", "cepa"), 4, "needs import values (USD)"),
    ],
)
def test_bad_inputs_on_the_panel(panel_wh: Path, args: tuple, code: int, fragment: str) -> None:
    command, *rest = args
    base = ["--base-year", "2017"] if "--base-year" not in rest else []
    result = run(panel_wh, "scenario", command, "--hs", "7601", *base, *rest)
    assert result.exit_code == code, result.output
    if fragment is not None:
        assert fragment in result.output and len(result.output.strip().splitlines()) == 1


# -- the real BACI slice (values, reconciled) ------------------------------------------------
@pytest.fixture(scope="module")
def baci_wh(isolated: Path, shared_data: Path) -> Path:
    wh = isolated / "baci.duckdb"
    result = run(wh, "ingest", "baci", shared_data / BACI)
    assert result.exit_code == 0, result.output
    return wh


@pytest.fixture(scope="module")
def zaf_exports(shared_data: Path) -> dict[int, dict[str, float]]:
    """South Africa's 2021 chapter-76 exports by importer and HS6, USD (BACI v × 1000)."""
    out: dict[int, dict[str, float]] = defaultdict(dict)
    with (shared_data / BACI).open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            k = r["k"].strip().zfill(6)
            if r["i"] == "710" and k.startswith("76"):
                out[int(r["j"])][k] = float(r["v"]) * 1000
    return out


def test_baci_shock_is_unfillable_with_one_supplier(baci_wh: Path, zaf_exports) -> None:
    japan = zaf_exports[JPN]
    doc = ok_json(
        baci_wh, "scenario", "shock", "--hs", "76", "--remove", "ZAF", "--capacity", "auto"
    )
    s = doc["tables"]["summary"][0]
    assert s["total_before"] == pytest.approx(sum(japan.values()))
    assert s["gap"] == pytest.approx(s["lost"]) and s["total_after"] == 0
    assert any("no other supplier is left" in n for n in doc["notes"])
    # amounts in people's units (it printed "1.12839e+08 of 1.12839e+08 lost"), and the file's
    # one supplier of Japan is named as the data's limit, not the market's
    lost = next(n for n in doc["notes"] if "cannot be re-sourced" in n)
    assert lost.startswith(f"{fmt_value(s['gap'], 'USD')} of {fmt_value(s['lost'], 'USD')} lost")
    assert any(n.startswith("the data holds only 1 country supplying Japan") for n in doc["notes"])
    elsewhere = sum(sum(v.values()) for j, v in zaf_exports.items() if j != JPN)
    assert doc["tables"]["capacity"][0]["headroom"] == pytest.approx(elsewhere)
    p = doc["provenance"]["trade"]
    assert p["report"] == "reconciled" and p["vintages"] == ["CEPII BACI HS92 V202301"]


def test_baci_tariff_file_creates_trade_only(baci_wh: Path, zaf_exports, tmp_path) -> None:
    japan = zaf_exports[JPN]
    rates = tmp_path / "zaf.csv"
    codes = [k for k in sorted(japan) if k != "761690"]  # 761690 is HS1992 only
    body = "".join(f"JPN,ZAF,{k},free,preferential,2026-01-01,test\n" for k in codes)
    rates.write_text(HEADER + body, encoding="utf-8")
    doc = ok_json(
        baci_wh, "scenario", "tariff", "--exporter", "ZAF", "--hs", "76", "--tariff-file", rates
    )
    lines = {r["hs6"]: r for r in doc["tables"]["lines"]}
    for k, r in lines.items():  # one supplier per line: no diversion, creation = η M Δt/(1+t)
        assert r["imports_before"] == pytest.approx(japan[k])
        assert r["trade_diversion"] == 0
        t0 = r["tariff_before"]
        assert r["trade_creation"] == pytest.approx(1.0 * japan[k] * t0 / (1 + t0))
    assert lines["760810"]["tariff_before"] == 0.075
    refused = {r["hs_code"]: r for r in doc["tables"]["refused"]}
    assert refused["761690"]["reason"] == "no line of the schedule"
    assert refused["761690"]["imports"] == pytest.approx(japan["761690"])
    assert any("HS editions H0" in n for n in doc["notes"])
    assert any("FOB" in n for n in doc["notes"])


# -- what if (for the brief) --------------------------------------------------------------------
def test_whatif_on_the_sample_and_the_panel(sample_wh: Path, panel_wh: Path) -> None:
    from corridor.query import CorridorQuery
    from corridor.services.scenarios import whatif
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    prices = ok_json(sample_wh, "prices", "--hs", "760410", "--years", "2024", "--exporter", "")
    foil = {r["supplier"]: r["value"] for r in prices["rows"]}
    with Catalog(sample_wh) as cat:
        w = whatif(Session(cat, CorridorQuery(exporter="IND", hs="76", years="2015-2024")))
    assert w.base_year == 2024 and w.shock is not None
    assert w.shock.assumptions["cuts"][0]["supplier"] == CHN  # the largest supplier in 2024
    margins = {r["hs_code"]: r for r in w.margins.rows()}
    m = margins["760410"]
    assert (m["mfn_min"], m["applied_max"], m["margin_min"]) == (0.075, 0.0, 0.075)
    assert m["exporter_value"] == pytest.approx(foil[IND])
    assert m["market_value"] == pytest.approx(sum(foil.values()))
    assert m["duty_saved_low"] == pytest.approx(foil[IND] * 0.075)
    assert m["agreements"] == "JP-IN-CEPA"
    assert margins["760612"]["margin_min"] == 0 and margins["760612"]["margin_max"] == 0.02
    doc = w.to_json()
    assert (
        doc["schema"] == "corridor.whatif/1"
        and doc["margins"]["columns"]["margin_min"]["unit"] == "pp"
    )
    json.dumps(doc)  # JSON-ready throughout
    with Catalog(panel_wh) as cat:
        w = whatif(Session(cat, CorridorQuery(exporter="IND", hs="7601")))
    assert w.shock is not None and w.base_year == 2017
    assert w.margins is None and "net weights only" in w.margins_missing
    assert not math.isnan(w.shock.table("summary").rows()[0]["hhi_after"])


def test_readme_shows_the_scenario_commands() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for command in (
        "corridor scenario shock --importer JPN --hs 7601 --remove RUS --base-year 2017",
        "corridor scenario shock --importer JPN --hs 76 --cut AUS=50% --elasticity 4 "
        "--capacity auto",
        "corridor scenario tariff --importer JPN --exporter IND --hs 76 --agreement cepa",
        "--tariff-file my_rates.csv --elasticity 2..8 --format json",
    ):
        assert re.search(re.escape(command), readme), command


WHATIF_ROWS = """
import json, sys
from corridor.query import CorridorQuery
from corridor.services.scenarios import whatif
from corridor.services.session import Session
from corridor.store.catalog import Catalog

with Catalog(sys.argv[1]) as cat:
    w = whatif(Session(cat, CorridorQuery(exporter="IND", hs="76", years="2015-2024")))
rows = {n: t.rows() for n, t in w.shock.tables.items()}
rows["margins"] = w.margins.rows()
print(json.dumps({"pandas": "pandas" in sys.modules, "rows": rows}, default=str))
"""


def test_whatif_rows_need_no_pandas(sample_wh: Path, tmp_path: Path) -> None:
    """The brief's what-if reads scenario rows as dicts: a fresh process answering it (plans
    and the offline tariff table cached by a first run) never imports pandas (≈ 0.3 s of every
    brief), and a cache file that cannot be read is rebuilt with the same answer."""
    import os
    import subprocess
    import sys

    env = os.environ | {"CORRIDOR_CACHE_DIR": str(tmp_path / "cache")}

    def answer() -> dict:
        out = subprocess.run([sys.executable, "-c", WHATIF_ROWS, str(sample_wh)], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        return json.loads(out.stdout)

    first, second = answer(), answer()
    assert not second["pandas"]
    assert second["rows"] == first["rows"] and second["rows"]["margins"]
    (cached,) = (tmp_path / "cache" / "tariffs").glob("*.arrow")
    cached.write_bytes(b"not arrow")
    assert answer()["rows"] == first["rows"]
    assert cached.read_bytes()[:6] == b"ARROW1"  # rewritten whole


def test_scenario_rows_equal_their_arrow_tables(sample_wh: Path) -> None:
    from corridor.query import CorridorQuery
    from corridor.services.scenarios import whatif
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    with Catalog(sample_wh) as cat:
        w = whatif(Session(cat, CorridorQuery(exporter="IND", hs="76", years="2015-2024")))
    for t in [*w.shock.tables.values(), w.margins]:
        arrow = t.table
        assert arrow.to_pylist() == t.rows() and len(t) == arrow.num_rows > 0
        for c in t.columns:
            assert arrow.schema.field(c.name).metadata[b"unit"] == c.unit.value.encode()
