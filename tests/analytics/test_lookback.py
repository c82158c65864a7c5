"""Changes on the first year of a window use the year before it (read, not shown)."""

from __future__ import annotations

from pathlib import Path

from corridor.query import CorridorQuery
from corridor.services.session import Session
from corridor.store.catalog import Catalog


def test_first_year_changes_use_the_year_before(tmp_path: Path, make_sample) -> None:
    path = make_sample(tmp_path)
    with Catalog(path) as cat:

        def run(name: str, exporter: str | None, years: tuple[int, int]) -> list[dict]:
            q = CorridorQuery(importer="JPN", exporter=exporter, years=years)
            return Session(cat, q).indicator(name)

        short = run("partners", None, (2023, 2024))
        long = run("partners", None, (2022, 2024)).to_pylist()
        g_short = run("growth", "IND", (2023, 2024)).to_pylist()
        g_long = run("growth", "IND", (2015, 2024)).to_pylist()
    assert {r["year"] for r in short.to_pylist()} == {2023, 2024}
    assert short.query["years"] == [2023, 2024]
    ranks_2022 = {r["supplier"]: r["rank"] for r in long if r["year"] == 2022}
    first = [r for r in short.to_pylist() if r["year"] == 2023 and r["rank"] is not None]
    assert first and all(r["prev_rank"] == ranks_2022.get(r["supplier"]) for r in first)
    assert any(r["rank_change"] not in (None, 0) for r in first)
    yoy_2023 = {r["year"]: r["yoy"] for r in g_long}[2023]
    assert [r["yoy"] for r in g_short if r["year"] == 2023] == [yoy_2023]
    assert yoy_2023 is not None
