"""The claim grammar: regular-expression templates, number words, hedges and amounts.

Countries are replaced by ``@n`` placeholders before matching (see :mod:`.parse`), and the
year (or span of years), a part of a year, the measure, the reporting side, a cited source
and an explicit HS scope are read as qualifiers first, so the templates only describe the
sentence shapes listed in :data:`FORMS`. Each template says whose report the sentence is
about ("Japan's imports" → the importer's; "India's exports" → the exporter's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = [
    "EXAMPLES",
    "FORMS",
    "HEDGES",
    "NUMBER_WORDS",
    "ORDINALS",
    "Amount",
    "comparator_for",
    "parse_amount",
    "parse_percent",
    "templates",
    "to_int",
]

NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty"]  # fmt: skip
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "tenth"]  # fmt: skip

#: Hedge words → comparator. Verbs that hedge ("touched", "topped") are in ``_VERB_HEDGES``.
HEDGES: dict[str, str] = {
    "about": "approx", "approximately": "approx", "approx.": "approx", "approx": "approx",
    "around": "approx", "nearly": "approx", "roughly": "approx", "almost": "approx",
    "close to": "approx", "some": "approx", "an estimated": "approx", "an approximate": "approx",
    "estimated": "approx", "circa": "approx", "c.": "approx", "~": "approx",
    "over": "gt", "more than": "gt", "above": "gt", "in excess of": "gt", "upwards of": "gt",
    "just over": "gt", "a little over": "gt", "under": "lt", "less than": "lt", "below": "lt",
    "just under": "lt", "fewer than": "lt", "at least": "ge", "at most": "le", "up to": "le",
    "no more than": "le",
}  # fmt: skip
_VERB_HEDGES = {"touched": "approx", "exceeded": "gt", "topped": "gt", "crossed": "gt",
                "surpassed": "gt"}  # fmt: skip

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT = (r"(?:million|mln|mn|billion|bln|bn|thousand|trillion|metric|tonnes|tonne|tons|ton|kt|mmt"
         r"|mt|kg|kilograms|kilogram|us dollars|dollars|dollar|usd|m|b|k|t)\b")  # fmt: skip
AMT = rf"(?P<amt>(?:(?:us\$|usd|us dollars?|\$)\s?)?(?:{NUM})(?:\s?{_UNIT})*)"
PCT = rf"(?P<pct>{NUM})\s?(?:%|(?:per ?cent|percent|pct|pc)\b)"
HEDGE = (
    "(?:(?P<hedge>"
    + "|".join(re.escape(h) for h in sorted(HEDGES, key=len, reverse=True))
    + r") ?)?"
)
AUX = r"(?:(?:has|have|had) )?"
VERB = (r"(?:(?:has|have|had) )?(?P<verb>were|was|are|is|has been|have been|stood at|totalled"
        r"|totaled|reached|touched|amounted to|came to|came in at|hit|rose to|fell to|grew to"
        r"|climbed to|increased to|dropped to|declined to|decreased to|jumped to|surged to"
        r"|slumped to|were worth|was worth|were valued at|was valued at|exceeded|topped|crossed"
        r"|surpassed)")  # fmt: skip
DIR = (r"(?P<dir>rose|grew|increased|jumped|climbed|surged|soared|went up|fell|declined"
       r"|decreased|dropped|slumped|plunged|plummeted|shrank|contracted|went down|tumbled"
       r"|slid|rise|grow|increase|fall|decline|drop)")  # fmt: skip
NOUN_DIR = (r"(?P<dir>increase|rise|jump|gain|growth|fall|drop|decline|decrease|slump"
            r"|contraction)")  # fmt: skip
MULT = r"(?P<mult>doubled|tripled|trebled|quadrupled|halved)"
FOLD = (r"(?:(?:rose|grew|increased|jumped|surged|climbed|soared) )?(?P<fold>"
        + NUM + "|" + "|".join(NUMBER_WORDS[1:12]) + r")(?:-| )?fold")  # fmt: skip
YOY = (r"(?: (?:year[- ]on[- ]year|yoy|y/y|on the year|(?:from|on|over|compared (?:with|to)"
       r"|versus|against) (?:a year (?:ago|earlier|before)|the (?:previous|prior|preceding) year"
       r"|last year|the year before)))?")  # fmt: skip
N = r"(?P<n>\d+|" + "|".join(NUMBER_WORDS) + ")"
ORD = r"(?:(?P<ord>\d+(?:st|nd|rd|th)|" + "|".join(ORDINALS) + r")(?:-| ))?"
ADV = r"(?:(?:now|still|currently|already|also|again) )?"
BE = (r"(?:is|was|are|were|remains|remained|has become|became|ranks|ranked|continues to be"
      r"|continued to be|has been)")  # fmt: skip
ROLE = (r"(?:exporters?|suppliers?|sources?|shippers?|exporting countries|supplying countries"
        r"|partners?)")  # fmt: skip
LARGEST = rf"{ORD}(?:largest|biggest|top|leading)"
MOST = r"(?P<most>most|the bulk|the majority|more than half|over half|the lion's share)"
P = r"(?P<p>[a-z0-9][a-z0-9 \-]*?)"


def _c(name: str) -> str:
    return rf"(?:the )?@(?P<{name}>\d+)(?:'s?)?"


X, Y = _c("x"), _c("y")
_IMP, _EXP = "importer", "exporter"
#: Subjects of value and change sentences, with whose report they name.
_IMPORTS_FROM = (
    (f"{X} (?:total )?imports of {P} from {Y}", _IMP),
    (f"{X} (?:total )?{P} imports from {Y}", _IMP),
    (f"(?:total )?imports of {P} (?:in)?to {X} from {Y}", _IMP),
    (f"{Y} (?:total )?exports? of {P} to {X}", _EXP),
    (f"{Y} (?:total )?{P} exports? to {X}", _EXP),
)
_IMPORTS = (
    (f"{X} (?:total )?imports of {P}", _IMP),
    (f"{X} (?:total )?{P} imports", _IMP),
)
_ITS = (f"imports of {P}", f"{P} imports")
_AMONG = r"(?:among |one of |in )?"
_OF_ALL = r"(?:all (?:of )?)?"

#: (kind, form, example) of every supported shape, in the order shown by ``--help``.
FORMS: list[tuple[str, str, str]] = [
    ("value", "value/imports", "Japan's imports of aluminium from India were about $337 million "
     "in 2024"),
    ("value", "value/imports", "Japan's aluminium imports from India touched approximately "
     "$337 million in 2024"),
    ("value", "value/imports", "Japan's aluminium imports from India were USD 0.34 billion in "
     "2024"),
    ("value", "value/exports", "India's exports of aluminium to Japan were over $300 million "
     "in 2024"),
    ("value", "value/imported", "Japan imported 45,400 tonnes of unwrought aluminium from India "
     "in 2017"),
    ("value", "value/exported", "India exported about 45.4 kt of primary aluminium to Japan in "
     "2017"),
    ("rank", "rank/top-n", "India is among the top four exporters of aluminium to Japan in 2024"),
    ("rank", "rank/nth", "India is Japan's 4th largest supplier of aluminium by value"),
    ("share", "share/accounts-for", "Australia accounts for about 30 % of Japan's unwrought "
     "aluminium imports in 2017"),
    ("share", "share/depends-on", "Japan depends on Australia for over 25 % of its unwrought "
     "aluminium imports"),
    ("share", "share/most-of", "Japan imports most of its unwrought aluminium from Australia"),
    ("change", "change/by", "Japan's imports of aluminium from India rose by 20 % year on year "
     "in 2024"),
    ("change", "change/multiple", "Japan's unwrought aluminium imports from India doubled in "
     "2016"),
    ("change", "change/multiple", "Japan's aluminium imports from India doubled between 2019 "
     "and 2024"),
    ("concentration", "concentration/single",
     "Japan depends on a single supplier for more than 30 % of its unwrought aluminium imports"),
]  # fmt: skip

#: One example per kind, for "closest supported form" messages.
EXAMPLES: dict[str, str] = {
    "value": "X's imports of P from Y were about $N million in T",
    "rank": "Y is among the top N exporters of P to X in T",
    "share": "Y accounts for N % of X's P imports in T",
    "change": "X's imports of P from Y rose by N % in T",
    "concentration": "X depends on a single supplier for more than N % of its P imports",
}


def _templates() -> Iterator[tuple[str, str, str, str | None]]:
    for subject, report in _IMPORTS_FROM + _IMPORTS:
        form = "value/exports" if report == _EXP else "value/imports"
        yield "value", form, rf"{subject} {VERB} {HEDGE}{AMT}", report
        yield "change", "change/by", rf"{subject} {AUX}{DIR} (?:by )?{HEDGE}{PCT}{YOY}", report
        yield (
            "change",
            "change/by",
            rf"{subject} (?:was|were|is|are) (?P<updown>up|down) (?:by )?{HEDGE}{PCT}{YOY}",
            report,
        )
        yield (
            "change",
            "change/by",
            rf"{subject} (?:saw|posted|recorded|registered|showed) an? {HEDGE}{PCT} "
            rf"{NOUN_DIR}{YOY}",
            report,
        )
        yield "change", "change/multiple", rf"{subject} {AUX}{MULT}{YOY}", report
        yield "change", "change/multiple", rf"{subject} {AUX}{FOLD}{YOY}", report
    for tail in (rf" from {Y}", ""):
        yield ("value", "value/imported",
               rf"{X} (?:imported|bought) {HEDGE}{AMT} (?:worth )?of {P}{tail}", _IMP)  # fmt: skip
        yield ("value", "value/imported", rf"{X} (?:imported|bought) {P} worth {HEDGE}{AMT}{tail}",
               _IMP)  # fmt: skip
    yield (
        "value",
        "value/exported",
        rf"{Y} (?:exported|shipped|sold) {HEDGE}{AMT} (?:worth )?of {P} to {X}",
        _EXP,
    )
    yield ("value", "value/exported",
           rf"{Y} (?:exported|shipped|sold) {P} worth {HEDGE}{AMT} to {X}", _EXP)  # fmt: skip
    top = rf"the top(?:-| ){N}"
    for shape in (
        rf"{top} {ROLE} of {P} to {X}",
        rf"{top} {P} {ROLE} (?:to|of|for) {X}",
        rf"{X} top(?:-| ){N} {ROLE} of {P}",
        rf"{X} top(?:-| ){N} {P} {ROLE}",
    ):
        yield "rank", "rank/top-n", rf"{Y} {BE} {ADV}{_AMONG}{shape}", None
    for shape in (
        rf"{X} {LARGEST} {ROLE} of {P}",
        rf"{X} {LARGEST} {P} {ROLE}",
        rf"the {LARGEST} {ROLE} of {P} to {X}",
        rf"the {LARGEST} {P} {ROLE} to {X}",
    ):
        yield "rank", "rank/nth", rf"{Y} {BE} {ADV}{shape}", None
    verbs = (r"(?:accounts|accounted|account|makes up|made up|represents|represented|supplies"
             r"|supplied|provides|provided|contributes|contributed)(?: for)?")  # fmt: skip
    for imports, _ in _IMPORTS:
        yield ("share", "share/accounts-for",
               rf"{Y} {verbs} {HEDGE}{PCT} of {_OF_ALL}{imports}", _IMP)  # fmt: skip
        yield ("share", "share/share-of",
               rf"{Y} share (?:of|in) {_OF_ALL}{imports} {VERB} {HEDGE}{PCT}", _IMP)  # fmt: skip
        yield "share", "share/most-of", rf"{Y} {verbs} {MOST} of {_OF_ALL}{imports}", _IMP
        yield ("share", "share/most-of",
               rf"{MOST} of {_OF_ALL}{imports} (?:come|comes|came) from {Y}", _IMP)  # fmt: skip
    get = (r"(?:imports|imported|import|gets|got|buys|bought|sources|sourced|obtains|obtained"
           r"|receives|received|takes|took)")  # fmt: skip
    yield ("share", "share/most-of", rf"{X} {get} {MOST} of its {P}(?: imports)? from {Y}",
           _IMP)  # fmt: skip
    dep = r"(?:depends|depended|relies|relied|is dependent|was dependent)"
    single = r"(?:a single|one|just one|a sole|one single) (?:supplier|country|source|exporter)"
    for its in _ITS:
        yield ("share", "share/depends-on", rf"{X} {dep} on {Y} for {HEDGE}{PCT} of its {its}",
               _IMP)  # fmt: skip
        yield ("concentration", "concentration/single",
               rf"{X} {dep} on {single} for {HEDGE}{PCT} of its {its}", _IMP)  # fmt: skip


_COMPILED: list[tuple[str, str, re.Pattern[str], str | None]] = []


def templates() -> list[tuple[str, str, re.Pattern[str], str | None]]:
    """Compiled templates ``(kind, form, pattern, report)``, most specific first.

    ``report`` is whose report the sentence names (``importer``/``exporter``) or None.
    """
    if not _COMPILED:
        _COMPILED.extend((k, f, re.compile(p, re.IGNORECASE), r) for k, f, p, r in _templates())
    return _COMPILED


def to_int(word: str) -> int:
    """``'four'`` → 4, ``'4th'`` → 4, ``'fourth'`` → 4, ``'12'`` → 12."""
    w = word.lower()
    if w in NUMBER_WORDS:
        return NUMBER_WORDS.index(w) + 1
    if w in ORDINALS:
        return ORDINALS.index(w) + 1
    return int(re.sub(r"(st|nd|rd|th)$", "", w))


def to_number(word: str) -> float:
    """``'11'`` → 11.0, ``'ten'`` → 10.0, ``'2.5'`` → 2.5."""
    w = word.lower()
    if w in NUMBER_WORDS:
        return float(NUMBER_WORDS.index(w) + 1)
    return float(w.replace(",", ""))


def comparator_for(hedge: str | None, verb: str | None = None) -> str:
    """Comparator of a hedge word (or of a hedging verb such as ``touched``)."""
    if hedge:
        return HEDGES[hedge.lower()]
    if verb and verb.lower() in _VERB_HEDGES:
        return _VERB_HEDGES[verb.lower()]
    return "exact"


_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
           "billion": 1e9, "bn": 1e9, "bln": 1e9, "b": 1e9, "trillion": 1e12}  # fmt: skip
_MASS = {"tonnes": 1e3, "tonne": 1e3, "tons": 1e3, "ton": 1e3, "t": 1e3, "metric": 1.0,
         "kt": 1e6, "mmt": 1e9, "kg": 1.0, "kilograms": 1.0, "kilogram": 1.0}  # fmt: skip


@dataclass(frozen=True)
class Amount:
    """A figure as read: value in USD or kg, its measure and rounding half-width.

    ``alternatives`` are other meanings the unit may have (``(name, meaning, value,
    rounding)``, e.g. "MT" as million tonnes).
    """

    value: float
    measure: str
    rounding: float
    alternatives: list[tuple[str, str, float, float]] = field(default_factory=list)


def _number(text: str) -> tuple[float, int]:
    raw = text.replace(",", "")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return float(raw), decimals


def parse_amount(text: str) -> Amount | None:
    """``'$337 million'`` → 337e6 USD (rounding 5e5); ``'45.4 kt'`` → 45.4e6 kg.

    ``Mt`` is million tonnes; ``mt``/``MT`` after a scale word ("1.16mn mt") is metric
    tonnes, and alone it may be either: metric tonnes is read first and million tonnes is
    kept as an alternative meaning. Returns None when the text has neither a currency nor a
    mass unit.
    """
    match = re.search(NUM, text)
    if not match:
        return None
    number, decimals = _number(match.group(0))
    low = text.lower()
    words = re.findall(r"[A-Za-z]+", text[match.end() :].replace("US dollars", "USD"))
    currency = "$" in low or "usd" in low or "dollar" in low
    factor, mass, scaled, alternatives = 1.0, None, False, []
    for w in words:
        lw = w.lower()
        if lw in _SCALES and mass is None:
            factor *= _SCALES[lw]
            scaled = True
        elif w == "Mt":
            mass = (mass or 1.0) * 1e9
        elif lw == "mt":
            mass = (mass or 1.0) * 1e3
            if not scaled:
                alternatives.append(("million tonnes", f"'{w}' read as million tonnes", 1e9))
        elif lw in _MASS:
            mass = (mass or 1.0) * _MASS[lw]
    if currency == (mass is not None):
        return None
    scale = factor * (mass or 1.0)
    half = 0.5 * 10**-decimals
    alts = [(name, meaning, number * factor * m, half * factor * m)
            for name, meaning, m in alternatives]  # fmt: skip
    return Amount(number * scale, "weight" if mass else "value", half * scale, alts)


def parse_percent(text: str) -> tuple[float, float]:
    """``'27.5'`` → (0.275, 0.0005): the fraction and its rounding half-width."""
    number, decimals = _number(text)
    return number / 100, 0.5 * 10**-decimals / 100
