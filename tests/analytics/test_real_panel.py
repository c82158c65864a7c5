"""Independent re-computation in plain pandas on the real HS 7601 net-weight panel.

Ranks, shares, HHI and CAGR of every importer x year market (importer-reported flow M, by
weight) must agree with the Ibis analytics to 1e-9. DuckDB runs the whole panel; Spark a
subset of importers (it is slower to start and to run).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from corridor.analytics.concentration import concentration
from corridor.analytics.growth import cagr
from corridor.analytics.scope import aggregate_partners, bilateral
from corridor.analytics.suppliers import supplier_counts, supplier_table

SPARK_IMPORTERS = (392, 842, 276, 156, 699, 410)


@pytest.fixture(scope="module")
def panel(shared_data: Path, trade_schema: pa.Schema) -> pa.Table:
    raw = pcsv.read_csv(shared_data / "real/hs7601_netweight_kg_2000_2017.csv")
    n = raw.num_rows
    cols = {
        "year": raw["year"].cast(pa.int16()),
        "period": raw["year"].cast(pa.string()),
        "freq": pa.array(["A"] * n),
        "reporter": raw["reporter_code"].cast(pa.int16()),
        "partner": raw["partner_code"].cast(pa.int16()),
        "partner2": pa.nulls(n, pa.int16()),
        "flow": raw["flow"],
        "hs_rev": pa.array(["H0"] * n),
        "hs_code": pa.array(["7601"] * n),
        "hs_level": pa.array(np.full(n, 4, dtype=np.int8)),
        "customs_code": pa.nulls(n, pa.string()),
        "mot_code": pa.nulls(n, pa.int32()),
        "value_usd": pa.nulls(n, pa.float64()),
        "value_basis": pa.nulls(n, pa.string()),
        "net_weight_kg": raw["net_weight_kg"].cast(pa.float64()),
        "qty": pa.nulls(n, pa.float64()),
        "qty_unit": pa.nulls(n, pa.string()),
        "is_estimated_weight": pa.nulls(n, pa.bool_()),
        "source": pa.array(["comtrade"] * n),
        "dataset": pa.array(["jie2020-hs7601"] * n),
        "retrieved_at": pa.nulls(n, pa.timestamp("us")),
        "raw_ref": pa.array(["panel"] * n),
        "raw_row": pa.array(np.arange(1, n + 1)),
        "synthetic": pa.array([False] * n),
    }
    return pa.table(cols, schema=trade_schema)


def pandas_expected(panel: pa.Table, importers=None) -> dict[str, pd.DataFrame]:
    """The same indicators written independently in pandas."""
    df = panel.select(["year", "reporter", "partner", "flow", "net_weight_kg"]).to_pandas()
    df = df[(df.flow == "M") & (df.partner != 0)]
    if importers:
        df = df[df.reporter.isin(importers)]
    g = df.groupby(["reporter", "year", "partner"], as_index=False)["net_weight_kg"].sum()
    g["total"] = g.groupby(["reporter", "year"])["net_weight_kg"].transform("sum")
    g["share"] = g.net_weight_kg / g.total.replace(0, np.nan)
    g["is_country"] = ~g.partner.isin(aggregate_partners())
    c = g[g.is_country].copy()
    c["rank"] = c.groupby(["reporter", "year"])["net_weight_kg"].rank(method="min", ascending=False)
    c = c[c.share.notna()]
    hhi = c.assign(s2=c.share**2).groupby(["reporter", "year"])["s2"].sum() * 10_000
    top1 = c.groupby(["reporter", "year"])["share"].max()
    n = c[c.share > 0].groupby(["reporter", "year"]).size()
    tot = g.groupby(["reporter", "year"])["net_weight_kg"].sum().unstack()
    first, last = tot.get(2000), tot.get(2017)
    ok = (first > 0) & (last >= 0)
    cg = ((last / first) ** (1 / 17) - 1).where(ok).dropna()
    return {"ranks": c, "hhi": hhi, "top1": top1, "n": n, "cagr": cg}


def ibis_results(t, importers=None):
    f = bilateral(t, hs=["7601"], side="importer")
    if importers:
        f = f.filter(f.importer.isin(list(importers)))
    by = ("importer", "year")
    s = supplier_table(f, "weight", by)
    ranks = s.filter(s.is_country).to_pyarrow().to_pandas()
    conc = concentration(s, "weight", by).to_pyarrow().to_pandas()
    counts = supplier_counts(s, by).to_pyarrow().to_pandas()
    totals = s.group_by(by).aggregate(w=s.weight.sum())
    cg = cagr(totals, "w", 2000, 2017, ["importer"]).to_pyarrow().to_pandas()
    return ranks, conc, counts, cg


def check(panel: pa.Table, t, importers=None) -> int:
    exp = pandas_expected(panel, importers)
    ranks, conc, counts, cg = ibis_results(t, importers)
    r = ranks.set_index(["importer", "year", "supplier"]).sort_index()
    e = exp["ranks"].set_index(["reporter", "year", "partner"]).sort_index()
    assert len(r) == len(e) > 0
    np.testing.assert_array_equal(r["rank"].to_numpy(), e["rank"].to_numpy())
    np.testing.assert_allclose(r["share"].to_numpy(), e["share"].to_numpy(), rtol=1e-9)
    cc = conc.set_index(["importer", "year"]).sort_index()
    assert len(cc) == len(exp["hhi"])
    np.testing.assert_allclose(cc["hhi"], exp["hhi"].sort_index().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(cc["top1_share"], exp["top1"].sort_index().to_numpy(), rtol=1e-9)
    n = counts.set_index(["importer", "year"]).sort_index()["n_suppliers"]
    np.testing.assert_array_equal(n.to_numpy(), exp["n"].reindex(n.index).fillna(0).to_numpy())
    got = cg.dropna(subset=["cagr_w"]).set_index("importer")["cagr_w"].sort_index()
    want = exp["cagr"].sort_index()
    assert list(got.index) == list(want.index) and len(want) > 0
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9)
    return len(cc)


def test_real_panel_matches_pandas_on_duckdb(panel: pa.Table) -> None:
    import ibis

    from corridor.store.catalog import table_from_arrow

    t = table_from_arrow(ibis.duckdb.connect(), "trade", panel)
    markets = check(panel, t)
    assert markets > 1000  # importer x year pairs compared


@pytest.mark.spark
def test_real_panel_matches_pandas_on_spark(panel: pa.Table, spark_con) -> None:
    from corridor.store.catalog import table_from_arrow

    keep = pc.is_in(panel["reporter"], pa.array(SPARK_IMPORTERS, pa.int16()))
    sub = panel.filter(keep)
    t = table_from_arrow(spark_con, "trade_panel", sub)
    assert check(sub, t, SPARK_IMPORTERS) > 50
