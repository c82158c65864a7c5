"""Interpretations of a claim and the verdict over them.

A claim is read under every interpretation its wording allows — HS scope (for "aluminium":
chapter 76, heading 7601, 7601+7602), reporting side (the importer's report, flow M, CIF;
the exporters' mirror report, flow X, FOB), measure (value or weight, unless the unit or
"by value/weight" fixes it) and dataset. The first is the primary (most literal) reading.
Each interpretation with data gets its own verdict; the claim's verdict follows the rule in
:func:`combine`.
"""

from __future__ import annotations

from itertools import product
from typing import TYPE_CHECKING, Any

from corridor.services.claims.data import ClaimData
from corridor.services.claims.models import (
    CheckResult,
    Claim,
    Evaluation,
    Finding,
    Interpretation,
    Tolerances,
    Verdict,
)
from corridor.units import fmt_pct

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse

__all__ = ["Checker", "combine", "compare", "interpretations"]

_UNIT = {"value": "USD", "weight": "kg", "share": "fraction", "change": "fraction",
         "rank": "rank", "concentration": "fraction"}  # fmt: skip


def compare(
    figure: float, claim: Claim, tol: Tolerances
) -> tuple[bool, float | None, float | None, float | None]:
    """Compare a figure with the claim: (holds, lower bound, upper bound, relative tolerance).

    ``approx`` uses ``tol.about`` and ``exact`` uses ``tol.exact`` (relative to the claimed
    figure), widened to the rounding of the figure as written when that is larger.
    ``gt``/``lt``/``ge``/``le`` are strict/inclusive bounds. For changes the bound applies to
    the movement in the claimed direction ("fell by more than 5 %" → yoy < -5 %).
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


def _hs_label(hs: list[str]) -> str:
    from corridor.reference.hs import hs_codes

    names = {c.code: c.name for c in hs_codes("H6")}
    if hs == ["76"]:
        return "HS 76 (whole chapter: aluminium and articles thereof)"
    text = " + ".join(f"{h} ({names.get(h, 'HS ' + h).lower()})" for h in hs)
    return f"HS {text}"


def _flow(side: str, claim: Claim) -> str:
    if side == "importer":
        return f"imports reported by {claim.importer_label} (flow M, CIF)"
    who = claim.exporter_label if claim.exporter and len(claim.exporter) == 1 else "each supplier"
    return f"exports to {claim.importer_label} reported by {who} (flow X, FOB mirror)"


def interpretations(claim: Claim, datasets: list[str]) -> list[Interpretation]:
    """Every reading the wording allows, the primary (most literal) first."""
    sides = [claim.side] if claim.side else ["importer", "exporter"]
    measures = [claim.measure] if claim.measure else ["value", "weight"]
    out = [
        Interpretation(
            hs=hs,
            hs_label=_hs_label(hs),
            side=side,
            flow=_flow(side, claim),
            measure=measure,
            year=claim.year,
            dataset=ds,
        )
        for ds, hs, side, measure in product(datasets, claim.hs_candidates, sides, measures)
    ]
    if out:
        out[0].primary = True
    return out


def _short(i: Interpretation) -> str:
    year = f"{i.year}" + (" (latest with data)" if i.year_source != "claim" else "")
    hs = i.hs_label.split(" (")[0] if len(i.hs) == 1 else "HS " + "+".join(i.hs)
    side = "importer-reported" if i.side == "importer" else "exporter-reported"
    return f"{hs}, {side}, by {i.measure}, {year}, dataset {i.dataset}"


def _list(findings: list[Finding]) -> str:
    names = [_short(f.interpretation) for f in findings]
    more = f" and {len(names) - 2} more" if len(names) > 2 else ""
    return "; ".join(names[:2]) + more


def combine(findings: list[Finding]) -> tuple[Verdict, str]:
    """The claim's verdict over its interpretations.

    * no interpretation has data → ``unverifiable`` (the primary's reason says what is missing);
    * the primary holds → ``supported`` (readings that disagree are named);
    * every interpretation with data agrees → that verdict;
    * otherwise → ``ambiguous``: the wording does not pin the reading and the readings differ.
    """
    done = [f for f in findings if f.verdict is not Verdict.unverifiable]
    primary = findings[0] if findings else None
    if not done or primary is None:
        why = primary.reason if primary else "no interpretation could be formed"
        return Verdict.unverifiable, f"the data cannot settle the claim: {why}"
    against = [f for f in done if f.verdict is Verdict.contradicted]
    holds = [f for f in done if f.verdict is Verdict.supported]
    if primary.verdict is Verdict.supported:
        extra = ""
        if against:
            extra = f"; it would not hold on {_list(against)}"
        return Verdict.supported, (
            f"holds on the most literal reading ({_short(primary.interpretation)}){extra}"
        )
    if not holds:
        lead = primary if primary.verdict is Verdict.contradicted else done[0]
        return Verdict.contradicted, (
            f"does not hold on any reading with data; e.g. {_short(lead.interpretation)}: "
            f"{lead.reason}"
        )
    if not against:
        return Verdict.supported, (
            f"holds on every reading with data (the literal one has none: {primary.reason})"
        )
    others = [f for f in against if f is not primary]
    if primary.verdict is Verdict.contradicted:
        tail = f"not on the literal reading ({_short(primary.interpretation)})"
        tail += f" nor on {_list(others)}" if others else ""
    else:
        tail = f"not on {_list(against)}"
    return Verdict.ambiguous, (
        "the wording does not pin the reading and the readings disagree: it holds on "
        f"{_list(holds)} but {tail}"
    )


class Checker:
    """Evaluates claims against one warehouse (tables are cached across claims)."""

    def __init__(
        self, wh: Warehouse, tolerances: Tolerances | None = None, dataset: str | None = None
    ) -> None:
        self.data = ClaimData(wh)
        self.tol = tolerances or Tolerances()
        self.dataset = dataset

    def check(self, claim: Claim, claim_id: str = "1") -> CheckResult:
        """Evaluate every interpretation of a claim and combine them into a verdict."""
        ev = self.evaluate(claim)
        syn = any(f.provenance and f.provenance.synthetic for f in ev.findings)
        return CheckResult(id=claim_id, claim=claim, verdict=ev.verdict, reason=ev.reason,
                           findings=ev.findings, synthetic=syn)  # fmt: skip

    def evaluate(self, claim: Claim) -> Evaluation:
        """Findings for every interpretation, and the verdict over them."""
        datasets = [self.dataset] if self.dataset else self.data.datasets(claim.importer)
        if not datasets:
            reason = f"the warehouse holds no trade flows into {claim.importer_label}"
            return Evaluation(verdict=Verdict.unverifiable, reason=reason, findings=[])
        findings = [self._finding(claim, i) for i in interpretations(claim, datasets)]
        verdict, reason = combine(findings)
        return Evaluation(verdict=verdict, reason=reason, findings=findings)

    # -- one interpretation ------------------------------------------------------------------
    def _finding(self, claim: Claim, i: Interpretation) -> Finding:
        def missing(reason: str) -> Finding:
            return Finding(interpretation=i, verdict=Verdict.unverifiable, reason=reason)

        gap = self.data.coverage_gap(i.dataset or "", i.hs)
        if gap:
            return missing(gap)
        rows = self.data.suppliers(i.dataset or "", i.hs, i.side, i.measure, claim.importer)
        if not rows:
            return missing(f"no {i.flow} for {i.hs_label} in dataset {i.dataset}")
        totals = {r["year"]: r["market_total"] for r in rows}
        with_data = sorted(y for y, t in totals.items() if t is not None)
        span = f"{min(totals)}–{max(totals)}"
        if i.year is None:
            if not with_data:
                return missing(f"{i.measure} is NULL in every year of dataset {i.dataset}")
            i.year, i.year_source = with_data[-1], "latest year with data"
        needed = [i.year - 1, i.year] if claim.kind == "change" else [i.year]
        for y in needed:
            if y not in totals:
                return missing(f"no data for {y} (dataset {i.dataset} covers {span})")
            if totals[y] is None:
                return missing(
                    f"{i.measure} is NULL in {y}: dataset {i.dataset} does not carry "
                    f"{'values (USD)' if i.measure == 'value' else 'net weights'} for this flow"
                )
        by_year: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_year.setdefault(r["year"], []).append(r)
        try:
            figure, details = _FIGURES[claim.kind](claim, i, by_year)
        except _Missing as exc:
            return missing(str(exc))
        prov = self.data.provenance(i.dataset or "", i.hs, i.side, claim.importer, needed,
                                    i.flow)  # fmt: skip
        if figure is None:  # rank of a country absent from the market
            return Finding(interpretation=i, verdict=Verdict.contradicted, unit="rank",
                           reason=details["note"], details=details, provenance=prov)  # fmt: skip
        if claim.kind == "rank":
            n = claim.rank or 0
            ok = figure <= n if claim.rank_mode == "top" else figure == n
            lower, upper, rel = (None, float(n), None) if claim.rank_mode == "top" else (n, n, None)
        else:
            ok, lower, upper, rel = compare(figure, claim, self.tol)
        verdict = Verdict.supported if ok else Verdict.contradicted
        return Finding(
            interpretation=i, verdict=verdict, reason=_reason(claim, figure, ok, lower, upper),
            figure=figure, unit=_UNIT[claim.kind] if claim.kind not in ("value",)
            else _UNIT[i.measure], lower=lower, upper=upper, tolerance=rel,
            details=details, provenance=prov,
        )  # fmt: skip


class _Missing(Exception):
    """The interpretation lacks a number the claim needs."""


def _amount(claim: Claim, i: Interpretation, rows: list[dict[str, Any]]) -> float:
    if not claim.exporter:
        return float(rows[0]["market_total"])
    mine = [r for r in rows if r["supplier"] in claim.exporter]
    if any(r[i.measure] is None for r in mine):
        raise _Missing(f"{claim.exporter_label}'s {i.measure} is not reported in {i.year}")
    return float(sum(r[i.measure] for r in mine))


def _value(claim: Claim, i: Interpretation, by_year: dict) -> tuple[float, dict[str, Any]]:
    rows = by_year[i.year]
    amount = _amount(claim, i, rows)
    details: dict[str, Any] = {"market_total": rows[0]["market_total"]}
    if claim.exporter and not any(r["supplier"] in claim.exporter for r in rows):
        details["note"] = f"no reported flow from {claim.exporter_label} in {i.year}"
    return amount, details


def _share(claim: Claim, i: Interpretation, by_year: dict) -> tuple[float, dict[str, Any]]:
    rows = by_year[i.year]
    total = float(rows[0]["market_total"])
    if total <= 0:
        raise _Missing(f"the market total is 0 in {i.year}")
    amount = _amount(claim, i, rows)
    return amount / total, {"amount": amount, "market_total": total}


def _change(claim: Claim, i: Interpretation, by_year: dict) -> tuple[float, dict[str, Any]]:
    year = i.year or 0
    cur = _amount(claim, i, by_year[year])
    prev = _amount(claim, i, by_year[year - 1])
    if prev <= 0:
        raise _Missing(f"nothing reported in {year - 1}, so the change is undefined")
    return cur / prev - 1, {"current": cur, "previous": prev, "years": [year - 1, year]}


def _names(codes: list[int]) -> list[str]:
    from corridor.reference.countries import country_by_code

    out = []
    for code in codes:
        try:
            out.append(country_by_code(code).name)
        except Exception:  # unknown code: keep the number
            out.append(str(code))
    return out


def _ranked(i: Interpretation, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ranked = sorted((r for r in rows if r["rank"] is not None), key=lambda r: r["rank"])
    return ranked


def _rank(claim: Claim, i: Interpretation, by_year: dict) -> tuple[float | None, dict[str, Any]]:
    ranked = _ranked(i, by_year[i.year])
    code = (claim.exporter or [0])[0]
    top = [{"rank": r["rank"], "supplier": r["supplier"], "amount": r[i.measure],
            "share": r["share"]} for r in ranked[: max(claim.rank or 1, 5) + 1]]  # fmt: skip
    for t, name in zip(top, _names([t["supplier"] for t in top]), strict=True):
        t["name"] = name
    mine = next((r for r in ranked if r["supplier"] == code), None)
    details: dict[str, Any] = {"top": top, "n_ranked": len(ranked)}
    if mine is None:
        details["note"] = f"{claim.exporter_label} is not among the suppliers in {i.year}"
        return None, details
    tied = [r["supplier"] for r in ranked if r["rank"] == mine["rank"] and r["supplier"] != code]
    details.update(amount=mine[i.measure], share=mine["share"], ahead=mine["rank"] - 1,
                   tied_with=_names(tied))  # fmt: skip
    return float(mine["rank"]), details


def _single(claim: Claim, i: Interpretation, by_year: dict) -> tuple[float, dict[str, Any]]:
    ranked = _ranked(i, by_year[i.year])
    if not ranked or ranked[0]["share"] is None:
        raise _Missing(f"no ranked supplier in {i.year}")
    first = ranked[0]
    return float(first["share"]), {"top_supplier": _names([first["supplier"]])[0],
                                   "amount": first[i.measure]}  # fmt: skip


_FIGURES = {"value": _value, "share": _share, "change": _change, "rank": _rank,
            "concentration": _single}  # fmt: skip


def _fmt(kind: str, unit: str | None, x: float | None) -> str:
    if x is None:
        return "—"
    if kind in ("share", "concentration", "change"):
        return fmt_pct(x, signed=kind == "change")
    if kind == "rank":
        return f"#{x:.0f}"
    return f"USD {x / 1e6:,.1f} M" if unit == "USD" else f"{x / 1e3:,.1f} t"


def _reason(claim: Claim, figure: float, ok: bool, lower: float | None, upper: float | None) -> str:
    unit = "USD" if claim.measure == "value" else "kg"
    fig = _fmt(claim.kind, unit, figure)
    if claim.kind == "rank":
        want = f"top {claim.rank}" if claim.rank_mode == "top" else f"#{claim.rank}"
        return f"rank {fig} {'is' if ok else 'is not'} {want}"
    if lower is not None and upper is not None:
        rng = f"{_fmt(claim.kind, unit, lower)} – {_fmt(claim.kind, unit, upper)}"
        return f"{fig} is {'within' if ok else 'outside'} {rng}"
    bound = lower if lower is not None else upper
    op = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "approx": "≈", "exact": "="}[claim.comparator]
    return f"{fig} {'satisfies' if ok else 'fails'} {op} {_fmt(claim.kind, unit, bound)}"
