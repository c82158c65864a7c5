"""An answer that passes the envelope check but fails ingest validation is quarantined.

Before: it was archived as ``ok`` and reused, so every later run made 0 calls and failed the
same way until ``--refresh``. Now nothing of it is ingested, it is moved to the archive's
quarantine folder with the reason, the other requests go on, and the next run asks again.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from comtrade_fake import FakeComtrade, bulk_tsv, make_record, template_record
from corridor.errors import InputFileError
from corridor.services.fetch import FetchIncomplete, fetch_bulk, fetch_comtrade
from corridor.sources.comtrade_client import ComtradeClient
from corridor.sources.comtrade_query import ComtradeQuery
from corridor.store.warehouse import Warehouse

KEY = "FAKE-KEY-quarantine-5a1f0c9e2b"
YEARS = (2020, 2021, 2022)


@pytest.fixture
def wh(warehouse_path: Path):
    with Warehouse(warehouse_path) as w:
        yield w


@pytest.fixture
def good(fixtures: Path) -> list[dict]:
    """JPN's imports from IND (direct) and IND's exports to JPN (mirror), 2020–2022."""
    base = template_record(fixtures)
    direct = [make_record(base, reporterCode=392, partnerCode=699, flowCode="M", cmdCode="76",
                          refYear=y, primaryValue=100.0 * y) for y in YEARS]  # fmt: skip
    mirror = [make_record(base, reporterCode=699, partnerCode=392, flowCode="X", cmdCode="76",
                          refYear=y, primaryValue=90.0 * y) for y in YEARS]  # fmt: skip
    return direct + mirror


def with_negative(records: list[dict]) -> list[dict]:
    """The same records, JPN's 2021 import value negative (passes the envelope, not ingest)."""
    out = [dict(r) for r in records]
    out[1]["primaryValue"] = out[1]["cifvalue"] = -5.0
    return out


def run(wh, srv, **kw):
    from pyrate_limiter import Duration, Limiter, Rate

    query = ComtradeQuery(reporters="JPN", partners="IND", hs="76", years=YEARS, mirror=True)
    client = ComtradeClient(srv.url, limiter=Limiter(Rate(10_000, Duration.SECOND)),
                            timeout=1, max_attempts=2, sleep=lambda s: None)  # fmt: skip
    with client:
        return fetch_comtrade(wh, query, tier="preview", client=client, **kw)


def trade(wh) -> list[tuple]:
    return wh.con.execute(
        "SELECT reporter, partner, flow, year, value_usd FROM trade ORDER BY ALL"
    ).fetchall()


def test_bad_answer_is_quarantined_refetched_and_replaced(wh, good, isolated_settings):
    with FakeComtrade(with_negative(good)) as srv:
        with pytest.raises(FetchIncomplete) as info:
            run(wh, srv)
        # the mirror request still ran and was ingested; nothing of the bad answer was
        report = info.value.report
        assert (report.requests_fetched, report.rows_ingested) == (2, 3)
        assert trade(wh) == [(699, 392, "X", y, 90.0 * y) for y in YEARS]
        (q,) = report.quarantined
        text = str(info.value)
        assert info.value.exit_code == 3 and isinstance(info.value, InputFileError)
        assert "\n" not in text and q.url in text and "negative value -5" in text
        assert "fetched again on the next run" in text and str(q.path.parent) in text
        # kept for inspection, with the reason, out of the archive's way
        qdir = isolated_settings / "archive" / "comtrade" / "quarantine"
        assert q.path.parent == qdir and q.path.is_file()
        body = json.loads(gzip.decompress(q.path.read_bytes()))
        assert body["data"][1]["primaryValue"] == -5.0
        note = (qdir / q.path.name.replace(".json.gz", ".reason.txt")).read_text()
        assert q.url in note and "negative value -5" in note
        status = wh.con.execute(
            "SELECT status, path FROM fetch_requests WHERE url_redacted = ?", [q.url]
        ).fetchone()
        assert status == ("quarantined", str(q.path))
        assert len(srv.log) == 2

        # the next run asks again (the defect: 0 calls, same failure until --refresh)
        with pytest.raises(FetchIncomplete):
            run(wh, srv)
        assert len(srv.log) == 3 and srv.log[-1]["params"]["reporterCode"] == "392"

        srv.records = good  # the API answers properly again
        fixed = run(wh, srv)
        assert (fixed.http_calls, fixed.requests_cached, fixed.rows_ingested) == (1, 1, 3)
        assert fixed.quarantined == []
    expected = [(392, 699, "M", y, 100.0 * y) for y in YEARS]
    assert trade(wh) == sorted(expected + [(699, 392, "X", y, 90.0 * y) for y in YEARS])
    assert wh.scalar("SELECT count(*) FROM fetch_requests WHERE status = 'quarantined'") == 0
    with FakeComtrade(good) as srv:
        assert run(wh, srv).http_calls == 0  # now a plain archive hit


def test_report_as_dict_lists_quarantined(wh, good):
    with FakeComtrade(with_negative(good)) as srv, pytest.raises(FetchIncomplete) as info:
        run(wh, srv)
    doc = info.value.report.as_dict()
    (entry,) = doc["quarantined"]
    assert set(entry) == {"url", "path", "reason"} and entry["reason"].startswith("record 2")
    json.dumps(doc)  # JSON-ready


def _listing(file_url: str, size: int) -> bytes:
    return json.dumps({"count": 1, "error": "", "data": [{
        "fileUrl": file_url, "fileSize": f"{size / 1024:.2f} KB", "reporterCode": 392,
        "period": 2022, "classificationCode": "H6", "rowKey": "abc123"}]}).encode()  # fmt: skip


def bulk(wh, srv):
    from pyrate_limiter import Duration, Limiter, Rate

    client = ComtradeClient(srv.url, key=KEY, limiter=Limiter(Rate(10_000, Duration.SECOND)),
                            timeout=1, max_attempts=2, sleep=lambda s: None)  # fmt: skip
    with client:
        return fetch_bulk(wh, (392,), (2022,), client=client)


def test_bulk_file_and_listing_failing_validation_are_quarantined(wh, good, isolated_settings):
    jpn = [r for r in good if r["reporterCode"] == 392]
    bad_file, good_file = bulk_tsv(with_negative(jpn)), bulk_tsv(jpn)
    with FakeComtrade(key=KEY) as srv:
        srv.route("/bulk/v1/get/C/A/HS", b'{"count": 1, "data": [{"fileSize": "1 KB"}]}')
        with pytest.raises(FetchIncomplete, match="not a bulk file listing"):
            bulk(wh, srv)  # a listing without fileUrl: passes the envelope, not the parser
        srv.route("/bulk/v1/get/C/A/HS", _listing("/bulk/v1/file/392/abc123", len(bad_file)))
        srv.route("/bulk/v1/file/392/abc123", bad_file, "application/TSV")
        with pytest.raises(FetchIncomplete, match="line 3: negative value -5") as info:
            bulk(wh, srv)  # the listing is asked for again, the file is quarantined
        assert info.value.report.requests_fetched == 2
        assert info.value.report.quarantined[0].path.name.endswith(".txt.gz")
        assert wh.scalar("SELECT count(*) FROM trade") == 0
        srv.route("/bulk/v1/file/392/abc123", good_file, "application/TSV")
        srv.route("/bulk/v1/get/C/A/HS", _listing("/bulk/v1/file/392/abc123", len(good_file)))
        report = bulk(wh, srv)
        assert (report.requests_cached, report.requests_fetched, report.rows_ingested) == (1, 1, 3)
    qdir = isolated_settings / "archive" / "comtrade-bulk" / "quarantine"
    assert len(list(qdir.glob("*.reason.txt"))) == 2
