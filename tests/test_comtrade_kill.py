"""kill -9 at seeded random moments of ``corridor fetch comtrade``, then a re-run to completion.

A real subprocess runs the keyed fetch against the loopback fake (gzip answers, like the real
API) with ``CORRIDOR_COMTRADE_URL`` pointing at it; the fake itself SIGKILLs the process on a
seeded request, at a seeded phase: when the request arrives, half-way through the body, or a
seeded moment after the body (while the client checks, archives or ingests it). After each
trial the warehouse must equal a clean run's exactly — every table, in order, but for the
retrieval time and the local archive path — and the key must be nowhere it should not be:
archive files, the warehouse files, stdout/stderr of every run.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from comtrade_fake import FakeComtrade, make_record, template_record
from corridor.store.schema import TRADE_COLUMNS

pytestmark = pytest.mark.slow

KEY = "9f1c2d7e5b6a4c3d2e1f0a9b8c7d6e5f"
FORMS = [KEY.encode(), quote(KEY).encode(), quote_plus(KEY).encode(), KEY[:16].encode()]
YEARS = range(1989, 2025)  # 36 years: 3 keyed calls (12 periods each) + 3 mirror calls
ARGS = ["fetch", "comtrade", "--reporter", "JPN", "--partner", "all", "--hs", "76", "--years",
        f"{YEARS[0]}-{YEARS[-1]}", "--mirror", "--rate", "100000", "--timeout", "10",
        "--format", "json"]  # fmt: skip
PARTNERS = {699: 11.0, 156: 29.0, 0: 40.0}  # IND, CHN, World → JPN
TRIALS = 3


@pytest.fixture(scope="module")
def records(shared_data: Path) -> list[dict]:
    base = template_record(shared_data / "fixtures")
    out = []
    for year in YEARS:
        for partner, share in PARTNERS.items():
            out.append(make_record(base, reporterCode=392, partnerCode=partner, flowCode="M",
                                   cmdCode="76", refYear=year, primaryValue=share * year,
                                   netWgt=share * 10.0))  # fmt: skip
        out.append(make_record(base, reporterCode=699, partnerCode=392, flowCode="X",
                               cmdCode="76", refYear=year, primaryValue=9.0 * year))  # fmt: skip
    return out


def corridor_cmd() -> list[str]:
    script = Path(sys.executable).with_name("corridor")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from corridor.cli.app import main; main()"]


def start(root: Path, url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_")}
    env |= {"CORRIDOR_COMTRADE_URL": url, "CORRIDOR_COMTRADE_KEY": KEY}
    env |= {"CORRIDOR_DATA_DIR": str(root / "data"), "CORRIDOR_CACHE_DIR": str(root / "cache")}
    return subprocess.Popen(
        [*corridor_cmd(), "--warehouse", str(root / "w.duckdb"), *ARGS],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finish(proc: subprocess.Popen) -> tuple[int, bytes]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table a fetch writes, ordered; minus retrieval times and local archive paths."""
    import duckdb

    trade_cols = ", ".join(c for c in TRADE_COLUMNS if c != "retrieved_at")
    queries = {
        "trade": f"SELECT {trade_cols} FROM trade ORDER BY ALL",
        "raw_files": """SELECT sha256, origin, kind, bytes, source, dataset, hs_rev, synthetic
                        FROM raw_files ORDER BY sha256""",
        "fetch_requests": """SELECT request_key, url_redacted, sha256, status, records
                             FROM fetch_requests ORDER BY request_key""",
        "datasets": "SELECT * FROM datasets ORDER BY ALL",
        "ingested": """SELECT sha256, kind, dataset, rows_inserted FROM ingest_journal
                       WHERE status = 'done' ORDER BY ALL""",
    }
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        con.close()


def key_leaks(root: Path, outputs: list[bytes]) -> list[str]:
    """Where the key (or a URL-encoded or half form of it) shows up: files and outputs."""
    found = [f"output {i}" for i, out in enumerate(outputs) if any(f in out for f in FORMS)]
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            with contextlib.suppress(OSError, EOFError, zlib.error):
                data += gzip.decompress(data)
        if any(f in data for f in FORMS):
            found.append(str(path))
    return found


def archive_is_whole(root: Path) -> None:
    """Every archived body decompresses to the content its name promises."""
    import hashlib

    for path in (root / "data" / "archive").rglob("*.json.gz"):
        body = gzip.decompress(path.read_bytes())
        assert path.name == hashlib.sha256(body).hexdigest() + ".json.gz", path


def test_kill_9_at_random_moments_then_resume_equals_a_clean_run(records, tmp_path: Path):
    with FakeComtrade(records, key=KEY, gzip=True) as srv:
        clean_dir = tmp_path / "clean"
        code, out = finish(start(clean_dir, srv.url))
        assert code == 0, out.decode()
        report = json.loads(out[: out.rindex(b"}") + 1])
        assert (report["http_calls"], report["requests_fetched"]) == (6, 6)
        clean = snapshot(clean_dir / "w.duckdb")
        calls = len(srv.log)
        # the clean run holds exactly what the server serves (computed here, not by corridor)
        expected = sorted(
            (r["reporterCode"], r["partnerCode"], r["flowCode"], r["refYear"], r["primaryValue"])
            for r in records
        )
        got = snapshot_values(clean_dir / "w.duckdb")
        assert got == expected and len(clean["trade"]) == len(records) == 36 * 4

        rng = random.Random(20261202)
        outputs = [out]
        kills = 0
        for trial in range(TRIALS):
            root = tmp_path / f"trial{trial}"
            for n in range(rng.randint(1, 2)):  # one or two kills, then a run to the end
                srv.faults.clear()
                phase = rng.choice(["arrival", "mid", "after"])
                delay = round(rng.uniform(0, 0.25), 3) if phase == "after" else 0.0
                at = len(srv.log) + rng.randint(1, 3 - n)  # ≤ 5 of 6 done: the kill happens
                srv.add_fault("kill", at=at, phase=phase, seconds=delay)
                proc = start(root, srv.url)
                srv.kill_pid = proc.pid
                code, out = finish(proc)
                outputs.append(out)
                kills += code == -9
                assert code in (-9, 0), out.decode()
                assert key_leaks(root, outputs) == []
                archive_is_whole(root)
            srv.faults.clear()
            code, out = finish(start(root, srv.url))
            outputs.append(out)
            assert code == 0, out.decode()
            assert snapshot(root / "w.duckdb") == clean, f"trial {trial}"
            assert key_leaks(root, outputs) == []
            archive_is_whole(root)
        assert kills >= TRIALS  # every planned kill happened
        assert len(srv.log) > calls
    assert key_leaks(clean_dir, outputs) == []
    assert all(e["headers"].get("Ocp-Apim-Subscription-Key") == KEY for e in srv.log)


def snapshot_values(db: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT reporter, partner, flow, year, value_usd FROM trade ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
