"""What the brief's "What if" section shows, as one typed result.

(a) the market if its largest supplier were removed (:func:`~.shock.shock`, base year = the
latest year of the question with data); (b) the exporter's margin of preference by HS line —
MFN against the rate of its best agreement in force (the CEPA for India) — with the import
value the margin covers. Each part is None with the reason when the data cannot give it
(weights only, no exporter, no tariff rates), so the brief can say why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, NotFound
from corridor.services.scenarios.inputs import base_session, scope_words
from corridor.services.scenarios.result import Scenario, ScenarioTable, plain
from corridor.units import Column, Unit

if TYPE_CHECKING:
    from corridor.services.result import Provenance
    from corridor.services.session import Session
    from corridor.services.tariffs import TariffProvenance

__all__ = ["MARGIN_COLUMNS", "WHATIF_SCHEMA", "WhatIf", "preference_margins", "whatif"]

WHATIF_SCHEMA = "corridor.whatif/1"

MARGIN_COLUMNS: tuple[Column, ...] = (
    Column("hs_code", Unit.CODE, "HS code of the trade data (HS6 where reported)", "string"),
    Column("lines", Unit.COUNT, "national tariff lines under it", "int32"),
    Column("mfn_min", Unit.RATE, "lowest MFN applied rate among the lines"),
    Column("mfn_max", Unit.RATE, "highest MFN applied rate among the lines"),
    Column("applied_min", Unit.RATE, "lowest rate the exporter pays among the lines"),
    Column("applied_max", Unit.RATE, "highest rate the exporter pays among the lines"),
    Column("margin_min", Unit.PP, "smallest margin of preference (MFN - applied)"),
    Column("margin_max", Unit.PP, "largest margin of preference"),
    Column("agreements", Unit.TEXT, "agreements that set the exporter's rate", "string"),
    Column("exporter_value", Unit.USD, "imports from the exporter: the value the margin covers"),
    Column("market_value", Unit.USD, "imports of the code from every supplier"),
    Column("exporter_share", Unit.FRACTION, "exporter_value / market_value"),
    Column("duty_saved_low", Unit.USD, "exporter_value × margin_min: duty the margin saves"),
    Column("duty_saved_high", Unit.USD, "exporter_value × margin_max"),
)


@dataclass
class WhatIf:
    """The two what-if answers for one corridor, each with its reason when missing."""

    base_year: int | None
    shock: Scenario | None
    shock_missing: str | None
    margins: ScenarioTable | None
    margins_missing: str | None
    provenance: Provenance | None = None  # trade behind the margins
    tariffs: TariffProvenance | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """JSON for the brief's data.json and the dashboard (``corridor.whatif/1``)."""
        m = self.margins
        return {
            "schema": WHATIF_SCHEMA,
            "base_year": self.base_year,
            "shock": self.shock.to_json() if self.shock else None,
            "shock_missing": self.shock_missing,
            "margins": None
            if m is None
            else {
                "columns": {c.name: c.schema() for c in m.columns},
                "rows": plain(m.rows()),
            },
            "margins_missing": self.margins_missing,
            "provenance": {"trade": plain(self.provenance), "tariffs": plain(self.tariffs)},
            "notes": list(self.notes),
        }


def preference_margins(
    session: Session, base_year: int | None = None
) -> tuple[ScenarioTable, Provenance, TariffProvenance, list[str]]:
    """The exporter's margin of preference per trade code with the import value it covers.

    Raises:
        InvalidQuery: no exporter named.
        NotFound: no values in the base year, or no tariff rates for the scope.
    """
    from corridor.errors import InvalidQuery
    from corridor.models.preference import applied_rates
    from corridor.models.tables import table_of
    from corridor.services.tariffs import load_schedule

    q = session.query
    if q.exporter is None:
        raise InvalidQuery("margins of preference need an exporter")
    s, year = base_session(session, base_year)
    market = s.derive(exporter=None)
    if not market.main.value_rows:
        raise NotFound(
            f"no import values for {scope_words(s)}: dataset {market.main.dataset} "
            "carries net weights only"
        )
    trade = market.indicator("prices")
    values: dict[str, dict[str, float]] = defaultdict(lambda: {"market": 0.0, "exporter": 0.0})
    for r in trade.to_pylist():
        if r["year"] == year and r["value"] is not None:
            values[r["hs_code"]]["market"] += r["value"]
            if r["supplier"] == q.exporter.code:
                values[r["hs_code"]]["exporter"] += r["value"]
    schedule = load_schedule(s, q.importer.code, tuple(q.hs), label=q.importer.label)
    lines = applied_rates(schedule.table, q.exporter.code, date(year, 12, 31)).to_pylist()
    rows = []
    for code in sorted(values):
        mine = [r for r in lines if r["national_line"].startswith(code)]
        if not mine:
            continue

        def span(key: str, items: list[dict[str, Any]] = mine) -> tuple[Any, Any]:
            known = [i[key] for i in items if i[key] is not None]
            return (min(known), max(known)) if known else (None, None)

        mfn, applied, margin = span("mfn_rate"), span("applied_rate"), span("margin")
        v = values[code]
        exporter_value = v["exporter"] or None
        rows.append(
            {
                "hs_code": code,
                "lines": len(mine),
                "mfn_min": mfn[0],
                "mfn_max": mfn[1],
                "applied_min": applied[0],
                "applied_max": applied[1],
                "margin_min": margin[0],
                "margin_max": margin[1],
                "agreements": ", ".join(
                    sorted(
                        {r["pref_agreement"] for r in mine if r["pref_agreement"] and r["margin"]}
                    )
                )
                or None,
                "exporter_value": exporter_value,
                "market_value": v["market"],
                "exporter_share": (v["exporter"] / v["market"])
                if (exporter_value and v["market"])
                else None,
                "duty_saved_low": None
                if exporter_value is None or margin[0] is None
                else exporter_value * margin[0],
                "duty_saved_high": None
                if exporter_value is None or margin[1] is None
                else exporter_value * margin[1],
            }
        )
    if not rows:
        raise NotFound(f"no tariff line matches the trade codes of {scope_words(s)} in {year}")
    notes = [
        *schedule.notes,
        f"margins judged with agreements in force on {year}-12-31 and the rates of the "
        f"{', '.join(e.isoformat() for e in schedule.provenance.editions)} edition; "
        "duty saved = margin × the exporter's base-year import value, per HS code",
    ]
    table = ScenarioTable(
        "margins",
        f"{q.exporter.name}'s margin of preference by HS code, {year}",
        MARGIN_COLUMNS,
        table_of(MARGIN_COLUMNS, rows),
    )
    return table, trade.provenance, schedule.provenance, notes


def whatif(session: Session) -> WhatIf:
    """The largest supplier removed, and the exporter's preference margins (see the module)."""
    from corridor.services.scenarios.shock import shock

    notes: list[str] = []
    try:
        s, year = base_session(session, None)
    except CorridorError as exc:
        return WhatIf(None, None, str(exc), None, str(exc))
    shocked, shock_missing = None, None
    try:
        market = s.derive(exporter=None) if s.query.exporter is not None else s
        partners = [r for r in market.indicator("partners").to_pylist() if r["year"] == year]
        top = min((r for r in partners if r["rank"] is not None), key=lambda r: r["rank"])
        shocked = shock(session, {top["supplier"]: 1.0}, base_year=year)
    except (CorridorError, ValueError) as exc:
        shock_missing = str(exc) if isinstance(exc, CorridorError) else "no ranked supplier"
    margins = prov = tariffs = None
    margins_missing = None
    try:
        margins, prov, tariffs, more = preference_margins(session, year)
        notes.extend(more)
    except CorridorError as exc:
        margins_missing = str(exc)
    return WhatIf(
        year, shocked, shock_missing, margins, margins_missing, prov, tariffs, tuple(notes)
    )
