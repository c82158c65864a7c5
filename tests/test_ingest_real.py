"""Real files no one here wrote: CEPII BACI as released, portal CSVs as users save them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

BACI = "real/baci/BACI_HS92_Y2021_V202301_exporters_AFG_ZAF.csv"
PORTAL = "comtrade-portal-csv/TradeData.csv"


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_real_baci_release_loads_and_matches_an_independent_read(
    cli, warehouse_path: Path, tmp_path: Path, shared_data: Path
) -> None:
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    path.write_bytes((shared_data / BACI).read_bytes())
    result = cli("ingest", "baci", path)
    assert result.exit_code == 0, result.output
    # Independent read: csv module, trim the padding, 'NA' is missing, k zero-padded.
    with path.open(newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == 71_192
    corridor = [r for r in lines if r["i"] == "710" and r["j"] == "392"
                and r["k"].strip().zfill(6).startswith("76")]  # fmt: skip
    assert corridor, "South Africa → Japan chapter 76 is in the file"
    usd = sum(float(r["v"]) * 1000 for r in corridor)
    kg = sum(float(r["q"]) * 1000 for r in corridor if r["q"].strip() != "NA")
    missing_q = sum(r["q"].strip() == "NA" for r in lines)
    ((n, nulls, leading_zero),) = query(
        warehouse_path,
        "SELECT count(*), count(*) - count(net_weight_kg), "
        "count(*) FILTER (WHERE hs_code LIKE '0%') FROM trade",
    )
    assert n == 71_192 and nulls == missing_q == 2_306
    assert leading_zero == sum(len(r["k"].strip()) == 5 for r in lines) == 4_442
    ((value, weight, rows, units),) = query(
        warehouse_path,
        "SELECT sum(value_usd), sum(net_weight_kg), count(*), "
        "list(DISTINCT value_basis || '/' || qty_unit) FROM trade "
        "WHERE reporter = 710 AND partner = 392 AND year = 2021 AND hs_code LIKE '76%'",
    )
    assert rows == len(corridor)
    assert value == pytest.approx(usd, rel=1e-12)
    assert weight == pytest.approx(kg, rel=1e-12)
    assert units == ["FOB/kg"]
    ((unit_v, unit_w),) = query(
        warehouse_path, "SELECT value_unit_original, weight_unit_original FROM datasets"
    )
    assert (unit_v, unit_w) == ("thousand USD", "tonnes")


def _portal_rows(path: Path, encoding: str) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        header = [h.lstrip("\ufeff") for h in next(reader)]
        return [dict(zip(header, r[: len(header)], strict=True)) for r in reader]


def _loaded(path: Path) -> dict[tuple, tuple]:
    got = query(
        path,
        "SELECT reporter, partner, flow, value_usd, value_basis, net_weight_kg FROM trade",
    )
    return {(r[0], r[1], r[2]): r[3:] for r in got}


@pytest.mark.parametrize("bom", [False, True], ids=["utf-8", "utf-8 with BOM"])
def test_portal_csv_saved_as_utf8_loads(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path, bom: bool
) -> None:
    text = (fixtures / PORTAL).read_bytes().decode("latin-1")
    assert "Côte d" in text  # a name that is not ASCII
    path = tmp_path / "TradeData-utf8.csv"
    path.write_bytes(
        (b"\xef\xbb\xbf" if bom else b"") + text.replace("Côte d'", "Côte d’").encode()
    )
    result = cli("ingest", "comtrade-csv", path)
    assert result.exit_code == 0, result.output
    source = _portal_rows(path, "utf-8-sig")
    loaded = _loaded(warehouse_path)
    assert len(loaded) == len(source) == 1352
    for rec in source:
        value = loaded[(int(rec["reporterCode"]), int(rec["partnerCode"]), rec["flowCode"])][0]
        assert value == pytest.approx(float(rec["primaryValue"]), rel=1e-12)


def test_portal_csv_in_cp1252_loads(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path
) -> None:
    text = (fixtures / PORTAL).read_bytes().decode("latin-1").replace("Côte d'", "Côte d’")
    path = tmp_path / "TradeData-cp1252.csv"
    path.write_bytes(text.encode("cp1252"))
    assert b"\x92" in path.read_bytes()  # the curly apostrophe: not latin-1 text
    result = cli("ingest", "comtrade-csv", path)
    assert result.exit_code == 0, result.output
    assert len(_loaded(warehouse_path)) == 1352


def _without(path: Path, out: Path, drop: set[str]) -> Path:
    with path.open(encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [i for i, name in enumerate(rows[0]) if name not in drop]
    with out.open("w", encoding="latin-1", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        for row in rows:
            writer.writerow([row[i] for i in keep if i < len(row)])
    return out


def test_portal_csv_without_primary_value_uses_cif_for_imports_fob_for_exports(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path
) -> None:
    path = _without(fixtures / PORTAL, tmp_path / "TradeData.csv", {"primaryValue"})
    result = cli("ingest", "comtrade-csv", path)
    assert result.exit_code == 0, result.output
    loaded = _loaded(warehouse_path)
    source = _portal_rows(fixtures / PORTAL, "latin-1")
    assert len(loaded) == len(source)
    for rec in source:
        value, basis, _ = loaded[(int(rec["reporterCode"]), int(rec["partnerCode"]),
                                  rec["flowCode"])]  # fmt: skip
        cif, fob = rec["cifvalue"], rec["fobvalue"]
        first, other = (cif, fob) if rec["flowCode"] == "M" else (fob, cif)
        expected = first or other
        assert value == pytest.approx(float(expected), rel=1e-12)
        used_cif = expected == cif if rec["flowCode"] == "M" else not fob
        assert basis == ("CIF" if used_cif else "FOB")
    assert query(warehouse_path, "SELECT count(*) FROM trade WHERE value_usd IS NULL") == [(0,)]


def test_portal_csv_without_any_value_column_is_refused(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path
) -> None:
    drop = {"primaryValue", "cifvalue", "fobvalue"}
    path = _without(fixtures / PORTAL, tmp_path / "TradeData.csv", drop)
    result = cli("ingest", "comtrade-csv", path)
    assert result.exit_code == 3
    message = result.stderr.strip()
    assert message.count("\n") == 0
    assert f"{path}: line 1: no trade value" in message
    assert "primaryValue, cifvalue, fobvalue" in message


def test_json_records_without_primary_value_use_cif_and_fob(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path
) -> None:
    src = fixtures / "comtrade-api/data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json"
    doc = json.loads(src.read_text())
    for rec in doc["data"]:
        del rec["primaryValue"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    result = cli("ingest", "comtrade-json", path)
    assert result.exit_code == 0, result.output
    got = query(warehouse_path, "SELECT flow, value_usd, value_basis FROM trade ORDER BY raw_row")
    expected = [
        (r["flowCode"], r["cifvalue"] if r["flowCode"] == "M" else r["fobvalue"],
         "CIF" if r["flowCode"] == "M" else "FOB")
        for r in doc["data"]
    ]  # fmt: skip
    assert got == expected


def test_no_quality_finding_is_an_answer_not_missing_data(
    cli, tmp_path: Path, shared_data: Path
) -> None:
    """South Africa → Japan is BACI's only chapter-76 corridor into Japan in this cut: the
    checks find nothing there, which is said as such (it used to claim no data at all)."""
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    path.write_bytes((shared_data / BACI).read_bytes())
    assert cli("ingest", "baci", path).exit_code == 0
    args = ("quality", "--importer", "JPN", "--hs", "76", "--years", "2021")
    shown = cli(*args)
    assert shown.exit_code == 0, shown.output
    assert "no rows (nothing to report for this scope)" in shown.output
    assert "reconciled flows to Japan" in shown.output and "no exports" not in shown.output
    doc = json.loads(cli(*args, "--format", "json").stdout)
    assert doc["rows"] == [] and doc["provenance"]["datasets"] == ["baci-HS92-V202301"]
    # an importer with no data at all is still missing data, not an empty answer
    missing = cli("quality", "--importer", "TUV", "--hs", "76", "--years", "2021")
    assert missing.exit_code != 0 and "no " in missing.output


def test_shares_of_a_market_the_data_barely_covers_say_so(
    cli, tmp_path: Path, shared_data: Path
) -> None:
    """This BACI cut holds two exporters' flows, so any importer's "market" is at most two
    suppliers: South Africa's 100 % of Japan's aluminium is a share of the file, not of
    Japan's imports. Every share-bearing answer says how many countries the data holds; the
    real weight panel (dozens of suppliers of Japan) carries no such note."""
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    path.write_bytes((shared_data / BACI).read_bytes())
    assert cli("ingest", "baci", path).exit_code == 0
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    into_japan = [r for r in rows if r["j"].strip() == "392"]
    suppliers = {r["i"].strip() for r in into_japan if r["k"].strip().zfill(6).startswith("76")}
    assert suppliers == {"710"}
    said = f"the data holds only {len(suppliers)} country supplying Japan in this scope (2021"
    scope = ("--importer", "JPN", "--hs", "76", "--years", "2021")
    zaf = ("--exporter", "ZAF")
    for name, extra in (("partners", ()), ("concentration", ()), ("summary", zaf), ("mix", zaf)):
        doc = json.loads(cli(name, *scope, *extra, "--format", "json").stdout)
        assert any(n.startswith(said) for n in doc["notes"]), (name, doc["notes"])
    table = cli("partners", *scope)
    assert table.exit_code == 0 and said in " ".join(table.output.split())
    # the outlook's market total and share are of the file too
    outlook = cli("forecast", *scope, *zaf, "--horizon", "1", "--format", "json")
    assert any(n.startswith(said) for n in json.loads(outlook.stdout)["notes"]), outlook.output
    # rows without shares (unit values) carry no such note
    prices = json.loads(cli("prices", *scope, "--exporter", "ZAF", "--format", "json").stdout)
    assert not any("supplying Japan" in n for n in prices["notes"])

    panel = tmp_path / "panel.duckdb"
    loaded = cli(
        "ingest", "table", shared_data / "real/hs7601_netweight_kg_2000_2017.csv",
        "--map", "year=year,reporter=reporter_code,partner=partner_code,flow=flow",
        "--map", "net_weight=net_weight_kg", "--set", "hs_code=7601", "--set", "hs_rev=H0",
        "--dataset", "jie2020-hs7601", "--source", "comtrade", warehouse=panel,
    )  # fmt: skip
    assert loaded.exit_code == 0, loaded.output
    args = ("partners", "--importer", "JPN", "--hs", "7601", "--years", "2017")
    doc = json.loads(cli(*args, "--format", "json", warehouse=panel).stdout)
    assert len({r["supplier"] for r in doc["rows"] if r["is_country"]}) >= 5
    assert not any("supplying Japan" in n for n in doc["notes"])


def test_claims_about_a_market_the_data_barely_covers_are_not_settled(
    cli, tmp_path: Path, shared_data: Path
) -> None:
    """On the two-exporter BACI cut, "South Africa is Japan's largest supplier" used to come
    back SUPPORTED (rank 1 of the one supplier in the file). A rank, share or concentration
    claim now needs at least five supplying countries in the data; an exporter's own amount
    does not, and is still checked (against the file's rows, summed here independently)."""
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    path.write_bytes((shared_data / BACI).read_bytes())
    assert cli("ingest", "baci", path).exit_code == 0
    claims = {
        "rank": "South Africa is the largest supplier of aluminium to Japan in 2021",
        "share": "South Africa supplies 100% of Japan's aluminium imports in 2021",
        "value": "Japan imported about $112 million of unwrought aluminium from South Africa "
        "in 2021",
    }
    with path.open(newline="") as fh:
        into_japan = [r for r in csv.DictReader(fh) if r["j"].strip() == "392"]
    n = len({r["i"].strip() for r in into_japan if r["k"].strip().zfill(6).startswith("76")})
    for kind, text in claims.items():
        result = cli("check", text, "--format", "json")
        assert result.exit_code == 0, result.output
        (doc,) = json.loads(result.stdout)["results"]
        reasons = [f["reason"] for f in doc["findings"]]
        if kind == "value":
            assert doc["verdict"] == "supported", doc
            basis = next(f for f in doc["findings"] if f["verdict"] == "supported")
            zaf = [r for r in into_japan if r["i"].strip() == "710"]
            usd = sum(float(r["v"]) * 1000 for r in zaf if r["k"].strip().zfill(6)[:4] == "7601")
            assert basis["figure"] == pytest.approx(usd, rel=1e-9)
            assert not any("supplying Japan" in (r or "") for r in reasons)
        else:
            assert doc["verdict"] == "unverifiable", doc
            assert any(
                (r or "").startswith(f"the data holds only {n} country supplying Japan")
                and f"a {kind} among its suppliers" in r
                for r in reasons
            ), reasons
