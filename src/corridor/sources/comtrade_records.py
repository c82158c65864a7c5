"""The UN Comtrade v1 record (47 fields) and its mapping to the canonical trade record.

The API (JSON), the bulk files and the portal CSV share these field names; only their
casing varies (``cifvalue`` vs ``cifValue``, ``PartnerCode``), so names are matched
case-insensitively. One SELECT maps a relation of records to canonical rows for all of them.
"""

from __future__ import annotations

from pathlib import Path

from corridor.errors import InputFileError
from corridor.reference.codes import IMPORT_FLOWS
from corridor.store.plan import DatasetInfo, sql_str

__all__ = [
    "COMTRADE_DATASET",
    "RECORD_FIELDS",
    "USED",
    "VALUE_FIELDS",
    "canonical_select",
    "field_lookup",
    "require_value",
]

# field -> DuckDB type, in the API's order (sources.md §1.8).
RECORD_FIELDS: dict[str, str] = {
    "typeCode": "VARCHAR",
    "freqCode": "VARCHAR",
    "refPeriodId": "BIGINT",
    "refYear": "SMALLINT",
    "refMonth": "SMALLINT",
    "period": "VARCHAR",
    "reporterCode": "SMALLINT",
    "reporterISO": "VARCHAR",
    "reporterDesc": "VARCHAR",
    "flowCode": "VARCHAR",
    "flowDesc": "VARCHAR",
    "partnerCode": "SMALLINT",
    "partnerISO": "VARCHAR",
    "partnerDesc": "VARCHAR",
    "partner2Code": "SMALLINT",
    "partner2ISO": "VARCHAR",
    "partner2Desc": "VARCHAR",
    "classificationCode": "VARCHAR",
    "classificationSearchCode": "VARCHAR",
    "isOriginalClassification": "BOOLEAN",
    "cmdCode": "VARCHAR",
    "cmdDesc": "VARCHAR",
    "aggrLevel": "SMALLINT",
    "isLeaf": "BOOLEAN",
    "customsCode": "VARCHAR",
    "customsDesc": "VARCHAR",
    "mosCode": "VARCHAR",
    "motCode": "INTEGER",
    "motDesc": "VARCHAR",
    "qtyUnitCode": "INTEGER",
    "qtyUnitAbbr": "VARCHAR",
    "qty": "DOUBLE",
    "isQtyEstimated": "BOOLEAN",
    "altQtyUnitCode": "INTEGER",
    "altQtyUnitAbbr": "VARCHAR",
    "altQty": "DOUBLE",
    "isAltQtyEstimated": "BOOLEAN",
    "netWgt": "DOUBLE",
    "isNetWgtEstimated": "BOOLEAN",
    "grossWgt": "DOUBLE",
    "isGrossWgtEstimated": "BOOLEAN",
    "cifvalue": "DOUBLE",
    "fobvalue": "DOUBLE",
    "primaryValue": "DOUBLE",
    "legacyEstimationFlag": "INTEGER",
    "isReported": "BOOLEAN",
    "isAggregate": "BOOLEAN",
}

# Fields the canonical row is built from (readers that can skip fields read only these).
USED = (
    "refYear", "period", "freqCode", "reporterCode", "partnerCode", "partner2Code", "flowCode",
    "classificationCode", "cmdCode", "aggrLevel", "customsCode", "motCode", "primaryValue",
    "cifvalue", "fobvalue", "netWgt", "qty", "qtyUnitCode", "qtyUnitAbbr", "isNetWgtEstimated",
)  # fmt: skip

# Fields without which a record cannot become a canonical row.
REQUIRED = ("refYear", "period", "reporterCode", "partnerCode", "flowCode", "cmdCode")

# The trade value: primaryValue, or else the CIF value of imports / FOB value of exports.
VALUE_FIELDS = ("primaryValue", "cifvalue", "fobvalue")

COMTRADE_DATASET = DatasetInfo(
    dataset="comtrade",
    source="comtrade",
    description="UN Comtrade final data (as reported, HS as reported); API, bulk or portal CSV",
    value_unit_original="USD",
    weight_unit_original="kg",
    value_basis="CIF (imports) / FOB (exports), as reported",
    licence="UN Comtrade terms of use (https://comtrade.un.org); cite UN Comtrade Database",
)


def field_lookup() -> dict[str, str]:
    """Map lower-cased field names to their canonical spelling."""
    return {name.lower(): name for name in RECORD_FIELDS}


def require_value(path: Path, present: set[str], where: str = "line 1") -> None:
    """Refuse records without any value field (they would load with every value NULL).

    Raises:
        InputFileError: naming the missing columns.
    """
    if not set(VALUE_FIELDS) & present:
        raise InputFileError(
            f"{path}: {where}: no trade value — none of the columns {', '.join(VALUE_FIELDS)} "
            "is present; export the file again with its value columns"
        )


def canonical_select(
    relation: str, *, present: set[str], row_number: str, file_id: str = "$file_id"
) -> str:
    """Return a SELECT mapping a relation of Comtrade records to canonical columns.

    ``present`` holds the record fields the relation has (others are NULL); ``row_number``
    is the SQL for the record's 1-based position in its file, ``file_id`` the SQL for its
    file id. Without ``primaryValue``, imports take ``cifvalue`` and exports ``fobvalue``
    (the other one when that is missing), and ``value_basis`` says which was used.
    """

    def col(name: str, fallback: str = "NULL") -> str:
        return f'c."{name}"' if name in present else fallback

    def raw(name: str) -> str:
        return f'"{name}"' if name in present else "NULL"

    flow = f"upper(trim({col('flowCode')}))"
    imports = f"{flow} IN ({', '.join(sql_str(f) for f in IMPORT_FLOWS)})"
    cif, fob, primary = col("cifvalue"), col("fobvalue"), col("primaryValue")
    if "primaryValue" in present:
        value = primary
        basis = f"""CASE WHEN {primary} IS NULL THEN NULL
                    WHEN {imports} AND {cif} IS NULL AND {fob} IS NOT NULL THEN 'FOB'
                    WHEN {imports} THEN 'CIF'
                    ELSE 'FOB' END"""
    else:
        value = f"CASE WHEN {imports} THEN coalesce({cif}, {fob}) ELSE coalesce({fob}, {cif}) END"
        basis = f"""CASE WHEN {imports} AND {cif} IS NOT NULL THEN 'CIF'
                    WHEN {fob} IS NOT NULL THEN 'FOB'
                    WHEN {cif} IS NOT NULL THEN 'CIF' END"""
    level = col("aggrLevel", "CASE WHEN c.cmd = 'TOTAL' THEN 0 ELSE length(c.cmd) END")
    unit = col("qtyUnitCode")
    qty_unit = (
        f"coalesce(nullif({col('qtyUnitAbbr')}, 'N/A'), CASE WHEN {unit} = 8 THEN 'kg' "
        f"WHEN {unit} > 0 THEN 'unit ' || {unit} END)"
    )
    return f"""
        SELECT {file_id}, {col("refYear")}, c.per,
               coalesce({col("freqCode")}, CASE WHEN length(c.per) = 6 THEN 'M' ELSE 'A' END),
               {col("reporterCode")}, {col("partnerCode")}, {col("partner2Code")},
               {flow}, coalesce({col("classificationCode")}, 'missing'),
               c.cmd, {level}, {col("customsCode")}, {col("motCode")},
               {value}, {basis},
               nullif({col("netWgt")}, 0),
               CASE WHEN {unit} = -1 THEN NULL ELSE nullif({col("qty")}, 0) END,
               {qty_unit}, {col("isNetWgtEstimated")}, c.rn
        FROM (SELECT *, trim(CAST({raw("cmdCode")} AS VARCHAR)) AS cmd,
                     trim(CAST({raw("period")} AS VARCHAR)) AS per,
                     {row_number} AS rn
              FROM {relation}) c
    """
