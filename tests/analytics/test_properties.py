"""Property tests: invariants every indicator keeps on any data (Hypothesis, DuckDB).

Shares of a market sum to 1, HHI stays in [0, 10 000], ranks are a competition ranking of the
measure (1, 1, 3 …), concentration agrees with the supplier table it is built from, and data
without values never yields a value (missing is NULL, never 0).
"""

from __future__ import annotations

import math

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_trade
from corridor.analytics import concentration as conc
from corridor.analytics.scope import Scope, market_flows
from corridor.analytics.specialisation import complementarity
from corridor.analytics.suppliers import supplier_table
from corridor.store.catalog import table_from_arrow

JPN = 392
PARTNERS = [36, 156, 699, 643, 842, 410, 899, 490, 0]  # countries, n.e.s. (899, 490), World
amounts = st.one_of(st.none(), st.floats(min_value=0, max_value=1e12, allow_nan=False))
row = st.fixed_dictionaries(
    {
        "year": st.integers(2019, 2021),
        "partner": st.sampled_from(PARTNERS),
        "hs_code": st.sampled_from(["760110", "760120", "760200"]),
        "value_usd": amounts,
        "net_weight_kg": amounts,
    }
)
tables = st.lists(row, min_size=1, max_size=30, unique_by=lambda r: (r["year"], r["partner"],
                                                                        r["hs_code"]))  # fmt: skip
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


def _load(con, rows: list[dict]):
    t = make_trade([{"reporter": JPN, **r} for r in rows])
    return market_flows(table_from_arrow(con, "trade", t), Scope(JPN, ("76",)))


@SETTINGS
@given(rows=tables, measure=st.sampled_from(["value", "weight"]))
def test_shares_hhi_and_ranks(con, rows: list[dict], measure: str) -> None:
    col = {"value": "value_usd", "weight": "net_weight_kg"}[measure]
    s = supplier_table(_load(con, rows), measure).to_pyarrow().to_pylist()
    by_year: dict[int, list[dict]] = {}
    for r in s:
        by_year.setdefault(r["year"], []).append(r)
    for year, group in by_year.items():
        total = sum(r[measure] for r in group if r[measure] is not None)
        present = [r for r in rows if r["year"] == year and r["partner"] != 0]
        if all(r[col] is None for r in present):
            assert all(r[measure] is None and r["share"] is None for r in group)
            continue
        if total > 0:
            shares = [r["share"] for r in group if r["share"] is not None]
            assert math.isclose(sum(shares), 1.0, rel_tol=1e-9)
            assert all(0 <= x <= 1 + 1e-12 for x in shares)
        ranked = sorted((r for r in group if r["rank"] is not None), key=lambda r: r["rank"])
        assert all(r["is_country"] for r in ranked)
        for i, r in enumerate(ranked):  # competition ranking: rank = 1 + number strictly larger
            larger = sum(1 for o in ranked if round(o[measure], 2) > round(r[measure], 2))
            assert r["rank"] == larger + 1, (i, r)
    c = conc.concentration(supplier_table(_load(con, rows), measure), measure).to_pyarrow()
    for r in c.to_pylist():
        assert 0 <= r["hhi"] <= 10_000 + 1e-6
        assert r["top1_share"] <= r["top3_share"] + 1e-12 <= r["topn_share"] + 2e-12


@SETTINGS
@given(rows=tables)
def test_weight_only_data_never_yields_a_value(con, rows: list[dict]) -> None:
    weight_only = [{**r, "value_usd": None} for r in rows]
    s = supplier_table(_load(con, weight_only), "weight").to_pyarrow().to_pylist()
    assert all(r["value"] is None for r in s)
    tci = complementarity(_load(con, weight_only), 699, JPN, "value").to_pyarrow().to_pylist()
    assert all(r["tci"] is None for r in tci)  # no values: no complementarity, not 100
