"""Findings for each reading of a claim, and the verdict over them — all through the session.

Every reading (:mod:`.readings`) is one corridor question: ``CorridorQuery(importer, hs,
side=…, measure=…, dataset=…)`` run through a :class:`~corridor.services.session.Session` on
one :class:`~corridor.store.catalog.Catalog`. The coverage probe (one statement per HS scope)
says which (side, dataset) pairs hold rows, which headings they cover, which years and
whether values or weights are reported; figures come from the ``partners`` indicator (value,
weight, share, rank and market total per supplier and year) and ``concentration`` (the
largest supplier's share). Sessions are memoised across claims, so a file of claims about
one corridor runs few statements, on any engine the catalog runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from corridor.errors import NotFound
from corridor.services.claims.models import (
    CheckResult,
    Claim,
    Evaluation,
    Finding,
    Interpretation,
    Tolerances,
    Verdict,
)
from corridor.services.claims.readings import coverage_gap, interpretations, short
from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Coverage, Session
    from corridor.store.catalog import Catalog

__all__ = ["Checker", "combine", "compare"]

_UNITS = {"value": "USD", "weight": "kg", "share": "fraction", "change": "fraction",
          "rank": "rank", "concentration": "fraction"}  # fmt: skip


def compare(
    figure: float, claim: Claim, tol: Tolerances
) -> tuple[bool, float | None, float | None, float | None]:
    """Compare a figure with the claim: (holds, lower bound, upper bound, relative tolerance).

    ``approx`` uses ``tol.about`` and ``exact`` uses ``tol.exact`` (relative to the claimed
    figure), widened to the rounding of the figure as written when that is larger.
    ``gt``/``lt``/``ge``/``le`` are strict/inclusive bounds. For changes the bound applies to
    the movement in the claimed direction ("fell by more than 5 %" → change < -5 %).
    """
    n, cmp = float(claim.amount or 0.0), claim.comparator
    if claim.kind == "change" and cmp in ("gt", "lt", "ge", "le"):
        sign = -1.0 if n < 0 else 1.0
        m, target = sign * figure, abs(n)
        ok = {"gt": m > target, "ge": m >= target, "lt": 0 < m < target,
              "le": 0 < m <= target}[cmp]  # fmt: skip
        lo, hi = (n, None) if cmp in ("gt", "ge") else (0.0, n)
        return ok, *(sorted((lo, hi)) if hi is not None and sign < 0 else (lo, hi)), None
    if cmp in ("approx", "exact"):
        rel = tol.about if cmp == "approx" else tol.exact
        half = max(abs(n) * rel, claim.rounding)
        lower, upper = n - half, n + half
        return lower <= figure <= upper, lower, upper, (half / abs(n) if n else None)
    ok = {"gt": figure > n, "ge": figure >= n, "lt": figure < n, "le": figure <= n}[cmp]
    return ok, (n if cmp in ("gt", "ge") else None), (n if cmp in ("lt", "le") else None), None


def _list(findings: list[Finding]) -> str:
    names = [short(f.interpretation) for f in findings]
    more = f" and {len(names) - 2} more" if len(names) > 2 else ""
    return "; ".join(names[:2]) + more


def combine(findings: list[Finding]) -> tuple[Verdict, str, Finding | None]:
    """The claim's verdict over its readings (notes never count), its reason, its basis.

    The basis is the finding the verdict rests on.

    * no reading has data → ``unverifiable`` (the literal reading's reason says what is missing);
    * the literal reading holds → ``supported`` (readings that disagree are named);
    * every reading with data agrees → that verdict, resting on the literal reading if it has
      data, else on the first reading with data (and the reason says the literal one has none);
    * otherwise → ``ambiguous``: the wording does not pin the reading and the readings differ;
      the reason leads with the literal reading.
    """
    readings = [f for f in findings if f.interpretation.role == "reading"]
    literal = next((f for f in readings if f.interpretation.literal), None)
    done = [f for f in readings if f.verdict is not Verdict.unverifiable]
    if literal is None:
        return Verdict.unverifiable, "the data cannot settle the claim: no reading", None
    lit = short(literal.interpretation)
    if not done:
        why = f"on the literal reading ({lit}): {literal.reason}"
        return Verdict.unverifiable, f"the data cannot settle the claim: {why}", literal
    against = [f for f in done if f.verdict is Verdict.contradicted]
    holds = [f for f in done if f.verdict is Verdict.supported]
    if literal.verdict is Verdict.supported:
        extra = f"; it would not hold on {_list(against)}" if against else ""
        return Verdict.supported, f"holds on the most literal reading ({lit}){extra}", literal
    if not holds or not against:
        verdict = Verdict.contradicted if not holds else Verdict.supported
        word = "does not hold on any" if not holds else "holds on every"
        if literal.verdict is not Verdict.unverifiable:
            return verdict, f"{word} reading with data; the literal one ({lit}): " \
                f"{literal.reason}", literal  # fmt: skip
        basis = done[0]
        return (
            verdict,
            (
                f"{word} reading with data; it rests on {short(basis.interpretation)}: "
                f"{basis.reason} (the literal reading has no data: {literal.reason})"
            ),
            basis,
        )
    if literal.verdict is Verdict.contradicted:
        lead = f"the literal reading ({lit}) does not hold: {literal.reason}"
    else:
        lead = f"the literal reading ({lit}) has no data: {literal.reason}"
    others = [f for f in against if f is not literal]
    tail = f"; it holds on {_list(holds)}" + (f" but not on {_list(others)}" if others else "")
    return (
        Verdict.ambiguous,
        (f"the wording does not pin the reading and the readings disagree: {lead}{tail}"),
        literal,
    )


class _Missing(Exception):
    """The reading lacks a number the claim needs."""


class Checker:
    """Evaluates claims against one catalog (sessions and results are shared across claims).

    Args:
        catalog: the warehouse on its engine (:func:`corridor.store.catalog.open_catalog`).
        tolerances: relative tolerances for "about" and unhedged figures.
        dataset: read only this dataset.
    """

    def __init__(
        self, catalog: Catalog, tolerances: Tolerances | None = None, dataset: str | None = None
    ) -> None:
        self.catalog = catalog
        self.tol = tolerances or Tolerances()
        self.dataset = dataset
        self._sessions: dict[tuple, Session] = {}

    # -- sessions ----------------------------------------------------------------------------
    def _base(self, importer: int, hs: tuple[str, ...], dataset: str | None = None) -> Session:
        """The session of one (importer, HS scope[, dataset]): its coverage probe is shared."""
        key = (importer, hs, dataset or self.dataset)
        if key not in self._sessions:
            from corridor.query import CorridorQuery
            from corridor.services.session import Session

            q = CorridorQuery(importer=importer, hs=hs, dataset=key[2], engine=self.catalog.engine)
            self._sessions[key] = Session(self.catalog, q)
        return self._sessions[key]

    def coverage(self, importer: int, hs: list[str]) -> list[Coverage]:
        """Every (side, dataset) the warehouse holds for the importer and HS scope."""
        return self._base(importer, tuple(hs)).coverage

    def _session(self, importer: int, i: Interpretation, rows: list[Coverage]) -> Session:
        """The session of one reading: the base session pinned to its side and measure.

        The dataset is pinned too when the side has several.
        """
        several = len({r.dataset for r in rows if r.side == i.side}) > 1
        base = self._base(importer, tuple(i.hs), i.dataset if several else None)
        return base.derive(side=i.side, measure=i.measure)

    # -- claims ------------------------------------------------------------------------------
    def check(self, claim: Claim, claim_id: str = "1") -> CheckResult:
        """Evaluate every reading of a claim and combine them into a verdict."""
        ev = self.evaluate(claim)
        syn = any(f.provenance and f.provenance.synthetic for f in ev.findings)
        return CheckResult(id=claim_id, claim=claim, verdict=ev.verdict, reason=ev.reason,
                           findings=ev.findings, synthetic=syn)  # fmt: skip

    def evaluate(self, claim: Claim) -> Evaluation:
        """Findings for every reading (and note), and the verdict over the readings."""
        if claim.period:
            return Evaluation(verdict=Verdict.unverifiable, findings=[], reason=(
                f"the claim is about part of a year ({claim.period}); the warehouse holds "
                "annual totals — check an annual figure instead"))  # fmt: skip
        coverage = {tuple(hs): self.coverage(claim.importer, hs) for hs in claim.hs_candidates}
        datasets = self._datasets(claim, coverage)
        if not datasets:
            scopes = ", ".join("+".join(hs) for hs in claim.hs_candidates)
            ds = f" in dataset {self.dataset}" if self.dataset else ""
            reason = (
                "the data cannot settle the claim: no trade flows into "
                f"{claim.importer_label} for HS {scopes}{ds} in {self.catalog.reads_from}"
            )
            return Evaluation(verdict=Verdict.unverifiable, reason=reason, findings=[])
        findings = [
            self._finding(claim, i, coverage[tuple(i.hs)])
            for i in interpretations(claim, datasets, coverage)
        ]
        verdict, reason, basis = combine(findings)
        if basis is not None:
            basis.interpretation.primary = True
            reason += _caveats(claim, basis, findings)
        return Evaluation(verdict=verdict, reason=reason, findings=findings)

    def _datasets(self, claim: Claim, coverage: dict[tuple, list[Coverage]]) -> list[str]:
        """Datasets holding any reading: the cited source's first, real before synthetic."""
        rows = [r for rows in coverage.values() for r in rows]
        if self.dataset:
            return [self.dataset] if rows else []
        cited = (claim.source or "").split()[-1:] or [""]

        def key(r: Coverage) -> tuple:
            return (cited[0].lower() not in r.source.lower(), r.synthetic, r.dataset)

        return list(dict.fromkeys(r.dataset for r in sorted(rows, key=key)))

    # -- one reading -------------------------------------------------------------------------
    def _finding(self, claim: Claim, i: Interpretation, rows: list[Coverage]) -> Finding:
        c = _in_sense(claim, i.sense)

        def missing(reason: str) -> Finding:
            return Finding(interpretation=i, verdict=Verdict.unverifiable, reason=reason)

        row = next((r for r in rows if r.side == i.side and r.dataset == i.dataset), None)
        if row is None:
            if not any(r.dataset == i.dataset for r in rows):
                return missing(f"HS {'+'.join(i.hs)} is not in dataset {i.dataset}")
            return missing(f"no {i.flow} for {i.hs_label} in dataset {i.dataset}")
        if gap := coverage_gap(i.hs, row):
            return missing(gap)
        if not (row.value_rows if i.measure == "value" else row.weight_rows):
            has = "net weights" if i.measure == "value" else "values (USD)"
            return missing(f"{i.measure} is NULL in every year of dataset {i.dataset}: it "
                           f"carries {has} only for this flow")  # fmt: skip
        if c.kind in _OF_MARKET and row.thin_market:
            return missing(
                f"{row.thin_market_text(claim.importer_label)}: a {c.kind} among its suppliers "
                "would describe the file, not the market"
            )
        session = self._session(claim.importer, i, rows)
        try:
            result = session.indicator("partners")
        except NotFound as exc:
            return missing(str(exc))
        i.scope_covered = session.scope
        by_year: dict[int, list[dict[str, Any]]] = {}
        for r in result.to_pylist():
            by_year.setdefault(r["year"], []).append(r)
        totals = {y: rs[0]["market_total"] for y, rs in by_year.items()}
        span = f"{min(totals)}–{max(totals)}"
        if i.year is None:
            with_data = sorted(y for y, t in totals.items() if t is not None)
            if not with_data:
                return missing(f"{i.measure} is NULL in every year of dataset {i.dataset}")
            i.year, i.year_source = with_data[-1], "latest year with data"
        needed = [i.year]
        if c.kind == "change":
            base = c.since if c.since is not None else i.year - 1
            if base >= i.year:
                return missing(f"the change needs a year before {i.year} (from {base})")
            needed = [base, i.year]
        for y in needed:
            if y not in totals:
                return missing(f"no data for {y} (dataset {i.dataset} covers {span})")
            if totals[y] is None:
                return missing(
                    f"{i.measure} is NULL in {y}: dataset {i.dataset} does not carry "
                    f"{'values (USD)' if i.measure == 'value' else 'net weights'} for this flow"
                )
        try:
            if c.kind == "concentration":
                result = session.indicator("concentration")
                figure, details = _largest(c, i, result.to_pylist())
            else:
                figure, details = _FIGURES[c.kind](c, i, by_year, needed)
        except NotFound as exc:
            return missing(str(exc))
        except _Missing as exc:
            return missing(str(exc))
        prov = replace(result.provenance, years=(min(needed), max(needed)))
        if figure is None:  # rank of a country absent from the market
            return Finding(interpretation=i, verdict=Verdict.contradicted, unit="rank",
                           reason=details["note"], details=details, provenance=prov)  # fmt: skip
        if c.kind == "rank":
            n = c.rank or 0
            ok = figure <= n if c.rank_mode == "top" else figure == n
            lower, upper, rel = (None, float(n), None) if c.rank_mode == "top" else (n, n, None)
        else:
            ok, lower, upper, rel = compare(figure, c, self.tol)
        unit = _UNITS[i.measure] if c.kind == "value" else _UNITS[c.kind]
        return Finding(
            interpretation=i, verdict=Verdict.supported if ok else Verdict.contradicted,
            reason=_reason(c, unit, figure, ok, lower, upper), figure=figure, unit=unit,
            lower=lower, upper=upper, tolerance=rel, details=details, provenance=prov,
        )  # fmt: skip


def _in_sense(claim: Claim, sense: str | None) -> Claim:
    """The claim as read under one sense of an ambiguous word."""
    for s in claim.senses:
        if s.name == sense and s.changes:
            return claim.model_copy(update=s.changes)
    return claim


def _caveats(claim: Claim, basis: Finding, findings: list[Finding]) -> str:
    """What the reason must add about the reading the verdict rests on.

    That is: a narrower product scope than the claim names, partial coverage, a side other
    than the one named, the other side's figure (a note), a cited source not used.
    """
    out = []
    i = basis.interpretation
    broad = claim.hs_candidates[0]
    if i.hs != broad and basis.verdict is not Verdict.unverifiable:
        from corridor.services.claims.readings import hs_label

        out.append(
            f"note: this rests on {i.hs_label} only — narrower than {hs_label(broad)}, which "
            f"'{claim.product or 'the product'}' also names"
        )
    if i.scope_covered and i.scope_covered != "; ".join(f"HS {h}" for h in i.hs):
        out.append(f"the data covers {i.scope_covered}")
    if i.decision:
        out.append(i.decision)
    for f in findings:
        n = f.interpretation
        if (
            n.role == "note"
            and f.figure is not None
            and (n.dataset, n.hs, n.measure, n.sense) == (i.dataset, i.hs, i.measure, i.sense)
        ):
            shown = (
                fmt_value(f.figure, Unit.GROWTH)
                if claim.kind == "change"
                else _fmt(f.unit, f.figure)
            )
            out.append(f"the other side's report ({n.flow}) gives {shown} "
                       f"— shown as a note: the claim names {_whose(claim)}")  # fmt: skip
    if claim.source and basis.provenance:
        sources = " ".join(basis.provenance.sources).lower()
        if claim.source.split()[-1].lower() not in sources:
            out.append(f"the claim cites {claim.source}; this reading uses dataset {i.dataset} "
                       f"({', '.join(basis.provenance.sources)})")  # fmt: skip
    return "".join(f"; {o}" for o in out)


def _whose(claim: Claim) -> str:
    if claim.report == "exporter":
        return f"{claim.exporter_label}'s exports"
    return f"{claim.importer_label}'s imports"


# -- figures from the partners rows of one reading --------------------------------------------
def _amount(claim: Claim, i: Interpretation, rows: list[dict[str, Any]], year: int) -> float:
    if not claim.exporter:
        return float(rows[0]["market_total"])
    mine = [r for r in rows if r["supplier"] in claim.exporter]
    if any(r[i.measure] is None for r in mine):
        raise _Missing(f"{claim.exporter_label}'s {i.measure} is not reported in {year}")
    return float(sum(r[i.measure] for r in mine))


def _value(claim: Claim, i: Interpretation, by_year: dict, needed: list[int]):
    rows = by_year[i.year]
    amount = _amount(claim, i, rows, i.year)
    details: dict[str, Any] = {"market_total": rows[0]["market_total"]}
    if claim.exporter and not any(r["supplier"] in claim.exporter for r in rows):
        details["note"] = f"no reported flow from {claim.exporter_label} in {i.year}"
    return amount, details


def _share(claim: Claim, i: Interpretation, by_year: dict, needed: list[int]):
    rows = by_year[i.year]
    total = float(rows[0]["market_total"])
    if total <= 0:
        raise _Missing(f"the market total is 0 in {i.year}")
    amount = _amount(claim, i, rows, i.year)
    return amount / total, {"amount": amount, "market_total": total}


def _change(claim: Claim, i: Interpretation, by_year: dict, needed: list[int]):
    first, last = needed
    cur = _amount(claim, i, by_year[last], last)
    prev = _amount(claim, i, by_year[first], first)
    if prev <= 0:
        raise _Missing(f"nothing reported in {first}, so the change is undefined")
    return cur / prev - 1, {"current": cur, "previous": prev, "years": [first, last]}


def _rank(claim: Claim, i: Interpretation, by_year: dict, needed: list[int]):
    ranked = sorted((r for r in by_year[i.year] if r["rank"] is not None), key=lambda r: r["rank"])
    code = (claim.exporter or [0])[0]
    top = [{"rank": r["rank"], "supplier": r["supplier"], "name": r["name"],
            "amount": r[i.measure], "share": r["share"]}
           for r in ranked[: max(claim.rank or 1, 5) + 1]]  # fmt: skip
    mine = next((r for r in ranked if r["supplier"] == code), None)
    details: dict[str, Any] = {"top": top, "n_ranked": len(ranked)}
    if mine is None:
        details["note"] = f"{claim.exporter_label} is not among the suppliers in {i.year}"
        return None, details
    tied = [r["name"] for r in ranked if r["rank"] == mine["rank"] and r["supplier"] != code]
    details.update(amount=mine[i.measure], share=mine["share"], ahead=mine["rank"] - 1,
                   tied_with=tied)  # fmt: skip
    return float(mine["rank"]), details


def _largest(claim: Claim, i: Interpretation, rows: list[dict[str, Any]]):
    row = next((r for r in rows if r["year"] == i.year), None)
    if row is None or row["top1_share"] is None:
        raise _Missing(f"no ranked supplier in {i.year}")
    return float(row["top1_share"]), {"top_supplier": row["top1_name"],
                                      "n_suppliers": row["n_suppliers"]}  # fmt: skip


#: claims about the importer's whole market (not one exporter's amount)
_OF_MARKET = ("share", "rank", "concentration")
_FIGURES = {"value": _value, "share": _share, "change": _change, "rank": _rank}


def _fmt(unit: str | None, x: float | None) -> str:
    if unit == "rank":
        return "—" if x is None else f"#{x:.0f}"
    return fmt_value(x, {"USD": Unit.USD, "kg": Unit.KG}.get(unit or "", Unit.FRACTION))


def _reason(
    claim: Claim, unit: str, figure: float, ok: bool, lower: float | None, upper: float | None
) -> str:
    def f(x: float | None) -> str:
        if claim.kind == "change":
            return fmt_value(x, Unit.GROWTH)
        return _fmt(unit, x)

    fig = f(figure)
    if claim.kind == "rank":
        want = f"top {claim.rank}" if claim.rank_mode == "top" else f"#{claim.rank}"
        return f"rank {fig} {'is' if ok else 'is not'} {want}"
    if lower is not None and upper is not None:
        return f"{fig} is {'within' if ok else 'outside'} {f(lower)} – {f(upper)}"
    bound = lower if lower is not None else upper
    op = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "approx": "≈", "exact": "="}[claim.comparator]
    return f"{fig} {'satisfies' if ok else 'fails'} {op} {f(bound)}"
