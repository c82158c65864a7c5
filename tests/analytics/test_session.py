"""The session: decisions from the data, one statement per indicator, the same on every engine."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from corridor.errors import InvalidQuery, NotFound
from corridor.query import CorridorQuery
from corridor.services.session import Session
from corridor.store.catalog import Catalog

INDICATORS = ["summary", "partners", "growth", "concentration", "prices", "mirror", "mix",
              "scrap", "rca", "quality"]  # fmt: skip


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory, make_sample) -> Path:
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def panel_path(tmp_path_factory, shared_data: Path) -> Path:
    from corridor.services.loading import load_files
    from corridor.sources.table import TableSpec
    from corridor.store.warehouse import Warehouse

    path = tmp_path_factory.mktemp("panel") / "panel.duckdb"
    spec = TableSpec(
        mapping={"year": "year", "reporter": "reporter_code", "partner": "partner_code",
                 "flow": "flow", "net_weight": "net_weight_kg"},
        constants={"hs_code": "7601", "hs_rev": "H0"}, dataset="jie2020-hs7601",
        source="comtrade",
    )  # fmt: skip
    with Warehouse(path) as wh:
        load_files(wh, [shared_data / "real/hs7601_netweight_kg_2000_2017.csv"], "table", spec=spec)
    return path


def _query(**kw) -> CorridorQuery:
    base = {"importer": "JPN", "exporter": "IND", "hs": "76", "years": (2022, 2024)}
    return CorridorQuery(**{**base, **kw})


def test_one_statement_per_indicator_and_memoised(sample_path: Path) -> None:
    with Catalog(sample_path) as cat:
        s = Session(cat, _query())
        before = cat.statements
        for name in INDICATORS:
            s.indicator(name)
        ran = cat.statements - before
        assert ran == len(INDICATORS) + 2  # the slice, the coverage probe, one per indicator
        s.indicator("partners")
        assert cat.statements - before == ran  # memoised


def test_decisions_on_weight_only_data_are_said(panel_path: Path) -> None:
    with Catalog(panel_path) as cat:
        s = Session(cat, _query(hs="76", years=(2010, 2017)))
        r = s.indicator("concentration")
        assert s.measure == "weight" and s.side == "importer"
        assert r.column("hhi").unit.value == "HHI" and len(r) == 8
        assert all(row["hhi"] is not None for row in r.to_pylist())  # never an empty table
        assert any("net weights only" in d for d in r.provenance.decisions)
        assert "7601 only" in r.provenance.hs_covered  # the data holds one heading of 76
        with pytest.raises(NotFound, match=r"no value data: .* — use --measure weight"):
            Session(cat, _query(measure="value", years=(2010, 2017))).indicator("partners")
        m = Session(cat, _query(hs="7601", measure="weight", years=(2015, 2017)))
        rows = m.indicator("mirror").to_pylist()
        assert {r["importer_report"] for r in rows} == {r["weight_m_kg"] for r in rows}
        assert all(r["cif_usd"] is None for r in rows)  # weights compared, no invented values


def test_missing_is_null_not_zero(panel_path: Path) -> None:
    with Catalog(panel_path) as cat:
        rows = Session(cat, _query(years=(2010, 2017))).indicator("scrap").to_pylist()
    assert rows and all(r["net_scrap_kg"] is None for r in rows)  # no HS 7602 in the panel
    assert all(r["primary_imports_kg"] > 0 for r in rows)


def test_bad_questions_are_one_line(sample_path: Path) -> None:
    for kwargs, message in (
        ({"hs": ["76", "7601"]}, "inside HS 76"),
        ({"importer": "IND"}, "both India"),
        ({"level": 2, "hs": "7601"}, "coarser"),
        ({"top_n": 0}, "top_n 0 outside"),
        ({"measure": "litres"}, "measure 'litres'"),
        ({"importer": "World"}, "not a country"),
    ):
        with pytest.raises(InvalidQuery, match=message):
            _query(**kwargs)
    with Catalog(sample_path) as cat, pytest.raises(InvalidQuery, match="indicator 'nope'"):
        Session(cat, _query()).indicator("nope")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


@pytest.mark.spark
def test_every_indicator_on_spark_equals_duckdb(sample_path: Path, spark_con) -> None:
    """The compiled SQL path (DuckDB) and the Ibis path (Spark) give the same rows."""
    with Catalog(sample_path) as duck, Catalog(sample_path, engine="spark") as spark:
        d = Session(duck, _query())
        s = Session(spark, _query(engine="spark"))
        for name in INDICATORS:
            a, b = d.indicator(name), s.indicator(name)
            assert b.provenance.engine == "spark" and a.names == b.names
            ra = sorted(a.to_pylist(), key=lambda r: [str(r[k]) for k in a.names])
            rb = sorted(b.to_pylist(), key=lambda r: [str(r[k]) for k in b.names])
            assert len(ra) == len(rb), name
            for x, y in zip(ra, rb, strict=True):
                bad = {k: (x[k], y[k]) for k in a.names if not _same(x[k], y[k])}
                assert not bad, (name, bad)


def test_plans_are_cached_for_every_shape(sample_path: Path, tmp_path: Path) -> None:
    """Two codes of one length (7601 + 7602) compile to a cacheable plan, reused next time."""
    from corridor.analytics.plans import PlanCache

    plans = PlanCache(tmp_path / "plans")
    with Catalog(sample_path) as cat:
        q = _query(hs=["7601", "7602"], exporter=None)
        first = Session(cat, q, plans=plans).indicator("partners")
        assert plans.compiled == 3  # the slice, coverage and partners
        again = PlanCache(tmp_path / "plans")  # a new process: from disk, nothing compiled
        second = Session(cat, q, plans=again).indicator("partners")
        assert again.compiled == 0 and second.rows == first.rows


def test_expression_for_python_users_equals_the_result(sample_path: Path) -> None:
    """`session.expression(name)` is an Ibis table on the backend, values bound, composable."""
    with Catalog(sample_path) as cat:
        s = Session(cat, _query(exporter=None))
        expr = s.indicator("partners"), s.expression("partners")
        result, table = expr
        top = table.filter(table["rank"] == 1).select("year", "name").to_pyarrow().to_pylist()
        want = [
            {"year": r["year"], "name": r["name"]} for r in result.to_pylist() if r["rank"] == 1
        ]
        assert sorted(top, key=str) == sorted(want, key=str)
        assert table.to_pyarrow().num_rows == len(result)


@pytest.mark.parametrize(("wide", "narrow"), [((2015, 2024), (2024, 2024)),
                                               ((2015, 2024), (2016, 2020))])  # fmt: skip
def test_a_narrower_question_reads_the_wider_slice_and_answers_the_same(
    sample_path: Path, wide: tuple, narrow: tuple
) -> None:
    """A session whose years lie inside an open slice's reads it (no new slice) and answers
    exactly as a session with a slice of its own."""
    with Catalog(sample_path) as fresh:
        alone = Session(fresh, _query(years=narrow))
        expected = {n: alone.indicator(n).to_pylist() for n in INDICATORS}
        expected["coverage"] = alone.coverage
    with Catalog(sample_path) as cat:
        Session(cat, _query(years=wide)).indicator("partners")
        made = len(cat.__dict__["_temp"])
        s = Session(cat, _query(years=narrow))
        got = {n: s.indicator(n).to_pylist() for n in INDICATORS}
        got["coverage"] = s.coverage
        assert len(cat.__dict__["_temp"]) == made  # no slice of its own
    assert got["coverage"] == expected.pop("coverage")
    for name, rows in expected.items():  # sums may differ in the last bit (row order)
        assert len(got[name]) == len(rows), name
        for mine, theirs in zip(got[name], rows, strict=True):
            assert mine.keys() == theirs.keys()
            for k, v in theirs.items():
                if isinstance(v, float) and isinstance(mine[k], float):
                    assert math.isclose(mine[k], v, rel_tol=1e-12, abs_tol=1e-9), (name, k)
                else:
                    assert mine[k] == v, (name, k)
    with Catalog(sample_path) as cat:  # the other way round: a wider question needs its own
        Session(cat, _query(years=narrow)).indicator("partners")
        Session(cat, _query(years=wide)).indicator("partners")
        assert len(cat.__dict__["_temp"]) == 2


@pytest.mark.parametrize("name", ["partners", "prices"])
def test_a_narrower_years_question_is_cut_from_the_wider_rows(sample_path: Path, name: str):
    """Per-year indicators: a derived session's years are cut from the rows its parent's
    wider range already read (no statement), and equal a question asked on its own."""
    from corridor.analytics.registry import INDICATORS as REGISTRY

    assert REGISTRY[name].per_year
    with Catalog(sample_path) as cat:
        s = Session(cat, _query(years=(2015, 2024)))
        s.indicator(name)
        for years in [(2024, 2024), (2016, 2020), (2015, 2015)]:
            narrow = s.derive(years=years)
            narrow.coverage  # noqa: B018  (its own probe: the indicator alone is under test)
            before = cat.statements
            got = narrow.indicator(name)
            assert cat.statements == before, years  # no statement: cut from the wider rows
            assert {r["year"] for r in got.to_pylist()} <= set(range(years[0], years[1] + 1))
            assert got.provenance.years == narrow.provenance().years
            with Catalog(sample_path) as fresh:
                alone = Session(fresh, _query(years=years)).indicator(name)
            assert _close(got.to_pylist(), alone.to_pylist()), (name, years)


def _close(a: list[dict], b: list[dict]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for k, v in y.items():
            w = x[k]
            if isinstance(v, float) and isinstance(w, float):
                if not math.isclose(w, v, rel_tol=1e-12, abs_tol=1e-9):
                    return False
            elif w != v:
                return False
    return True


@pytest.mark.parametrize(
    ("which", "exporter", "hs"),
    [("sample", "IND", "76"), ("sample", "RUS", "7601"), ("sample", "CHN", "7606"),
     ("panel", "RUS", "7601"), ("panel", "IND", "7601")],
)  # fmt: skip
def test_summary_ranks_and_shares_are_the_partners_table_s(
    which: str, exporter: str, hs: str, sample_path: Path, panel_path: Path
) -> None:
    """The summary's one-aggregation ranks and shares equal the exporter's row of the
    supplier table (ties, n.e.s., years the exporter is absent, weight-only data)."""
    path = sample_path if which == "sample" else panel_path
    years = (2015, 2024) if which == "sample" else (2000, 2017)
    with Catalog(path) as cat:
        s = Session(cat, _query(exporter=exporter, hs=hs, years=years))
        summary = {r["year"]: r for r in s.indicator("summary").to_pylist()}
        measures = ["value", "weight"] if s.measure == "value" else ["weight"]
        for measure in measures:
            unit = "usd" if measure == "value" else "kg"
            rows = s.derive(measure=measure, exporter=None).indicator("partners").to_pylist()
            assert rows, measure
            for year, r in summary.items():
                market = [p for p in rows if p["year"] == year]
                mine = next((p for p in market if p["supplier"] == s.query.exporter.code), {})
                assert r[f"rank_by_{measure}"] == mine.get("rank"), (year, measure)
                assert _close([{"x": r[f"share_of_{measure}"]}], [{"x": mine.get("share")}])
                total = market[0]["market_total"] if market else None
                assert _close([{"x": r[f"market_{measure}_{unit}"]}], [{"x": total}])
        assert any(r["rank_by_weight"] for r in summary.values())
