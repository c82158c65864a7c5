"""Supplier shock model: analytical cases, real data (HS 7601 weights, BACI values), bad input."""

from __future__ import annotations

import csv
import math

import pytest

from corridor.errors import InvalidQuery
from corridor.models.shock import supplier_shock
from corridor.reference.elasticities import elasticity, parse_range

RUS, AUS, IND, CHN, USA = 643, 36, 699, 156, 842


def rows_of(table) -> dict[int, dict]:
    return {r["supplier"]: r for r in table.to_pylist()}


# -- analytical cases ------------------------------------------------------------------------
MARKET = [
    {"supplier": RUS, "value_usd": 300.0, "weight_kg": 150.0},
    {"supplier": AUS, "value_usd": 400.0, "weight_kg": 200.0},
    {"supplier": IND, "value_usd": 200.0, "weight_kg": 100.0},
    {"supplier": CHN, "value_usd": 100.0, "weight_kg": 50.0},
]  # every unit value is 2 USD/kg


def test_sigma_one_and_equal_prices_leave_shares_unchanged() -> None:
    r = supplier_shock(
        MARKET, {RUS: 1.0}, method="armington", sigma=parse_range("1", "substitution")
    )
    out = rows_of(r.suppliers)
    kept = 1 - 150 / 500
    for code in (AUS, IND, CHN):
        assert out[code]["share_after"] == pytest.approx(out[code]["share_before"] / kept)
    assert out[AUS]["weight_after"] / out[IND]["weight_after"] == pytest.approx(2.0)
    summary = r.summary.to_pylist()[0]
    assert summary["price_index_change"] is None  # σ ≤ 1: every source essential
    assert any("σ ≤ 1" in n for n in r.assumptions.notes)


def test_proportional_conserves_the_total() -> None:
    r = supplier_shock(MARKET, {RUS: 1.0, AUS: 0.5})
    s = r.summary.to_pylist()[0]
    assert s["total_after"] == pytest.approx(s["total_before"]) == 500
    assert s["lost"] == s["refilled"] == 250 and s["gap"] == 0
    out = rows_of(r.suppliers)
    # only suppliers not cut receive: IND and CHN share 250 in proportion 100:50
    assert out[IND]["weight_after"] == pytest.approx(100 + 250 * 2 / 3)
    assert out[CHN]["weight_after"] == pytest.approx(50 + 250 / 3)
    assert out[AUS]["weight_after"] == 100 and out[RUS]["weight_after"] == 0
    assert out[IND]["value_after"] == pytest.approx(out[IND]["weight_after"] * 2.0)


def test_armington_without_demand_elasticity_reallocates_like_proportional() -> None:
    """CES independence of irrelevant alternatives: remaining suppliers keep relative shares."""
    prop = rows_of(supplier_shock(MARKET, {RUS: 1.0}).suppliers)
    arm = supplier_shock(MARKET, {RUS: 1.0}, method="armington")
    for code, row in rows_of(arm.suppliers).items():
        assert row["weight_after"] == pytest.approx(prop[code]["weight_after"])
    # σ instead sets the price of losing a source: (1 - F)^(1/(1-σ)) - 1, F = value share cut
    for band in arm.band.to_pylist():
        assert band["price_index_change"] == pytest.approx(0.7 ** (1 / (1 - band["sigma"])) - 1)


def test_removing_the_only_supplier_is_unfillable() -> None:
    r = supplier_shock([{"supplier": RUS, "weight_kg": 1000.0}], {RUS: 1.0})
    s = r.summary.to_pylist()[0]
    assert s["gap"] == 1000 and s["refilled"] == 0 and s["total_after"] == 0
    assert any("cannot be re-sourced" in n for n in r.assumptions.notes)
    no_room = [{"supplier": RUS, "weight_kg": 1000.0}, {"supplier": AUS, "weight_kg": 0.0},
               {"supplier": IND, "weight_kg": 10.0, "headroom": 0.0}]  # fmt: skip
    s = supplier_shock(no_room, {RUS: 1.0}).summary.to_pylist()[0]
    assert s["gap"] == 1000 and s["total_after"] == 10


def test_capacity_caps_and_the_rest_is_a_gap() -> None:
    market = [{"supplier": RUS, "weight_kg": 100.0},
              {"supplier": AUS, "weight_kg": 60.0, "headroom": 10.0},
              {"supplier": IND, "weight_kg": 30.0, "headroom": 40.0},
              {"supplier": CHN, "weight_kg": 10.0, "headroom": 5.0}]  # fmt: skip
    r = supplier_shock(market, {RUS: 1.0})
    out, s = rows_of(r.suppliers), r.summary.to_pylist()[0]
    # 100 kg to place; AUS and CHN hit their headroom (10, 5), IND takes up to its 40
    assert (out[AUS]["change"], out[CHN]["change"], out[IND]["change"]) == (10, 5, 40)
    assert out[AUS]["at_capacity"] and out[IND]["at_capacity"] and out[CHN]["at_capacity"]
    assert s["gap"] == pytest.approx(45) and s["total_after"] == pytest.approx(155)
    assert r.assumptions.capacity[AUS] == 10.0


def test_monotone_in_the_elasticities() -> None:
    def total(sigma: str, eta: str) -> float:
        r = supplier_shock(MARKET, {RUS: 1.0}, method="armington",
                           sigma=parse_range(sigma, "substitution"),
                           demand_elasticity=parse_range(eta, "import_demand"))  # fmt: skip
        return r.summary.to_pylist()[0]["total_after"]

    by_sigma = [total(s, "1") for s in ("2", "4", "8")]
    by_eta = [total("4", e) for e in ("0.5", "1", "2")]
    assert by_sigma == sorted(by_sigma) and len(set(by_sigma)) == 3
    assert by_eta == sorted(by_eta, reverse=True) and len(set(by_eta)) == 3
    assert total("4", "0") == 500  # demand held
    # the demand fall is the CES price-index rise to the power -η: 500 · (0.7^(1/(1-4)))^-1
    assert total("4", "1") == pytest.approx(500 * 0.7 ** (1 / 3))


def test_band_spans_the_cited_range() -> None:
    r = supplier_shock(MARKET, {RUS: 1.0}, method="armington",
                       demand_elasticity=parse_range("0.5..2", "import_demand"))  # fmt: skip
    sig = elasticity("substitution")
    band = r.band.to_pylist()
    assert {b["sigma"] for b in band} == set(sig.grid()) and {b["eta"] for b in band} >= {0.5, 2}
    out = rows_of(r.suppliers)
    totals = [b["total_after"] for b in band]
    assert out[AUS]["after_low"] < out[AUS]["after_high"]
    assert min(totals) < max(totals)
    assert r.assumptions.sigma["sources"][0]["value"] == 8.4


def test_areas_nes_keep_their_quantity_and_stay_out_of_hhi() -> None:
    nes = 490  # "Other Asia, nes": imports of no identifiable supplier
    market = [*MARKET, {"supplier": nes, "value_usd": 100.0, "weight_kg": 50.0,
                        "is_country": False}]  # fmt: skip
    r = supplier_shock(market, {RUS: 1.0})
    out, s = rows_of(r.suppliers), r.summary.to_pylist()[0]
    assert out[nes]["weight_after"] == 50  # receives nothing
    # AUS, IND, CHN (350 kg) take the 150 kg lost in proportion: × (1 + 150/350)
    for code, w in ((AUS, 200), (IND, 100), (CHN, 50)):
        assert out[code]["weight_after"] == pytest.approx(w * (1 + 150 / 350))
    # HHI over countries, shares of the whole market (550 kg) — as `corridor concentration`
    assert s["hhi_before"] == pytest.approx(sum((w / 550) ** 2 for w in (150, 200, 100, 50)) * 1e4)
    assert s["top_supplier_before"] == AUS and s["top_share_before"] == pytest.approx(200 / 550)
    assert s["hhi_after"] == pytest.approx(
        sum((w * (1 + 150 / 350) / 550) ** 2 for w in (200, 100, 50)) * 1e4
    )
    assert any("n.e.s. (490)" in n for n in r.assumptions.notes)
    cut = supplier_shock(market, {nes: 1.0})  # an area can be cut when named
    assert rows_of(cut.suppliers)[AUS]["weight_after"] == pytest.approx(200 * (1 + 50 / 500))


def test_value_basis_moves_value_at_base_prices() -> None:
    """SMART's convention: value at base-year prices is the quantity; weights follow prices."""
    market = [  # unit values 2, 4 and 1 USD/kg
        {"supplier": RUS, "value_usd": 300.0, "weight_kg": 150.0},
        {"supplier": AUS, "value_usd": 400.0, "weight_kg": 100.0},
        {"supplier": IND, "value_usd": 100.0, "weight_kg": 100.0},
    ]
    r = supplier_shock(market, {RUS: 1.0}, basis="value")
    out, s = rows_of(r.suppliers), r.summary.to_pylist()[0]
    assert r.assumptions.basis == "value" and s["basis"] == "value"
    assert out[AUS]["value_after"] == pytest.approx(400 + 300 * 400 / 500)
    assert out[IND]["value_after"] == pytest.approx(100 + 300 * 100 / 500)
    assert out[AUS]["weight_after"] == pytest.approx(out[AUS]["value_after"] / 4)
    assert out[IND]["unit_value"] == pytest.approx(1.0)
    assert s["value_after"] == pytest.approx(800) and s["weight_after"] == pytest.approx(
        (400 + 240) / 4 + (100 + 60) / 1
    )
    by_weight = rows_of(supplier_shock(market, {RUS: 1.0}).suppliers)  # auto: weight
    assert by_weight[AUS]["weight_after"] == pytest.approx(100 + 150 * 100 / 200)
    with pytest.raises(InvalidQuery, match="basis weight: supplier 643 has no weight"):
        supplier_shock([{"supplier": RUS, "value_usd": 1.0}, {"supplier": AUS, "weight_kg": 2.0,
                        "value_usd": 1.0}], {RUS: 1.0}, basis="weight")  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"cuts": {999: 1.0}}, "unknown supplier 999"),
        ({"cuts": {RUS: 1.5}}, "cut 1.5 for supplier 643"),
        ({"cuts": {RUS: 0.0}}, "cut 0.0 for supplier 643"),
        ({"cuts": {}}, "no cut given"),
        ({"cuts": {RUS: 1.0}, "method": "magic"}, "method 'magic'"),
        ({"cuts": {RUS: 1.0}, "method": "armington",
          "sigma": parse_range("1", "substitution"),
          "demand_elasticity": parse_range("1", "import_demand")}, "σ 1 ≤ 1"),
    ],
)  # fmt: skip
def test_bad_inputs_give_one_line_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(InvalidQuery) as exc:
        supplier_shock(MARKET, **kwargs)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_negative_elasticity_and_bad_supplier_rows() -> None:
    with pytest.raises(InvalidQuery, match="must be ≥ 0"):
        parse_range("-2", "substitution")
    with pytest.raises(InvalidQuery, match="negative weight_kg -5"):
        supplier_shock([{"supplier": RUS, "weight_kg": -5.0}], {RUS: 1.0})
    with pytest.raises(InvalidQuery, match="supplier 643 appears twice"):
        supplier_shock([{"supplier": RUS, "weight_kg": 5.0}] * 2, {RUS: 1.0})


# -- real data -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def japan_7601_2017(shared_file) -> list[dict]:
    """Japan's 2017 HS 7601 imports by partner: net weight only (Comtrade via Milovanoff 2020)."""
    path = shared_file("real/hs7601_netweight_kg_2000_2017.csv")
    with path.open(encoding="utf-8") as fh:
        return [
            {"supplier": int(r["partner_code"]), "name": r["partner_iso3"] or None,
             "weight_kg": float(r["net_weight_kg"])}
            for r in csv.DictReader(fh)
            if r["year"] == "2017" and r["flow"] == "M" and r["reporter_code"] == "392"
        ]  # fmt: skip


def test_real_7601_weights_remove_russia(japan_7601_2017: list[dict]) -> None:
    weights = {r["supplier"]: r["weight_kg"] for r in japan_7601_2017}
    total, russia = sum(weights.values()), weights[RUS]
    assert len(weights) == 62 and russia == 622_459_000
    r = supplier_shock(japan_7601_2017, {RUS: 1.0}, method="armington", base_year=2017)
    a = r.assumptions
    assert a.method_used == "proportional" and not a.prices_known and a.basis == "weight"
    assert any("prices unknown" in n for n in a.notes)
    s = r.summary.to_pylist()[0]
    assert s["total_after"] == pytest.approx(total) and s["gap"] == 0
    assert s["value_before"] is None and s["value_after"] is None  # no prices: no values
    out = rows_of(r.suppliers)
    grow = 1 + russia / (total - russia)
    assert out[IND]["weight_after"] == pytest.approx(weights[IND] * grow)
    assert out[CHN]["weight_after"] == pytest.approx(weights[CHN] * grow)
    hhi = sum((w / total) ** 2 for w in weights.values()) * 10_000
    assert s["hhi_before"] == pytest.approx(hhi)
    assert s["top_supplier_before"] == RUS and s["top_supplier_after"] == CHN
    assert s["top_share_after"] == pytest.approx(weights[CHN] / (total - russia))
    with pytest.raises(InvalidQuery, match="needs prices"):
        supplier_shock(japan_7601_2017, {RUS: 1.0}, method="armington",
                       demand_elasticity=parse_range("1", "import_demand"))  # fmt: skip


def test_real_7601_australia_halved_with_capacity(japan_7601_2017: list[dict]) -> None:
    rows = [dict(r, headroom=1_000_000.0) if r["supplier"] == IND else r for r in japan_7601_2017]
    r = supplier_shock(rows, {AUS: 0.5})
    out = rows_of(r.suppliers)
    assert out[IND]["change"] == pytest.approx(1_000_000) and out[IND]["at_capacity"]
    assert out[AUS]["weight_after"] == pytest.approx(397_711_500 / 2)
    # the others (no limit given) take the rest in proportion to their 2017 weights
    weights = {x["supplier"]: x["weight_kg"] for x in japan_7601_2017}
    others = sum(w for c, w in weights.items() if c not in (AUS, IND))
    rest = 397_711_500 / 2 - 1_000_000
    assert out[CHN]["change"] == pytest.approx(rest * weights[CHN] / others)
    assert r.summary.to_pylist()[0]["gap"] == 0
    assert r.assumptions.capacity[CHN] == "no limit given"


@pytest.fixture(scope="module")
def south_africa_7601_2021(shared_file) -> list[dict]:
    """BACI (real, V202301): South Africa's HS 7601 exports 2021 by destination, USD and kg."""
    path = shared_file("real/baci/BACI_HS92_Y2021_V202301_exporters_AFG_ZAF.csv")
    out: dict[int, dict] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["i"] == "710" and r["k"].strip().startswith("7601"):
                q = r["q"].strip()
                row = out.setdefault(int(r["j"]), {"supplier": int(r["j"]), "value_usd": 0.0,
                                                   "weight_kg": 0.0})  # fmt: skip
                row["value_usd"] += float(r["v"]) * 1000
                row["weight_kg"] = None if q == "NA" or row["weight_kg"] is None else (
                    row["weight_kg"] + float(q) * 1000)  # fmt: skip
    return list(out.values())


def test_real_baci_values_export_side(south_africa_7601_2021: list[dict]) -> None:
    """The model read from the exporter's side: if the USA stops buying, where does it go?"""
    rows = south_africa_7601_2021
    assert all(r["weight_kg"] is not None for r in rows)  # 7601 rows all carry a quantity
    usa = next(r for r in rows if r["supplier"] == USA)
    total_kg = sum(r["weight_kg"] for r in rows)
    r = supplier_shock(rows, {USA: 1.0}, method="armington", base_year=2021,
                       demand_elasticity=parse_range("0.5..1", "import_demand"))  # fmt: skip
    assert r.assumptions.prices_known and r.assumptions.basis == "weight"
    s = r.summary.to_pylist()[0]
    share = usa["value_usd"] / sum(x["value_usd"] for x in rows)
    assert s["price_index_change"] == pytest.approx((1 - share) ** (1 / (1 - 8.4)) - 1)
    assert s["total_after"] < total_kg  # with η > 0 demand falls with the price index
    band = r.band.to_pylist()
    for eta in (0.5, 0.75, 1.0):
        run = sorted((b for b in band if b["eta"] == eta), key=lambda b: b["sigma"])
        falls = [b["price_index_change"] for b in run]
        assert falls == sorted(falls, reverse=True)  # more substitutable: a smaller rise
    out = rows_of(r.suppliers)
    jpn = next(x for x in rows if x["supplier"] == 392)
    assert out[392]["unit_value"] == pytest.approx(jpn["value_usd"] / jpn["weight_kg"])
    assert out[392]["value_after"] == pytest.approx(
        out[392]["weight_after"] * out[392]["unit_value"]
    )


def test_cited_elasticities() -> None:
    for name in ("substitution", "import_demand", "export_supply"):
        e = elasticity(name)
        assert e.low <= e.default <= e.high and e.sources
        assert all(s.url.startswith("https://") and s.checked in {"read", "recalled", "assumption"}
                   for s in e.sources)  # fmt: skip
    sigma = elasticity("substitution")
    assert (sigma.low, sigma.high) == (1.5, 8.4)
    assert {s.value for s in sigma.sources} == {1.5, 8.4}  # the range ends are cited values
    assert elasticity("import_demand").basis == "assumption"  # said so, not hidden
    assert math.isinf(elasticity("export_supply").default)
    with pytest.raises(InvalidQuery, match="unknown elasticity 'magic'"):
        elasticity("magic")
    assert parse_range("2..8", "substitution").grid() == [2.0, 3.5, 5.0, 6.5, 8.0]
