"""`corridor fetch ...` end to end against a local server: plans, keys, bulk, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from comtrade_fake import FakeComtrade, bulk_tsv, make_record, template_record
from corridor.cli.app import app
from corridor.cli.fetch import register

KEY = "FAKE-KEY-cli-4b8e0a-do-not-leak"
FAST = ["--rate", "100000", "--timeout", "2"]

register(app)  # until cli/app.py calls it itself (idempotent)


@pytest.fixture
def records(fixtures: Path) -> list[dict]:
    base = template_record(fixtures)
    out = []
    for year in range(2015, 2025):
        for partner in (699, 156, 0):
            out.append(
                make_record(
                    base,
                    reporterCode=392,
                    partnerCode=partner,
                    flowCode="M",
                    cmdCode="76",
                    refYear=year,
                    primaryValue=1000.0 + year,
                )
            )
        out.append(
            make_record(
                base,
                reporterCode=699,
                partnerCode=392,
                flowCode="X",
                cmdCode="76",
                refYear=year,
                primaryValue=900.0 + year,
            )
        )
    return out  # fmt: skip


@pytest.fixture
def server(records, monkeypatch):
    from corridor.settings import get_settings

    with FakeComtrade(records, key=KEY) as srv:
        monkeypatch.setenv("CORRIDOR_COMTRADE_URL", srv.url)
        get_settings.cache_clear()
        yield srv


def rows(warehouse_path: Path, where: str = "true") -> int:
    import duckdb

    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM trade WHERE {where}").fetchone()[0]
    finally:
        con.close()


def test_dry_run_preview_and_keyed_plans(cli, server, tmp_path: Path):
    args = ["fetch", "comtrade", "--reporter", "JPN", "--partner", "all", "--hs", "76",
            "--level", "6", "--years", "2015-2024", "--flow", "M", "--dry-run"]  # fmt: skip
    res = cli(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert plan["tier"] == "preview" and plan["limits"]["max_rows"] == 500
    assert plan["totals"]["calls"] == 190 and plan["totals"]["one_call_per_year_per_code"] == 380
    assert all(c["expected_max_records"] <= 500 for c in plan["calls"])
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    res = cli(*args, "--format", "json", "--key-file", str(key_file))
    keyed = json.loads(res.stdout)
    assert keyed["tier"] == "keyed" and keyed["totals"]["calls"] == 1
    assert keyed["calls"][0]["endpoint"] == "/data/v1/get/C/A/HS"
    table = cli(*args, "--key-file", str(key_file))
    assert "1 call(s)" in table.stdout and "dry run" in table.stdout
    assert KEY not in res.output + table.output
    assert server.log == []  # a dry run makes no call


def test_fetch_preview_then_rerun_zero_calls(cli, server, warehouse_path: Path):
    args = ["fetch", "comtrade", "--reporter", "JPN", "--partner", "IND", "--hs", "76",
            "--years", "2015-2024", "--mirror", *FAST]  # fmt: skip
    res = cli(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert (report["http_calls"], report["rows_ingested"]) == (2, 20)
    again = json.loads(cli(*args, "--format", "json").stdout)
    assert (again["http_calls"], again["requests_cached"], again["rows_ingested"]) == (0, 2, 0)
    assert len(server.log) == 2
    refreshed = json.loads(cli(*args, "--format", "json", "--refresh").stdout)
    assert refreshed["http_calls"] == 2 and len(server.log) == 4
    assert rows(warehouse_path) == 20 and rows(warehouse_path, "flow = 'X'") == 10


def test_keyed_fetch_with_env_key_never_prints_it(cli, server, warehouse_path, monkeypatch):
    from corridor.settings import get_settings

    monkeypatch.setenv("CORRIDOR_COMTRADE_KEY", KEY)
    get_settings.cache_clear()
    res = cli("fetch", "comtrade", "--reporter", "JPN", "--partner", "all", "--years",
              "2022-2024", *FAST)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert server.log[0]["path"] == "/data/v1/get/C/A/HS"
    assert server.log[0]["headers"]["Ocp-Apim-Subscription-Key"] == KEY
    assert rows(warehouse_path) == 9 and rows(warehouse_path, "partner = 0") == 3
    assert KEY not in res.output
    server.add_fault("status", status=401, body=json.dumps({"message": KEY}).encode())
    bad = cli("fetch", "comtrade", "--reporter", "JPN", "--years", "2019", *FAST)
    assert bad.exit_code == 2 and "HTTP 401" in bad.output and KEY not in bad.output


def test_errors_are_one_line_with_exit_codes(cli, server, tmp_path: Path):
    server.add_fault("status", status=429, headers={"Retry-After": "3600"})
    res = cli("fetch", "comtrade", "--reporter", "JPN", "--years", "2022", *FAST)
    assert res.exit_code == 5 and "retry in 3600 s" in res.output
    assert "Traceback" not in res.output
    res = cli("fetch", "comtrade", "--reporter", "JPN", "--years", "2022", "--tier", "keyed")
    assert res.exit_code == 2 and "CORRIDOR_COMTRADE_KEY" in res.output
    res = cli("fetch", "comtrade", "--reporter", "JPN", "--years", "2022",
              "--key-file", str(tmp_path / "missing"))  # fmt: skip
    assert res.exit_code == 2 and "no such file" in res.output


def test_bulk_files_listing_download_ingest(cli, server, records, tmp_path, warehouse_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    jpn = [r for r in records if r["reporterCode"] == 392 and r["refYear"] == 2022]
    plus = dict(jpn[0], customsCode="C01", primaryValue=1.0)  # a plus-breakdown row
    body = bulk_tsv([*jpn, plus])
    server.route("/bulk/v1/file/392/abc123", body, "application/TSV")
    listing = {"count": 1, "error": "", "data": [{
        "fileUrl": "https://comtradeapi.un.org/bulk/v1/file/392/abc123",
        "fileSize": f"{len(body) / 1024:.2f} KB", "reporterCode": 392, "period": 2022,
        "classificationCode": "H6", "rowKey": "abc123", "freqCode": "A", "typeCode": "C",
        "publicationDate": "2023-05-01T00:00:00Z"}]}  # fmt: skip
    server.route("/bulk/v1/get/C/A/HS", json.dumps(listing).encode())
    args = ["fetch", "comtrade-bulk", "--reporter", "JPN", "--years", "2022",
            "--key-file", str(key_file), *FAST, "--format", "json"]  # fmt: skip
    res = cli(*args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows_ingested"] == 4
    assert all(e["headers"].get("Ocp-Apim-Subscription-Key") == KEY for e in server.log)
    assert rows(warehouse_path, "customs_code = 'C00'") == 3  # classic totals
    assert rows(warehouse_path, "customs_code = 'C01'") == 1  # breakdown kept, apart
    again = json.loads(cli(*args).stdout)
    assert again["http_calls"] == 0 and len(server.log) == 2


def test_bulk_error_page_is_not_stored(cli, server, tmp_path, warehouse_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    server.route("/bulk/v1/file/392/bad", b"<html>oops</html>", "text/html")
    listing = {"count": 1, "error": "", "data": [{
        "fileUrl": "https://comtradeapi.un.org/bulk/v1/file/392/bad", "fileSize": "1.00 KB",
        "reporterCode": 392, "period": 2022, "rowKey": "bad"}]}  # fmt: skip
    server.route("/bulk/v1/get/C/A/HS", json.dumps(listing).encode())
    res = cli("fetch", "comtrade-bulk", "--reporter", "JPN", "--years", "2022",
              "--key-file", str(key_file), *FAST)  # fmt: skip
    assert res.exit_code == 3 and "expected a gzip file" in res.output
    assert not list((tmp_path / "corridor-data" / "archive").rglob("*.txt.gz"))


def test_reference_refresh_and_reuse(cli, server, fixtures):
    ref = fixtures / "comtrade-api" / "re_tb2/comtradeapi.un.org/files/v1/app/reference"
    hs = fixtures / "comtrade-api" / "re_tb1/comtradeapi.un.org/files/v1/app/reference/HS.json"
    server.route("/files/v1/app/reference/Reporters.json", (ref / "Reporters.json").read_bytes())
    server.route("/files/v1/app/reference/partnerAreas.json", b'{"results": [{"id": 0}]}')
    server.route("/files/v1/app/reference/HS.json", hs.read_bytes())
    res = cli("fetch", "reference", "--format", "json")
    assert res.exit_code == 0, res.output
    got = {r["file"]: r for r in json.loads(res.stdout)["rows"]}
    assert got["Reporters.json"]["entries"] == 255 and got["HS.json"]["entries"] == 8262
    assert {r["status"] for r in got.values()} == {"downloaded"}
    again = json.loads(cli("fetch", "reference", "--format", "json").stdout)
    assert {r["status"] for r in again["rows"]} == {"cached"} and len(server.log) == 3


def test_kill_9_mid_fetch_resumes(cli, server, warehouse_path: Path, tmp_path: Path):
    import threading

    release = threading.Event()
    server.add_fault("hold", at=3, event=release)  # the third call hangs until killed
    script = textwrap.dedent(f"""
        from corridor.cli.app import app
        from corridor.cli.fetch import register
        register(app)
        app(["--warehouse", {str(warehouse_path)!r}, "fetch", "comtrade", "--reporter", "JPN",
             "--partner", "all", "--years", "2015-2024", "--rate", "100000"])
    """)
    env = os.environ | {"CORRIDOR_COMTRADE_URL": server.url}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert server.arrived.wait(60), proc.communicate(timeout=5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    assert len(server.log) == 3
    res = cli("fetch", "comtrade", "--reporter", "JPN", "--partner", "all", "--years",
              "2015-2024", *FAST, "--format", "json")  # fmt: skip
    report = json.loads(res.stdout)
    assert report["requests_cached"] == 2 and report["requests_fetched"] == 3
    assert rows(warehouse_path) == 30  # 10 years x (IND, CHN, World): none lost, none twice


# -- hostile servers and arguments: one clear line, never exit 70 --------------------------
@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Retry waits the CLI's client would sleep (recorded, not slept)."""
    from corridor.services import fetch as service

    slept: list[float] = []
    make = service.make_client
    monkeypatch.setattr(
        service, "make_client", lambda *a, **kw: make(*a, **(kw | {"sleep": slept.append}))
    )
    return slept


def one_error_line(res, code: int) -> str:
    """The ``error:`` line of a failed command (asserting there is exactly one)."""
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1, res.output
    return errors[0]


def test_bad_gzip_is_retried_then_one_clear_line(cli, server, waits):
    server.add_fault("gzip", times=4)
    res = cli("fetch", "comtrade", "--reporter", "JPN", "--years", "2022", *FAST)
    line = one_error_line(res, 5)
    assert "compressed body is corrupt" in line and server.url in line
    assert len(server.log) == 4 and len(waits) == 3  # retried as a transport fault


def test_cross_origin_redirect_via_cli(cli, server, records, tmp_path, warehouse_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    with FakeComtrade(records, key=KEY) as evil:
        server.add_fault("redirect", location=f"{evil.url}/data/v1/get/C/A/HS?{{query}}")
        res = cli("fetch", "comtrade", "--reporter", "JPN", "--years", "2022",
                  "--key-file", str(key_file), *FAST)  # fmt: skip
        line = one_error_line(res, 5)
        assert evil.url in line and "not followed" in line and KEY not in res.output
        assert evil.log == []
    assert rows(warehouse_path) == 0


def test_quarantine_is_reported_then_refetched(cli, server, records, warehouse_path):
    good = [dict(r) for r in server.records]
    server.records[0] = dict(good[0], primaryValue=-1.0)  # JPN ← IND 2015: negative
    args = ["fetch", "comtrade", "--reporter", "JPN", "--partner", "IND", "--years",
            "2015-2024", *FAST]  # fmt: skip
    res = cli(*args)
    line = one_error_line(res, 3)
    assert "failed validation" in line and "negative value -1" in line
    assert "1 quarantined" in res.output and "quarantined: " in res.output
    again = cli(*args, "--format", "json")
    assert again.exit_code == 3 and len(server.log) == 2  # asked again, not reused
    assert json.loads(again.stdout)["quarantined"][0]["reason"].startswith("record 1")
    server.records[:] = good
    fixed = cli(*args, "--format", "json")
    assert fixed.exit_code == 0 and json.loads(fixed.stdout)["rows_ingested"] == 10
    assert rows(warehouse_path) == 10


def test_reference_refuses_a_non_list_and_writes_nothing(cli, server, isolated_settings):
    server.route("/files/v1/app/reference/Reporters.json", b'{"results": 5}')
    line = one_error_line(cli("fetch", "reference"), 3)
    assert "not a Comtrade reference list" in line
    assert not (isolated_settings / "reference" / "comtrade" / "Reporters.json").exists()


def test_reference_damaged_cached_copy_is_fetched_again(cli, server, isolated_settings):
    for name in ("Reporters.json", "partnerAreas.json", "HS.json"):
        server.route(f"/files/v1/app/reference/{name}", b'{"results": [{"id": 1}]}')
    assert cli("fetch", "reference").exit_code == 0
    damaged = isolated_settings / "reference" / "comtrade" / "HS.json"
    damaged.write_bytes(b'{"results": [')
    res = cli("fetch", "reference", "--format", "json")
    assert res.exit_code == 0, res.output
    got = {r["file"]: r["status"] for r in json.loads(res.stdout)["rows"]}
    assert got == {"Reporters.json": "cached", "partnerAreas.json": "cached",
                   "HS.json": "downloaded"}  # fmt: skip
    assert json.loads(damaged.read_bytes()) == {"results": [{"id": 1}]}


BAD_ARGS = [  # arguments, text the error must name
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--freq", "Q", "--dry-run"],
     "frequency 'Q' (accepted: A (annual), M (monthly))"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--freq", "Q"], "frequency 'Q'"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--hs", "7699", "--dry-run"],
     "7699 is not an HS heading in any edition (HS1992–HS2022); nearest: 7609, 7616"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--hs", "760130"], "nearest: 760120"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--level", "3"], "level 3"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--level", "6", "--hs", "72"],
     "chapter 76 only"),
    (["comtrade", "--reporter", "JPN", "--years", "2099"], "2099"),
    (["comtrade", "--reporter", "JPN", "--years", "twenty"], "years 'twenty'"),
    (["comtrade", "--reporter", "all", "--years", "2022"], "a reporter is needed"),
    (["comtrade", "--reporter", "Atlantis", "--years", "2022"], "Atlantis"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--flow", "Q"], "unknown flow"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--tier", "gold"], "tier 'gold'"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--timeout", "0"], "timeout 0"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--timeout", "nan"], "timeout nan"),
    (["comtrade", "--reporter", "JPN", "--years", "2022", "--timeout", "inf"], "timeout inf"),
    (["comtrade-bulk", "--reporter", "JPN", "--years", "2022", "--freq", "Q"],
     "the keyed tier needs a subscription key"),
    (["reference", "--timeout", "-1"], "timeout -1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "says"), BAD_ARGS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in BAD_ARGS]
)
def test_bad_arguments_are_one_clear_line(cli, server, args, says):
    line = one_error_line(cli("fetch", *args), 2)
    assert says in line
    assert server.log == []  # refused before any request


def test_bulk_bad_freq_with_a_key(cli, server, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    res = cli("fetch", "comtrade-bulk", "--reporter", "JPN", "--years", "2022", "--freq", "Q",
              "--key-file", str(key_file))  # fmt: skip
    assert "frequency 'Q'" in one_error_line(res, 2) and server.log == []


@pytest.mark.parametrize("url", ["http://", "ftp://example.org", "not a url", "http://[::1"])
def test_bad_api_url_is_one_clear_line(cli, monkeypatch, url):
    from corridor.settings import get_settings

    monkeypatch.setenv("CORRIDOR_COMTRADE_URL", url)
    get_settings.cache_clear()
    for args in (["comtrade", "--reporter", "JPN", "--years", "2022"], ["reference"]):
        assert "CORRIDOR_COMTRADE_URL" in one_error_line(cli("fetch", *args), 2)
