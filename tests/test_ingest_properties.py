"""Property tests of the parsers: generated small files load exactly or fail with one line.

Every example is checked against an independent computation in Python (row count, sums,
missing values); a file with one bad cell must fail naming the file and the line, and leave
the warehouse as it was. One warehouse serves all examples of a test (each example gets its
own dataset or file names), which keeps the suite fast.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.errors import CorridorError
from corridor.services.loading import load_files
from corridor.sources.table import TableSpec
from corridor.store.warehouse import Warehouse

CODES = [4, 36, 156, 251, 392, 490, 699, 710, 842, 899]
HS6 = ["010121", "081310", "720839", "760110", "760120", "761510", "847130", "970190"]
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_counter = itertools.count()

values = st.floats(min_value=0.001, max_value=1e7, allow_nan=False).map(lambda x: round(x, 3))
keys = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(CODES), st.sampled_from(HS6)),
    min_size=1, max_size=25, unique=True,
)  # fmt: skip
BAD = st.sampled_from([None, None, "text", "negative", "nan", "inf"])


def _bad_cell(kind: str) -> str:
    return {"text": "12x", "negative": "-5", "nan": "nan", "inf": "inf"}[kind]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("props") / "w.duckdb"
    with Warehouse(path) as warehouse:
        yield warehouse


def _state(wh: Warehouse) -> tuple:
    return wh.con.execute(
        "SELECT count(*), sum(hash(raw_ref, reporter, partner, hs_code, value_usd)) FROM trade"
    ).fetchone()


def _expect_one_line_failure(
    wh: Warehouse, path: Path, kind: str, line: int, files: list[Path] | None = None
) -> None:
    """Loading ``files`` (default: ``path``) fails naming ``path`` and ``line``; no change."""
    before = _state(wh)
    with pytest.raises(CorridorError) as err:
        load_files(wh, files or [path], kind)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert f" {line}:" in message, message
    assert _state(wh) == before


@SETTINGS
@given(rows=keys, data=st.data(), padded=st.booleans(), quoted=st.booleans(), bad=BAD)
def test_baci_files_load_exactly_or_name_the_line(wh, tmp_path, rows, data, padded, quoted, bad):
    n = next(_counter)
    v = data.draw(st.lists(values, min_size=len(rows), max_size=len(rows)))
    q = data.draw(st.lists(st.one_of(st.none(), values), min_size=len(rows), max_size=len(rows)))
    pad = (lambda s: f'"{s:>13}"') if padded else (lambda s: s)
    lines = ['"t","i","j","k","v","q"' if quoted else "t,i,j,k,v,q"]
    for (i, j, k), vi, qi in zip(rows, v, q, strict=True):
        lines.append(f"2021,{i},{j},{int(k)},{vi},{pad('NA' if qi is None else qi)}")
    where = data.draw(st.integers(0, len(rows) - 1))
    if bad:
        fields = lines[where + 1].split(",")
        fields[4] = _bad_cell(bad)
        lines[where + 1] = ",".join(fields)
    path = tmp_path / f"BACI_HS17_Y2021_V{200000 + n:06d}.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    if bad:
        _expect_one_line_failure(wh, path, "baci", where + 2)
        return
    (result,) = load_files(wh, [path], "baci")
    dataset = result.dataset
    count, usd, kg, missing = wh.con.execute(
        "SELECT count(*), sum(value_usd), sum(net_weight_kg), count(*) - count(net_weight_kg) "
        "FROM trade WHERE dataset = ?",
        [dataset],
    ).fetchone()
    assert count == len(rows) == result.rows_inserted
    assert usd == pytest.approx(sum(x * 1000 for x in v), rel=1e-9)
    known = [x * 1000 for x in q if x is not None]
    assert missing == len(q) - len(known)
    assert (kg or 0) == pytest.approx(sum(known), rel=1e-9)
    # Re-ingest: idempotent, under another name too.
    copy = tmp_path / "again" / path.name
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes(path.read_bytes())
    before = _state(wh)
    assert [r.status for r in load_files(wh, [path, copy], "baci")] == ["already ingested"] * 2
    assert _state(wh) == before


PORTAL = ["refYear", "period", "reporterCode", "partnerCode", "partnerDesc", "flowCode",
          "classificationCode", "cmdCode", "primaryValue"]  # fmt: skip


@SETTINGS
@given(rows=keys, data=st.data(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       trailing=st.booleans(), bad=BAD)  # fmt: skip
def test_portal_csv_files_load_exactly_or_name_the_line(
    wh, tmp_path, rows, data, encoding, trailing, bad
):
    n = next(_counter)
    v = data.draw(st.lists(values, min_size=len(rows), max_size=len(rows)))
    flows = data.draw(st.lists(st.sampled_from("MX"), min_size=len(rows), max_size=len(rows)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(PORTAL)
    year = 1990 + n % 30
    for (i, j, k), vi, flow in zip(rows, v, flows, strict=True):
        row = [year, year, i, j, "Côte d’Ivoire", flow, "H0", k, vi]
        writer.writerow([*row, ""] if trailing else row)
    lines = out.getvalue().splitlines(keepends=True)
    where = data.draw(st.integers(0, len(rows) - 1))
    if bad:
        lines[where + 1] = lines[where + 1].replace(f'"{v[where]}"', f'"{_bad_cell(bad)}"')
    path = tmp_path / f"TradeData-{n}.csv"
    path.write_bytes("".join(lines).encode(encoding))
    before = wh.con.execute("SELECT count(*) FROM trade WHERE dataset = 'comtrade'").fetchone()
    if bad:
        _expect_one_line_failure(wh, path, "comtrade-csv", where + 2)
        return
    (result,) = load_files(wh, [path], "comtrade-csv")
    assert result.rows_inserted == len(rows)
    got = wh.con.execute(
        "SELECT count(*), sum(value_usd) FROM trade WHERE raw_ref = ?", [result.sha256]
    ).fetchone()
    assert got[0] == len(rows) - 0 and got[1] == pytest.approx(sum(v), rel=1e-9)
    assert before is not None


@SETTINGS
@given(rows=keys, data=st.data(), bad=BAD, many=st.integers(1, 4))
def test_json_envelopes_load_exactly_or_name_the_record(wh, tmp_path, rows, data, bad, many):
    """Several envelopes in one batch: all rows land, or the bad record is named."""
    n = next(_counter)
    paths, expected = [], 0.0
    for e in range(many):
        v = data.draw(st.lists(values, min_size=len(rows), max_size=len(rows)))
        year = 1990 + (n * 4 + e) % 40
        records = [
            {"refYear": year, "period": str(year), "reporterCode": i, "partnerCode": j,
             "flowCode": "M", "cmdCode": k, "classificationCode": "H5", "primaryValue": vi}
            for (i, j, k), vi in zip(rows, v, strict=True)
        ]  # fmt: skip
        expected += sum(v)
        paths.append(tmp_path / f"r{n}-{e}.json")
        paths[-1].write_text(json.dumps({"count": len(records), "data": records, "error": ""}))
    where = data.draw(st.integers(0, len(rows) - 1))
    if bad:
        doc = json.loads(paths[-1].read_text())
        doc["data"][where]["primaryValue"] = {"text": "12x", "negative": -5.0,
                                              "nan": math.nan, "inf": math.inf}[bad]  # fmt: skip
        paths[-1].write_text(json.dumps(doc))
        _expect_one_line_failure(wh, paths[-1], "comtrade-json", where + 1, files=paths)
        return
    results = load_files(wh, paths, "comtrade-json")
    shas = [r.sha256 for r in results]
    count, total = wh.con.execute(
        "SELECT count(*), sum(value_usd) FROM trade WHERE list_contains(?, raw_ref)", [shas]
    ).fetchone()
    assert count == len(rows) * many
    assert total == pytest.approx(expected, rel=1e-9)


@SETTINGS
@given(rows=keys, data=st.data())
def test_weight_only_tables_never_yield_zeros(wh, tmp_path, rows, data):
    n = next(_counter)
    kg = data.draw(st.lists(st.one_of(st.just(0.0), st.none(), values),
                            min_size=len(rows), max_size=len(rows)))  # fmt: skip
    path = tmp_path / f"panel-{n}.csv"
    text = "year,rep,par,kg,example\n" + "".join(  # 'example': every file's content differs
        f"2010,{i},{j},{'' if w is None else w},{n}\n"
        for (i, j, _), w in zip(rows, kg, strict=True)
    )
    unique = {(i, j) for i, j, _ in rows}
    if len(unique) < len(rows):
        return  # the table's key is (reporter, partner): repeated pairs are a different test
    path.write_text(text)
    spec = TableSpec(
        mapping={"year": "year", "reporter": "rep", "partner": "par", "net_weight": "kg"},
        constants={"flow": "M", "hs_code": "7601", "hs_rev": "H0"},
        dataset=f"panel-{n}",
    )
    (result,) = load_files(wh, [path], "table", spec=spec)
    count, values_, zeros, total = wh.con.execute(
        "SELECT count(*), count(value_usd), count(*) FILTER (WHERE net_weight_kg = 0), "
        "sum(net_weight_kg) FROM trade WHERE dataset = ?",
        [spec.dataset],
    ).fetchone()
    assert count == len(rows) == result.rows_inserted
    assert values_ == 0 and zeros == 0  # missing stays NULL, never 0
    assert (total or 0) == pytest.approx(sum(w for w in kg if w), rel=1e-9)
