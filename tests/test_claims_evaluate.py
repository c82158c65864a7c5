"""Verdicts: the sample corridor, tolerance edges, ties, missing years, and the real HS 7601
net-weight panel checked against an independent pandas computation — every reading run
through the session on a read-only catalog."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.services.claims import Checker, Tolerances, Verdict, parse_claim
from corridor.store.catalog import Catalog
from corridor.store.warehouse import Warehouse

PANEL = "real/hs7601_netweight_kg_2000_2017.csv"


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory, make_sample) -> Path:
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample(sample_wh: Path):
    with Catalog(sample_wh) as cat:
        yield Checker(cat)


def _table_wh(path: Path, csv_path: Path, dataset: str) -> None:
    from corridor.services.loading import load_files
    from corridor.sources.table import TableSpec

    spec = TableSpec(
        mapping={"year": "year", "reporter": "reporter_code", "partner": "partner_code",
                 "flow": "flow", "net_weight": "net_weight_kg"},
        constants={"hs_code": "7601", "hs_rev": "H0"}, dataset=dataset, source="comtrade",
    )  # fmt: skip
    with Warehouse(path) as wh:
        load_files(wh, [csv_path], "table", spec=spec)


@pytest.fixture(scope="module")
def panel_wh(tmp_path_factory, shared_data: Path) -> Path:
    path = tmp_path_factory.mktemp("panel") / "p.duckdb"
    _table_wh(path, shared_data / PANEL, "jie2020-hs7601")
    return path


@pytest.fixture(scope="module")
def panel(panel_wh: Path):
    with Catalog(panel_wh) as cat:
        yield Checker(cat)


@pytest.fixture(scope="module")
def expected(shared_data: Path) -> pd.DataFrame:
    """Importer-reported (flow M) weights by importer, year, partner — plain pandas."""
    from corridor.analytics.scope import aggregate_partners

    df = pd.read_csv(shared_data / PANEL)
    df = df[(df.flow == "M") & (df.partner_code != 0)]
    g = df.groupby(["reporter_code", "year", "partner_code"], as_index=False)["net_weight_kg"].sum()
    g["total"] = g.groupby(["reporter_code", "year"])["net_weight_kg"].transform("sum")
    g["share"] = g.net_weight_kg / g.total
    c = g[~g.partner_code.isin(aggregate_partners())].copy()
    c["rank"] = c.groupby(["reporter_code", "year"])["net_weight_kg"].rank(
        method="min", ascending=False
    )
    return c


def primary(result):
    """The finding the verdict rests on (exactly one is marked)."""
    (f,) = [f for f in result.findings if f.interpretation.primary]
    return f


def literal(result):
    """The most literal reading."""
    (f,) = [f for f in result.findings if f.interpretation.literal]
    return f


# -- the sample corridor (synthetic) -----------------------------------------------------------
def test_journey_claims_hold_on_the_sample(sample: Checker) -> None:
    r = sample.check(
        parse_claim(
            "Japan's aluminium imports from India touched approximately $337 million in 2024"
        )
    )
    f = primary(r)
    assert r.verdict is Verdict.supported and r.synthetic
    assert f.interpretation.hs == ["76"] and f.interpretation.side == "importer"
    assert f.figure == pytest.approx(337e6) and f.unit == "USD" and f.tolerance == 0.05
    assert f.provenance.synthetic and list(f.provenance.value_basis) == ["CIF"]
    assert list(f.provenance.datasets) == ["sample"] and f.provenance.hs_level == 6
    assert f is literal(r) and f.provenance.years == (2024, 2024)
    # every reading is shown: 3 HS scopes x (Japan's report + India's mirror report as a note)
    assert len(r.findings) == 6 and sum(x.interpretation.primary for x in r.findings) == 1
    assert [x.interpretation.role for x in r.findings].count("note") == 3
    r = sample.check(
        parse_claim("India is among the top four exporters of aluminium to Japan in 2024")
    )
    assert r.verdict is Verdict.supported and primary(r).figure <= 4


@pytest.mark.parametrize(
    ("claimed", "verdict"),
    [("$353.8 million", Verdict.supported), ("$321 million", Verdict.supported),
     ("$355 million", Verdict.contradicted), ("$320 million", Verdict.contradicted)],
)  # fmt: skip
def test_about_is_plus_minus_five_percent(sample: Checker, claimed: str, verdict) -> None:
    text = f"Japan's imports of aluminium from India were about {claimed} in 2024"
    assert literal(sample.check(parse_claim(text))).verdict is verdict


def test_tolerance_is_configurable_and_exact_is_one_percent(sample_wh: Path) -> None:
    claim = parse_claim("Japan's imports of aluminium from India were about $355 million in 2024")
    with Catalog(sample_wh) as cat:
        assert literal(Checker(cat, Tolerances(about=0.10)).check(claim)).verdict is (
            Verdict.supported
        )
        exact = Checker(cat)
        for amount, verdict in (("340", Verdict.supported), ("341", Verdict.contradicted)):
            c = parse_claim(f"Japan's imports of aluminium from India were ${amount} million "
                            "in 2024 (CIF)")  # fmt: skip
            f = primary(exact.check(c))
            assert (f.verdict, f.tolerance) == (verdict, 0.01)


def test_interpretations_that_disagree_give_ambiguous(sample: Checker) -> None:
    # chapter 76 (USD 337 M) is not under 300 M, but HS 7601 alone is.
    r = sample.check(
        parse_claim("Japan's imports of aluminium from India were under $300 million in 2024")
    )
    assert r.verdict is Verdict.ambiguous
    assert primary(r).verdict is Verdict.contradicted and primary(r) is literal(r)
    assert any(f.verdict is Verdict.supported and f.interpretation.hs == ["7601"]
               for f in r.findings)  # fmt: skip
    # pinning the HS scope removes the ambiguity
    r = sample.check(
        parse_claim(
            "Japan's imports of aluminium (HS 76) from India were under "
            "$300 million in 2024 according to Japan's customs data"
        )
    )
    assert r.verdict is Verdict.contradicted and len(r.findings) == 1


def test_years_without_data_are_unverifiable(sample: Checker) -> None:
    for text in (
        "Japan's imports of aluminium from India were about $500 million in 2030",
        "India is among the top four exporters of aluminium to Japan in 2012",
        "Japan's imports of aluminium from India rose by 10 % in 2015",
    ):
        r = sample.check(parse_claim(text))
        assert r.verdict is Verdict.unverifiable, text
        assert all(f.verdict is Verdict.unverifiable for f in r.findings)
        assert "no data for" in r.reason


def test_latest_year_is_said(sample: Checker) -> None:
    r = sample.check(parse_claim("India is Japan's 4th largest supplier of aluminium by value"))
    i = primary(r).interpretation
    assert (i.year, i.year_source, i.measure) == (2024, "latest year with data", "value")
    assert r.verdict is Verdict.supported and len(r.findings) == 6


def test_ties_share_the_lower_rank(tmp_path: Path) -> None:
    # five supplying countries (China and Korea small), so ranks and shares are of a market
    csv_path = tmp_path / "ties.csv"
    csv_path.write_text(
        "year,reporter_code,partner_code,flow,net_weight_kg\n"
        "2020,392,36,M,100\n2020,392,699,M,100\n2020,392,643,M,50\n2020,392,899,M,485\n"
        "2020,392,156,M,10\n2020,392,410,M,5\n2020,392,0,M,750\n"
    )
    _table_wh(tmp_path / "t.duckdb", csv_path, "ties")
    with Catalog(tmp_path / "t.duckdb") as cat:
        check = Checker(cat).check
        r = check(parse_claim("India is Japan's largest supplier of unwrought aluminium by weight "
                              "in 2020"))  # fmt: skip
        f = primary(r)
        assert f.verdict is Verdict.supported and f.figure == 1
        assert f.details["tied_with"] == ["Australia"] and f.details["ahead"] == 0
        # n.e.s. (899) is larger than everyone but never ranked; Russia is third, not second
        r = check(parse_claim("Russia is Japan's 3rd largest supplier of primary aluminium by "
                              "weight in 2020"))  # fmt: skip
        assert primary(r).figure == 3 and r.verdict is Verdict.supported
        # shares include n.e.s. in the total (750 kg)
        r = check(parse_claim("India accounts for about 13.3 % of Japan's unwrought aluminium "
                              "imports by weight in 2020"))  # fmt: skip
        assert primary(r).figure == pytest.approx(100 / 750) and r.verdict is Verdict.supported


# -- the real HS 7601 net-weight panel ---------------------------------------------------------
def test_value_claims_on_a_weight_only_panel_are_unverifiable(panel: Checker) -> None:
    r = panel.check(parse_claim("Japan's imports of unwrought aluminium from Australia were "
                                "about $1 billion in 2017"))  # fmt: skip
    assert r.verdict is Verdict.unverifiable
    assert "value is NULL" in primary(r).reason


def test_weight_claims_match_pandas(panel: Checker, expected: pd.DataFrame) -> None:
    for iso, code, year in (("AUS", 36, 2017), ("RUS", 643, 2010), ("IND", 699, 2016)):
        sel = expected[(expected.reporter_code == 392) & (expected.year == year)]
        kg = float(sel[sel.partner_code == code].net_weight_kg.iloc[0])
        what = f"tonnes of unwrought aluminium from {iso} in {year}"
        text = f"Japan imported about {kg / 1e3:,.0f} {what}"
        r = panel.check(parse_claim(text))
        f = primary(r)
        assert f.figure == pytest.approx(kg, rel=1e-12) and f.unit == "kg"
        assert f.verdict is Verdict.supported and not r.synthetic
        assert list(f.provenance.sources) == ["comtrade"] and list(f.provenance.value_basis) == []
        off = f"Japan imported about {kg * 1.2 / 1e3:,.0f} {what}"
        assert primary(panel.check(parse_claim(off))).verdict is Verdict.contradicted


def test_ranks_by_weight_match_pandas(panel: Checker, expected: pd.DataFrame) -> None:
    from corridor.reference.countries import country_by_code

    for importer, year in ((392, 2017), (842, 2005), (410, 2012), (276, 2000)):
        m = expected[(expected.reporter_code == importer) & (expected.year == year)]
        m = m.sort_values("rank")
        for _, row in m.head(4).iterrows():
            exp_name = country_by_code(int(row.partner_code)).iso3
            imp_name = country_by_code(importer).iso3
            rank = int(row["rank"])
            r = panel.check(
                parse_claim(
                    f"{exp_name} is {imp_name}'s {rank}th largest supplier of unwrought aluminium "
                    f"by weight in {year} according to {imp_name}'s data"
                )
            )
            assert len(r.findings) == 1
            assert (r.verdict, primary(r).figure) == (Verdict.supported, rank)
            r = panel.check(
                parse_claim(
                    f"{exp_name} is among the top {max(rank - 1, 1)} suppliers of unwrought "
                    f"aluminium to {imp_name} by weight in {year} according to {imp_name}'s data"
                )
            )
            assert r.verdict is (Verdict.supported if rank == 1 else Verdict.contradicted)


def test_shares_and_concentration_match_pandas(panel: Checker, expected: pd.DataFrame) -> None:
    from corridor.reference.countries import country_by_code

    m = expected[(expected.reporter_code == 392) & (expected.year == 2015)]
    top = m.sort_values("net_weight_kg", ascending=False).iloc[0]
    pct = top.share * 100
    iso = country_by_code(int(top.partner_code)).iso3
    r = panel.check(
        parse_claim(
            f"{iso} accounts for about {pct:.1f} % of Japan's unwrought aluminium imports by "
            "weight in 2015 according to Japan's statistics"
        )
    )
    assert primary(r).figure == pytest.approx(top.share, rel=1e-9)
    assert r.verdict is Verdict.supported
    r = panel.check(
        parse_claim(
            f"Japan depends on a single supplier for more than {pct - 1:.0f} % of its unwrought "
            "aluminium imports by weight in 2015 (CIF)"
        )
    )
    assert r.verdict is Verdict.supported and primary(r).figure == pytest.approx(top.share)
    r = panel.check(
        parse_claim(
            f"Japan depends on a single supplier for more than {pct + 1:.0f} % of its unwrought "
            "aluminium imports by weight in 2015 (CIF)"
        )
    )
    assert r.verdict is Verdict.contradicted


def test_change_matches_pandas(panel: Checker, expected: pd.DataFrame) -> None:
    s = expected[(expected.reporter_code == 392) & (expected.partner_code == 699)]
    s = s.set_index("year").net_weight_kg
    yoy = s[2016] / s[2015] - 1
    r = panel.check(
        parse_claim(
            f"Japan's unwrought aluminium imports from India rose by about {yoy * 100:.0f} % in "
            "2016 by weight according to Japan's data"
        )
    )
    assert primary(r).figure == pytest.approx(yoy, rel=1e-12)
    assert r.verdict is Verdict.supported


def test_broad_aluminium_on_the_panel_skips_the_chapter(panel: Checker) -> None:
    r = panel.check(parse_claim("Australia is among the top three suppliers of aluminium to Japan "
                                "by weight in 2017"))  # fmt: skip
    chapter = [f for f in r.findings if f.interpretation.hs == ["76"]]
    assert chapter and all(f.verdict is Verdict.unverifiable for f in chapter)
    assert "no chapter total" in chapter[0].reason
    assert r.verdict is Verdict.supported
    r = panel.check(parse_claim("Japan imported about 1,000 tonnes of unwrought aluminium from "
                                "India in 2019"))  # fmt: skip
    assert r.verdict is Verdict.unverifiable and "2000–2017" in r.reason


# -- issue 10 §3: honest readings ----------------------------------------------------------------
def _sql(path: Path, sql: str) -> float:
    """One figure computed straight from the warehouse file (independent of corridor's code)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return float(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def _corridor_value(path: Path, year: int, flow: str = "M") -> float:
    if flow == "M":
        who = "flow = 'M' AND reporter = 392 AND partner = 699"
    else:
        who = "flow = 'X' AND reporter = 699 AND partner = 392"
    return _sql(path, f"SELECT sum(value_usd) FROM trade WHERE {who} AND year = {year} "
                      "AND starts_with(hs_code, '76')")  # fmt: skip


def test_x_imports_pins_x_report_and_the_mirror_is_a_note(sample: Checker, sample_wh) -> None:
    japan, india = _corridor_value(sample_wh, 2024), _corridor_value(sample_wh, 2024, "X")
    assert abs(japan / india - 1) > 0.06  # the two reports differ by more than "about" (5 %)
    # a claim about Japan's imports with India's figure: Japan's report decides, India's is a note
    r = sample.check(parse_claim(f"Japan's imports of aluminium from India were about "
                                 f"${india / 1e6:.1f} million in 2024"))  # fmt: skip
    notes = [f for f in r.findings if f.interpretation.role == "note"]
    assert r.verdict is Verdict.contradicted and primary(r).interpretation.side == "importer"
    assert primary(r).figure == pytest.approx(japan)
    assert notes and all(f.interpretation.side == "exporter" for f in notes)
    chapter_note = next(f for f in notes if f.interpretation.hs == ["76"])
    assert chapter_note.verdict is Verdict.supported and chapter_note.figure == pytest.approx(india)
    assert "shown as a note" in r.reason
    # "Japan imported" reads the same side
    r = sample.check(parse_claim(f"Japan imported aluminium worth about ${japan / 1e6:.0f} "
                                 "million from India in 2024"))  # fmt: skip
    assert r.verdict is Verdict.supported and primary(r).interpretation.side == "importer"
    # and "India's exports" pins India's own report: Japan's is the note
    r = sample.check(parse_claim(f"India's exports of aluminium to Japan were about "
                                 f"${india / 1e6:.1f} million in 2024"))  # fmt: skip
    assert r.verdict is Verdict.supported and primary(r).interpretation.side == "exporter"
    assert primary(r).figure == pytest.approx(india)
    assert {f.interpretation.side for f in r.findings if f.interpretation.role == "note"} == {
        "importer"
    }
    # a rank names no one's report: both sides stay readings
    r = sample.check(parse_claim("India is Japan's 4th largest supplier of aluminium by value"))
    assert all(f.interpretation.role == "reading" for f in r.findings)


CLAIMS = [
    "Japan's aluminium imports from India touched approximately $337 million in 2024",
    "Japan's imports of aluminium from India were under $300 million in 2024",
    "Japan's imports of aluminium from India were about $500 million in 2030",
    "India is among the top four exporters of aluminium to Japan in 2024",
    "India is Japan's largest supplier of aluminium",
    "Japan's imports of aluminium from India rose by 10 % in 2024",
    "China accounts for about 26 % of Japan's aluminium imports in 2024",
    "Most of Japan's aluminium imports come from China",
    "Japan's aluminium imports from India doubled between 2015 and 2024",
]


@pytest.mark.parametrize("text", CLAIMS)
def test_the_primary_reading_is_the_one_the_reason_names(sample: Checker, text: str) -> None:
    from corridor.services.claims.readings import short

    r = sample.check(parse_claim(text))
    p = primary(r)
    assert p.interpretation.role == "reading"
    assert short(p.interpretation) in r.reason
    if r.verdict is Verdict.ambiguous:
        assert p is literal(r)
    else:
        assert p.verdict is r.verdict


def test_verdict_on_a_narrower_scope_says_so(panel: Checker) -> None:
    r = panel.check(parse_claim("Australia is among the top three suppliers of aluminium to Japan "
                                "by weight in 2017"))  # fmt: skip
    p = primary(r)
    # the literal reading (chapter 76) has no data; the verdict rests on heading 7601 and says so
    assert r.verdict is Verdict.supported and p.interpretation.hs == ["7601"]
    assert not literal(r).interpretation.primary and literal(r).interpretation.hs == ["76"]
    assert "rests on HS 7601 (unwrought aluminium) only" in r.reason
    assert "narrower than HS 76" in r.reason and "only heading(s) 7601 of chapter 76" in r.reason
    assert p.provenance.hs_covered == "HS 7601"


def test_partial_chapter_coverage_is_said(tmp_path: Path) -> None:
    from corridor.reference.hs import chapter_headings, hs_codes

    headings = sorted({c.code for c in hs_codes("H6") if c.level == 4 and c.code[:2] == "76"})
    kept = headings[: len(headings) // 2 + 1]  # a majority of the headings, not all
    rows = ["year,reporter_code,partner_code,flow,hs_code,value"]
    rows += [f"2020,392,699,M,{h},{100 + i}" for i, h in enumerate(kept)]
    (tmp_path / "part.csv").write_text("\n".join(rows) + "\n")
    from corridor.services.loading import load_files
    from corridor.sources.table import TableSpec

    spec = TableSpec(mapping={"year": "year", "reporter": "reporter_code",
                              "partner": "partner_code",
                              "flow": "flow", "hs_code": "hs_code", "value": "value"},
                     constants={"hs_rev": "H6"}, dataset="part", source="comtrade",
                     value_basis="CIF")  # fmt: skip
    with Warehouse(tmp_path / "p.duckdb") as wh:
        load_files(wh, [tmp_path / "part.csv"], "table", spec=spec)
    total = sum(100 + i for i in range(len(kept)))
    with Catalog(tmp_path / "p.duckdb") as cat:
        r = Checker(cat).check(parse_claim(f"Japan's imports of aluminium (HS 76) from India were "
                                           f"${total} in 2020"))  # fmt: skip
    assert r.verdict is Verdict.supported and primary(r).figure == total
    assert f"HS 76 ({len(kept)} of {chapter_headings('76')} headings have rows)" in r.reason


def test_common_phrasings_are_answered(sample: Checker, sample_wh: Path) -> None:
    # "doubled between 2019 and 2024": x_2024 / x_2019 - 1 on Japan's report (independent SQL)
    growth = _corridor_value(sample_wh, 2024) / _corridor_value(sample_wh, 2019) - 1
    r = sample.check(parse_claim("Japan's aluminium imports from India doubled between 2019 and "
                                 "2024"))  # fmt: skip
    f = literal(r)
    assert f.figure == pytest.approx(growth, rel=1e-12)
    assert (f.interpretation.since, f.interpretation.year) == (2019, 2024)
    assert f.verdict is (Verdict.supported if abs(growth - 1) <= 0.05 else Verdict.contradicted)
    mirror = _corridor_value(sample_wh, 2024, "X") / _corridor_value(sample_wh, 2019, "X") - 1
    assert f"gives {mirror * 100:+.1f} % — shown as a note" in r.reason
    # "USD 0.34 billion" / "$0.34bn": rounding of the last digit written (±USD 5 M)
    for amount in ("USD 0.34 billion", "$0.34bn", "US$ 340 million"):
        r = sample.check(parse_claim(f"Japan's aluminium imports from India were {amount} in 2024"))
        assert literal(r).verdict is Verdict.supported, amount
    # "most of … from": a majority (share > 50 %) or the largest part (rank 1)
    r = sample.check(parse_claim("Most of Japan's aluminium imports come from China in 2024"))
    chapter = [f for f in r.findings if f.interpretation.hs == ["76"]]
    senses = {
        f.interpretation.sense: f
        for f in chapter
        if (f.interpretation.side, f.interpretation.measure) == ("importer", "value")
    }
    assert senses["majority"].verdict is Verdict.contradicted
    assert senses["largest"].verdict is Verdict.supported and senses["largest"].figure == 1
    assert r.verdict is Verdict.ambiguous and "'largest' sense" in r.reason
    r = sample.check(parse_claim("Most of Japan's aluminium imports come from India in 2024"))
    assert r.verdict is Verdict.contradicted
    # a part of a year cannot be settled from annual data
    r = sample.check(parse_claim("Japan's imports of aluminium from India doubled in the first "
                                 "eight months of 2018"))  # fmt: skip
    assert r.verdict is Verdict.unverifiable and "part of a year" in r.reason


def test_statements_are_few_and_shared_across_claims(sample_wh: Path) -> None:
    with Catalog(sample_wh) as cat:
        checker = Checker(cat)
        start = cat.statements
        checker.check(parse_claim(CLAIMS[0]))
        # per HS scope (3): the corridor slice and its coverage probe; + 6 partners (3 scopes
        # x 2 sides, by value)
        assert cat.statements - start == 12
        checker.check(parse_claim(CLAIMS[3]))  # adds only the by-weight readings
        assert cat.statements - start == 18
        checker.check(parse_claim(CLAIMS[0]))
        checker.check(parse_claim(CLAIMS[1]))
        assert cat.statements - start == 18


def test_claims_never_touch_the_warehouse_directly() -> None:
    import corridor.services.claims as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        text = path.read_text()
        for banned in ("import duckdb", "wh.con", "Warehouse", ".execute(", "analytics."):
            assert banned not in text, f"{path.name} uses {banned}"


def test_named_side_missing_reads_the_other_and_says_so(tmp_path: Path) -> None:
    # only the exporters' reports (flow X to Japan) are loaded
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("year,reporter_code,partner_code,flow,net_weight_kg\n"
                        "2020,36,392,X,1000\n2020,699,392,X,250\n")  # fmt: skip
    _table_wh(tmp_path / "x.duckdb", csv_path, "xonly")
    with Catalog(tmp_path / "x.duckdb") as cat:
        r = Checker(cat).check(parse_claim("Japan's imports of unwrought aluminium from India "
                                           "were about 250 kg in 2020"))  # fmt: skip
    (f,) = r.findings
    assert r.verdict is Verdict.supported and f.interpretation.side == "exporter"
    assert f.interpretation.role == "reading" and f.figure == 250
    assert "has no Japan's own report of its imports: read from the exporters' reports" in r.reason
