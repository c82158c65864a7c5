"""The canonical trade record and the other tables analytics read, as names and types.

The write side (:mod:`corridor.store.schema`) turns these into DDL; the read side (the
catalog, the indicators) uses them to describe tables without opening a database.
"""

from __future__ import annotations

__all__ = ["READ_TABLES", "TRADE_COLUMNS", "ibis_schema"]

# name -> DuckDB type; the order is the view's column order.
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
    "dataset": "VARCHAR NOT NULL",  # e.g. comtrade, baci-HS17-V202401, sample
    "retrieved_at": "TIMESTAMP",  # when the raw file/response was obtained (UTC)
    "raw_ref": "VARCHAR NOT NULL",  # sha256 of the raw file or response (raw_files.sha256)
    "raw_row": "BIGINT",  # 1-based row/record in that file (BACI: NULL, key is unique)
    "synthetic": "BOOLEAN NOT NULL",
}

#: Every table analytics may read, with DuckDB types (``trade`` is a view).
READ_TABLES: dict[str, dict[str, str]] = {
    "trade": TRADE_COLUMNS,
    "ref_country": {
        "code": "SMALLINT",
        "iso3": "VARCHAR",
        "iso2": "VARCHAR",
        "name": "VARCHAR",
        "kind": "VARCHAR",
        "valid_from": "SMALLINT",
        "valid_to": "SMALLINT",
    },
    "ref_country_group": {
        "group_id": "VARCHAR",
        "code": "SMALLINT",
        "valid_from": "SMALLINT",  # first year of membership (NULL: always)
        "valid_to": "SMALLINT",  # last year of membership (NULL: still a member)
    },
    "ref_hs": {
        "hs_rev": "VARCHAR",
        "code": "VARCHAR",
        "level": "TINYINT",
        "parent": "VARCHAR",
        "name": "VARCHAR",
    },
    "raw_files": {
        "sha256": "VARCHAR",
        "origin": "VARCHAR",
        "kind": "VARCHAR",
        "bytes": "BIGINT",
        "retrieved_at": "TIMESTAMP",
        "dataset": "VARCHAR",
        "synthetic": "BOOLEAN",
    },
    "datasets": {
        "dataset": "VARCHAR",
        "source": "VARCHAR",
        "description": "VARCHAR",
        "value_unit_original": "VARCHAR",
        "weight_unit_original": "VARCHAR",
        "value_basis": "VARCHAR",
        "licence": "VARCHAR",
        "synthetic": "BOOLEAN",
    },
}

_IBIS_TYPES = {
    "SMALLINT": "int16",
    "TINYINT": "int8",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


def ibis_schema(table: str) -> dict[str, str]:
    """Column name → Ibis type string of a read table (NOT NULL kept as non-nullable)."""
    out = {}
    for name, kind in READ_TABLES[table].items():
        base = _IBIS_TYPES[kind.split()[0]]
        out[name] = f"!{base}" if "NOT NULL" in kind else base
    return out
