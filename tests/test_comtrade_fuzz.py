"""A seeded hostile-server fuzz over ``corridor fetch comtrade|comtrade-bulk|reference``.

Each case serves a random status, body, content type and header (redirects, bad
Content-Encoding, Retry-After in odd forms) on every path, or injects a random fault, and runs
one fetch command through the CLI. Whatever happens, the command ends in exit 0 or in one
``error:`` line with a corridor exit code — never a traceback, exit 70 or the key on screen.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from comtrade_fake import FakeComtrade, bulk_tsv, make_record, template_record

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CASES = 40
PATHS = (
    "/public/v1/preview/C/A/HS",
    "/data/v1/get/C/A/HS",
    "/bulk/v1/get/C/A/HS",
    "/bulk/v1/file/392/abc",
    *(f"/files/v1/app/reference/{n}" for n in ("Reporters.json", "partnerAreas.json", "HS.json")),
)
COMMANDS = (
    ("comtrade", "--reporter", "JPN", "--partner", "IND", "--years", "2021-2022"),
    ("comtrade-bulk", "--reporter", "JPN", "--years", "2022"),
    ("reference", "--refresh"),
)
STATUSES = (200, 201, 204, 301, 302, 304, 307, 400, 401, 403, 404, 414, 418, 429, 500, 503, 599)
CTYPES = ("application/json", "text/html", "application/TSV", "")
HEADERS = ({}, {"Retry-After": "1"}, {"Retry-After": "abc"}, {"Retry-After": "9" * 20},
           {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, {"Location": "/x"},
           {"Location": "http://[::1"}, {"Location": "//evil.example/x"},
           {"Content-Encoding": "gzip"}, {"Content-Encoding": "br"})  # fmt: skip
FAULTS = ("status", "reset", "reset-mid", "cut", "truncate", "html", "ctype", "empty", "gzip")


def bodies(records: list[dict]) -> list[bytes]:
    row = {"reporterCode": 392, "partnerCode": 699, "flowCode": "M", "cmdCode": "76",
           "refYear": 2021, "period": "2021", "primaryValue": 1}  # fmt: skip
    listing = {
        "count": 1,
        "data": [
            {
                "fileUrl": "https://comtradeapi.un.org/bulk/v1/file/392/abc",
                "fileSize": "1 KB",
                "reporterCode": 392,
                "period": 2022,
            }
        ],
    }
    return [
        b"", b"null", b"[]", b"{}", b'{"data": 5}', b'{"data": [1, 2]}', b'"text"', b"123",
        b'{"count": "x", "data": []}', b'{"data": [{"fileUrl": 5}]}', b"\xff\xfe",
        b'{"results": 5}', b'{"results": [1]}', b'{"errorObject": "boom"}',
        b'{"statusCode": "500"}', b'{"data": [{"a": 1}], "count": 1}',
        json.dumps({"count": 1, "data": [row | {"primaryValue": "abc"}]}).encode(),
        json.dumps({"count": 1, "data": [row | {"reporterCode": 99999}]}).encode(),
        json.dumps({"count": 1, "data": [row | {"cmdCode": "7699"}]}).encode(),
        json.dumps({"count": 1, "data": [row | {"primaryValue": -1}]}).encode(),
        json.dumps(listing).encode(), gzip.compress(b"garbage"),
        gzip.compress(b"a\tb\n1\t2\n"), bulk_tsv(records)[:40], bulk_tsv(records),
    ]  # fmt: skip


@pytest.fixture
def records(fixtures: Path) -> list[dict]:
    base = template_record(fixtures)
    return [
        make_record(base, reporterCode=392, partnerCode=p, flowCode="M", cmdCode="76",
                    refYear=y, primaryValue=1.0 * y)
        for y in (2021, 2022)
        for p in (699, 0)
    ]  # fmt: skip


@pytest.mark.slow
def test_hostile_servers_never_end_in_a_traceback(cli, records, monkeypatch, tmp_path: Path):
    from corridor.services import fetch as service
    from corridor.settings import get_settings

    make = service.make_client
    fast = {"sleep": lambda s: None, "calls_per_minute": 1e6}
    monkeypatch.setattr(service, "make_client", lambda *a, **kw: make(*a, **(kw | fast)))
    monkeypatch.setenv("CORRIDOR_COMTRADE_KEY", KEY)
    rng = random.Random(76)
    choices = bodies(records)
    outcomes: dict[int, int] = {}
    for case in range(CASES):
        monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / f"d{case}"))
        with FakeComtrade(records, key=KEY) as srv:
            monkeypatch.setenv("CORRIDOR_COMTRADE_URL", srv.url)
            get_settings.cache_clear()
            status, body = rng.choice(STATUSES), rng.choice(choices)
            ctype, headers = rng.choice(CTYPES), rng.choice(HEADERS)
            for path in PATHS:
                if rng.random() < 0.7:
                    srv.route(path, body, ctype)
            if rng.random() < 0.6:
                srv.add_fault(rng.choice(FAULTS), times=rng.randint(1, 4), status=status,
                              body=body, headers=headers)  # fmt: skip
            cmd = rng.choice(COMMANDS)
            res = cli("fetch", *cmd, "--timeout", "2", warehouse=tmp_path / f"w{case}.duckdb")
        where = f"case {case}: {cmd[0]} {status} {body[:30]!r} {ctype!r} {headers}"
        assert res.exit_code in (0, 1, 2, 3, 4, 5, 6), f"{where}\n{res.output}"
        assert "Traceback" not in res.output and "internal error" not in res.output, where
        assert KEY not in res.output, where
        if res.exit_code:
            errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
            assert len(errors) == 1, f"{where}\n{res.output}"
        outcomes[res.exit_code] = outcomes.get(res.exit_code, 0) + 1
    assert len(outcomes) >= 4, outcomes  # the cases really vary
