"""Tariff changes on the session: the WITS SMART model on real tariff lines, summed over HS6.

Trade comes from the session (``prices``: imports per HS code and supplier in the base year,
USD); rates from the tariff table (:func:`corridor.services.tariffs.load_schedule`: the
warehouse's schedule or corridor's offline table). Each supplier's rate before is the rate it
paid in the base year (:func:`corridor.models.preference.applied_rates`, agreements judged in
force on 31 December); the rate after is the scenario:

- ``agreement``: the exporter moves from the MFN rate (no preference) to the agreement's rate
  — what the preference is worth at base-year trade; everyone else keeps its rate;
- ``tariff_file``: a plain tariff CSV whose rows replace the schedule's cells (a 6-digit code
  covers every national line under it); every line in scope that carries imports must get a
  rate from the file, so nothing is left unchanged by omission.

A trade code whose national lines carry different rates for some supplier (or a specific duty)
is refused — listed with the imports it holds, never averaged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InputFileError, InvalidQuery, NotFound
from corridor.services.scenarios.inputs import base_session, scope_words
from corridor.services.scenarios.result import Scenario, ScenarioTable
from corridor.units import Column, Unit, fmt_value

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.reference.countries import Country
    from corridor.reference.elasticities import ElasticityRange
    from corridor.reference.tariffs import Agreement
    from corridor.services.session import Session
    from corridor.services.tariffs import Schedule

__all__ = ["RATE_COLUMNS", "REFUSED_COLUMNS", "TARIFF_SCHEMA", "tariff_change"]

TARIFF_SCHEMA = "corridor.scenario-tariff/1"

RATE_COLUMNS: tuple[Column, ...] = (
    Column("national_line", Unit.CODE, "the schedule's line (Japan: 9-digit code)", "string"),
    Column("hs6", Unit.CODE, "HS subheading", "string"),
    Column("description", Unit.TEXT, "the line's description in the schedule", "string"),
    Column("rate_before", Unit.RATE, "the exporter's rate before"),
    Column("column_before", Unit.TEXT, "the schedule column that sets it", "string"),
    Column("rate_after", Unit.RATE, "the exporter's rate in the scenario"),
    Column("column_after", Unit.TEXT, "the column (or scenario file line) that sets it", "string"),
    Column("conditional", Unit.FLAG, "the rate after is conditional (◎)", "bool"),
)

REFUSED_COLUMNS: tuple[Column, ...] = (
    Column("hs_code", Unit.CODE, "the trade code not simulated", "string"),
    Column("lines", Unit.COUNT, "national lines under it in the schedule", "int32"),
    Column("reason", Unit.TEXT, "why it was not simulated", "string"),
    Column("imports", Unit.USD, "the market's base-year imports of the code"),
    Column("exporter_imports", Unit.USD, "of which from the named exporter"),
)

EXPORTER_COLUMNS: tuple[Column, ...] = (
    Column("supplier", Unit.CODE, "Comtrade code of the named exporter", "int32"),
    Column("name", Unit.TEXT, "its name", "string"),
    Column("imports_before", Unit.USD, "its base-year imports on the lines simulated"),
    Column("trade_creation", Unit.USD, "new imports from its lower price"),
    Column("trade_diversion", Unit.USD, "imports shifted to it from other partners"),
    Column("price_effect", Unit.USD, "world-price effect (0 with infinite supply elasticity)"),
    Column("total_effect", Unit.USD, "creation + diversion + price effect"),
    Column("imports_after", Unit.USD, "its imports after"),
    Column("change_pct", Unit.GROWTH, "total_effect / imports_before"),
    Column("share_before", Unit.FRACTION, "its share of the imports simulated, before"),
    Column("share_after", Unit.FRACTION, "its share after"),
    Column("total_low", Unit.USD, "lowest total effect over the elasticity band"),
    Column("total_high", Unit.USD, "highest total effect over the elasticity band"),
)


# -- the scenario's rates ----------------------------------------------------------------------
def _read_file(path: Path, importer: int) -> list[dict[str, Any]]:
    """The scenario file's rows, checked (before any query runs)."""
    from corridor.sources.tariff_csv import parse_tariff_csv

    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    rows = parse_tariff_csv(path)
    for r in rows:
        if r["importer"] != importer:
            raise InputFileError(f"{path}: line {r['raw_row']}: importer {r['importer']} is not "
                                 f"the scenario's importer ({importer})")  # fmt: skip
    return rows


def _scenario_file(
    path: Path, rows: list[dict[str, Any]], base: pa.Table
) -> tuple[pa.Table, set[str], dict[str, Any]]:
    """The schedule with the file's cells in place, the lines it covers, and file facts."""
    import hashlib

    from corridor.sources.tariff_csv import tariff_table

    lines = sorted(set(base["national_line"].to_pylist()))
    cells = {(r["national_line"], r["column_name"], r["partner"]): r for r in base.to_pylist()}
    covered: set[str] = set()
    for r in sorted(rows, key=lambda r: len(r["national_line"])):  # specific codes win
        prefix = r["national_line"]
        hits = [line for line in lines if line.startswith(prefix)]
        if not hits:
            raise InputFileError(
                f"{path}: line {r['raw_row']}: hs {prefix} matches no line of "
                "the schedule in the HS scope"
            )
        for line in hits:
            old = next((c for (n, _, _), c in cells.items() if n == line), {})
            cells[(line, r["column_name"], r["partner"])] = {
                **r,
                "national_line": line,
                "hs6": line[:6],
                "set_at": prefix,
                "description": r["description"] or old.get("description"),
            }
            covered.add(line)
    facts = {
        "file": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rows": len(rows),
        "sources": sorted({r["source"] for r in rows}),
    }
    ordered = sorted(cells.values(), key=lambda c: (c["national_line"], c["column_name"]))
    return tariff_table(ordered), covered, facts


def _agreement_rates(
    schedule: pa.Table, exporter: Country, agreement: Agreement, on: date
) -> tuple[dict[str, dict[str, Any]], date]:
    """Per national line: the exporter's MFN rate and its rate under ``agreement``."""
    import pyarrow.compute as pc

    from corridor.models.preference import applied_rates

    starts = [s for code, s, _ in agreement.members if code == exporter.code]
    if not starts:
        raise InvalidQuery(f"{agreement.id} ({agreement.name}) does not cover {exporter.label}")
    keep = pc.or_(
        pc.not_equal(schedule["basis"], "preferential"),
        pc.equal(schedule["agreement"], agreement.id),
    )
    only = schedule.filter(pc.fill_null(keep, False))
    if not pc.any(pc.equal(only["agreement"], agreement.id)).as_py():
        raise NotFound(
            f"the tariff schedule has no column for {agreement.id} — load the full "
            "schedule with `corridor ingest tariffs FILE`"
        )
    when = max(on, min(starts))  # judged where the agreement is in force for the exporter
    base = {r["national_line"]: r for r in applied_rates(schedule, exporter.code, on).to_pylist()}
    under = {r["national_line"]: r for r in applied_rates(only, exporter.code, when).to_pylist()}
    return {k: {"mfn": base[k], "agreement": under[k]} for k in base}, min(starts)


# -- trade ---------------------------------------------------------------------------------------
def _trade(session: Session, year: int) -> tuple[dict[str, dict[int, dict[str, Any]]], Any]:
    """Imports per trade code and supplier in the base year (USD) and the result behind them."""
    s = session.derive(exporter=None)
    if not s.main.value_rows:
        raise NotFound(
            f"the tariff scenario needs import values (USD): dataset {s.main.dataset} "
            "carries net weights only for this scope"
        )
    result = s.indicator("prices")
    by_code: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in result.to_pylist():
        if r["year"] == year and r["value"] is not None:
            by_code[r["hs_code"]][r["supplier"]] = r
    if not by_code:
        raise NotFound(f"no import values for {scope_words(session)} in {year}")
    return by_code, result


def _one(rates: list[float | None]) -> tuple[float | None, str | None]:
    """The single rate of a code's lines, or why there is none."""
    if any(r is None for r in rates):
        return None, "a specific or compound duty (no ad valorem rate)"
    if len(set(rates)) > 1:
        lo, hi = min(rates), max(rates)  # type: ignore[type-var]
        return None, f"lines with different rates ({lo * 100:g}–{hi * 100:g} %)"  # type: ignore[operator]
    return rates[0], None


def _simulated(
    by_code: dict[str, dict[int, dict[str, Any]]],
    lines_of: dict[str, list[str]],
    rate: Any,
    exporter: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    """SMART's input rows per trade code and supplier, the refused codes, conditional lines."""
    flows: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    conditional: set[str] = set()
    for code in sorted(by_code):
        rows, lines = by_code[code], lines_of[code]
        imports = sum(r["value"] for r in rows.values())
        mine = rows.get(exporter, {}).get("value")
        reason = None if lines else "no line of the schedule"
        pairs: dict[int, tuple[float, float]] = {}
        for c in rows if lines else []:
            b, why_b = _one([rate(c, n, "before")[0] for n in lines])
            a, why_a = _one([rate(c, n, "after")[0] for n in lines])
            if why_b or why_a:
                reason = why_b or why_a
                break
            pairs[c] = (b, a)  # type: ignore[assignment]
            conditional.update(n for n in lines if rate(c, n, "after")[2])
        if reason:
            refused.append({"hs_code": code, "lines": len(lines), "reason": reason,
                            "imports": imports, "exporter_imports": mine})  # fmt: skip
            continue
        for c, (b, a) in pairs.items():
            flows.append({"hs6": code, "supplier": c, "name": rows[c]["name"],
                          "imports_usd": rows[c]["value"], "tariff_before": b,
                          "tariff_after": a})  # fmt: skip
    return flows, refused, conditional


def tariff_change(
    session: Session,
    *,
    agreement: str | None = None,
    tariff_file: str | Path | None = None,
    base_year: int | None = None,
    sigma: ElasticityRange | None = None,
    demand_elasticity: ElasticityRange | None = None,
    export_supply: float = math.inf,
    tariff_dataset: str | None = None,
) -> Scenario:
    """Simulate a tariff change for the session's exporter with SMART, line by line at HS6.

    Args:
        session: the corridor question; it must name the exporter.
        agreement: an agreement id or short name (``cepa``): the exporter moves from MFN to it.
        tariff_file: a plain tariff CSV with the scenario's rates (see the module docstring).
        base_year: the year of the trade (default: the latest with data).
        sigma: substitution elasticity (default: the cited range for HS 76).
        demand_elasticity: import demand elasticity (default: the cited assumption range).
        export_supply: export supply elasticity ε (default infinite, SMART's default).
        tariff_dataset: the tariff dataset in the warehouse (default: the newest edition).

    Raises:
        InvalidQuery: neither or both of agreement and file, no exporter, an agreement that
            does not cover the exporter, bad elasticities.
        InputFileError: a scenario file that does not parse, names other importers, matches no
            line, or leaves lines in scope without a rate.
        NotFound: no trade values or no tariff rates for the scope.
    """
    from corridor.models.preference import applied_rates
    from corridor.models.smart import (
        BAND_COLUMNS,
        LINE_COLUMNS,
        SUPPLIER_COLUMNS,
        TOTAL_COLUMNS,
        smart_tariff_change,
    )
    from corridor.models.tables import table_of
    from corridor.reference.tariffs import agreement as find_agreement
    from corridor.services.tariffs import load_schedule

    if (agreement is None) == (tariff_file is None):
        raise InvalidQuery("give one scenario: --agreement NAME or --tariff-file FILE")
    q = session.query
    exporter = q.exporter
    if exporter is None:
        raise InvalidQuery("the tariff scenario needs an exporter (--exporter)")
    deal = find_agreement(agreement) if agreement is not None else None
    path = Path(tariff_file) if tariff_file is not None else None
    file_rows = _read_file(path, q.importer.code) if path is not None else []
    if not export_supply > 0:
        raise InvalidQuery(f"export supply elasticity {export_supply:g}: must be > 0")
    s, year = base_session(session, base_year)
    by_code, trade = _trade(s, year)
    schedule: Schedule = load_schedule(
        s, q.importer.code, tuple(q.hs), dataset=tariff_dataset, label=q.importer.label
    )
    on = date(year, 12, 31)
    notes: list[str] = list(schedule.notes)
    lines_of: dict[str, list[str]] = {
        code: sorted({n for n in schedule.table["national_line"].to_pylist() if n.startswith(code)})
        for code in by_code
    }
    scenario_facts: dict[str, Any]
    after_table = schedule.table
    deal_rates: dict[str, dict[str, Any]] = {}
    if deal is not None:
        deal_rates, start = _agreement_rates(schedule.table, exporter, deal, on)
        in_force = start <= on
        scenario_facts = {
            "kind": "agreement",
            "agreement": deal.id,
            "name": deal.name,
            "in_force_for_exporter_from": start,
            "in_force_in_base_year": in_force,
        }
        notes.append(
            f"before: {exporter.name} pays the MFN rate (no preference); after: {deal.id} rates; "
            "every other supplier keeps the rate it paid"
            + (
                f" — {deal.id} was in force in {year}, so base-year imports from "
                f"{exporter.name} already entered at its rates: the result values the preference "
                "at base-year trade, it is not a forecast"
                if in_force
                else ""
            )
        )
    else:
        assert path is not None
        after_table, covered, scenario_facts = _scenario_file(path, file_rows, schedule.table)
        scenario_facts["kind"] = "file"
        missing = [n for code in sorted(by_code) for n in lines_of[code] if n not in covered]
        if missing:
            shown = ", ".join(missing[:4]) + (
                f" … ({len(missing)} lines)" if len(missing) > 4 else ""
            )
            raise InputFileError(
                f"{path}: no rate for line(s) {shown} in scope with imports in "
                f"{year} — give every such line a rate (a 6-digit code covers "
                "its lines)"
            )
        notes.append(
            "before: the rate each supplier paid in the base year; after: the same "
            f"with the rates of {path.name} in place"
        )

    suppliers = sorted({c for rows in by_code.values() for c in rows} | {exporter.code})
    before_rates: dict[int, dict[str, dict[str, Any]]] = {}
    after_rates: dict[int, dict[str, dict[str, Any]]] = {}
    for c in suppliers:
        rows_b = applied_rates(schedule.table, c, on).to_pylist()
        before_rates[c] = {r["national_line"]: r for r in rows_b}
        rows_a = rows_b if deal is not None else applied_rates(after_table, c, on).to_pylist()
        after_rates[c] = {r["national_line"]: r for r in rows_a}

    def rate(c: int, line: str, when: str) -> tuple[float | None, str | None, bool]:
        if deal is not None and c == exporter.code:
            pair = deal_rates[line]
            mfn = pair["mfn"]["mfn_rate"]
            if when == "before":
                return mfn, pair["mfn"]["mfn_column"], False
            pref = pair["agreement"]["pref_rate"]
            if pref is not None and mfn is not None and pref < mfn:
                return pref, pair["agreement"]["pref_column"], pair["agreement"]["conditional"]
            return mfn, pair["mfn"]["mfn_column"], False
        r = (before_rates if when == "before" else after_rates)[c][line]
        return r["applied_rate"], r["applied_column"], bool(r["conditional"])

    flows, refused, conditional = _simulated(by_code, lines_of, rate, exporter.code)
    if not flows:
        why = "; ".join(f"{r['hs_code']}: {r['reason']}" for r in refused[:3])
        raise NotFound(f"no trade code in scope could be simulated ({why})")
    if refused:
        lost = sum(r["imports"] for r in refused)
        notes.append(
            f"{len(refused)} trade code(s) not simulated ({fmt_value(lost, Unit.USD)} of "
            "imports): "
            "their lines carry different rates or specific duties — see the refused "
            "table; rates are never averaged"
        )
    if conditional:
        notes.append(
            f"conditional (◎) rates apply on {', '.join(sorted(conditional))}: they "
            "hold only when the schedule's conditions are met"
        )
    result = smart_tariff_change(
        flows,
        import_demand=demand_elasticity,
        substitution=sigma,
        export_supply=export_supply,
        focus=exporter.code,
        base_year=year,
    )
    tables = {
        "lines": ScenarioTable(
            "lines", "SMART effects per HS line and supplier", LINE_COLUMNS, result.lines
        ),
        "suppliers": ScenarioTable(
            "suppliers",
            "Effects per supplier, summed over lines",
            SUPPLIER_COLUMNS,
            result.suppliers,
        ),
        "totals": ScenarioTable(
            "totals",
            "The market: imports, creation, diversion, revenue",
            TOTAL_COLUMNS,
            result.totals,
        ),
        "band": ScenarioTable(
            "band", "Sensitivity over the elasticity range", BAND_COLUMNS, result.band
        ),
    }
    mine = next((r for r in result.suppliers.to_pylist() if r["supplier"] == exporter.code), None)
    if mine is None:
        notes.append(
            f"{exporter.name} had no imports on the lines simulated in {year}: SMART "
            "creates no trade from zero"
        )
    else:
        row = {k: mine.get(k) for k in (c.name for c in EXPORTER_COLUMNS)}
        row["change_pct"] = (
            mine["total_effect"] / mine["imports_before"] if mine["imports_before"] else None
        )
        tables["exporter"] = ScenarioTable(
            "exporter",
            f"{exporter.name}: change",
            EXPORTER_COLUMNS,
            table_of(EXPORTER_COLUMNS, [row]),
        )
    simulated = {f["hs6"] for f in flows}
    described = {r["national_line"]: r["description"] for r in before_rates[exporter.code].values()}
    rate_rows = []
    for code in sorted(simulated):
        for n in lines_of[code]:
            b, col_b, _ = rate(exporter.code, n, "before")
            a, col_a, cond = rate(exporter.code, n, "after")
            rate_rows.append(
                {
                    "national_line": n,
                    "hs6": n[:6],
                    "description": described.get(n),
                    "rate_before": b,
                    "column_before": col_b,
                    "rate_after": a,
                    "column_after": col_a,
                    "conditional": cond,
                }
            )
    tables["rates"] = ScenarioTable(
        "rates",
        f"{exporter.name}'s rates per national line",
        RATE_COLUMNS,
        table_of(RATE_COLUMNS, rate_rows),
    )
    tables["refused"] = ScenarioTable(
        "refused", "Trade codes not simulated", REFUSED_COLUMNS, table_of(REFUSED_COLUMNS, refused)
    )
    p = schedule.provenance
    editions = ", ".join(e.isoformat() for e in p.editions)
    if p.editions and p.editions[-1].year > year:
        notes.append(
            f"rates are those of the {editions} edition applied to {year} trade; "
            f"agreements are judged in force on {on.isoformat()}; rates still being "
            f"phased in may have been higher in {year}"
        )
    revisions = set(trade.provenance.hs_revisions) - {"H4", "H5", "H6", "HS12", "HS17", "HS22"}
    if revisions:
        notes.append(
            f"trade rows in HS editions {', '.join(sorted(revisions))} are matched to "
            "the schedule's codes as they stand (chapter 76 codes changed only in "
            "7615/7616, see docs/hs-revisions.md); unmatched codes are refused"
        )
    if s.side == "exporter":
        notes.append(
            "imports are the exporters' reports (FOB), not the importer's CIF values "
            "on which duty is levied"
        )
    notes.extend(result.assumptions.notes)
    a = result.assumptions
    assumptions = {
        "base_year": year,
        "judged_on": on,
        "model": a.model,
        "import_demand": a.import_demand,
        "substitution": a.substitution,
        "export_supply": a.export_supply,
        "scenario": scenario_facts,
        "tariffs": {
            "publisher": p.publisher,
            "editions": p.editions,
            "origin": p.origin,
            "datasets": p.datasets,
            "files": p.files,
        },
        "lines": {
            "codes_simulated": len(simulated),
            "codes_refused": len(refused),
            "national_lines": len(rate_rows),
        },
    }
    what = (
        f"{exporter.name} moves from MFN to {deal.id}"
        if deal is not None
        else f"the rates of {path.name}"
    )  # type: ignore[union-attr]
    return Scenario(
        kind="tariff",
        schema=TARIFF_SCHEMA,
        title=f"{scope_words(s)} in {year}: {what}",
        query={**s.query_dict(), "base_year": year},
        base_year=year,
        tables=tables,
        assumptions=assumptions,
        provenance=trade.provenance,
        inputs={"tariffs": p},
        notes=tuple(dict.fromkeys(notes)),
    )
