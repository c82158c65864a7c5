"""Typed claims, interpretations, findings and verdicts (JSON schema ``corridor.check/1``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from corridor.services.analytics import SourceProvenance as Provenance

__all__ = [
    "SCHEMA",
    "CheckDocument",
    "CheckResult",
    "Claim",
    "ClaimError",
    "Comparator",
    "Evaluation",
    "Finding",
    "Interpretation",
    "Kind",
    "Provenance",
    "Tolerances",
    "Verdict",
]

SCHEMA = "corridor.check/1"

Kind = Literal["value", "rank", "share", "change", "concentration"]
Comparator = Literal["approx", "exact", "gt", "lt", "ge", "le"]
Measure = Literal["value", "weight"]
Side = Literal["importer", "exporter"]


class Verdict(StrEnum):
    """What the data says about a claim (or one interpretation of it)."""

    supported = "supported"
    contradicted = "contradicted"
    unverifiable = "unverifiable"
    ambiguous = "ambiguous"


class Tolerances(BaseModel):
    """Relative tolerances: ``about`` for hedged figures, ``exact`` for unhedged ones."""

    about: float = Field(0.05, ge=0, lt=1)
    exact: float = Field(0.01, ge=0, lt=1)


class Claim(BaseModel):
    """One parsed claim. Countries and HS scopes are resolved; pins say what the text fixes.

    Attributes:
        text: The claim as written (empty for structured claims without text).
        span: ``[start, end)`` of the text the grammar matched.
        form: The grammar form that matched (e.g. ``value/imports-of``).
        importer: Comtrade code of the importing country.
        exporter: Comtrade codes of the exporter (several for a country group), or None for
            the importer's whole market.
        exporter_label: How the exporter is named in output.
        product: The product words as written.
        hs_candidates: HS scopes the product may mean, the most literal first.
        hs_pinned: True when the wording fixes one HS scope.
        measure: ``value`` or ``weight`` if the wording fixes it, else None (both are read).
        side: Reporting side fixed by the wording (``according to Japan``, ``CIF``), or None.
        year: The claim's year, or None (the latest year with data is used, and said).
        comparator: ``approx``, ``exact``, ``gt``, ``lt``, ``ge`` or ``le``.
        hedge: The hedge word as written (``about``, ``over``...), if any.
        amount: Value/weight claims: USD or kg. Share: fraction. Change: fraction (signed).
        amount_text: The figure as written, e.g. ``$337 million``.
        rounding: Half of the last stated digit, in the amount's unit (rounding allowance).
        rank: Rank claims: N of "top N" or of "Nth largest".
        rank_mode: ``top`` (rank <= N) or ``exact`` (rank == N).
    """

    text: str = ""
    span: tuple[int, int] | None = None
    form: str = "structured"
    kind: Kind
    importer: int
    importer_label: str
    exporter: list[int] | None = None
    exporter_label: str | None = None
    product: str = ""
    hs_candidates: list[list[str]]
    hs_pinned: bool = False
    measure: Measure | None = None
    side: Side | None = None
    year: int | None = None
    comparator: Comparator = "exact"
    hedge: str | None = None
    amount: float | None = None
    amount_text: str | None = None
    rounding: float = 0.0
    rank: int | None = None
    rank_mode: Literal["top", "exact"] | None = None


class Interpretation(BaseModel):
    """One reading of a claim: HS scope, reporting side, measure, year and dataset."""

    hs: list[str]
    hs_label: str
    side: Side
    flow: str
    measure: Measure
    year: int | None
    year_source: Literal["claim", "latest year with data"] = "claim"
    dataset: str | None
    primary: bool = False


class Finding(BaseModel):
    """The data under one interpretation: figure, bounds used, verdict and reason."""

    interpretation: Interpretation
    verdict: Verdict
    reason: str
    figure: float | None = None
    unit: str | None = None
    lower: float | None = None
    upper: float | None = None
    tolerance: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance | None = None


class Evaluation(BaseModel):
    """Verdict over all interpretations, with the one-sentence reason."""

    verdict: Verdict
    reason: str
    findings: list[Finding]


class CheckResult(BaseModel):
    """One claim, its verdict and every interpretation's finding."""

    id: str
    claim: Claim
    verdict: Verdict
    reason: str
    findings: list[Finding]
    synthetic: bool = False


class ClaimError(BaseModel):
    """A claim that could not be read (reported, exit code 2)."""

    id: str
    text: str
    error: str


class CheckDocument(BaseModel):
    """The ``--format json`` document."""

    schema_: str = Field(SCHEMA, alias="schema")
    tolerances: Tolerances
    warehouse: str
    results: list[CheckResult]
    errors: list[ClaimError] = Field(default_factory=list)
    units: dict[str, str] = Field(
        default_factory=lambda: {
            "value": "USD",
            "weight": "kg",
            "share": "fraction 0-1",
            "change": "fraction (x_t / x_t-1 - 1)",
            "rank": "1 = largest country",
        }
    )

    model_config = {"populate_by_name": True}
