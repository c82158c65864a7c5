"""The Comtrade client and fetch loop against a real local HTTP server with injected faults."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from comtrade_fake import FakeComtrade, make_record, template_record
from corridor.errors import (
    InputFileError,
    InvalidQuery,
    ParseError,
    RateLimited,
    SourceUnavailable,
)
from corridor.services.fetch import fetch_comtrade
from corridor.sources.comtrade_client import ComtradeClient
from corridor.sources.comtrade_json import comtrade_json_plan
from corridor.sources.comtrade_query import ComtradeQuery, plan_requests
from corridor.store.ingest import ingest, raw_file
from corridor.store.warehouse import Warehouse

KEY = "FAKE-KEY-9f1c2d7e-do-not-leak"
PARTNERS = {699: 100.0, 156: 250.0, 842: 50.0}  # IND, CHN, USA → JPN, per year


@pytest.fixture
def wh(warehouse_path: Path):
    with Warehouse(warehouse_path) as w:
        yield w


@pytest.fixture
def records(fixtures: Path) -> list[dict]:
    """JPN imports of HS 76 in 2020–2022: partners, World, breakdown rows, and the mirror."""
    base = template_record(fixtures)
    out = []
    for year in (2020, 2021, 2022):
        common = {"reporterCode": 392, "flowCode": "M", "cmdCode": "76", "refYear": year}
        for partner, value in PARTNERS.items():
            out.append(make_record(base, partnerCode=partner, primaryValue=value * year, **common))
        world = sum(PARTNERS.values()) * year
        out.append(make_record(base, partnerCode=0, primaryValue=world, **common))
        # plus breakdown of the India row: would double count if requested
        for over in ({"customsCode": "C01"}, {"motCode": 2100}, {"partner2Code": 156}):
            out.append(make_record(base, partnerCode=699, primaryValue=40.0 * year,
                                   **(common | over)))  # fmt: skip
        out.append(make_record(base, reporterCode=699, partnerCode=392, flowCode="X",
                               cmdCode="76", refYear=year, primaryValue=90.0 * year))  # fmt: skip
    return out


@pytest.fixture
def server(records):
    with FakeComtrade(records, key=KEY) as srv:
        yield srv


def make_client(url: str, sleeps: list[float] | None = None, **kw) -> ComtradeClient:
    from pyrate_limiter import Duration, Limiter, Rate

    sleeps = [] if sleeps is None else sleeps
    args = {"timeout": 0.5, "max_attempts": 3, "sleep": sleeps.append}
    return ComtradeClient(url, limiter=Limiter(Rate(10_000, Duration.SECOND)), **(args | kw))


def query(**kw) -> ComtradeQuery:
    args = {"reporters": "JPN", "partners": "IND", "hs": "76", "years": [2020, 2021, 2022]}
    return ComtradeQuery(**(args | kw))


def run(wh, srv, q=None, tier="preview", sleeps=None, **kw):
    with make_client(srv.url, sleeps, key=KEY if tier == "keyed" else None) as client:
        return fetch_comtrade(wh, q or query(), tier=tier, client=client, **kw)


def trade(wh, where="true"):
    return wh.con.execute(
        f"SELECT reporter, partner, flow, year, value_usd FROM trade WHERE {where} ORDER BY ALL"
    ).fetchall()


# -- offline: recorded responses parse to exactly what they contain -------------------
RECORDED = [
    "comtrade-api/data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json",
    "comtrade-api/goods/comtradeapi.un.org/data/v1/get/C/A/HS-5e2730.json",
    "comtrade-api/services/comtradeapi.un.org/data/v1/get/S/A/EB-051bfe.json",
    "comtrade-api/services/comtradeapi.un.org/data/v1/get/S/A/EB-b31ccb.json",
    "comtrade-preview/india_exports_2022_world_total.json",
    "comtrade-preview/india_exports_2022_single_partner.json",
]


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_response_parses_exactly(fixtures: Path, wh, name: str):
    path = fixtures / name
    doc = json.loads(path.read_text())
    result = ingest(wh, raw_file(path, kind="comtrade-json"), comtrade_json_plan)
    assert result.rows_inserted == doc["count"] == len(doc["data"])
    expected = sorted(
        (r["reporterCode"], r["partnerCode"], r["flowCode"], r["refYear"], r["primaryValue"])
        for r in doc["data"]
    )
    assert trade(wh) == expected
    if doc["data"]:
        assert wh.scalar("SELECT count(*) FROM trade WHERE customs_code = 'C00' AND "
                         "mot_code = 0 AND partner2 = 0") == doc["count"]  # fmt: skip


def test_recorded_error_and_foreign_classification_are_clear(fixtures: Path, wh):
    api = fixtures / "comtrade-api"
    denied = api / "ct_perform_request_mocks/comtradeapi.un.org/data/v1/get/C/A/HS-7db768.json"
    with pytest.raises(InputFileError, match="HTTP 401"):
        ingest(wh, raw_file(denied, kind="comtrade-json"), comtrade_json_plan)
    matrix = api / "trade_matrix/comtradeapi.un.org/data/v1/getTradeMatrix/C/A/TM-5e77a2.json"
    with pytest.raises(InputFileError, match="'SS'"):
        ingest(wh, raw_file(matrix, kind="comtrade-json"), comtrade_json_plan)
    assert trade(wh) == []


def test_served_recorded_response_keyed_and_rerun_makes_no_call(fixtures: Path, wh):
    body = (fixtures / RECORDED[0]).read_bytes()
    with FakeComtrade(key=KEY) as srv:
        srv.route("/data/v1/get/C/A/HS", body)
        q = ComtradeQuery(reporters=[156], partners=[32, 276], flows="M,X", hs="TOTAL",
                          years=[2010])  # fmt: skip
        first = run(wh, srv, q, tier="keyed")
        assert (first.http_calls, first.rows_ingested) == (1, 4)
        assert srv.log[0]["headers"]["Ocp-Apim-Subscription-Key"] == KEY
        again = run(wh, srv, q, tier="keyed")
        assert (again.http_calls, again.requests_cached, again.rows_ingested) == (0, 1, 0)
        assert len(srv.log) == 1
    assert wh.scalar("SELECT count(*) FROM trade") == 4


def test_totals_never_double_count_and_world_kept_apart(wh, server):
    report = run(wh, server, query(partners="all"))
    call = server.data_calls()[0]["params"]
    assert (call["customsCode"], call["motCode"], call["partner2Code"]) == ("C00", "0", "0")
    assert "partnerCode" not in call
    assert report.rows_ingested == 12  # 3 partners + World, 3 years; no breakdown rows
    assert wh.scalar("SELECT count(*) FROM trade WHERE customs_code <> 'C00' OR mot_code <> 0 "
                     "OR partner2 <> 0") == 0  # fmt: skip
    for year in (2020, 2021, 2022):
        world = wh.scalar(f"SELECT value_usd FROM trade WHERE partner = 0 AND year = {year}")
        partners = wh.scalar(
            f"SELECT sum(value_usd) FROM trade WHERE partner <> 0 AND year = {year}"
        )
        assert world == partners == sum(PARTNERS.values()) * year
    # the same query with breakdowns returns the extra rows: the totals params matter
    plus = run(wh, server, query(partners="IND", breakdown=True), tier="keyed")
    assert plus.rows_ingested == 12  # 3 years x (total + 3 breakdown rows)


def test_mirror_fetch_and_provenance(wh, server):
    report = run(wh, server, query(mirror=True))
    assert (report.calls_planned, report.http_calls, report.rows_ingested) == (2, 2, 6)
    assert trade(wh, "flow = 'X'") == [(699, 392, "X", y, 90.0 * y) for y in (2020, 2021, 2022)]
    origins = wh.con.execute("SELECT origin, archived_path FROM raw_files").fetchall()
    assert all(o.startswith(server.url + "/public/v1/preview/C/A/HS?") for o, _ in origins)
    assert all(Path(p).is_file() and p.endswith(".json.gz") for _, p in origins)
    orphans = wh.scalar(
        "SELECT count(*) FROM trade WHERE raw_ref NOT IN (SELECT sha256 FROM raw_files)"
    )
    assert orphans == 0
    fetched = wh.con.execute("SELECT status, records, sha256 FROM fetch_requests").fetchall()
    assert sorted(r[:2] for r in fetched) == [("ok", 3), ("ok", 3)]


# -- fault injection -------------------------------------------------------------------
RECOVER = [  # (faults, HTTP calls, sleeps check)
    ([("status", {"status": 429, "headers": {"Retry-After": "1"}})], 2, [1.0]),
    ([("status", {"status": 403, "headers": {"Retry-After": "0"}})], 2, [0.0]),
    ([("status", {"status": 503})], 2, None),
    ([("status", {"status": 502}), ("status", {"status": 500})], 3, None),
    ([("slow", {"seconds": 1.0})], 2, None),
    ([("reset", {})], 2, None),
    ([("cut", {})], 2, None),
]


@pytest.mark.parametrize(("faults", "calls", "sleeps"), RECOVER)
def test_transient_faults_are_retried(wh, server, faults, calls, sleeps):
    for kind, kw in faults:
        server.add_fault(kind, **kw)
    waited: list[float] = []
    report = run(wh, server, sleeps=waited)
    assert report.http_calls == calls and report.rows_ingested == 3
    assert len(waited) == calls - 1
    if sleeps is not None:
        assert waited == sleeps  # Retry-After honoured exactly, through the injected sleep
    else:
        assert all(0 < w <= 31 for w in waited)  # exponential backoff with jitter
    assert len(trade(wh)) == 3


FAIL = [  # (fault kind, kwargs, error, message, HTTP calls)
    ("status", {"status": 503}, SourceUnavailable, r"server error \(HTTP 503\)", 3),
    ("slow", {"seconds": 1.0}, SourceUnavailable, "timeout", 3),
    ("reset", {}, SourceUnavailable, "connection failed", 3),
    ("truncate", {}, ParseError, "truncated or invalid JSON", 1),
    ("html", {}, ParseError, "HTML page", 1),
    ("ctype", {}, ParseError, "content type 'text/plain'", 1),
    ("empty", {}, ParseError, "empty response body", 1),
    ("status", {"status": 429, "headers": {"Retry-After": "86400"}}, RateLimited, "86400", 1),
    ("status", {"status": 400}, InvalidQuery, "HTTP 400", 1),
    ("status", {"status": 404}, Exception, "HTTP 404", 1),
    ("status", {"status": 200, "body": b'{"count":0,"data":[],"error":"Invalid period"}'},
     InvalidQuery, "Invalid period", 1),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "kw", "error", "message", "calls"), FAIL)
def test_failures_are_clear_and_leave_the_warehouse_unchanged(
    wh, server, kind, kw, error, message, calls
):
    repeat = calls if error is not RateLimited else 1
    for _ in range(repeat):
        server.add_fault(kind, **kw)
    waited: list[float] = []
    with pytest.raises(error, match=message) as info:
        run(wh, server, sleeps=waited)
    assert server.url in str(info.value)  # names the (redacted) URL
    assert len(server.data_calls()) == calls
    assert trade(wh) == []
    assert wh.scalar("SELECT count(*) FROM fetch_requests") == 0  # nothing archived
    if error is RateLimited:
        assert info.value.retry_after == 86400 and waited == []


def test_quota_403_names_when_to_retry(wh, server):
    body = b'{"statusCode":403,"message":"Out of call volume quota. Quota will be replenished in 02:00:00."}'  # noqa: E501
    server.add_fault("status", status=403, body=body)
    with pytest.raises(RateLimited, match="retry in 7200 s") as info:
        run(wh, server, tier="keyed")
    assert info.value.retry_after == 7200.0


def test_empty_result_is_honest_no_data(wh, server):
    report = run(wh, server, query(partners="AUS"))
    assert (report.rows_ingested, report.no_data) == (0, 1)
    assert wh.scalar("SELECT status FROM fetch_requests") == "no data"
    assert wh.scalar("SELECT status FROM ingest_journal") == "done"
    assert run(wh, server, query(partners="AUS")).http_calls == 0


def test_count_at_cap_is_split_and_refetched(wh, fixtures):
    base = template_record(fixtures)
    years = range(2015, 2025)
    recs = [make_record(base, reporterCode=392, partnerCode=699, flowCode="M", cmdCode="76",
                        refYear=y, primaryValue=float(y)) for y in years]  # fmt: skip
    with FakeComtrade(recs) as srv:
        q = query(years=years)
        (req,) = plan_requests(q, "preview")
        small = dataclasses.replace(req, params=req.params | {"maxRecords": "4"})
        report = run(wh, srv, q, requests=[small])
        assert report.splits >= 2 and report.rows_ingested == 10
        assert any("row cap" in w for w in report.warnings)
        assert trade(wh) == [(392, 699, "M", y, float(y)) for y in years]
        again = run(wh, srv, q, requests=[small])
        assert again.http_calls == 0 and again.rows_ingested == 0


def test_key_never_leaks(wh, server, tmp_path: Path, caplog, isolated_settings: Path):
    caplog.set_level(logging.DEBUG)
    run(wh, server, query(mirror=True), tier="keyed")
    server.add_fault("status", status=503)
    server.add_fault("status", status=401, body=json.dumps({"message": f"bad key {KEY}"}).encode())
    with pytest.raises(InvalidQuery) as info:
        run(wh, server, query(years=[2019]), tier="keyed")
    assert "HTTP 401" in str(info.value) and KEY not in str(info.value)
    assert all(e["headers"].get("Ocp-Apim-Subscription-Key") == KEY for e in server.log)
    assert all(KEY not in json.dumps(e["params"]) for e in server.log)
    dumped = []
    for (table,) in wh.con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        dumped.append(str(wh.con.execute(f"SELECT * FROM {table}").fetchall()))
    assert KEY not in "".join(dumped)
    import gzip

    archived = list(isolated_settings.rglob("*.gz"))
    assert archived
    for path in archived:
        assert KEY.encode() not in gzip.decompress(path.read_bytes())
    assert KEY not in caplog.text


def test_interrupted_fetch_resumes_without_duplicates(wh, server):
    q = query(partners="all", years=[2020, 2021, 2022], mirror=True)
    plan = plan_requests(q, "preview")
    assert len(plan) == 4

    def stop_after_two(p):
        if p.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(wh, server, q, progress=stop_after_two)
    assert len(server.data_calls()) == 2
    report = run(wh, server, q)
    assert (report.requests_cached, report.requests_fetched) == (2, 2)
    assert len(server.data_calls()) == 4
    total = (
        report.rows_ingested
        + wh.scalar("SELECT sum(rows_inserted) FROM ingest_journal WHERE status = 'done'")
        - report.rows_ingested
    )
    assert wh.scalar("SELECT count(*) FROM trade") == total == 15  # 12 imports + 3 mirror


def test_network_loss_resumes_on_another_host(wh, server, records):
    q = query(partners="all", mirror=True)

    def lose_network(p):
        if p.done == 1:
            server.down = True

    with pytest.raises(SourceUnavailable, match="connection failed"):
        run(wh, server, q, progress=lose_network)
    with FakeComtrade(records) as mirror_host:  # e.g. CORRIDOR_COMTRADE_URL → a proxy
        report = run(wh, mirror_host, q)
        assert report.requests_cached >= 1 and report.http_calls == len(mirror_host.log)
    assert wh.scalar("SELECT count(*) FROM trade") == 15
    keys = "reporter, partner, flow, year, hs_code, customs_code, mot_code, partner2"
    assert wh.scalar(f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM trade)") == 15
