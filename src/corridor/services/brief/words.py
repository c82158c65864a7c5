"""Words every section uses, each a pure function of the session (no state of its own).

Whose report a figure is, the HS scope the data actually covers, the product's name, the
data's vintage and citation, and source lines for captions — all read from the session's
coverage and memoised indicator results, so two sections can never disagree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from corridor.units import fmt_count, fmt_pct

if TYPE_CHECKING:
    from corridor.services.result import Result
    from corridor.services.session import Coverage, Session

__all__ = [
    "amount_of",
    "by_measure",
    "citation",
    "corridor_flow",
    "covered_codes",
    "flow_words",
    "largest",
    "last_year",
    "market",
    "ordinal",
    "pct",
    "plain",
    "product",
    "publisher",
    "report_of",
    "scope_short",
    "source_line",
    "span",
    "supplier_order",
    "vintage",
    "years",
]

PUBLISHERS = {"comtrade": "UN Comtrade", "baci": "CEPII BACI", "sample": "corridor (synthetic)"}
BACI_PAPER = (
    "Gaulier, G. and Zignago, S. (2010). BACI: International Trade Database at the "
    "Product-Level. The 1994-2007 Version. CEPII Working Paper No. 2010-23."
)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def market(s: Session) -> Session:
    """The market-wide variant of the question (no exporter; memoised by the session)."""
    return s.derive(exporter=None) if s.query.exporter is not None else s


# -- years --------------------------------------------------------------------------------
def years(s: Session) -> tuple[int, int]:
    """First and last year of the market the brief reads (from the summary indicator)."""
    rows = s.indicator("summary").rows
    return rows[0][0], rows[-1][0]


def last_year(s: Session) -> int:
    """The latest year of the market."""
    return years(s)[1]


# -- scope and product --------------------------------------------------------------------
@lru_cache(maxsize=1)
def _hs_names() -> dict[str, str]:
    from corridor.reference.hs import hs_codes

    names: dict[str, str] = {}
    for rev in ("H0", "H1", "H2", "H3", "H4", "H5", "H6"):
        for c in hs_codes(rev):
            names[c.code] = c.name
    names["76"] = "Aluminium"
    return names


def covered_codes(s: Session) -> tuple[str, ...]:
    """The HS codes the data covers: the requested ones, or the headings actually present."""
    main, out = s.main, []
    for code in s.query.hs:
        if len(code) == 2 and "only" in s.scope:
            present = main.codes6 if s.level == 6 else main.codes4
            out += [h for h in present if h.startswith(code)]
        else:
            out.append(code)
    return tuple(out)


def product(s: Session) -> str:
    """The product in words, for the scope the data covers (e.g. 'unwrought aluminium').

    Up to two codes are named; more are called by their chapter ('aluminium') and the
    scope (:func:`scope_short`) lists them.
    """
    names = _hs_names()
    codes = covered_codes(s)
    if len(codes) > 2:
        codes = tuple(dict.fromkeys(c[:2] for c in codes))
    words = []
    for code in codes:
        name = names.get(code)
        words.append(name[0].lower() + name[1:] if name else f"HS {code} goods")
    return "; ".join(words)


def countries(n: int) -> str:
    """'1 country', '3 countries'."""
    return fmt_count(n, "country", "countries")


def thin_market(n: int | None, year: int) -> str | None:
    """The note for a market the data holds fewer than THIN_MARKET suppliers of (else None)."""
    from corridor.analytics.constants import THIN_MARKET

    if n is None or n >= THIN_MARKET:
        return None
    return (
        f"The data holds only {countries(n)} supplying this market in {year}: shares and "
        "concentration are of what the data holds, which may be less than the whole market."
    )


def span(first: int, last: int) -> str:
    """'2015–2024', or '2021' for one year."""
    return str(first) if first == last else f"{first}–{last}"


def pct(fraction: float | None) -> str:
    """A share for sentences: '5.5 %', and 'under 0.1 %' rather than a misleading '0.0 %'."""
    if fraction is not None and 0 < fraction < 0.0005:
        return "under 0.1 %"
    return fmt_pct(fraction)


def largest(rank: int) -> str:
    """'largest', '4th largest'."""
    return "largest" if rank == 1 else f"{ordinal(rank)} largest"


def scope_short(s: Session) -> str:
    """The scope for titles: 'HS 76', or 'HS 7601 only' when the data holds less."""
    if "only" in s.scope:
        return "HS " + ", ".join(covered_codes(s)) + " only"
    return s.scope


# -- whose report --------------------------------------------------------------------------
def _basis(s: Session) -> str:
    return "/".join(s.main.value_basis)


def by_measure(s: Session) -> str:
    """'by value' or 'by net weight'."""
    return "by value" if s.measure == "value" else "by net weight"


def report_of(s: Session, *, exporter_figure: bool = True) -> str:
    """Whose report a figure is, short: "Japan's report, CIF" (with the measure when weight).

    ``exporter_figure``: the figure is the exporter's flow (on the exporter side that is
    the exporter's own report) rather than the whole market's.
    """
    main, q = s.main, s.query
    if main.reconciled:
        who = f"CEPII BACI {_version(main)} reconciled flows"
    elif s.side == "importer":
        who = f"{q.importer.name}'s report"
    elif exporter_figure and q.exporter is not None:
        who = f"{q.exporter.name}'s report"
    else:
        who = "each supplier's own report"
    if s.measure == "value":
        return f"{who}, {_basis(s)}" if _basis(s) else who
    return f"{who}, net weight" + ("" if main.value_rows else ", no value data")


def corridor_flow(s: Session) -> str:
    """The exporter's flow in words, as the data reports it ("Japan's imports from India")."""
    q = s.query
    imp, exp = q.importer.name, q.exporter.name if q.exporter else "all suppliers"
    if s.side == "importer":
        return f"{imp}'s imports from {exp}"
    if s.main.reconciled:
        return f"trade from {exp} to {imp}"
    return f"{exp}'s exports to {imp}"


def flow_words(s: Session, result: Result | None = None) -> str:
    """Whose report a result reads, for captions; never names a value basis the data lacks."""
    q, main = s.query, s.main
    imp = q.importer.name
    values = bool(main.value_rows)
    name = result.indicator if result is not None else None
    if name == "mirror":
        exp = q.exporter.name if q.exporter else "each exporter"
        basis = " (CIF against FOB)" if s.measure == "value" else " (net weights)"
        return f"{imp}'s import reports against {exp}'s export reports{basis}"
    if name == "scrap":
        return (f"{imp}'s own reports of its exports and imports" if s.side == "importer"
                else f"{imp}'s partners' reports of their trade with it")  # fmt: skip
    if main.reconciled:
        return f"reconciled flows to {imp} (CEPII BACI, exporter → importer, FOB)"
    if s.side == "importer":
        return f"imports as reported by {imp} (flow M{', CIF' if values else ''})"
    return f"exports to {imp} as reported by each supplier (flow X{', FOB' if values else ''})"


def amount_of(s: Session, year: int) -> str:
    """A label for the exporter's amount: flow, year, whose report."""
    return f"{corridor_flow(s)}, {year} ({report_of(s)})"


# -- sources ---------------------------------------------------------------------------------
def publisher(c: Coverage) -> str:
    """Who published a dataset, in words."""
    return PUBLISHERS.get(c.source, c.source)


def _version(c: Coverage) -> str:
    return c.dataset.rsplit("-", 1)[-1] if "-V" in c.dataset else c.dataset


def vintage(s: Session, c: Coverage) -> str:
    """The data's vintage: BACI's version, API retrieval dates, or when a file was loaded."""
    return "; ".join(s.provenance(c).vintages) or "vintage not recorded"


def _declared(c: Coverage) -> bool:
    """True when the dataset's description was written by whoever loaded it."""
    d = c.description or ""
    return bool(d) and not d.startswith(("tidy file ", "UN Comtrade final data", "CEPII BACI"))


def citation(s: Session, c: Coverage) -> tuple[list[str], list[str]]:
    """Formal citations and licence lines for one dataset."""
    cites, licences = [], []
    if c.synthetic:
        cites.append(f"corridor synthetic sample (dataset {c.dataset}): {c.description}.")
    elif c.reconciled:
        cites.append(f"CEPII BACI, version {_version(c)} (dataset {c.dataset}). {BACI_PAPER}")
    elif c.source == "comtrade":
        cites.append(f"United Nations. UN Comtrade Database. https://comtradeplus.un.org "
                     f"(dataset {c.dataset}; {vintage(s, c)}).")  # fmt: skip
    else:
        cites.append(f"{publisher(c)} (dataset {c.dataset}; {vintage(s, c)}).")
    if _declared(c) and not c.synthetic:
        cites.append(f"{c.description} (dataset {c.dataset}).")
    if c.licence:
        licences.append(f"{c.dataset}: {c.licence}.")
    return cites, licences


def source_line(s: Session, result: Result | None = None) -> str:
    """One caption line: publisher and vintage, whose report, scope, years, synthetic."""
    p = result.provenance if result is not None else s.provenance()
    main = s.main
    years_text = span(*p.years) if p.years else ""
    parts = [
        f"Source: {publisher(main)} ({vintage(s, main)})",
        flow_words(s, result),
        p.hs_covered,
        years_text,
    ]
    line = " · ".join(x for x in parts if x)
    if p.synthetic:
        line = "SYNTHETIC sample data, not official statistics. " + line
    return line


# -- plain language ------------------------------------------------------------------------
_PAREN_CLI = re.compile(r"\s*\([^()]*(?:--|`)[^()]*\)")
_SAME_YEARS = re.compile(r"\b(\d{4})–\1\b")
_CLAUSE_CLI = re.compile(r"\s*[—;:,]\s*[^—;:]*(?:--[a-z]|`)[^—;:]*")


def plain(message: str, s: Session) -> str:
    """A message for a reader of the brief: no command lines, options or file paths."""
    text = message.replace(f" in {s.catalog.reads_from}", "")
    head, dash, tail = text.partition(" — ")
    if dash and ("--" in tail or "`" in tail or "corridor " in tail):
        text = head
    text = _PAREN_CLI.sub("", text)
    text = _CLAUSE_CLI.sub("", text)
    text = _SAME_YEARS.sub(r"\1", text)
    return text.strip().rstrip(".") + "."


# -- colours -------------------------------------------------------------------------------
def supplier_order(s: Session) -> list[str]:
    """Suppliers other than the exporter by rank in the last year (their colour order)."""
    rows = market(s).indicator("partners").to_pylist()
    last = last_year(s)
    exp = s.query.exporter.code if s.query.exporter else None
    ranked = [r for r in rows if r["year"] == last and r["rank"] is not None]
    ranked.sort(key=lambda r: r["rank"])
    return [r["name"] for r in ranked if r["supplier"] != exp]
