"""Set-based checks over the rows a batch of files just inserted, and the replace step.

Each runs a fixed number of statements for the whole batch, whatever the number of files:
one validation pass per group of files that share their checks, one duplicate-key count per
physical table, one replace pass per dataset. A fault names the file, its line and the value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.errors import DataQualityError, InputFileError
from corridor.reference.codes import (
    FLOWS,
    HS_REVISIONS,
    MAX_FLOW_KG,
    MAX_FLOW_USD,
    YEAR_MAX,
    YEAR_MIN,
)
from corridor.reference.hs import ACCEPTED_HS
from corridor.store.plan import LoadPlan, RawFile, Validation, sql_str
from corridor.store.schema import PHYSICAL_KEYS, TRADE_TARGETS, new_rows

if TYPE_CHECKING:
    import duckdb

__all__ = ["Loaded", "check_duplicates", "generic_validations", "replace_rows", "validate"]


@dataclass
class Loaded:
    """One file of a batch: its plan, ids and what the ingest did with it."""

    raw: RawFile
    plan: LoadPlan
    file_id: int = 0
    run_id: int = 0
    inserted: int = 0
    replaced: int = 0


def _sql_in(values: object) -> str:
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


HS_CODE_OK = (  # string functions, not a regular expression: half the cost on 10M rows
    "hs_code = 'TOTAL' OR (length(hs_code) IN (2, 4, 6) AND ltrim(hs_code, '0123456789') = '' "
    "AND (substr(hs_code, 1, 2) BETWEEN '01' AND '97' OR substr(hs_code, 1, 2) = '99') "
    "AND substr(hs_code, 1, 2) <> '77' "
    "AND hs_level = length(hs_code))"
)


def generic_validations(plan: LoadPlan) -> list[Validation]:
    """The checks every source's rows get, in the order they are reported."""
    flows, revisions = ", ".join(FLOWS), ", ".join(HS_REVISIONS)
    return [
        Validation(
            f"year NOT BETWEEN {YEAR_MIN} AND {YEAR_MAX}",
            "year",
            f"year {{value}} outside {YEAR_MIN}–{YEAR_MAX}",
        ),
        Validation(
            "NOT isfinite(value_usd)",
            f"value_usd / {plan.value_scale}",
            "value {value} is not a number (NaN and ±Infinity are not accepted)",
        ),
        Validation(
            "NOT isfinite(net_weight_kg) OR NOT isfinite(qty)",
            f"CASE WHEN NOT isfinite(net_weight_kg) THEN net_weight_kg / {plan.weight_scale} "
            "ELSE qty END",
            "weight/quantity {value} is not a number (NaN and ±Infinity are not accepted)",
        ),
        Validation(
            "value_usd < 0",
            f"value_usd / {plan.value_scale}",
            "negative value {value:g} (values must be ≥ 0)",
        ),
        Validation(
            "net_weight_kg < 0 OR qty < 0",
            f"coalesce(net_weight_kg / {plan.weight_scale}, qty)",
            "negative weight/quantity {value:g} (must be ≥ 0)",
        ),
        Validation(
            f"value_usd > {MAX_FLOW_USD}",
            "value_usd",
            f"implausible value USD {{value:.4g}} for one flow (above USD {MAX_FLOW_USD:.0e}) — "
            "check the file's value unit",
            DataQualityError,
        ),
        Validation(
            f"net_weight_kg > {MAX_FLOW_KG}",
            "net_weight_kg",
            f"implausible weight {{value:.4g}} kg for one flow (above {MAX_FLOW_KG:.0e} kg) — "
            "check the file's weight unit",
            DataQualityError,
        ),
        Validation(
            "reporter NOT IN (SELECT code FROM ref_country)",
            "reporter",
            "unknown reporter code {value} (see `corridor countries`)",
        ),
        Validation(
            "partner NOT IN (SELECT code FROM ref_country)",
            "partner",
            "unknown partner code {value} (see `corridor countries`)",
        ),
        Validation(
            "partner2 IS NOT NULL AND partner2 NOT IN (SELECT code FROM ref_country)",
            "partner2",
            "unknown second-partner code {value}",
        ),
        Validation(
            f"NOT ({HS_CODE_OK})",
            "hs_code",
            "invalid HS code '{value}' (" + ACCEPTED_HS + ")",
        ),
        Validation(
            f"flow NOT IN {_sql_in(FLOWS)}",
            "flow",
            f"unknown flow '{{value}}' (accepted: {flows})",
        ),
        Validation(
            f"hs_rev NOT IN {_sql_in(HS_REVISIONS)}",
            "hs_rev",
            f"unknown HS revision '{{value}}' (accepted: {revisions})",
        ),
    ]


def _range(files: list[Loaded], all_ids: list[int]) -> tuple[dict[str, Any], bool]:
    ids = [f.file_id for f in files]
    lo, hi = min(ids), max(ids)
    subset = len(ids) != sum(lo <= i <= hi for i in all_ids)
    return {"lo": lo, "hi": hi, **({"ids": ids} if subset else {})}, subset


def where_in_file(con: duckdb.DuckDBPyConnection, item: Loaded, row: dict[str, Any]) -> str:
    """'line 4' for a bad row: its raw_row, or its position found by the plan's locator."""
    plan = item.plan
    if row.get("raw_row") is not None:
        return f"{plan.row_label} {row['raw_row'] + plan.row_offset}"
    if plan.locate:
        lines = plan.locate(con, row)
        if lines:
            return f"{plan.row_label} {lines[0] + plan.row_offset}"
    return f"{plan.row_label} ?"


def validate(con: duckdb.DuckDBPyConnection, files: list[Loaded]) -> None:
    """Run every file's checks: one pass per group of files with the same checks."""
    all_ids = [f.file_id for f in files]
    groups: dict[tuple, list[Loaded]] = defaultdict(list)
    for item in files:
        if item.plan.target not in TRADE_TARGETS:  # tariff rows: checked by their parsers
            continue
        checks = tuple(item.plan.validations + generic_validations(item.plan))
        groups[(item.plan.target, checks)].append(item)
    for (target, checks), members in groups.items():
        params, subset = _range(members, all_ids)
        rows = new_rows(target, subset=subset)
        counts = con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c.where})" for c in checks)
            + f" FROM {rows}",
            params,
        ).fetchone()  # fmt: skip
        for check, count in zip(checks, counts, strict=True):
            if count:
                _report(con, check, count, rows, params, members)


def _report(
    con: duckdb.DuckDBPyConnection,
    check: Validation,
    count: int,
    rows: str,
    params: dict[str, Any],
    members: list[Loaded],
) -> None:
    cur = con.execute(
        f"""SELECT file_id, raw_row, year, reporter, partner, hs_code, {check.value_sql} AS value
            FROM {rows} WHERE {check.where}
            ORDER BY file_id, raw_row NULLS LAST LIMIT 1""",
        params,
    )
    row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    item = next(m for m in members if m.file_id == row["file_id"])
    more = f" ({count:,} such rows)" if count > 1 else ""
    message = check.message.format(value=row["value"], count=count)
    raise check.error(f"{item.raw.path}: {where_in_file(con, item, row)}: {message}{more}")


def check_duplicates(con: duckdb.DuckDBPyConnection, files: list[Loaded]) -> set[str]:
    """Refuse a file in which a key appears twice (one count per physical table).

    Returns the tables in which files of the batch share keys with each other (counted in the
    same pass), for :func:`replace_rows`.
    """
    all_ids = [f.file_id for f in files]
    by_target: dict[str, list[Loaded]] = defaultdict(list)
    for item in files:
        by_target[item.plan.target].append(item)
    shared: set[str] = set()
    for target, members in by_target.items():
        keys = ", ".join(PHYSICAL_KEYS[target])
        params, subset = _range(members, all_ids)
        only = " AND list_contains($ids, file_id)" if subset else ""
        scope = f"FROM {target} WHERE file_id BETWEEN $lo AND $hi{only}"
        across = f", count(*) - count(DISTINCT hash({keys}))" if _may_share(members) else ", 0"
        repeated, overlap = con.execute(
            f"SELECT count(*) - count(DISTINCT hash(file_id, {keys})){across} {scope}", params
        ).fetchone()
        if repeated:  # a hash collision can only make this check cautious, never lax
            _report_duplicate(con, target, keys, scope, params, members)
        if overlap:
            shared.add(target)
    return shared


def _declared(members: list[Loaded]) -> list[tuple] | None:
    """Each file's declared key values (see ``LoadPlan.key_values``), or None if any lacks them."""
    declared = [m.plan.key_values for m in members]
    target = members[0].plan.target
    columns = declared[0].keys()
    if not columns or not set(columns) <= set(PHYSICAL_KEYS[target]):
        return None
    if any(d.keys() != columns for d in declared):
        return None
    return [tuple(sorted(d.items())) for d in declared]


def _may_share(members: list[Loaded]) -> bool:
    """False when no two files can hold the same key (their declared key values differ)."""
    if len(members) < 2:
        return False
    declared = _declared(members)
    return declared is None or len(set(declared)) < len(declared)


def _could_clash(
    con: duckdb.DuckDBPyConnection, target: str, members: list[Loaded], others: list[int]
) -> list[int]:
    """The earlier files among ``others`` holding rows with a key value the batch declares.

    A file of another year cannot hold a key of this batch's years: only files with such rows
    need the replace pass (zone maps on the key columns make this look cheap).
    """
    declared = _declared(members)
    if not others or declared is None:
        return others
    match = " OR ".join(
        "(" + " AND ".join(f"{c} = {sql_str(v) if isinstance(v, str) else v!r}" for c, v in d)
        + ")"
        for d in sorted(set(declared))
    )  # fmt: skip
    found = con.execute(
        f"SELECT DISTINCT file_id FROM {target} "
        f"WHERE ({match}) AND list_contains($others, file_id)",
        {"others": others},
    ).fetchall()
    return sorted(f for (f,) in found)


def _report_duplicate(
    con: duckdb.DuckDBPyConnection,
    target: str,
    keys: str,
    scope: str,
    params: dict[str, Any],
    members: list[Loaded],
) -> None:
    rows = "list_sort(list(raw_row))" if target == "trade_rows" else "NULL"
    cur = con.execute(
        f"""SELECT file_id, {keys}, {rows} AS rows, count(*) OVER () AS groups
            {scope} GROUP BY file_id, {keys} HAVING count(*) > 1 ORDER BY file_id LIMIT 1""",
        params,
    )
    found = cur.fetchone()
    if found is None:
        return
    row = dict(zip([d[0] for d in cur.description], found, strict=True))
    if target == "trade_baci":
        row.update(reporter=row["exporter"], partner=row["importer"])
    item = next(m for m in members if m.file_id == row["file_id"])
    plan = item.plan
    lines = row["rows"] or (plan.locate(con, row) if plan.locate else [])
    lines = sorted(n for n in lines if n is not None)
    first, second = [*lines, None, None][:2]
    label = plan.row_label
    where = (
        f"{label} {second + plan.row_offset} repeats the key of {label} {first + plan.row_offset}"
        if second is not None
        else "a key is repeated"
    )
    more = f"; {row['groups']:,} keys repeated" if row["groups"] > 1 else ""
    period = row.get("period", row.get("year"))
    raise InputFileError(
        f"{item.raw.path}: {where} (reporter {row['reporter']}, partner {row['partner']}, "
        f"period {period}, hs {row['hs_code']}){more} — each key may appear once per file"
    )


def replace_rows(
    con: duckdb.DuckDBPyConnection, files: list[Loaded], shared: set[str] | None = None
) -> None:
    """Delete rows that the batch's rows supersede; count per file what it replaced.

    As if the files were loaded one after the other: a row replaces the row with the same key
    (and source, dataset) of an earlier file — one of another ingest, or one earlier in this
    batch. ``replaced`` counts, per file, its rows whose key an earlier file held.
    ``shared``: the tables where batch files share keys (None: not known, look).
    """
    scopes: dict[tuple[str, str, str], list[Loaded]] = defaultdict(list)
    for item in files:
        info = item.plan.dataset
        scopes[(item.plan.target, info.dataset, info.source)].append(item)
    for (target, dataset, source), members in scopes.items():
        ids = [m.file_id for m in members]
        others = con.execute(
            """SELECT list(file_id) FROM raw_files
               WHERE dataset = $ds AND source = $src AND NOT list_contains($ids, file_id)""",
            {"ds": dataset, "src": source, "ids": ids},
        ).fetchone()[0]
        others = _could_clash(con, target, members, others or [])
        overlap = (
            len(members) > 1 and (shared is None or target in shared) and _overlap(con, target, ids)
        )
        if not others and not overlap:
            continue
        counts = _replaced_counts(con, target, ids, others, overlap)
        for item in members:
            item.replaced = counts.get(item.file_id, 0)
        keys = PHYSICAL_KEYS[target]
        cols = ", ".join(keys)
        match = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in keys)
        old = ", ".join(f"o.{k}" for k in keys)
        new = f"(SELECT {cols}, file_id, hash({cols}) AS h FROM {target} WHERE {_batch(ids)})"
        if others:
            con.execute(
                f"""DELETE FROM {target} o USING (SELECT DISTINCT {cols}, h FROM {new}) n
                    WHERE list_contains($others, o.file_id) AND hash({old}) = n.h AND {match}""",
                {"ids": ids, "others": others},
            )
        if overlap:
            con.execute(
                f"""DELETE FROM {target} o USING (SELECT {cols}, h, max(file_id) AS last FROM {new}
                                               GROUP BY ALL HAVING count(*) > 1) n
                    WHERE {_batch(ids, "o.")} AND o.file_id < n.last
                          AND hash({old}) = n.h AND {match}""",
                {"ids": ids},
            )


def _batch(ids: list[int], alias: str = "") -> str:
    """SQL selecting rows of the files ``$ids`` (the range lets zone maps skip other files)."""
    return (
        f"{alias}file_id BETWEEN {min(ids)} AND {max(ids)} AND list_contains($ids, {alias}file_id)"
    )


def _overlap(con: duckdb.DuckDBPyConnection, target: str, ids: list[int]) -> bool:
    cols = ", ".join(PHYSICAL_KEYS[target])
    return bool(
        con.execute(
            f"SELECT count(*) - count(DISTINCT hash({cols})) FROM {target} WHERE {_batch(ids)}",
            {"ids": ids},
        ).fetchone()[0]
    )


def _replaced_counts(
    con: duckdb.DuckDBPyConnection, target: str, ids: list[int], others: list[int] | None,
    overlap: bool,
) -> dict[int, int]:  # fmt: skip
    keys = PHYSICAL_KEYS[target]
    cols = ", ".join(keys)
    conditions = []
    if overlap:
        conditions.append("min(n.file_id) OVER (PARTITION BY n.h, " + ", ".join(
            f"n.{k}" for k in keys) + ") < n.file_id")  # fmt: skip
    if others:
        match = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in keys)
        old = ", ".join(f"o.{k}" for k in keys)
        conditions.append(
            f"EXISTS (SELECT 1 FROM {target} o WHERE list_contains($others, o.file_id) "
            f"AND hash({old}) = n.h AND {match})"
        )
    rows = con.execute(
        f"""SELECT file_id, count(*) FILTER (WHERE hit) FROM (
                SELECT n.file_id, ({" OR ".join(conditions)}) AS hit
                FROM (SELECT {cols}, file_id, hash({cols}) AS h FROM {target}
                      WHERE {_batch(ids)}) n)
            GROUP BY file_id""",
        {"ids": ids, **({"others": others} if others else {})},
    ).fetchall()
    return dict(rows)
