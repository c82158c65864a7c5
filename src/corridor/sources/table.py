r"""Any tidy CSV or Parquet file, given a column mapping and declared units.

Example — the HS 7601 net-weight panel (weights only, so values stay NULL, never 0)::

    corridor ingest table hs7601_netweight_kg_2000_2017.csv \\
        --map year=year,reporter=reporter_code,partner=partner_code,flow=flow,\\
net_weight=net_weight_kg --set hs_code=7601 --set hs_rev=H0 --dataset jie2020-hs7601
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corridor.errors import InputFileError, InvalidQuery, first_line
from corridor.reference.codes import FLOWS, HS_REVISIONS
from corridor.sources.registry import FileKind
from corridor.store.plan import DatasetInfo, LoadPlan, RawFile, sql_str

__all__ = ["FIELDS", "KIND", "TableSpec", "parse_mapping", "table_plan"]

# Fields a column can be mapped to, with what each means.
FIELDS: dict[str, str] = {
    "year": "calendar year (integer)",
    "period": "YYYY or YYYYMM (default: the year)",
    "freq": "A or M (default A)",
    "reporter": "reporting country: Comtrade code or ISO3",
    "partner": "partner country: Comtrade code or ISO3",
    "partner2": "second partner: Comtrade code or ISO3",
    "flow": ", ".join(FLOWS),
    "hs_rev": "–".join((min(HS_REVISIONS), max(HS_REVISIONS))),
    "hs_code": "HS code, 2/4/6 digits",
    "customs_code": "customs procedure code, C00 = total",
    "mot_code": "mode of transport code, 0 = total",
    "value": "trade value in --value-unit",
    "net_weight": "net weight in --weight-unit",
    "qty": "supplementary quantity",
    "qty_unit": "unit of qty",
    "is_estimated_weight": "true when the weight is estimated",
}
REQUIRED = ("year", "reporter", "partner", "flow", "hs_code", "hs_rev")
# Fields converted to a type on the way in: field -> (DuckDB type, what is accepted).
CONVERTED = {
    "year": ("SMALLINT", "a whole-number year"),
    "mot_code": ("INTEGER", "a whole-number mode-of-transport code"),
    "value": ("DOUBLE", "a number"),
    "net_weight": ("DOUBLE", "a number"),
    "qty": ("DOUBLE", "a number"),
    "is_estimated_weight": ("BOOLEAN", "true or false"),
}
VALUE_UNITS = {"usd": 1.0, "kusd": 1e3, "musd": 1e6}
WEIGHT_UNITS = {"kg": 1.0, "t": 1e3, "kt": 1e6}


@dataclass(frozen=True)
class TableSpec:
    """What the user declared about a tidy file."""

    mapping: dict[str, str]  # field -> column name in the file
    constants: dict[str, str] = field(default_factory=dict)  # field -> constant value
    dataset: str = "table"
    source: str = "table"
    value_unit: str = "usd"
    weight_unit: str = "kg"
    value_basis: str | None = None
    description: str = ""
    licence: str = "as stated by the data's publisher"
    synthetic: bool = False


def parse_mapping(items: list[str], *, what: str = "--map") -> dict[str, str]:
    """Parse ``field=column`` pairs (comma-separated or repeated) into a dict."""
    out: dict[str, str] = {}
    for item in ",".join(items).split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip().lower()
        if not sep or not value.strip():
            raise InvalidQuery(f"{what} '{item}': expected field=value")
        if name not in FIELDS:
            raise InvalidQuery(f"{what} '{name}': unknown field (accepted: {', '.join(FIELDS)})")
        out[name] = value.strip()
    return out


def _file_columns(relation: str) -> dict[str, str]:
    import duckdb

    con = duckdb.connect()
    try:
        return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    finally:
        con.close()


def _country(expr: str, kind: str) -> str:
    """SQL turning a code or ISO3 column into a Comtrade code (NULL when unknown)."""
    if kind in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                "UINTEGER", "UBIGINT"}:  # fmt: skip
        return f"TRY_CAST({expr} AS SMALLINT)"
    return (
        f"coalesce(TRY_CAST({expr} AS SMALLINT), (SELECT code FROM ref_country r "
        f"WHERE r.iso3 = upper(trim({expr})) ORDER BY r.valid_to IS NOT NULL, r.code LIMIT 1))"
    )


def _precheck(
    raw: RawFile,
    relation: str,
    spec: TableSpec,
    expr: dict[str, str],
    columns: dict[str, str],
    offset: int,
) -> None:
    """Name the first line with an empty required cell, a bad value or an unknown country.

    One pass over the file; the message names the line, the column and the value.
    """
    import duckdb

    from corridor.reference.countries import countries_table

    problems: list[tuple[str, str, str]] = []  # (condition, value SQL, message with {value})
    for name in REQUIRED:
        if name in spec.mapping:
            column = spec.mapping[name]
            problems.append((f'"{column}" IS NULL', "NULL", f"empty {column} ({name} is required)"))
    for name, (kind, accepted) in CONVERTED.items():
        if name in expr and expr[name] != "NULL":
            where = spec.mapping.get(name, f"--set {name}")
            problems.append((
                f"{expr[name]} IS NOT NULL AND TRY_CAST({expr[name]} AS {kind}) IS NULL",
                f"CAST({expr[name]} AS VARCHAR)",
                f"cannot read '{{value}}' in {where} as {name} (accepted: {accepted})",
            ))  # fmt: skip
    for name in ("reporter", "partner", "partner2"):
        if name in spec.mapping:
            column = spec.mapping[name]
            code = _country(f'src."{column}"', columns[column])
            problems.append((
                f'src."{column}" IS NOT NULL AND ({code} IS NULL '
                f"OR {code} NOT IN (SELECT code FROM ref_country))",
                f'CAST(src."{column}" AS VARCHAR)',
                f"unknown {name} '{{value}}' in {column} (accepted: a Comtrade area code "
                "listed by `corridor countries`, 0–999, or an ISO3 code)",
            ))  # fmt: skip
    if not problems:
        return
    con = duckdb.connect()
    con.register("ref_country", countries_table())
    try:
        found = con.execute(
            "SELECT "
            + ", ".join(
                f"min(_rn) FILTER (WHERE {cond}), arg_min({value}, _rn) FILTER (WHERE {cond})"
                for cond, value, _ in problems
            )
            + f" FROM (SELECT *, row_number() OVER () AS _rn FROM {relation}) src"
        ).fetchone()
    finally:
        con.close()
    for i, (_, _, message) in enumerate(problems):
        line, value = found[2 * i], found[2 * i + 1]
        if line is not None:
            label = "line" if offset else "row"
            raise InputFileError(
                f"{raw.path}: {label} {line + offset}: {message.format(value=value)}"
            )


def table_plan(raw: RawFile, spec: TableSpec) -> LoadPlan:
    """Describe how to load a tidy file under a column mapping."""
    if spec.value_unit not in VALUE_UNITS:
        raise InvalidQuery(f"value unit '{spec.value_unit}' (accepted: {', '.join(VALUE_UNITS)})")
    if spec.weight_unit not in WEIGHT_UNITS:
        raise InvalidQuery(
            f"weight unit '{spec.weight_unit}' (accepted: {', '.join(WEIGHT_UNITS)})"
        )
    given = set(spec.mapping) | set(spec.constants)
    missing = [f for f in REQUIRED if f not in given]
    if missing:
        raise InvalidQuery(f"table ingest needs --map or --set for: {', '.join(missing)}")
    if not {"value", "net_weight", "qty"} & set(spec.mapping):
        raise InvalidQuery("map at least one measure: value, net_weight or qty")
    if "value" in spec.mapping and spec.value_basis not in {"CIF", "FOB"}:
        raise InvalidQuery("a mapped value needs --value-basis CIF or FOB")
    path = sql_str(str(raw.path))
    suffix = raw.path.suffix.lower()
    relation = (
        f"read_parquet({path})"
        if suffix == ".parquet"
        else f"read_csv({path}, header = true, sample_size = -1)"
    )
    import duckdb

    try:
        columns = _file_columns(relation)
    except duckdb.Error as exc:
        first = first_line(exc)
        raise InputFileError(f"{raw.path}: cannot read as {suffix or 'CSV'}: {first}") from exc
    absent = [c for c in spec.mapping.values() if c not in columns]
    if absent:
        raise InputFileError(
            f"{raw.path}: line 1: no column(s) {', '.join(absent)}; the file has: "
            + ", ".join(list(columns)[:20])
        )

    def expr(name: str, default: str = "NULL") -> str:
        if name in spec.mapping:
            return f'src."{spec.mapping[name]}"'
        if name in spec.constants:
            return sql_str(spec.constants[name])
        return default

    def ctype(name: str) -> str:
        return columns.get(spec.mapping.get(name, ""), "VARCHAR")

    year = f"CAST({expr('year')} AS SMALLINT)"
    hs = f"trim(CAST({expr('hs_code')} AS VARCHAR))"
    value = f"CAST({expr('value')} AS DOUBLE) * {VALUE_UNITS[spec.value_unit]}"
    weight = f"nullif(CAST({expr('net_weight')} AS DOUBLE) * {WEIGHT_UNITS[spec.weight_unit]}, 0)"
    basis = f"'{spec.value_basis}'" if "value" in spec.mapping else "NULL"
    select = f"""
        SELECT $file_id, {year},
               coalesce(CAST({expr("period")} AS VARCHAR), CAST({year} AS VARCHAR)),
               coalesce(CAST({expr("freq")} AS VARCHAR), 'A'),
               {_country(expr("reporter"), ctype("reporter"))},
               {_country(expr("partner"), ctype("partner"))},
               {_country(expr("partner2"), ctype("partner2")) if "partner2" in given else "NULL"},
               upper(trim(CAST({expr("flow")} AS VARCHAR))), CAST({expr("hs_rev")} AS VARCHAR),
               {hs}, CASE WHEN {hs} = 'TOTAL' THEN 0 ELSE length({hs}) END,
               CAST({expr("customs_code")} AS VARCHAR), CAST({expr("mot_code")} AS INTEGER),
               {value}, CASE WHEN {value} IS NOT NULL THEN {basis} END, {weight},
               CAST({expr("qty")} AS DOUBLE), CAST({expr("qty_unit")} AS VARCHAR),
               CAST({expr("is_estimated_weight")} AS BOOLEAN), row_number() OVER ()
        FROM {relation} src
    """
    offset = 0 if suffix == ".parquet" else 1
    _precheck(raw, relation, spec, {f: expr(f) for f in FIELDS}, columns, offset)
    info = DatasetInfo(
        dataset=spec.dataset,
        source=spec.source,
        description=spec.description or f"tidy file {raw.path.name} ingested with a mapping",
        value_unit_original=spec.value_unit if "value" in spec.mapping else None,
        weight_unit_original=spec.weight_unit if "net_weight" in spec.mapping else None,
        value_basis=spec.value_basis,
        licence=spec.licence,
        synthetic=spec.synthetic,
    )
    return LoadPlan(
        select,
        info,
        row_label="row" if offset == 0 else "line",
        row_offset=offset,
        value_scale=VALUE_UNITS[spec.value_unit],
        weight_scale=WEIGHT_UNITS[spec.weight_unit],
    )


KIND = FileKind(
    "table",
    "Any tidy CSV/Parquet file, with a column mapping and declared units",
    table_plan,
    options=frozenset({"spec"}),
    required=frozenset({"spec"}),
)
