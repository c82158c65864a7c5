"""The warehouse table of tariff rates (``tariff_lines``), apart from the trade tables.

One row per rate cell: a national line of a schedule (Japan: 9-digit statistical code) in
one column (general, temporary, WTO, GSP, LDC or an agreement), with the file it came from
(``file_id`` → ``raw_files``: sha256, origin, retrieval time, dataset, source). Its key —
``(importer, national_line, column_name, partner, valid_from)`` — is unique per file, and a
newer file of the same dataset replaces rows with the same key (see :mod:`store.ingest`).
"""

from __future__ import annotations

__all__ = ["TARIFF_COLUMN_NAMES", "TARIFF_DDL", "TARIFF_KEY"]

_TYPES = {
    "int16": "SMALLINT",
    "int64": "BIGINT",
    "string": "VARCHAR",
    "float64": "DOUBLE",
    "bool": "BOOLEAN",
    "date32": "DATE",
}
_NOT_NULL = {"importer", "national_line", "hs6", "column_name", "basis", "rate_text", "kind",
             "not_applied", "conditional", "set_at", "valid_from", "source"}  # fmt: skip

#: A row's identity within a dataset.
TARIFF_KEY = ("importer", "national_line", "column_name", "partner", "valid_from")


def _ddl() -> str:
    from corridor.reference.tariffs import TARIFF_COLUMNS

    cols = ["file_id INTEGER NOT NULL"] + [
        f"{c.name} {_TYPES[c.dtype]}{' NOT NULL' if c.name in _NOT_NULL else ''}"
        for c in TARIFF_COLUMNS
    ]
    return "CREATE TABLE IF NOT EXISTS tariff_lines (\n  " + ",\n  ".join(cols) + "\n)"


TARIFF_DDL: tuple[str, ...] = (_ddl(),)


def _names() -> tuple[str, ...]:
    from corridor.reference.tariffs import TARIFF_COLUMNS

    return tuple(c.name for c in TARIFF_COLUMNS)


#: The table's columns after ``file_id``, in order.
TARIFF_COLUMN_NAMES: tuple[str, ...] = _names()
