"""Typed claims, interpretations, findings and verdicts (JSON schema ``corridor.check/2``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from corridor.services.result import Provenance

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
    "Sense",
    "Tolerances",
    "Verdict",
]

SCHEMA = "corridor.check/2"

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


class Sense(BaseModel):
    """One meaning of an ambiguous word, and the claim's fields that change under it.

    E.g. "most" = a majority, or the largest part; "MT" = metric tonnes, or million tonnes.
    """

    name: str
    meaning: str
    changes: dict[str, Any] = Field(default_factory=dict)


class Claim(BaseModel):
    """One parsed claim. Countries and HS scopes are resolved; pins say what the text fixes.

    Attributes:
        text: The claim as written (empty for structured claims without text).
        span: ``[start, end)`` of the text the grammar matched.
        form: The grammar form that matched (e.g. ``value/imports``).
        importer: Comtrade code of the importing country.
        exporter: Comtrade codes of the exporter (several for a country group), or None for
            the importer's whole market.
        exporter_label: How the exporter is named in output.
        product: The product words as written.
        hs_candidates: HS scopes the product may mean, the most literal first.
        hs_pinned: True when the wording fixes one HS scope.
        measure: ``value`` or ``weight`` if the wording fixes it, else None (both are read).
        side: Reporting side fixed by an explicit qualifier (``according to Japan``, ``CIF``):
            only that side is read.
        report: Whose report the sentence is about ("Japan's imports", "Japan imported" →
            ``importer``; "India's exports" → ``exporter``): that side is read and the other
            side's report is shown as a note, not as a rival reading.
        year: The claim's year, or None (the latest year with data is used, and said).
        since: First year of a change over several years ("doubled between 2019 and 2024").
        period: A part of a year the claim is about ("the first eight months of 2018"):
            annual data cannot settle it.
        source: A data source the claim cites ("UN Comtrade"), if any.
        comparator: ``approx``, ``exact``, ``gt``, ``lt``, ``ge`` or ``le``.
        hedge: The hedge word as written (``about``, ``over``...), if any.
        amount: Value/weight claims: USD or kg. Share: fraction. Change: fraction (signed).
        amount_text: The figure as written, e.g. ``$337 million``.
        rounding: Half of the last stated digit, in the amount's unit (rounding allowance).
        rank: Rank claims: N of "top N" or of "Nth largest".
        rank_mode: ``top`` (rank <= N) or ``exact`` (rank == N).
        senses: Meanings of an ambiguous word, the most literal first (each is a reading).
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
    report: Side | None = None
    year: int | None = None
    since: int | None = None
    period: str | None = None
    source: str | None = None
    comparator: Comparator = "exact"
    hedge: str | None = None
    amount: float | None = None
    amount_text: str | None = None
    rounding: float = 0.0
    rank: int | None = None
    rank_mode: Literal["top", "exact"] | None = None
    senses: list[Sense] = Field(default_factory=list)


class Interpretation(BaseModel):
    """One reading of a claim: dataset, HS scope, reporting side, measure, year and sense.

    ``role`` is ``reading`` for readings the wording allows, ``note`` for the other side's
    report of a claim about one side's report ("Japan's imports": India's mirror report is
    shown, but does not decide). ``literal`` marks the most literal reading; ``primary`` the
    reading the verdict rests on (they differ when the literal reading has no data).
    ``scope_covered`` is the HS scope the rows actually cover; ``decision`` says why a side
    other than the one the wording names was read.
    """

    hs: list[str]
    hs_label: str
    side: Side
    flow: str
    measure: Measure
    year: int | None
    since: int | None = None
    year_source: Literal["claim", "latest year with data"] = "claim"
    dataset: str | None
    sense: str | None = None
    role: Literal["reading", "note"] = "reading"
    literal: bool = False
    primary: bool = False
    scope_covered: str | None = None
    decision: str | None = None


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
    engine: str = "duckdb"
    statements: int | None = None
    results: list[CheckResult]
    errors: list[ClaimError] = Field(default_factory=list)
    units: dict[str, str] = Field(
        default_factory=lambda: {
            "value": "USD",
            "weight": "kg",
            "share": "fraction 0-1",
            "change": "fraction (x_t / x_base - 1; base = the year before unless 'since')",
            "rank": "1 = largest country",
        }
    )

    model_config = {"populate_by_name": True}
