"""Fetch benchmark: calls corridor makes for a 10-year all-partner HS6 corridor.

Run from the repository root::

    .venv/bin/python benchmarks/bench_fetch.py [--partners 40] [--out benchmarks/results/fetch.json]

The corridor is Japan's imports of every HS6 code under chapter 76 from all partners,
2015-2024. For the preview and keyed tiers it reports the planned calls versus the naive
"one call per year per HS code", then runs the fetch against a local server that behaves like
the API (synthetic records: ``--partners`` partners + World for every code and year; nothing
leaves 127.0.0.1), and runs it again to show the archive makes the re-run free.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the local fake server lives with the tests
FIXTURES = HERE.parent.parent / "shared" / "data" / "fixtures"


def _records(partners: int) -> list[dict]:
    from comtrade_fake import make_record, template_record
    from corridor.reference.countries import countries
    from corridor.sources.comtrade_query import expand_codes

    base = template_record(FIXTURES)
    codes = [c.code for c in countries() if c.kind == "country" and c.valid_to is None]
    chosen = [c for c in codes if c not in (392, 0)][:partners]
    out = []
    for year in range(2015, 2025):
        for cmd in expand_codes(["76"], 6):
            total = 0.0
            for i, partner in enumerate(chosen):
                value = float(1000 + i + year)
                total += value
                out.append(make_record(base, reporterCode=392, partnerCode=partner,
                                       flowCode="M", cmdCode=cmd, refYear=year,
                                       primaryValue=value))  # fmt: skip
            out.append(make_record(base, reporterCode=392, partnerCode=0, flowCode="M",
                                   cmdCode=cmd, refYear=year, primaryValue=total))  # fmt: skip
    return out


def _run_tier(tier: str, records: list[dict], work: Path) -> dict:
    import os

    from pyrate_limiter import Duration, Limiter, Rate

    from comtrade_fake import FakeComtrade
    from corridor.services.fetch import fetch_comtrade
    from corridor.settings import Settings
    from corridor.sources.comtrade_client import ComtradeClient
    from corridor.sources.comtrade_query import ComtradeQuery, plan_requests
    from corridor.store.warehouse import Warehouse

    key = "bench-key"
    query = ComtradeQuery(reporters="JPN", partners="all", hs="76", level=6,
                          years=range(2015, 2025), flows="M")  # fmt: skip
    plan = plan_requests(query, tier)
    naive = len(query.cmd_codes()) * len(query.years)
    os.environ.pop("CORRIDOR_COMTRADE_KEY", None)
    with FakeComtrade(records, key=key) as srv:
        settings = Settings(data_dir=work / tier, cache_dir=work / tier / "cache",
                            comtrade_url=srv.url)  # fmt: skip
        runs = []
        with Warehouse(work / f"{tier}.duckdb") as wh:
            for _ in range(2):
                fast = Limiter(Rate(100_000, Duration.SECOND))
                client = ComtradeClient(srv.url, key=key if tier == "keyed" else None, limiter=fast)
                start = time.perf_counter()
                with client:
                    report = fetch_comtrade(wh, query, tier=tier, client=client,
                                            settings=settings, requests=plan)  # fmt: skip
                runs.append({"http_calls": report.http_calls,
                             "requests_cached": report.requests_cached,
                             "rows_ingested": report.rows_ingested,
                             "seconds": round(time.perf_counter() - start, 2)})  # fmt: skip
            rows = wh.scalar("SELECT count(*) FROM trade")
    pace = 60 if tier == "preview" else 10
    return {
        "tier": tier,
        "planned_calls": len(plan),
        "naive_calls_one_per_year_per_code": naive,
        "call_reduction": round(naive / len(plan), 1),
        "first_run": runs[0],
        "rerun": runs[1],
        "warehouse_rows": rows,
        "source_records": len(records),
        "minutes_at_default_pace": round(len(plan) / pace, 1),
    }


def main() -> None:
    """Run the benchmark and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=40)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "fetch.json")
    args = parser.parse_args()
    records = _records(args.partners)
    with tempfile.TemporaryDirectory() as tmp:
        tiers = [_run_tier(t, records, Path(tmp)) for t in ("keyed", "preview")]
    result = {
        "benchmark": "fetch",
        "corridor": "JPN imports, HS 76 at 6 digits (38 codes), all partners, 2015-2024",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "partners_in_fake_data": args.partners,
        "tiers": tiers,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for t in tiers:
        first, naive = t["first_run"], t["naive_calls_one_per_year_per_code"]
        print(
            f"{t['tier']:8} planned {t['planned_calls']:4} calls vs {naive} naive "
            f"({t['call_reduction']}x fewer); first run {first['http_calls']} HTTP calls, "
            f"{first['rows_ingested']:,} rows in {first['seconds']} s; "
            f"re-run {t['rerun']['http_calls']} calls"
        )


if __name__ == "__main__":
    main()
