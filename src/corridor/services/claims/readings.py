"""The readings of a claim, most literal first, and what the coverage probe says of each.

A reading is one (dataset × HS scope × side × measure × sense) the wording allows.

* HS scope — "aluminium" may mean chapter 76, heading 7601 or 7601+7602; a pinned product or
  ``(HS …)`` gives one scope.
* Side — an explicit qualifier ("according to Japan's customs", "CIF") reads only that side.
  A sentence about one side's report ("Japan's imports", "Japan imported", "India's
  exports") reads that side, and shows the other side's report as a *note*: a mirror figure
  for comparison, not a rival reading that could make the verdict ambiguous. When the named
  side has no data in a dataset (e.g. a BACI-only warehouse), the other side is read and the
  finding says so. Otherwise ("India is Japan's 4th largest supplier") both sides are readings.
* Measure — fixed by the unit ($ → value, tonnes → weight) or "by value/by weight"; else both.
* Sense — the meanings of an ambiguous word ("most" = a majority or the largest part).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.services.claims.models import Claim, Interpretation

if TYPE_CHECKING:
    from corridor.services.session import Coverage

__all__ = ["coverage_gap", "hs_label", "interpretations", "short"]


def hs_label(hs: list[str]) -> str:
    """``['76']`` → 'HS 76 (whole chapter: aluminium and articles thereof)'."""
    from corridor.reference.hs import hs_codes

    if hs == ["76"]:
        return "HS 76 (whole chapter: aluminium and articles thereof)"
    names = {c.code: c.name for c in hs_codes("H6")}
    text = " + ".join(f"{h} ({names[h].lower()})" if h in names else h for h in hs)
    return f"HS {text}"


def _flow(side: str, claim: Claim, reconciled: bool) -> str:
    if side == "importer":
        return f"imports reported by {claim.importer_label} (flow M, CIF)"
    if reconciled:
        return f"reconciled flows to {claim.importer_label} (CEPII BACI, exporter → importer, FOB)"
    single = claim.exporter and len(claim.exporter) == 1 and claim.kind in ("value", "change")
    who = claim.exporter_label if single else "each supplier"
    return f"exports to {claim.importer_label} reported by {who} (flow X, FOB mirror)"


def _row(rows: list[Coverage], side: str, dataset: str) -> Coverage | None:
    return next((r for r in rows if r.side == side and r.dataset == dataset), None)


def _sides(claim: Claim, dataset: str, rows: list[Coverage]) -> list[tuple[str, str, str | None]]:
    """(side, role, decision) for one dataset and HS scope."""
    if claim.side:
        return [(claim.side, "reading", None)]
    if claim.report is None:
        return [("importer", "reading", None), ("exporter", "reading", None)]
    own, other = claim.report, ("exporter" if claim.report == "importer" else "importer")
    if _row(rows, own, dataset) is None and (found := _row(rows, other, dataset)) is not None:
        imp, exp = claim.importer_label, claim.exporter_label or "its partners"
        if own == "importer":
            whose = f"{imp}'s own report of its imports"
            used = ("reconciled BACI flows (exporter → importer, FOB)" if found.reconciled
                    else f"the exporters' reports of exports to {imp} (flow X, FOB)")  # fmt: skip
        else:
            whose = f"{exp}'s own report of its exports"
            used = f"{imp}'s report of its imports (flow M, CIF)"
        return [(other, "reading", f"dataset {dataset} has no {whose}: read from {used}")]
    return [(own, "reading", None), (other, "note", None)]


def interpretations(
    claim: Claim, datasets: list[str], coverage: dict[tuple[str, ...], list[Coverage]]
) -> list[Interpretation]:
    """Every reading the wording allows, the most literal first (notes follow their reading)."""
    measures = [claim.measure] if claim.measure else ["value", "weight"]
    senses = [s.name for s in claim.senses] or [None]
    out = []
    for ds in datasets:
        for hs in claim.hs_candidates:
            rows = coverage.get(tuple(hs), [])
            for side, role, decision in _sides(claim, ds, rows):
                row = _row(rows, side, ds)
                for measure in measures:
                    for sense in senses:
                        out.append(
                            Interpretation(
                                hs=hs, hs_label=hs_label(hs), side=side,
                                flow=_flow(side, claim, bool(row and row.reconciled)),
                                measure=measure, year=claim.year, since=claim.since,
                                dataset=ds, sense=sense, role=role, decision=decision,
                            )
                        )  # fmt: skip
    readings = [i for i in out if i.role == "reading"]
    if readings:
        readings[0].literal = True
    return out


def coverage_gap(hs: list[str], row: Coverage) -> str | None:
    """Why the rows of one (side, dataset) cannot give a total for ``hs``, or None.

    A heading or subheading is covered when the dataset has rows under it. A chapter is
    covered when the dataset reports the chapter total (HS2) or rows under at least half of
    its headings; otherwise a "chapter" figure would really be the total of a few headings
    (e.g. a 7601-only panel), and the reading is unverifiable rather than silently narrower.
    """
    from corridor.reference.hs import chapter_headings

    headings = set(row.codes4) | set(row.codes6)
    missing = []
    for code in hs:
        if code == "TOTAL":
            continue
        if len(code) == 2:
            present = sorted(h for h in headings if h.startswith(code))
            total = chapter_headings(code)
            if code in row.codes2:
                continue
            if not present:
                missing.append(f"HS {code} is not in dataset {row.dataset}")
            elif total and len(present) < total / 2:
                missing.append(
                    f"dataset {row.dataset} holds only heading(s) {', '.join(present)} of "
                    f"chapter {code}, so it has no chapter total"
                )
        elif code[:4] not in headings:
            missing.append(f"HS {code} is not in dataset {row.dataset}")
    return "; ".join(missing) or None


def short(i: Interpretation) -> str:
    """One-line name of a reading (for reasons)."""
    year = f"{i.year}" if i.year is not None else "latest year"
    if i.since is not None:
        year = f"{i.since}–{year}"
    if i.year_source != "claim":
        year += " (latest with data)"
    hs = i.hs_label.split(" (")[0] if len(i.hs) == 1 else "HS " + "+".join(i.hs)
    side = "importer-reported" if i.side == "importer" else "exporter-reported"
    sense = f", '{i.sense}' sense" if i.sense else ""
    return f"{hs}, {side}, by {i.measure}, {year}, dataset {i.dataset}{sense}"
