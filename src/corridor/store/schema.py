"""The canonical trade record and the warehouse's tables (DuckDB DDL)."""

from __future__ import annotations

__all__ = [
    "KEY_COLUMNS",
    "TRADE_COLUMNS",
    "TRADE_DDL",
    "WAREHOUSE_DDL",
]

# name -> DuckDB type; the order is the table's column order.
TRADE_COLUMNS: dict[str, str] = {
    "year": "SMALLINT NOT NULL",
    "period": "VARCHAR NOT NULL",  # '2022' (annual) or '202205' (monthly)
    "freq": "VARCHAR NOT NULL",  # A | M
    "reporter": "SMALLINT NOT NULL",  # Comtrade area code (BACI: the exporter)
    "partner": "SMALLINT NOT NULL",  # Comtrade area code, 0 = World (BACI: the importer)
    "partner2": "SMALLINT",  # second partner; 0 = total; NULL = not in source
    "flow": "VARCHAR NOT NULL",  # M | X | RM | RX | ...
    "hs_rev": "VARCHAR NOT NULL",  # H0..H6 (HS1992..HS2022)
    "hs_code": "VARCHAR NOT NULL",  # '76', '7601', '760110', 'TOTAL'
    "hs_level": "TINYINT NOT NULL",  # 0, 2, 4, 6
    "customs_code": "VARCHAR",  # C00 = total; NULL = not in source
    "mot_code": "INTEGER",  # 0 = total; NULL = not in source
    "value_usd": "DOUBLE",  # US dollars; NULL = not reported (never 0 for missing)
    "value_basis": "VARCHAR",  # CIF | FOB | NULL (no value)
    "net_weight_kg": "DOUBLE",  # kg; NULL = missing (a reported 0 kg is stored as NULL)
    "qty": "DOUBLE",  # supplementary quantity in qty_unit
    "qty_unit": "VARCHAR",
    "is_estimated_weight": "BOOLEAN",
    "source": "VARCHAR NOT NULL",  # comtrade | baci | table | sample
    "dataset": "VARCHAR NOT NULL",  # e.g. comtrade-api, baci-HS17-V202401, sample
    "retrieved_at": "TIMESTAMP",  # when the raw file/response was obtained (UTC)
    "raw_ref": "VARCHAR NOT NULL",  # sha256 of the raw file or response (raw_files.sha256)
    "raw_row": "BIGINT",  # 1-based data row / record number in that raw file
    "synthetic": "BOOLEAN NOT NULL",
}

# A row's identity: a second row with the same key replaces the first (never duplicates).
KEY_COLUMNS: tuple[str, ...] = (
    "source",
    "dataset",
    "freq",
    "period",
    "reporter",
    "partner",
    "partner2",
    "flow",
    "hs_rev",
    "hs_code",
    "customs_code",
    "mot_code",
)

TRADE_DDL = "CREATE TABLE IF NOT EXISTS trade (\n  {}\n)".format(
    ",\n  ".join(f"{name} {kind}" for name, kind in TRADE_COLUMNS.items())
)

WAREHOUSE_DDL: tuple[str, ...] = (
    TRADE_DDL,
    """CREATE TABLE IF NOT EXISTS raw_files (
        sha256 VARCHAR PRIMARY KEY,
        origin VARCHAR NOT NULL,       -- file path or URL (never with a key)
        kind VARCHAR NOT NULL,         -- baci | comtrade-csv | comtrade-json | table | sample
        bytes BIGINT NOT NULL,
        retrieved_at TIMESTAMP NOT NULL,
        archived_path VARCHAR          -- copy under the archive dir, when one is kept
    )""",
    """CREATE TABLE IF NOT EXISTS datasets (
        dataset VARCHAR PRIMARY KEY,
        source VARCHAR NOT NULL,
        description VARCHAR,
        value_unit_original VARCHAR,   -- e.g. 'thousand USD' (BACI) before conversion to USD
        weight_unit_original VARCHAR,  -- e.g. 'tonnes' (BACI) before conversion to kg
        value_basis VARCHAR,
        licence VARCHAR,
        synthetic BOOLEAN NOT NULL
    )""",
    """CREATE SEQUENCE IF NOT EXISTS ingest_run_seq""",
    """CREATE TABLE IF NOT EXISTS ingest_journal (
        run_id BIGINT PRIMARY KEY DEFAULT nextval('ingest_run_seq'),
        sha256 VARCHAR NOT NULL,
        origin VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        dataset VARCHAR,
        status VARCHAR NOT NULL,       -- started | done | failed
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        rows_read BIGINT,
        rows_inserted BIGINT,
        rows_replaced BIGINT,
        rows_skipped BIGINT,
        message VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS ref_country (
        code SMALLINT PRIMARY KEY,     -- Comtrade area code
        iso3 VARCHAR,
        iso2 VARCHAR,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,         -- country | area_nes | aggregate | historical | special
        valid_from SMALLINT,
        valid_to SMALLINT
    )""",
    """CREATE TABLE IF NOT EXISTS ref_country_group (
        group_id VARCHAR NOT NULL,
        code SMALLINT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS ref_hs (
        hs_rev VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        level TINYINT NOT NULL,
        parent VARCHAR,
        name VARCHAR NOT NULL
    )""",
)
