from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pytest

from corridor.errors import InvalidQuery, ParseError, UnknownCode
from corridor.reference.hs import (
    hs76_table,
    hs_codes,
    hs_level,
    load_baci_product_codes,
    load_comtrade_hs_reference,
    normalize_hs,
    normalize_hs6,
    resolve_product,
    validate_hs,
)

REF_DIR = "comtradeapi.un.org/files/v1/app/reference"


def _cmd_ch76(shared_data: Path, rev: str, level: int = 6) -> set[str]:
    path = shared_data / "reference" / "comtradr" / f"cmd_{rev.lower()}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            r["id"]
            for r in csv.DictReader(fh)
            if r["id"].startswith("76") and len(r["id"]) == level
        }


def _ours(rev: str, level: int = 6) -> set[str]:
    return {c.code for c in hs_codes(rev) if c.level == level}


@pytest.mark.parametrize("rev", ["H0", "H1", "H2", "H3", "H4", "H5", "H6"])
def test_chapter76_matches_comtrade_lists(shared_data: Path, rev: str) -> None:
    for level in (4, 6):
        assert _ours(rev, level) == _cmd_ch76(shared_data, rev, level), (rev, level)


@pytest.mark.parametrize(("rev", "baci"), [("H5", "HS17"), ("H6", "HS22")])
def test_chapter76_matches_baci(shared_data: Path, rev: str, baci: str) -> None:
    table = load_baci_product_codes(
        shared_data / "reference" / "baci" / f"product_codes_{baci}_V202401.csv"
    )
    baci76 = {c for c in table.column("code").to_pylist() if c.startswith("76")}
    assert _ours(rev) == baci76


def test_hs76_structure() -> None:
    h6 = {c.code: c for c in hs_codes()}
    assert h6["7601"].name == "Unwrought aluminium"
    assert h6["760110"].name == "Unwrought aluminium, not alloyed"
    assert h6["760120"].name == "Unwrought aluminium alloys"
    assert h6["760200"].name == "Aluminium waste and scrap"
    assert h6["760110"].parent == "7601" and h6["7601"].parent == "76" and h6["76"].parent is None
    assert len({c.code for c in hs_codes("H6") if c.level == 4}) == 16
    assert "761511" in _ours("H1") and "761510" not in _ours("H1")
    assert "761690" in _ours("H0") and "761691" not in _ours("H0")
    assert hs_codes("HS2017") == hs_codes("H5")
    with pytest.raises(InvalidQuery, match="unknown HS revision"):
        hs_codes("H9")


def test_hs76_table() -> None:
    t = hs76_table()
    assert t.column_names == ["hs_rev", "code", "level", "parent", "name"]
    assert t.schema.field("level").type == pa.int8()
    assert sorted(set(t.column("hs_rev").to_pylist())) == [f"H{i}" for i in range(7)]
    assert t.num_rows == sum(len(hs_codes(f"H{i}")) for i in range(7))


def test_normalize() -> None:
    assert normalize_hs(760110) == "760110"
    assert normalize_hs(" 7601 ") == "7601"
    assert normalize_hs("76.01") == "7601"
    assert normalize_hs6(10121) == "010121"
    assert normalize_hs6("760110") == "760110"
    assert hs_level("76") == 2 and hs_level("7601") == 4 and hs_level(760110) == 6
    assert hs_level("TOTAL") == 0
    with pytest.raises(InvalidQuery):
        normalize_hs(76011)
    with pytest.raises(InvalidQuery):
        normalize_hs6(1234567)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "7a01",
        "760",
        "76011",
        "7601101",
        "00",
        "0000",
        "77",
        "7701",
        "770100",
        "98",
        "980100",
        "x",
    ],
)
def test_malformed_codes_rejected(bad: str) -> None:
    with pytest.raises(InvalidQuery):
        validate_hs(bad)


def test_validate_accepts() -> None:
    assert validate_hs("TOTAL") == "TOTAL"
    assert validate_hs("total") == "TOTAL"
    assert validate_hs("01") == "01"
    assert validate_hs("999999") == "999999"  # Comtrade: not specified according to kind
    assert validate_hs("99") == "99"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aluminium", ["76"]),
        ("Aluminum", ["76"]),
        ("unwrought", ["7601"]),
        ("primary aluminium", ["7601"]),
        ("scrap", ["7602"]),
        ("waste", ["7602"]),
        ("semis", ["7604", "7605", "7606", "7607", "7608", "7609"]),
        ("semi-finished", ["7604", "7605", "7606", "7607", "7608", "7609"]),
        ("products", ["7610", "7611", "7612", "7613", "7614", "7615", "7616"]),
        ("articles", ["7610", "7611", "7612", "7613", "7614", "7615", "7616"]),
        ("7601", ["7601"]),
        ("7601, 7602", ["7601", "7602"]),
        (760110, ["760110"]),
    ],
)
def test_resolve_product(text: str | int, expected: list[str]) -> None:
    assert resolve_product(text) == expected


def test_resolve_product_unknown() -> None:
    with pytest.raises(InvalidQuery, match=r"unknown product 'steel'.*aluminium"):
        resolve_product("steel")
    with pytest.raises(InvalidQuery):
        resolve_product("7701")


def test_comtrade_hs_json_new(shared_data: Path) -> None:
    path = shared_data / "fixtures" / "comtrade-api" / "re_tb1" / REF_DIR / "HS.json"
    t = load_comtrade_hs_reference(path)
    assert t.num_rows == 8262
    assert t.column_names == ["hs_rev", "code", "level", "parent", "name"]
    rows = {r["code"]: r for r in t.to_pylist()}
    assert rows["76"]["name"] == "Aluminium and articles thereof"
    assert rows["76"]["parent"] == "TOTAL" and rows["76"]["level"] == 2
    assert rows["TOTAL"]["parent"] is None and rows["TOTAL"]["level"] == 0
    assert rows["760110"]["parent"] == "7601"
    assert not any(r["name"].startswith(r["code"] + " - ") for r in rows.values())


def test_comtrade_hs_json_old(shared_data: Path) -> None:
    path = shared_data / "fixtures" / "comtrade-api" / "ref_table" / REF_DIR / "HS.json.json"
    t = load_comtrade_hs_reference(path)
    assert t.num_rows == 8263
    rows = {r["code"]: r for r in t.to_pylist()}
    assert rows["TOTAL"]["parent"] is None
    assert rows["7601"]["name"].startswith("Aluminium")


def test_comtrade_hs_json_bom_and_bad(tmp_path: Path) -> None:
    doc = {
        "classCode": "H6",
        "results": [
            {
                "id": "76",
                "text": "76 - Aluminium",
                "parent": "TOTAL",
                "isLeaf": "0",
                "aggrLevel": 2,
            },
        ],
    }
    good = tmp_path / "H6.json"
    good.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, indent="\t").replace("\n", "\r\n").encode())
    t = load_comtrade_hs_reference(good)
    assert t.to_pylist() == [
        {"hs_rev": "H6", "code": "76", "level": 2, "parent": "TOTAL", "name": "Aluminium"}
    ]
    bad = tmp_path / "broken.json"
    bad.write_text('{"results": [', encoding="utf-8")
    with pytest.raises(ParseError, match=r"broken\.json"):
        load_comtrade_hs_reference(bad)


def test_baci_product_codes(shared_data: Path) -> None:
    path = shared_data / "reference" / "baci" / "product_codes_HS17_V202401.csv"
    t = load_baci_product_codes(path)
    assert t.num_rows == 5384
    codes = t.column("code").to_pylist()
    assert codes[0] == "010121"
    assert all(len(c) == 6 for c in codes)
    assert set(t.column("hs_rev").to_pylist()) == {"HS17"}


def test_baci_product_codes_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "product_codes_HS92_V202201.csv"
    path.write_bytes('code,description\n10110,"Caf\xe9: test"\n'.encode("cp1252"))
    t = load_baci_product_codes(path)
    assert t.to_pylist()[0]["code"] == "010110"
    assert t.to_pylist()[0]["name"] == "Café: test"
    assert t.to_pylist()[0]["hs_rev"] == "HS92"


def _comtrade_ch76_any_edition(shared_data: Path, level: int) -> set[str]:
    """Chapter-76 codes of a level in UN Comtrade's own H0-H6 lists (independent of hs76.csv)."""
    return set().union(*(_cmd_ch76(shared_data, f"H{i}", level) for i in range(7)))


@pytest.mark.parametrize("level", [4, 6])
def test_chapter76_codes_exist_in_some_edition_or_are_refused(shared_data: Path, level: int):
    real = _comtrade_ch76_any_edition(shared_data, level)
    width = level - 2
    for n in range(10**width):
        code = f"76{n:0{width}d}"
        if code in real:
            assert validate_hs(code) == code
        else:
            with pytest.raises(UnknownCode, match=f"^{code} is not an HS "):
                validate_hs(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("7699", "7699 is not an HS heading in any edition (HS1992–HS2022); nearest: 7609, 7616, "
                 "7615 (chapter 76 headings: 7601–7616)"),
        ("7617", "nearest: 7616, 7615, 7614"),
        ("7600", "nearest: 7601, 7602, 7603"),
        ("760130", "760130 is not an HS subheading in any edition (HS1992–HS2022); nearest: "
                   "760120, 760110"),
    ],
)  # fmt: skip
def test_missing_heading_names_the_nearest(code: str, message: str) -> None:
    with pytest.raises(UnknownCode) as info:
        validate_hs(code)
    assert message in str(info.value) and isinstance(info.value, InvalidQuery)
    with pytest.raises(UnknownCode):
        resolve_product(code)  # the path claims and analytics take


def test_legacy_and_other_chapters_still_accepted() -> None:
    assert validate_hs("761511") == "761511"  # H0/H1 only
    assert validate_hs("761690") == "761690"  # H0 only
    assert validate_hs("7699".replace("76", "72")) == "7299"  # no list outside chapter 76
