"""Every indicator on DuckDB and Spark with the same assertions (the ``engine`` fixture)."""

from __future__ import annotations

import math

import pytest

from corridor.analytics import concentration as conc
from corridor.analytics import growth, mirror, mix, prices, quality, scrap, specialisation
from corridor.analytics.scope import Scope, bilateral, market_flows
from corridor.analytics.suppliers import position, rank_change, supplier_counts, supplier_table

JPN, IND, AUS, CHN, RUS, NES, WORLD = 392, 699, 36, 156, 643, 899, 0
approx = lambda x: pytest.approx(x, rel=1e-9, abs=1e-12)  # noqa: E731


def rows(expr, *order):
    return expr.order_by(list(order)).to_pyarrow().to_pylist() if order else (
        expr.to_pyarrow().to_pylist())  # fmt: skip


def m(year, partner, value, weight=None, **kw):
    return {"year": year, "reporter": JPN, "partner": partner, "value_usd": value,
            "net_weight_kg": weight, **kw}  # fmt: skip


def flows(t, **kw):
    return market_flows(t, Scope(JPN, ("7601",), **kw))


def test_ranks_ties_aggregates_and_reexports(load) -> None:
    t = load([
        m(2020, AUS, 100.0, 50.0), m(2020, IND, 100.0, 40.0), m(2020, CHN, 50.0, 40.0),
        m(2020, NES, 50.0, 10.0), m(2020, WORLD, 300.0, 140.0),
        m(2020, RUS, 999.0, flow="RM"),  # re-import: not in the classic M flow
        m(2020, RUS, 999.0, partner2=IND),  # a partner2 breakdown: not a classic total
        m(2020, 251, None, 5.0),  # France: weight only
    ])  # fmt: skip
    s = supplier_table(flows(t))
    got = {r["supplier"]: r for r in rows(s)}
    assert WORLD not in got and RUS not in got
    assert [got[c]["rank"] for c in (AUS, IND, CHN, NES, 251)] == [1, 1, 3, None, None]
    assert got[AUS]["share"] == approx(100 / 300) and got[NES]["share"] == approx(50 / 300)
    assert got[251]["share"] is None and got[AUS]["market_total"] == approx(300.0)
    (c,) = rows(supplier_counts(s))
    assert c["n_suppliers"] == 3 and c["aggregate_share"] == approx(50 / 300)
    w = {r["supplier"]: r for r in rows(supplier_table(flows(t), "weight"))}
    assert [w[c]["rank"] for c in (AUS, IND, CHN, 251)] == [1, 2, 2, 4]


def test_rank_change_and_position(load) -> None:
    t = load([
        m(2020, AUS, 300.0), m(2020, IND, 100.0), m(2020, CHN, 200.0),
        m(2021, AUS, 300.0), m(2021, IND, 250.0), m(2021, CHN, 200.0),
        m(2022, AUS, 300.0),
    ])  # fmt: skip
    s = supplier_table(flows(t))
    ind = [r for r in rows(rank_change(s), "year") if r["supplier"] == IND]
    assert [(r["rank"], r["prev_rank"], r["rank_change"]) for r in ind] == [
        (3, None, None), (2, 3, 1)]  # fmt: skip
    assert ind[1]["share_change"] == approx(250 / 750 - 100 / 600)
    p = rows(position(s, IND), "year")
    assert [r["year"] for r in p] == [2020, 2021, 2022]
    assert p[0]["gap_to_next_rank"] == approx(100.0) and p[0]["lead_over_next"] is None
    assert p[1]["gap_to_next_rank"] == approx(50.0) and p[1]["lead_over_next"] == approx(50.0)
    assert p[2]["rank"] is None and p[2]["n_suppliers"] == 1


def test_rank_change_needs_the_year_just_before(load) -> None:
    """A supplier absent the year before has no previous rank, even if it ranked earlier."""
    t = load([
        m(2019, RUS, 50.0), m(2019, AUS, 100.0),
        m(2020, AUS, 100.0),
        m(2021, RUS, 200.0), m(2021, AUS, 100.0),
    ])  # fmt: skip
    got = {(r["year"], r["supplier"]): r for r in rows(rank_change(supplier_table(flows(t))))}
    assert got[(2021, RUS)]["prev_rank"] is None and got[(2021, RUS)]["share_change"] is None
    assert (got[(2021, AUS)]["prev_rank"], got[(2021, AUS)]["rank_change"]) == (1, -1)
    assert got[(2021, AUS)]["share_change"] == approx(100 / 300 - 1.0)
    assert len(got) == 5


def test_concentration_single_supplier_and_known_shares(load) -> None:
    t = load([
        m(2020, AUS, 500.0), m(2020, IND, 300.0), m(2020, CHN, 200.0), m(2020, WORLD, 1000.0),
        m(2021, AUS, 80.0),
        m(2022, AUS, 0.0), m(2022, IND, 0.0),
    ])  # fmt: skip
    s = supplier_table(flows(t))
    got = {r["year"]: r for r in rows(conc.concentration(s, top_n=2), "year")}
    assert got[2020]["hhi"] == approx(3800.0)
    assert (got[2020]["top1_share"], got[2020]["top3_share"]) == (approx(0.5), approx(1.0))
    assert got[2020]["topn_share"] == approx(0.8) and got[2020]["n_for_90"] == 3
    assert got[2021]["hhi"] == approx(10_000.0) and got[2021]["n_for_90"] == 1
    assert got[2021]["hhi_change"] == approx(6200.0)
    assert 2022 not in got  # zero market: shares are NULL (nullif), nothing to concentrate
    g = rows(conc.group_shares(s, {"quad": {AUS, IND, 842, JPN}, "none": {1}}), "year", "group")
    assert [(r["group"], r["share"], r["members"]) for r in g if r["year"] == 2020] == [
        ("none", 0.0, 0), ("quad", approx(0.8), 2)]  # fmt: skip


def test_growth(load) -> None:
    t = load([
        m(2020, AUS, 100.0), m(2020, IND, 100.0),
        m(2021, AUS, 150.0), m(2021, IND, 90.0), m(2021, CHN, 10.0),
        m(2022, AUS, 121.0),
    ])  # fmt: skip
    s = supplier_table(flows(t)).select("year", "supplier", "value")
    y = {(r["year"], r["supplier"]): r for r in rows(growth.yoy(s, "value", ["supplier"]))}
    assert y[(2021, AUS)]["yoy_value"] == approx(0.5) and y[(2020, AUS)]["yoy_value"] is None
    assert y[(2021, CHN)]["prev_value"] is None
    c = {r["supplier"]: r for r in rows(growth.cagr(s, "value", 2020, 2022, ["supplier"]))}
    assert c[AUS]["cagr_value"] == approx(0.1) and c[IND]["cagr_value"] is None
    assert c[CHN]["cagr_value"] is None
    i = {(r["year"], r["supplier"]): r for r in rows(growth.index(s, "value", 2020, ["supplier"]))}
    assert i[(2022, AUS)]["index_value"] == approx(121.0) and i[(2021, CHN)]["index_value"] is None
    contrib = rows(growth.contribution(s, "value", "supplier"))
    by_year: dict[int, float] = {}
    for r in contrib:
        by_year[r["year"]] = by_year.get(r["year"], 0) + r["contribution"]
    assert by_year[2021] == approx(250 / 200 - 1) and by_year[2022] == approx(121 / 250 - 1)
    assert {r["year"] for r in contrib} == {2021, 2022}


def test_prices_outliers_and_premium(load) -> None:
    uvs = {AUS: 2.0, CHN: 2.1, RUS: 1.9, 842: 2.05, 124: 9.0, IND: 1.8}
    data = [m(2020, c, uv * 1000, 1000.0, hs_code="760110") for c, uv in uvs.items()]
    data += [
        m(2020, IND, 500.0, None, hs_code="760110"),  # value only: not in the UV
        m(2020, 251, None, 300.0, hs_code="760110"),
    ]  # weight only
    t = load(data)
    uv = prices.unit_values(flows(t))
    got = {r["supplier"]: r for r in rows(uv)}
    assert got[IND]["unit_value"] == approx(1.8) and got[IND]["value"] == approx(2300.0)
    assert got[IND]["rows_value_only"] == 1 and got[251]["unit_value"] is None
    assert got[251]["rows_weight_only"] == 1
    out = {r["supplier"]: r for r in rows(prices.unit_value_outliers(uv))}
    assert [c for c, r in out.items() if r["is_outlier"]] == [124]
    (p,) = rows(prices.price_premium(uv, IND))
    assert p["median_uv"] == approx(2.025)
    assert p["premium_vs_median"] == approx(1.8 / 2.025 - 1)


def test_mirror(load) -> None:
    def x(year, reporter, value, hs="760110"):
        return {"year": year, "reporter": reporter, "partner": JPN, "flow": "X",
                "value_usd": value, "hs_code": hs}  # fmt: skip

    t = load([
        m(2020, IND, 105.0, hs_code="760110"), x(2020, IND, 100.0),
        m(2021, IND, 150.0, hs_code="760110"), x(2021, IND, 100.0),
        m(2021, AUS, 50.0, hs_code="760110"),
        x(2021, CHN, 70.0), m(2021, NES, 5.0, hs_code="760110"),
    ])  # fmt: skip
    got = {(r["year"], r["exporter"]): r for r in rows(mirror.mirror_flows(t, importer=JPN))}
    assert set(got) == {(2020, IND), (2021, IND), (2021, AUS), (2021, CHN)}
    ok, high = got[(2020, IND)], got[(2021, IND)]
    assert ok["cif_fob_ratio"] == approx(1.05) and ok["flag"] is None and ok["gap_usd"] == 5
    assert high["flag"] == "ratio above bounds"
    assert got[(2021, AUS)]["missing_side"] == "exporter"
    assert got[(2021, CHN)]["missing_side"] == "importer"
    assert got[(2021, CHN)]["flag"] == "missing importer report"


def test_mix(load) -> None:
    t = load([
        m(2020, AUS, 60.0, hs_code="760110"), m(2020, IND, 20.0, hs_code="760120"),
        m(2020, CHN, 20.0, hs_code="760611"), m(2020, WORLD, 100.0, hs_code="760110"),
    ])  # fmt: skip
    f = market_flows(t, Scope(JPN, ("76",)))
    by4 = {r["product"]: r for r in rows(mix.product_mix(f, 4))}
    assert by4["7601"]["share"] == approx(0.8) and by4["7606"]["rank"] == 2
    (ch,) = rows(mix.product_mix(f, 2))
    assert ch["product"] == "76" and ch["share"] == approx(1.0)
    e = {r["hs_code"]: r for r in rows(mix.exporter_product_shares(f, IND))}
    assert e["760120"]["share"] == approx(1.0) and e["760120"]["rank"] == 1
    assert e["760110"]["amount"] == 0 and e["760110"]["rank"] is None


def test_mix_exporter_rank_counts_the_countries_ahead(load) -> None:
    """The exporter's rank in a line is rank() among countries: ties share it, values are
    compared rounded, n.e.s. areas and weight-only rows are not ahead of anyone."""
    t = load([
        m(2020, AUS, 50.0, hs_code="760110"), m(2020, CHN, 30.0, hs_code="760110"),
        m(2020, RUS, 30.004, hs_code="760110"),  # ties with India once rounded to cents
        m(2020, IND, 30.0, hs_code="760110"), m(2020, NES, 90.0, hs_code="760110"),
        m(2020, 251, None, 5.0, hs_code="760110"),  # France: weight only
        m(2020, IND, 10.0, hs_code="760120"), m(2020, AUS, 10.0, hs_code="760120"),
        m(2020, AUS, 10.0, hs_code="760611"),
    ])  # fmt: skip
    f = market_flows(t, Scope(JPN, ("76",)))
    e = {r["hs_code"]: r for r in rows(mix.exporter_product_shares(f, IND))}
    assert (e["760110"]["rank"], e["760110"]["n_suppliers"]) == (2, 4)
    assert e["760110"]["amount"] == approx(30.0) and e["760110"]["market"] == approx(230.004)
    assert e["760110"]["share"] == approx(30.0 / 230.004)
    assert (e["760120"]["rank"], e["760120"]["share"]) == (1, approx(0.5))
    assert (e["760611"]["rank"], e["760611"]["amount"], e["760611"]["share"]) == (None, 0, 0)
    ranks = {r["hs_code"]: r["rank"] for r in rows(supplier_table(f, by=("year", "hs_code")))
             if r["supplier"] == IND}  # fmt: skip
    assert {k: v["rank"] for k, v in e.items() if k in ranks} == ranks


def test_scrap_balance(load) -> None:
    t = load([
        {"year": 2020, "reporter": JPN, "partner": WORLD, "flow": "X", "hs_code": "7602",
         "value_usd": 300.0, "net_weight_kg": 200.0},
        {"year": 2020, "reporter": JPN, "partner": 410, "flow": "X", "hs_code": "7602",
         "value_usd": 299.0, "net_weight_kg": 199.0},  # World row wins over the partners
        m(2020, CHN, 50.0, 40.0, hs_code="7602"), m(2020, IND, 60.0, 60.0, hs_code="7602"),
        m(2020, AUS, 1000.0, 400.0, hs_code="7601"),
    ])  # fmt: skip
    (r,) = rows(scrap.scrap_balance(t, JPN))
    assert r["scrap_exports_kg"] == approx(200.0) and r["scrap_imports_kg"] == approx(100.0)
    assert r["net_scrap_kg"] == approx(100.0) and r["net_scrap_usd"] == approx(190.0)
    assert r["scrap_to_primary_imports"] == approx(0.25)
    assert r["scrap_to_primary_exports"] is None


def test_specialisation(load) -> None:
    def x(exp, imp, hs, v):
        return {"year": 2020, "reporter": exp, "partner": imp, "flow": "X", "hs_code": hs,
                "value_usd": v}  # fmt: skip

    t = load([x(IND, JPN, "7601", 80.0), x(IND, JPN, "7602", 20.0),
              x(AUS, JPN, "7601", 100.0), x(AUS, 410, "7601", 100.0),
              x(CHN, 410, "7606", 100.0)])  # fmt: skip
    f = bilateral(t, side="exporter")
    r = {(r["exporter"], r["hs_code"]): r["rca"] for r in rows(specialisation.rca(f))}
    assert r[(IND, "7602")] == approx((20 / 100) / (20 / 400))
    assert r[(IND, "7601")] == approx((80 / 100) / (280 / 400))
    (tci,) = rows(specialisation.complementarity(f, IND, JPN))
    # Japan imports: 7601 180/200, 7602 20/200; India exports 0.8 / 0.2
    assert tci["tci"] == approx(100 * (1 - (abs(0.9 - 0.8) + abs(0.1 - 0.2)) / 2))
    (esi,) = rows(specialisation.export_similarity(f, IND, AUS))
    assert esi["esi"] == approx(80.0)
    (none,) = rows(specialisation.export_similarity(f, IND, CHN))
    assert none["esi"] == approx(0.0)


def test_quality_findings_name_their_rows(load) -> None:
    t = load([
        m(2020, AUS, 100.0, 50.0, raw_ref="a", raw_row=1),
        m(2020, IND, 100.0, None, raw_ref="a", raw_row=2),
        m(2020, WORLD, 250.0, 50.0, raw_ref="a", raw_row=3),
        m(2021, AUS, 100.0, 50.0, raw_ref="b", raw_row=1),
        m(2021, WORLD, 100.0, 50.0, raw_ref="b", raw_row=2),
        *[m(2021, AUS, 8.0, 4.0, freq="M", period=f"2021{mm:02d}", raw_ref="c", raw_row=mm)
          for mm in range(1, 13)],
    ])  # fmt: skip
    found = rows(quality.findings(t, importer=JPN, hs=["7601"]), "check", "year")
    checks = {(r["check"], r["year"]): r for r in found}
    w = checks[("world_vs_partners", 2020)]
    assert (w["expected"], w["observed"]) == (approx(250.0), approx(200.0))
    assert sorted(w["refs"]) == ["a:1", "a:2", "a:3"]
    assert ("world_vs_partners", 2021) not in checks
    mw = checks[("missing_weight", 2020)]
    assert mw["refs"] == ["a:2"] and mw["observed"] == approx(100.0)
    am = checks[("annual_vs_months", 2021)]
    assert am["observed"] == approx(96.0) and am["expected"] == approx(100.0)
    assert len(am["refs"]) == 13


def test_sample_corridor_figures(load, sample_table) -> None:
    """India's 2024 HS 76 value and rank in Japan match the published figures on both engines."""
    t = load(sample_table)
    s = supplier_table(market_flows(t, Scope(JPN, ("76",), years=(2023, 2024))))
    (ind,) = rows(s.filter((s.supplier == IND) & (s.year == 2024)))
    assert ind["value"] == pytest.approx(337e6, rel=0.005)
    assert 2 <= ind["rank"] <= 4
    cc = rows(conc.concentration(s), "year")
    assert all(0 < r["hhi"] < 10_000 and not math.isnan(r["hhi"]) for r in cc)
