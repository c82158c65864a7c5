"""Changes on the first year of a window use the year before it (read, not shown)."""

from __future__ import annotations

from pathlib import Path

from corridor.services.analytics import AnalyticsQuery, growth, partners
from corridor.services.loading import build_sample
from corridor.store.warehouse import Warehouse


def test_first_year_changes_use_the_year_before(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        build_sample(wh, tmp_path / "gen")
        short = partners(wh, AnalyticsQuery(importer="JPN", exporter=None, years=(2023, 2024)))
        long = partners(wh, AnalyticsQuery(importer="JPN", exporter=None, years=(2022, 2024)))
        g_short = growth(wh, AnalyticsQuery(importer="JPN", exporter="IND", years=(2023, 2024)))
        g_long = growth(wh, AnalyticsQuery(importer="JPN", exporter="IND", years=(2015, 2024)))
    assert {r["year"] for r in short.rows} == {2023, 2024}
    assert short.query["years"] == [2023, 2024]
    ranks_2022 = {r["supplier"]: r["rank"] for r in long.rows if r["year"] == 2022}
    first = [r for r in short.rows if r["year"] == 2023 and r["rank"] is not None]
    assert first and all(r["prev_rank"] == ranks_2022.get(r["supplier"]) for r in first)
    assert any(r["rank_change"] not in (None, 0) for r in first)
    yoy_2023 = {r["year"]: r["yoy"] for r in g_long.rows}[2023]
    assert [r["yoy"] for r in g_short.rows if r["year"] == 2023] == [yoy_2023]
    assert yoy_2023 is not None
