"""The catalog's temporary tables (sessions' corridor slices) stay bounded in number."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.query import CorridorQuery
from corridor.services.session import Session
from corridor.store.catalog import Catalog

YEARS = [(a, b) for a in range(2015, 2024) for b in range(a + 1, 2025)][:20]


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory, make_sample) -> Path:
    return make_sample(tmp_path_factory.mktemp("sample"))


def _temp_tables(cat: Catalog) -> int:
    return cat.run("SELECT count(*) FROM duckdb_tables() WHERE temporary")[1][0][0]


def _answer(cat: Catalog, years: tuple[int, int]) -> list[dict]:
    q = CorridorQuery(importer="JPN", exporter="IND", hs="76", years=years)
    return Session(cat, q).indicator("summary").to_pylist()


def test_many_questions_keep_few_temp_tables_and_right_answers(sample_path, monkeypatch):
    monkeypatch.setattr(Catalog, "TEMP_TABLES", 4)
    with Catalog(sample_path) as fresh:
        expected = {y: _answer(fresh, y) for y in YEARS[:6]}
    with Catalog(sample_path) as cat:
        sessions = {}
        for years in YEARS:  # 20 distinct slices through 4 places
            q = CorridorQuery(importer="JPN", exporter="IND", hs="76", years=years)
            sessions[years] = Session(cat, q)
            sessions[years].indicator("summary")
            assert _temp_tables(cat) <= 4
        assert _temp_tables(cat) == 4
        # sessions whose slice was dropped make it again, and answer as a fresh catalog does
        for years in YEARS[:6]:
            s = sessions[years]
            s._results.clear()
            assert s.indicator("summary").to_pylist() == expected[years]
            assert len(s.indicator("partners")) > 0
            assert _temp_tables(cat) <= 4


def test_a_slice_asked_again_is_not_made_again(sample_path):
    with Catalog(sample_path) as cat:
        first = _answer(cat, (2020, 2024))
        before = cat.statements
        assert _answer(cat, (2020, 2024)) == first
        assert cat.statements - before == 2  # the coverage probe and the indicator, no slice
        assert _temp_tables(cat) == 1
