"""Tests for the synthetic sample (`corridor.sample`).

The published figures below are written out here on purpose (from the brief / press reports),
not read from calibration.yaml and not copied from the generator's output, so a change in
either place that breaks them makes the tests fail.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pyarrow as pa
import pytest

from corridor.sample import SAMPLE_DATASET, generate_sample, load_calibration
from corridor.store.schema import KEY_COLUMNS, TRADE_COLUMNS

INDIA_VALUE_2024 = 337_000_000
INDIA_7601_KG = {2015: 15_900_000, 2016: 28_800_000, 2017: 45_400_000}
DUCK_TO_ARROW = {
    "SMALLINT": pa.int16(),
    "TINYINT": pa.int8(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}
JP_IMPORTS = "reporter = 392 AND flow = 'M' AND hs_level = 6"
SEEDS = [7601, 1, 20240]


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return generate_sample()


@pytest.fixture(scope="module")
def con(table: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.register("t", table)
    yield c
    c.close()


def _con_for(seed: int) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.register("t", generate_sample(seed=seed))
    return c


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


# --- layout -----------------------------------------------------------------------------------


def test_schema_matches_trade_columns(table: pa.Table) -> None:
    assert table.column_names == list(TRADE_COLUMNS)
    for name, kind in TRADE_COLUMNS.items():
        assert table.schema.field(name).type == DUCK_TO_ARROW[kind.split()[0]], name
        if "NOT NULL" in kind:
            assert table.column(name).null_count == 0, name


def test_size_and_speed() -> None:
    start = time.perf_counter()
    t = generate_sample(seed=3)
    assert time.perf_counter() - start < 1.0
    assert 1_000 <= t.num_rows <= 50_000


def test_constant_columns(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    n = table.num_rows
    assert SAMPLE_DATASET == "sample"
    checks = {
        "freq = 'A'": n,
        "period = CAST(year AS VARCHAR)": n,
        "partner2 = 0 AND customs_code = 'C00' AND mot_code = 0": n,
        "hs_level = 6 AND length(hs_code) = 6 AND hs_code LIKE '76%'": n,
        "source = 'sample' AND dataset = 'sample'": n,
        "raw_ref = ''": n,
        "synthetic": n,
        "qty_unit = 'kg'": n,
        "retrieved_at = TIMESTAMP '2025-01-01 00:00:00'": n,
        "year BETWEEN 2015 AND 2024": n,
        "(flow = 'M' AND value_basis = 'CIF') OR (flow = 'X' AND value_basis = 'FOB')": n,
        "qty IS NOT DISTINCT FROM net_weight_kg": n,
    }
    for cond, expected in checks.items():
        assert _one(con, f"SELECT count(*) FROM t WHERE {cond}") == expected, cond
    rows = con.execute("SELECT min(raw_row), max(raw_row), count(DISTINCT raw_row) FROM t")
    assert rows.fetchone() == (1, n, n)


def test_hs_revision_by_year(con: duckdb.DuckDBPyConnection) -> None:
    got = dict(con.execute("SELECT DISTINCT year, hs_rev FROM t").fetchall())
    expected = {y: "H4" if y <= 2016 else "H5" if y <= 2021 else "H6" for y in range(2015, 2025)}
    assert got == expected
    legacy = _one(con, "SELECT count(*) FROM t WHERE hs_code IN ('761511', '761519', '761690')")
    assert legacy == 0
    assert _one(con, "SELECT count(*) FROM t WHERE hs_code IN ('761510', '761691', '761699')")


def test_keys_are_unique(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    keys = ", ".join(KEY_COLUMNS)
    assert _one(con, f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM t)") == table.num_rows


def test_retrieved_at_argument_is_used() -> None:
    aware = datetime(2025, 3, 4, 12, 0, tzinfo=timezone(timedelta(hours=9)))
    t = generate_sample(retrieved_at=aware)
    values = set(t.column("retrieved_at").to_pylist())
    assert values == {datetime(2025, 3, 4, 3, 0)}
    assert datetime(2025, 3, 4, 3, 0, tzinfo=UTC) == aware


# --- determinism ------------------------------------------------------------------------------


def _ipc_bytes(t: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, t.schema) as writer:
        writer.write_table(t)
    return sink.getvalue().to_pybytes()


def test_same_seed_is_byte_identical() -> None:
    a, b = generate_sample(seed=11), generate_sample(seed=11)
    assert a.equals(b)
    assert _ipc_bytes(a) == _ipc_bytes(b)


def test_different_seed_changes_noise(table: pa.Table) -> None:
    other = generate_sample(seed=8)
    assert not other.equals(table)


# --- values -----------------------------------------------------------------------------------


def test_no_negative_or_zero_values(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con, "SELECT count(*) FROM t WHERE value_usd IS NULL OR value_usd <= 0") == 0
    assert _one(con, "SELECT count(*) FROM t WHERE net_weight_kg <= 0 OR qty <= 0") == 0


def test_missing_and_estimated_weights(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    missing = _one(con, "SELECT count(*) FROM t WHERE net_weight_kg IS NULL")
    assert isinstance(missing, int)
    assert 0.01 <= missing / table.num_rows <= 0.05
    estimated = _one(con, "SELECT count(*) FROM t WHERE is_estimated_weight")
    assert isinstance(estimated, int)
    assert 0 < estimated <= 0.03 * table.num_rows
    # An estimated weight is still a weight.
    assert (
        _one(con, "SELECT count(*) FROM t WHERE is_estimated_weight AND net_weight_kg IS NULL") == 0
    )


def test_partner_sum_equals_world(con: duckdb.DuckDBPyConnection) -> None:
    diff = con.execute(
        """
        WITH parts AS (
            SELECT year, flow, hs_code, sum(value_usd) AS v FROM t
            WHERE reporter = 392 AND partner <> 0 GROUP BY ALL
        ), world AS (
            SELECT year, flow, hs_code, value_usd AS v FROM t WHERE reporter = 392 AND partner = 0
        )
        SELECT count(*) AS n, count(*) FILTER (WHERE p.v IS DISTINCT FROM w.v) AS bad
        FROM parts p FULL JOIN world w USING (year, flow, hs_code)
        """
    ).fetchone()
    assert diff is not None
    n, bad = diff
    assert n >= 10 * 30 and bad == 0
    # World weights cover every partner weight, including the ones hidden as missing.
    low = _one(
        con,
        """
        SELECT count(*) FROM (
            SELECT year, flow, hs_code, sum(net_weight_kg) AS w FROM t
            WHERE reporter = 392 AND partner <> 0 GROUP BY ALL) p
        JOIN (SELECT year, flow, hs_code, net_weight_kg AS w FROM t
              WHERE reporter = 392 AND partner = 0) wd USING (year, flow, hs_code)
        WHERE wd.w < p.w
        """,
    )
    assert low == 0


# --- calibration (independent SQL; several seeds) ---------------------------------------------


@pytest.fixture(scope="module", params=SEEDS)
def seeded(request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    c = _con_for(request.param)
    yield c
    c.close()


def test_india_value_2024(seeded: duckdb.DuckDBPyConnection) -> None:
    v = _one(
        seeded,
        f"SELECT sum(value_usd) FROM t WHERE {JP_IMPORTS} AND partner = 699 AND year = 2024",
    )
    assert isinstance(v, float)
    assert abs(v / INDIA_VALUE_2024 - 1) <= 0.005


def test_india_rank_2024(seeded: duckdb.DuckDBPyConnection) -> None:
    ranking = [
        p
        for (p,) in seeded.execute(
            f"""SELECT partner FROM t WHERE {JP_IMPORTS} AND year = 2024
                AND partner NOT IN (0, 899) GROUP BY partner ORDER BY sum(value_usd) DESC"""
        ).fetchall()
    ]
    assert len(ranking) >= 25
    rank = ranking.index(699) + 1
    assert 2 <= rank <= 4


def test_india_unwrought_weights(seeded: duckdb.DuckDBPyConnection) -> None:
    got = dict(
        seeded.execute(
            f"""SELECT year, sum(net_weight_kg) FROM t WHERE {JP_IMPORTS} AND partner = 699
                AND hs_code LIKE '7601%' AND year <= 2017 GROUP BY year"""
        ).fetchall()
    )
    assert set(got) == set(INDIA_7601_KG)
    for year, kg in INDIA_7601_KG.items():
        assert abs(got[year] / kg - 1) <= 0.01, year


def _unwrought_shares(con: duckdb.DuckDBPyConnection) -> dict[int, dict[int, float]]:
    rows = con.execute(
        f"""WITH w AS (
                SELECT year, partner, sum(net_weight_kg) AS kg FROM t
                WHERE {JP_IMPORTS} AND partner <> 0 AND hs_code LIKE '7601%' GROUP BY ALL)
            SELECT year, partner, kg / sum(kg) OVER (PARTITION BY year) FROM w"""
    ).fetchall()
    shares: dict[int, dict[int, float]] = {}
    for year, partner, share in rows:
        shares.setdefault(year, {})[partner] = share
    return shares


def test_australia_leads_unwrought(seeded: duckdb.DuckDBPyConnection) -> None:
    shares = _unwrought_shares(seeded)
    assert sorted(shares) == list(range(2015, 2025))
    for year, by_partner in shares.items():
        assert max(by_partner, key=by_partner.__getitem__) == 36, year
        assert by_partner[36] > 0.25, year


def test_russia_share_falls_after_2022(seeded: duckdb.DuckDBPyConnection) -> None:
    shares = _unwrought_shares(seeded)
    pre = sum(shares[y][643] for y in (2019, 2020, 2021)) / 3
    post = sum(shares[y].get(643, 0.0) for y in (2023, 2024)) / 2
    assert post < 0.5 * pre


def test_unit_values(seeded: duckdb.DuckDBPyConnection) -> None:
    rows = seeded.execute(
        f"""SELECT year,
              sum(value_usd) FILTER (WHERE hs_code LIKE '7601%')
                / sum(net_weight_kg) FILTER (WHERE hs_code LIKE '7601%'),
              sum(value_usd) FILTER (WHERE hs_code BETWEEN '7603' AND '7609ZZ')
                / sum(net_weight_kg) FILTER (WHERE hs_code BETWEEN '7603' AND '7609ZZ'),
              sum(value_usd) FILTER (WHERE hs_code >= '7610')
                / sum(net_weight_kg) FILTER (WHERE hs_code >= '7610')
            FROM t WHERE {JP_IMPORTS} AND partner <> 0 AND net_weight_kg IS NOT NULL
            GROUP BY year ORDER BY year"""
    ).fetchall()
    assert len(rows) == 10
    for year, unwrought, semis, articles in rows:
        assert 2.0 <= unwrought <= 2.7, year
        assert 3.0 <= semis <= 5.5, year
        assert 5.0 <= articles <= 12.0, year


# --- mirror and scrap -------------------------------------------------------------------------


def test_mirror_rows_for_most_partners(con: duckdb.DuckDBPyConnection) -> None:
    partners = {
        p for (p,) in con.execute(f"SELECT DISTINCT partner FROM t WHERE {JP_IMPORTS}").fetchall()
    } - {0}
    reporters = {
        r
        for (r,) in con.execute(
            "SELECT DISTINCT reporter FROM t WHERE partner = 392 AND flow = 'X'"
        ).fetchall()
    }
    assert len(partners) >= 30
    assert 899 not in reporters and 490 in reporters and 699 in reporters
    assert reporters <= partners
    assert len(reporters) / len(partners) >= 0.8


def test_mirror_ratios(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """SELECT m.value_usd / x.value_usd AS ratio,
                   abs(x.net_weight_kg / m.net_weight_kg - 1) AS wdiff
            FROM t m JOIN t x
              ON x.reporter = m.partner AND x.partner = 392 AND x.flow = 'X'
             AND x.year = m.year AND x.hs_code = m.hs_code
            WHERE m.reporter = 392 AND m.flow = 'M' AND m.partner <> 0"""
    ).fetchall()
    assert len(rows) > 1000
    inside = [r for r, _ in rows if 0.8 <= r <= 1.3]
    outside = [r for r, _ in rows if not 0.8 <= r <= 1.3]
    assert 1 <= len(outside) <= 10
    assert all(1.0 <= r <= 1.15 for r in inside)
    assert sum(inside) / len(inside) == pytest.approx(1.06, abs=0.02)
    assert all(w is None or w < 0.15 for _, w in rows)
    # India, the flagship, has one deliberate gap.
    india = con.execute(
        """SELECT count(*) FROM t m JOIN t x ON x.reporter = 699 AND x.partner = 392
            AND x.flow = 'X' AND x.year = m.year AND x.hs_code = m.hs_code
            WHERE m.reporter = 392 AND m.flow = 'M' AND m.partner = 699
            AND m.value_usd / x.value_usd > 1.3"""
    ).fetchone()
    assert india == (1,)


def test_scrap_flows_both_ways(con: duckdb.DuckDBPyConnection) -> None:
    def partners(sql: str) -> set[int]:
        return {p for (p,) in con.execute(sql).fetchall()}

    imports = partners(f"SELECT DISTINCT partner FROM t WHERE {JP_IMPORTS} AND hs_code = '760200'")
    exports = partners(
        "SELECT DISTINCT partner FROM t WHERE reporter = 392 AND flow = 'X' AND hs_code = '760200'"
    )
    mirror = partners(
        "SELECT DISTINCT reporter FROM t WHERE partner = 392 AND flow = 'M' AND hs_code = '760200'"
    )
    assert len(imports - {0}) >= 5
    assert {410, 156, 699, 764, 704, 458, 842} <= exports
    assert exports - {0} <= mirror
    # Japan exports only scrap; nothing else flows out of Japan in the sample.
    other = "SELECT count(*) FROM t WHERE reporter = 392 AND flow = 'X' AND hs_code <> '760200'"
    assert _one(con, other) == 0


# --- calibration file -------------------------------------------------------------------------


def test_calibration_file_documents_sources() -> None:
    cal = load_calibration()
    assert {"meta", "targets", "model"} <= set(cal)
    for name, target in cal["targets"].items():
        assert target.get("approx") is True, name
        assert len(str(target.get("source", ""))) > 20, name
    model = cal["model"]
    assert len(model["partners"]) >= 30
    assert {p["code"] for p in model["partners"]} >= {36, 643, 699, 784, 490, 899}
    assert set(model["price_index_usd_per_kg"]) == set(range(2015, 2025))
