"""Typed tables: declared columns, rows as dicts, Arrow on demand with the columns' units."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.models.tables import table_of
from corridor.units import Column, Unit

COLUMNS = (
    Column("supplier", Unit.CODE, "Comtrade code", "int32"),
    Column("name", Unit.TEXT, "country name", "string"),
    Column("value", Unit.USD, "imports", "float64"),
    Column("since", Unit.TIME, "first day", "date32"),
)


def test_rows_hold_the_declared_columns_in_order() -> None:
    t = table_of(COLUMNS, [{"value": 5, "name": "India", "supplier": 699, "extra": 1}, {}])
    assert t.to_pylist() == [
        {"supplier": 699, "name": "India", "value": 5.0, "since": None},
        {"supplier": None, "name": None, "value": None, "since": None},
    ]
    assert isinstance(t.to_pylist()[0]["value"], float)  # as Arrow reads a float64 back
    assert t.column_names == ["supplier", "name", "value", "since"] and len(t) == t.num_rows == 2


def test_arrow_is_built_on_demand_with_units_and_equals_the_rows() -> None:
    rows = [{"supplier": 156, "name": "China", "value": 1.5e8, "since": date(2015, 1, 1)}]
    t = table_of(COLUMNS, rows)
    arrow = t.to_arrow()
    assert arrow is t.to_arrow()  # built once
    assert arrow.to_pylist() == t.to_pylist()
    assert [f.name for f in arrow.schema] == t.column_names
    assert str(arrow.schema.field("supplier").type) == "int32"
    assert arrow.schema.field("value").metadata == {b"unit": b"USD", b"meaning": b"imports"}


def test_rows_are_copies() -> None:
    t = table_of(COLUMNS, [{"supplier": 1, "value": 2.0}])
    t.to_pylist()[0]["value"] = 99.0
    assert t.to_pylist()[0]["value"] == 2.0


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ({"value": "12"}, "column value (float64): '12'"),
        ({"supplier": 1.5}, "column supplier (int32): 1.5"),
        ({"name": 7}, "column name (string): 7"),
        ({"since": "2015"}, "column since (date32): '2015'"),
    ],
)
def test_a_value_of_the_wrong_type_fails_at_once(row: dict, fragment: str) -> None:
    with pytest.raises(TypeError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        table_of(COLUMNS, [row])
