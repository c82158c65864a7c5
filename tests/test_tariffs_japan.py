"""Japan Customs' schedule (real chapter-76 file) and the plain tariff CSV: parsing and errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from corridor.errors import InputFileError
from corridor.reference.tariffs import parse_rate
from corridor.sources.tariff_csv import parse_tariff_csv
from corridor.sources.tariffs_japan import parse_japan_schedule

NAME = "japan_customs_tariff_2026-07-09_ch76.json"


@pytest.fixture(scope="module")
def schedule(schedule_path: Path):
    return parse_japan_schedule(schedule_path)


def cells(schedule, line: str) -> dict[str, dict]:
    return {r["column_name"]: r for r in schedule.rows if r["national_line"] == line}


def independent_counts(path: Path) -> tuple[int, int]:
    """Walk the raw JSON without corridor: (9-digit lines with own rates, headings with rates)."""
    lines = headings = 0
    stack = list(json.loads(path.read_text(encoding="utf-8")))
    while stack:
        node = stack.pop()
        rated = any(v for v in node["rate"].values())
        if node["hs_code"]:
            lines += rated
        else:
            headings += rated
        stack.extend(node["children"])
    return lines, headings


def test_real_schedule_line_for_line(schedule, schedule_path: Path) -> None:
    assert independent_counts(schedule_path) == (44, 4)
    assert schedule.lines == 44 and schedule.lines_with_own_rates == 44
    assert schedule.headings_with_rates == ["7602.00", "7606.12", "7606.12", "7606.92"]
    assert schedule.edition == date(2026, 7, 9)
    assert len({r["national_line"] for r in schedule.rows}) == 44
    assert all(len(r["national_line"]) == 9 and r["hs6"] == r["national_line"][:6]
               for r in schedule.rows)  # fmt: skip
    # every line has a statutory (general) rate once headings are applied to the lines below
    assert all("基本" in cells(schedule, n) for n in {r["national_line"] for r in schedule.rows})


def test_spot_checks(schedule) -> None:
    c = cells(schedule, "760410000")
    assert c["WTO協定"]["rate"] == 0.075 and c["WTO協定"]["rate_text"] == "7.5%"
    assert c["基本"]["rate"] == 0.092
    assert c["EPA_インド"]["rate"] == 0.0 and c["EPA_インド"]["agreement"] == "JP-IN-CEPA"
    assert c["EPA_RCEP_中国"]["rate"] == 0.034
    assert "暫定" not in c  # an empty cell is no rate, not zero
    # a heading's rates apply to the lines below it, and say where they were set
    scrap = cells(schedule, "760200010")
    assert scrap["基本"]["rate"] == 0.0 and scrap["基本"]["set_at"] == "7602.00"
    assert scrap["EPA_インド"]["set_at"] == "760200010"
    plate = cells(schedule, "760612911")
    assert plate["WTO協定"]["rate"] == 0.02 and plate["WTO協定"]["set_at"] == "7606.12"
    # parentheses: bound but not applied; ◎: conditional
    assert cells(schedule, "760110000")["WTO協定"]["not_applied"] is True
    roof = cells(schedule, "760612010")
    assert roof["基本"]["conditional"] is True and roof["基本"]["rate"] == 0.0
    assert roof["WTO協定"]["not_applied"] is True and roof["WTO協定"]["set_at"] == "7606.12"


def test_7601_and_7602_free_in_every_column(schedule, schedule_path: Path) -> None:
    raw = json.loads(schedule_path.read_text(encoding="utf-8"))
    texts = set()
    assert [n["stat_code"] for n in raw[:3]] == ["76.01", "76.02", "7602.00"]
    for node in raw[:3]:  # headings 7601 and 7602 and their lines, read without corridor
        for n in [node, *node["children"]]:
            texts |= {v for v in n["rate"].values() if v}
    assert texts == {"無税", "(無税)"}
    rows = [r for r in schedule.rows if r["hs6"][:4] in {"7601", "7602"}]
    assert len({r["national_line"] for r in rows}) == 4
    assert rows and all(r["rate"] == 0.0 for r in rows)


def test_line_numbers_point_at_the_cell(schedule, schedule_path: Path) -> None:
    text = schedule_path.read_text(encoding="utf-8").splitlines()
    wto = cells(schedule, "760410000")["WTO協定"]
    assert '"WTO協定": "7.5%"' in text[wto["raw_row"] - 1]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("無税", (0.0, "ad_valorem", False, False)),
        ("(無税)", (0.0, "ad_valorem", True, False)),
        ("◎無税", (0.0, "ad_valorem", False, True)),
        ("7.5%", (0.075, "ad_valorem", False, False)),
        ("(３％)", (0.03, "ad_valorem", True, False)),  # full-width digits and sign
        ("10円/kg", (None, "specific", False, False)),
        ("3%又は10円/kg", (None, "specific", False, False)),
        ("free", (0.0, "ad_valorem", False, False)),
    ],
)
def test_rate_cells(cell: str, expected: tuple) -> None:
    r = parse_rate(cell)
    assert r is not None and (r.rate, r.kind, r.not_applied, r.conditional) == expected


def test_empty_cell_is_no_rate() -> None:
    assert parse_rate("") is None and parse_rate("  ") is None


# -- bad files: one line naming file, line and value ---------------------------------------------
def edited(schedule_path: Path, tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = schedule_path.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / NAME
    out.write_text(text.replace(old, new, count), encoding="utf-8")
    return out


def one_line_error(path: Path) -> str:
    with pytest.raises(InputFileError) as exc:
        parse_japan_schedule(path)
    message = str(exc.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_unknown_agreement_column(schedule_path: Path, tmp_path: Path) -> None:
    path = edited(schedule_path, tmp_path, '"EPA_インド": "無税"', '"EPA_アトランティス": "無税"')
    message = one_line_error(path)
    assert "unknown tariff column 'EPA_アトランティス'" in message and "7601.10" in message
    line = int(message.split("line ")[1].split(":")[0])
    assert "EPA_アトランティス" in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_bad_rate_cell(schedule_path: Path, tmp_path: Path) -> None:
    path = edited(schedule_path, tmp_path, '"WTO協定": "7.5%"', '"WTO協定": "7,5 percent"')
    message = one_line_error(path)
    assert "7604.10 WTO協定" in message and "'7,5 percent'" in message and "line 339" in message


def test_truncated_file(schedule_path: Path, tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_text(schedule_path.read_text(encoding="utf-8")[:20_000], encoding="utf-8")
    assert "not valid JSON" in one_line_error(path)


def test_heading_without_its_lines(schedule_path: Path, tmp_path: Path) -> None:
    raw = json.loads(schedule_path.read_text(encoding="utf-8"))
    scrap = next(n for n in raw if n["stat_code"] == "7602.00")
    scrap["children"] = []  # the two 9-digit scrap lines are missing
    path = tmp_path / NAME
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    assert "heading 7602.00 has rates but no statistical line below it" in one_line_error(path)


def test_line_without_any_rate(schedule_path: Path, tmp_path: Path) -> None:
    raw = json.loads(schedule_path.read_text(encoding="utf-8"))
    line = raw[0]["children"][0]
    line["rate"] = dict.fromkeys(line["rate"], "")
    path = tmp_path / NAME
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    assert "line 7601.10.000 has no rate in any column" in one_line_error(path)


def test_entry_missing_a_key(schedule_path: Path, tmp_path: Path) -> None:
    raw = json.loads(schedule_path.read_text(encoding="utf-8"))
    del raw[0]["children"][1]["rate"]
    path = tmp_path / NAME
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    message = one_line_error(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, t in enumerate(lines, 1) if '"stat_code": "7601.20"' in t)
    assert "entry 7601.20 has no 'rate'" in message and f"line {at}:" in message


def test_edition_needed(schedule_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "schedule.json"
    path.write_text(schedule_path.read_text(encoding="utf-8"), encoding="utf-8")
    assert "edition date is unknown" in one_line_error(path)
    assert parse_japan_schedule(path, edition=date(2026, 7, 9)).lines == 44


# -- the plain CSV ------------------------------------------------------------------------------
HEADER = "importer,partner_or_agreement,hs,rate,basis,valid_from,source\n"
GOOD = (
    HEADER
    + "JPN,*,7604.10.000,9.2%,general,2026-07-09,Japan Customs\n"
    + "JPN,*,760410000,7.5%,wto,2026-07-09,Japan Customs\n"
    + "JPN,JP-IN-CEPA,760410000,free,preferential,2026-07-09,Japan Customs\n"
    + "USA,*,760110,2.6%,wto,2024-01-01,USITC HTS\n"
    + "JPN,CHN,760410,3.4%,preferential,2026-07-09,my notes\n"
)


def test_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(GOOD, encoding="utf-8")
    rows = parse_tariff_csv(path)
    assert [(r["importer"], r["column_name"], r["rate"], r["partner"]) for r in rows] == [
        (392, "基本", 0.092, None),
        (392, "WTO協定", 0.075, None),
        (392, "EPA_インド", 0.0, None),
        (842, "wto", 0.026, None),
        (392, "preferential:CHN", 0.034, 156),
    ]
    assert rows[2]["agreement"] == "JP-IN-CEPA" and rows[0]["raw_row"] == 2


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("JPN,EPA_NARNIA,760410,free,preferential,2026-07-09,x", ["line 2", "'EPA_NARNIA'"]),
        ("JPN,*,760410,7.5 pct,wto,2026-07-09,x", ["line 2", "'7.5 pct'"]),
        ("JPN,*,7604,7.5%,wto,2026-07-09,x", ["line 2", "hs '7604'"]),
        ("JPN,*,760410,7.5%,mfn,2026-07-09,x", ["line 2", "basis 'mfn'"]),
        ("JPN,*,760410,7.5%,wto,09/07/2026,x", ["line 2", "valid_from '09/07/2026'"]),
        ("JPN,*,760410,,wto,2026-07-09,x", ["line 2", "empty rate"]),
        ("XYZ,*,760410,7.5%,wto,2026-07-09,x", ["line 2", "importer"]),
        ("JPN,*,760410,7.5%,preferential,2026-07-09,x", ["line 2", "needs an agreement"]),
    ],
)
def test_plain_csv_errors(tmp_path: Path, line: str, fragments: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + line + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as exc:
        parse_tariff_csv(path)
    message = str(exc.value)
    assert "\n" not in message and str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_plain_csv_missing_column_and_repeat(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("importer,hs,rate\nJPN,760410,7.5%\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 1: missing column.*partner_or_agreement"):
        parse_tariff_csv(path)
    path.write_text(GOOD + "JPN,*,760410000,7.5%,wto,2026-07-09,again\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="line 7: repeats line 3"):
        parse_tariff_csv(path)
