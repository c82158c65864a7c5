"""Tariff schedules as a file kind: Japan Customs' JSON schedule or corridor's plain CSV."""

from __future__ import annotations

from datetime import date

from corridor.errors import InputFileError
from corridor.sources.registry import FileKind
from corridor.store.plan import LoadPlan, RawFile

__all__ = ["KIND", "tariff_plan"]


def tariff_plan(raw: RawFile, edition: date | None = None) -> LoadPlan:
    """Japan Customs' schedule (.json) or corridor's plain tariff CSV (.csv)."""
    suffix = raw.path.suffix.lower()
    if suffix == ".json":
        from corridor.sources.tariffs_japan import japan_plan

        return japan_plan(raw, edition=edition)
    if suffix == ".csv":
        from corridor.sources.tariff_csv import tariff_csv_plan

        return tariff_csv_plan(raw)
    raise InputFileError(
        f"{raw.path}: not a tariff file (accepted: Japan Customs schedule .json, "
        "plain tariff .csv with importer,partner_or_agreement,hs,rate,basis,valid_from,source)"
    )


KIND = FileKind(
    name="tariffs",
    description="Tariff schedules: Japan Customs JSON (9-digit lines, every column) or plain CSV",
    plan=tariff_plan,
    options=frozenset({"edition"}),
)
