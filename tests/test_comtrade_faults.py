"""The permanent loopback fault suite: a hostile or broken Comtrade server, fault by fault.

Each case runs a real fetch against ``FakeComtrade`` on 127.0.0.1 and checks the error class
and exit code, a one-line message naming the URL, the number of HTTP calls and retry waits
(through the injected sleep: nothing waits on the wall clock beyond the client's own short
timeout), that nothing was archived half-way and nothing ingested from a bad body, and that
the subscription key appears in no message.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from pathlib import Path

import pytest

from comtrade_fake import FakeComtrade, make_record, template_record
from corridor.errors import (
    DataQualityError,
    InvalidQuery,
    ParseError,
    RateLimited,
    SourceUnavailable,
)
from corridor.services.fetch import fetch_comtrade
from corridor.sources.comtrade_client import ComtradeClient
from corridor.sources.comtrade_query import ComtradeQuery
from corridor.store.warehouse import Warehouse

KEY = "k3Y+/=9f1c2d7e5b6a4c3d2e1f0a9b8c"  # '+', '/', '=' change under URL encoding
TIMEOUT = 1.0  # a loaded CI machine must not time out an honest answer


@pytest.fixture
def wh(warehouse_path: Path):
    with Warehouse(warehouse_path) as w:
        yield w


@pytest.fixture
def records(fixtures: Path) -> list[dict]:
    base = template_record(fixtures)
    return [
        make_record(base, reporterCode=392, partnerCode=partner, flowCode="M", cmdCode="76",
                    refYear=year, primaryValue=value * year)
        for year in (2020, 2021, 2022)
        for partner, value in ((699, 100.0), (156, 250.0))
    ]  # fmt: skip


@pytest.fixture
def server(records):
    with FakeComtrade(records, key=KEY) as srv:
        yield srv


def client_for(srv: FakeComtrade, sleeps: list[float] | None = None) -> ComtradeClient:
    from pyrate_limiter import Duration, Limiter, Rate

    waits = [] if sleeps is None else sleeps
    return ComtradeClient(srv.url, key=KEY, limiter=Limiter(Rate(10_000, Duration.SECOND)),
                          timeout=TIMEOUT, max_attempts=3, sleep=waits.append)  # fmt: skip


def fetch(wh, srv, tier: str = "keyed", sleeps: list[float] | None = None, **kw):
    query = ComtradeQuery(reporters="JPN", partners="IND", hs="76", years=[2020, 2021, 2022])
    with client_for(srv, sleeps) as client:
        return fetch_comtrade(wh, query, tier=tier, client=client, **kw)


def archived_files(data_dir: Path) -> list[Path]:
    root = data_dir / "archive"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_nothing_kept(wh, data_dir: Path) -> None:
    assert archived_files(data_dir) == []  # not even a temp file
    assert wh.scalar("SELECT count(*) FROM fetch_requests") == 0
    assert wh.scalar("SELECT count(*) FROM raw_files") == 0
    assert wh.scalar("SELECT count(*) FROM trade") == 0


QUOTA = "Out of call volume quota. Quota will be replenished in {}."
FAILURES = [  # id, faults [(kind, kwargs)], error, exit code, message, HTTP calls, waits
    ("429-long-retry-after", [("status", {"status": 429, "headers": {"Retry-After": "86400"}})],
     RateLimited, 5, r"HTTP 429.*retry in 86400 s", 1, []),
    ("429-every-time", [("status", {"status": 429, "headers": {"Retry-After": "1"}, "times": 3})],
     RateLimited, 5, r"HTTP 429", 3, [1.0, 1.0]),
    ("5xx", [("status", {"status": 503, "times": 3})],
     SourceUnavailable, 5, r"server error \(HTTP 503\)", 3, None),
    ("5xx-retry-after-too-long",
     [("status", {"status": 503, "headers": {"Retry-After": "999999"}})],
     SourceUnavailable, 5, r"HTTP 503.*retry in 999999 s", 1, []),
    ("reset-before-answer", [("reset", {"times": 3})],
     SourceUnavailable, 5, "connection failed", 3, None),
    ("reset-mid-body", [("reset-mid", {"times": 3})],
     SourceUnavailable, 5, "connection failed", 3, None),
    ("cut-body", [("cut", {"times": 3})],
     SourceUnavailable, 5, "connection failed", 3, None),
    ("slow-past-timeout", [("hold", {"times": 3})],
     SourceUnavailable, 5, r"no answer within 1(\.0)? s \(timeout\)", 3, None),
    ("truncated-json", [("truncate", {})],
     ParseError, 3, "truncated or invalid JSON", 1, []),
    ("malformed-json", [("status", {"status": 200, "body": b'{"count": 1, "data": [}'})],
     ParseError, 3, "invalid JSON", 1, []),
    ("not-an-envelope", [("status", {"status": 200, "body": b'{"errorObject": "boom"}'})],
     InvalidQuery, 2, "boom", 1, []),
    ("html-with-200", [("html", {})], ParseError, 3, "HTML page", 1, []),
    ("wrong-content-type", [("ctype", {})], ParseError, 3, "content type 'text/plain'", 1, []),
    ("empty-body", [("empty", {})], ParseError, 3, "empty response body", 1, []),
    ("bad-gzip", [("gzip", {"times": 3})],
     SourceUnavailable, 5, r"compressed body is corrupt.*gzip", 3, None),
    ("count-mismatch", [("count", {})], ParseError, 3, r"says count 4 but holds 3", 1, []),
    ("quota-hours", [("status", {"status": 403, "body": json.dumps(
        {"statusCode": 403, "message": QUOTA.format("02:00:00")}).encode()})],
     RateLimited, 5, r"quota.*retry in 7200 s", 1, []),
    ("quota-no-time", [("status", {"status": 403, "body": json.dumps(
        {"statusCode": 403, "message": "Out of call volume quota."}).encode()})],
     RateLimited, 5, r"HTTP 403.*quota", 1, []),
    ("echoes-the-key", [("echo", {})], DataQualityError, 6, "contains the subscription key", 1,
     []),
    ("redirect-without-location", [("status", {"status": 302, "body": b"moved"})],
     SourceUnavailable, 5, "HTTP 302 without a Location", 1, []),
    ("same-origin-redirect-loop", [("redirect", {"location": "/data/v1/get/C/A/HS?again=1",
                                                 "times": 6})],
     SourceUnavailable, 5, "more than 5 redirects", 6, []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("faults", "error", "code", "message", "calls", "waits"),
    [pytest.param(*case[1:], id=case[0]) for case in FAILURES],
)
def test_fault_ends_in_one_clear_error_and_keeps_nothing(
    wh, server, isolated_settings, faults, error, code, message, calls, waits
):
    for kind, kw in faults:
        server.add_fault(kind, **kw)
    slept: list[float] = []
    with pytest.raises(error, match=message) as info:
        fetch(wh, server, sleeps=slept)
    text = str(info.value)
    assert info.value.exit_code == code
    assert "\n" not in text and server.url in text  # one line naming the (redacted) URL
    assert KEY not in text and "k3Y" not in text
    assert len(server.log) == calls
    if waits is not None:
        assert slept == waits  # Retry-After honoured exactly; never slept when told to stop
    else:
        assert len(slept) == calls - 1 and all(0 < w <= 31 for w in slept)  # backoff + jitter
    assert_nothing_kept(wh, isolated_settings)


RECOVERIES = [  # id, faults, HTTP calls, waits
    ("429-retry-after", [("status", {"status": 429, "headers": {"Retry-After": "1"}})], 2, [1.0]),
    ("429-try-again-message", [("status", {"status": 429, "body": json.dumps({
        "statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds."
    }).encode()})], 2, [3.0]),
    ("quota-seconds", [("status", {"status": 403, "body": json.dumps(
        {"statusCode": 403, "message": QUOTA.format("00:00:02")}).encode()})], 2, [2.0]),
    ("5xx-then-ok", [("status", {"status": 502}), ("status", {"status": 500})], 3, None),
    ("reset-mid-body-once", [("reset-mid", {})], 2, None),
    ("slow-once", [("hold", {})], 2, None),
    ("bad-gzip-once", [("gzip", {})], 2, None),
    ("same-origin-redirect", [("redirect", {"location": "/data/v1/get/C/A/HS?{query}&moved=1"})], 2,
     []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("faults", "calls", "waits"), [pytest.param(*case[1:], id=case[0]) for case in RECOVERIES]
)
def test_transient_fault_is_retried_then_fetched(wh, server, faults, calls, waits):
    for kind, kw in faults:
        server.add_fault(kind, **kw)
    slept: list[float] = []
    report = fetch(wh, server, sleeps=slept)
    assert (report.http_calls, report.rows_ingested) == (calls, 3)
    assert len(server.log) == calls
    if waits is not None:
        assert slept == waits
    else:
        assert len(slept) == calls - 1
    assert wh.con.execute("SELECT year, value_usd FROM trade ORDER BY year").fetchall() == [
        (y, 100.0 * y) for y in (2020, 2021, 2022)
    ]


def test_gzip_answers_like_the_real_api_are_read(wh, records):
    with FakeComtrade(records, key=KEY, gzip=True) as srv:
        report = fetch(wh, srv)
        assert report.rows_ingested == 3
        assert "gzip" in srv.log[0]["headers"].get("Accept-Encoding", "")


# -- redirects: the key never leaves the configured origin --------------------------------
def _other_origins(srv: FakeComtrade, evil: FakeComtrade) -> dict[str, str]:
    port = srv.server.server_address[1]
    return {
        "other-port": f"{evil.url}/data/v1/get/C/A/HS",
        "other-host-same-port": f"http://localhost:{port}/data/v1/get/C/A/HS",
        "scheme-relative-other-host": f"//localhost:{evil.server.server_address[1]}/x",
        "other-scheme-same-host": f"https://127.0.0.1:{port}/data/v1/get/C/A/HS",
        "not-http": "file:///etc/passwd",
    }


@pytest.mark.parametrize(
    "which",
    ["other-port", "other-host-same-port", "scheme-relative-other-host",
     "other-scheme-same-host", "not-http"],
)  # fmt: skip
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_cross_origin_redirect_is_refused(server, records, which, status):
    with FakeComtrade(records, key=KEY) as evil, client_for(server) as client:
        target = _other_origins(server, evil)[which]
        server.add_fault("redirect", status=status, location=target)
        with pytest.raises(SourceUnavailable, match="another origin — not followed") as info:
            client.get("/data/v1/get/C/A/HS", {"period": "2020"}, keyed=True)
        assert evil.log == []  # the other host heard nothing: no request, no key
    assert len(server.log) == 1
    text = str(info.value)
    assert "\n" not in text and KEY not in text and info.value.exit_code == 5
    shown = target if target.startswith(("http", "file")) else "http:" + target
    assert shown.split("?")[0] in text  # names where it was sent


def test_cross_origin_redirect_archives_nothing(wh, server, records, isolated_settings):
    with FakeComtrade(records, key=KEY) as evil:
        server.add_fault("redirect", location=f"{evil.url}/data/v1/get/C/A/HS?{{query}}")
        with pytest.raises(SourceUnavailable, match="another origin"):
            fetch(wh, server)
        assert evil.log == []
    assert_nothing_kept(wh, isolated_settings)


def test_same_origin_redirect_is_rechecked_at_every_hop(wh, server, records, isolated_settings):
    with FakeComtrade(records, key=KEY) as evil:
        server.add_fault("redirect", location="/data/v1/get/C/A/HS?hop=1")
        server.add_fault("redirect", location=f"{server.url}/data/v1/get/C/A/HS?hop=2")
        server.add_fault("redirect", location=f"{evil.url}/data/v1/get/C/A/HS?hop=3")
        with pytest.raises(SourceUnavailable, match=r"hop=2: the server redirected .*\?hop=3"):
            fetch(wh, server)
        assert evil.log == []
    assert [e["params"].get("hop") for e in server.log] == [None, "1", "2"]
    assert all(e["headers"]["Ocp-Apim-Subscription-Key"] == KEY for e in server.log)
    assert_nothing_kept(wh, isolated_settings)


def test_redirect_key_in_location_is_scrubbed(wh, server, records):
    with FakeComtrade(records, key=KEY) as evil:
        server.add_fault("redirect", location=f"{evil.url}/x?subscription-key={KEY}&k={KEY}")
        with pytest.raises(SourceUnavailable) as info:
            fetch(wh, server)
    assert KEY not in str(info.value) and "k3Y" not in str(info.value)


def test_url_for_stays_on_the_configured_origin():
    with ComtradeClient("https://comtradeapi.un.org") as client:
        for odd in ("comtradeapi.un.org.evil.example/x", "@evil.example/x", "//evil.example/x",
                    "https://evil.example/bulk/v1/file/1/a"):  # fmt: skip
            url = client.url_for(odd)
            assert url.startswith("https://comtradeapi.un.org/"), url


# -- the key in logs: a hostile server echoing it in a header ------------------------------
def test_key_echoed_in_a_response_header_never_reaches_the_logs(wh, server, caplog):
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"count": 0, "data": [], "error": ""}).encode()
    server.add_fault("status", status=200, body=body, headers={"X-Echo": f"your key is {KEY}"})
    report = fetch(wh, server)
    assert report.no_data == 1
    assert "X-Echo" in caplog.text  # httpcore logged the headers...
    assert KEY not in caplog.text and "k3Y+/=9f" not in caplog.text  # ...without the key


# -- the archive stays whole ---------------------------------------------------------------
def test_every_archived_file_is_whole_and_named_by_its_hash(wh, server, isolated_settings):
    server.add_fault("cut")
    server.add_fault("gzip")
    fetch(wh, server)
    files = archived_files(isolated_settings)
    assert len(files) == 1
    body = gzip.decompress(files[0].read_bytes())
    assert files[0].name == hashlib.sha256(body).hexdigest() + ".json.gz"
    assert KEY.encode() not in body
