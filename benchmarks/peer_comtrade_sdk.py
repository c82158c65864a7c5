"""The peer: un-comtrade-sdk 1.0.3 (``pip install -e ".[bench]"``) parsing and storing envelopes.

What its own pipeline does with an API answer, on saved envelopes: ``json.loads`` of the body
(as ``un_comtrade.transport`` does), ``TradeParser.parse_records`` on ``data`` (validation,
typed ``TradeRecord`` objects, dedup), then ``DuckDBWriter.store`` of one ``CanonicalDataset``
holding every record (its bulk Arrow path: one store call for all files, the peer's fastest
way). Records the parser drops are counted, not hidden.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

__all__ = ["peer_ingest"]


def peer_ingest(paths: list[Path], db_path: Path) -> dict[str, Any]:
    """Parse every envelope and store all records in a DuckDB file; return counts and times."""
    from un_comtrade.parser import TradeParser
    from un_comtrade.storage._base import StorageConfig
    from un_comtrade.storage.duckdb import DuckDBWriter
    from un_comtrade.transform import CanonicalDataset

    start = time.perf_counter()
    parser = TradeParser(log_skipped=False)
    records: list[Any] = []
    skipped = read = 0
    for path in paths:
        envelope = json.loads(path.read_bytes().decode("utf-8"))
        result = parser.parse_records(envelope["data"])
        read += len(envelope["data"])
        records.extend(result.records)
        skipped += result.skipped
    parsed = time.perf_counter()
    dataset = CanonicalDataset(
        name="bench", records=tuple(records), parser_name="TradeParser", skipped=skipped,
        source_count=read,
    )  # fmt: skip
    DuckDBWriter().store(dataset, StorageConfig(root=str(db_path), overwrite=True))
    stored = time.perf_counter()
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    rows, r490, p899 = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE reporter_code = 490),
                  count(*) FILTER (WHERE partner_code = 899) FROM trade_records"""
    ).fetchone()
    con.close()
    return {
        "rows": rows,
        "records_read": read,
        "records_dropped": read - rows,
        "rows_reporter_490": r490,
        "rows_partner_899": p899,
        "seconds": stored - start,
        "steps": {"json_loads_and_parse": parsed - start, "duckdb_store": stored - parsed},
    }
