"""Property tests for the claim parser (Hypothesis, derandomised): any text gives a claim or
one ``InvalidQuery`` line quoting at most ~200 characters of it — never another exception."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.errors import InvalidQuery
from corridor.services.claims import Claim, UnreadableClaim, claim_from_mapping, parse_claim

PIECES = [
    "Japan", "Japan's", "Japanese", "India", "India's", "ASEAN", "the UAE", "US", "US$", "World",
    "imports", "imported", "exports", "exported", "of", "from", "to", "its", "the", "a",
    "aluminium", "unwrought", "scrap", "alloy", "copper", "7601", "were", "was", "touched",
    "about", "over", "under", "nearly", "~", "$337 million", "USD 0.34 billion", "$0.34bn",
    "45.4 kt", "347,102mt", "1.8 MT", "900 kg", "Rs 2,000 crore", "20 %", "1.9pc", "0 %",
    "150 %", "in 2024", "in 2031", "in 1901", "between 2019 and 2024", "between 2024 and 2019",
    "since 2019", "in October", "in the first eight months of 2018", "doubled", "halved",
    "11-fold", "0-fold", "rose by", "fell by", "were up", "saw a", "increase", "most of",
    "the bulk of", "accounts for", "share of", "is among the top four", "top 0", "top 99",
    "exporters", "4th largest supplier", "largest", "depends on", "a single supplier for",
    "come from", "(HS 7601)", "(HS 7699)", "(HS 76, 7601)", "(HS 99)",
    "according to Japan's customs data", "according to UN Comtrade", "CIF", "FOB", "by weight",
    "by value", "year on year", "'", "\n", "é", "0", "99999999999999999999", ".", ",", "%",
]  # fmt: skip
SENTENCES = st.lists(st.sampled_from(PIECES), max_size=30).map(" ".join)
# Sentences in the grammar's shapes with random parts, then cut or spliced: most parse, and
# the rest fail deep inside the parser (products, numbers, spans, countries) rather than early.
IMPORTER = st.sampled_from(["Japan", "South Korea", "JPN", "the US", "Japanese", "World", "EU"])
EXPORTER = st.sampled_from(
    ["India", "Australia", "the UAE", "China", "ASEAN", "IND", "Atlantis", "Japan"]
)
PRODUCT = st.sampled_from(
    [
        "aluminium",
        "unwrought aluminium",
        "aluminium scrap",
        "primary",
        "aluminium alloy",
        "HS 7601",
        "7699",
        "copper",
        "semis",
        "foil",
    ]
)
AMOUNT = st.sampled_from(
    [
        "$337 million",
        "USD 0.34 billion",
        "$0.34bn",
        "US$ 12m",
        "45.4 kt",
        "347,102mt",
        "1.8 MT",
        "900 kg",
        "3 Mt",
        "$1e9",
        "337 million",
        "$99999999999999999999999 trillion",
        "0 tonnes",
    ]
)
PCT_ = st.sampled_from(["20 %", "1.9pc", "12.5 per cent", "0 %", "150 %", "99.99%", "-5%"])
QUAL = st.sampled_from(
    [
        "",
        " in 2024",
        " in 2030",
        " between 2019 and 2024",
        " since 2019",
        " between 2024 and 2019",
        " in October",
        " in 2019 in 2020",
        " by weight",
        " (HS 7601)",
        " (HS 7699)",
        " according to Japan's customs data",
        " (CIF)",
        " according to UN Comtrade",
        " year on year",
    ]
)
SHAPES = [
    "{x}'s imports of {p} from {y} were {h}{a}{q}", "{x}'s {p} imports from {y} touched {a}{q}",
    "{y}'s exports of {p} to {x} were {h}{a}{q}", "{x} imported {h}{a} of {p} from {y}{q}",
    "{y} is among the top {n} exporters of {p} to {x}{q}", "{y} is {x}'s {n}th largest "
    "supplier of {p}{q}", "{y} accounts for {h}{pc} of {x}'s {p} imports{q}",
    "{x}'s imports of {p} from {y} rose by {h}{pc}{q}", "{x}'s {p} imports from {y} doubled{q}",
    "{x} depends on a single supplier for {h}{pc} of its {p} imports{q}",
    "Most of {x}'s {p} imports come from {y}{q}", "{x} gets most of its {p} from {y}{q}",
]  # fmt: skip
SHAPED = st.builds(
    lambda shape, x, y, p, a, pc, q, h, n: shape.format(x=x, y=y, p=p, a=a, pc=pc, q=q, h=h, n=n),
    st.sampled_from(SHAPES), IMPORTER, EXPORTER, PRODUCT, AMOUNT, PCT_, QUAL,
    st.sampled_from(["", "about ", "over ", "~", "at most "]),
    st.sampled_from(["four", "4", "0", "99", "twenty"]),
)  # fmt: skip
MUTATED = st.tuples(SHAPED, st.integers(0, 120), st.integers(0, 120), SENTENCES).map(
    lambda t: t[0][: t[1]] + t[3] + t[0][t[1] + t[2] :]
)
TEXT = st.one_of(SHAPED, SHAPED, MUTATED, st.text(max_size=700), SENTENCES,
                 st.text(alphabet="@$%'0123456789 ,.-"))  # fmt: skip
FUZZ = settings(max_examples=400, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def _one_line(exc: InvalidQuery, text: str) -> None:
    msg = str(exc)
    assert msg and "\n" not in msg and "\r" not in msg, msg
    assert len(msg) <= 800, len(msg)
    flat = " ".join(text.split())
    if len(flat) > 200:  # never more than ~200 characters of the claim
        assert flat[:201] not in msg


@FUZZ
@given(TEXT)
def test_any_text_gives_a_claim_or_one_line(text: str) -> None:
    try:
        claim = parse_claim(text)
    except UnreadableClaim as exc:
        _one_line(exc, text)
        assert str(exc).startswith("cannot read the claim '")
        return
    assert isinstance(claim, Claim) and claim.hs_candidates
    assert claim.amount is None or math.isfinite(claim.amount)
    assert claim.since is None or (claim.year is None or claim.since < claim.year)


KEYS = [
    "text",
    "kind",
    "importer",
    "exporter",
    "product",
    "amount",
    "unit",
    "rank",
    "mode",
    "share",
    "change",
    "hedge",
    "year",
    "since",
    "measure",
    "side",
    "hs",
    "comparator",
    "id",
]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=300),
                   st.sampled_from(["value", "rank", "share", "change", "concentration", "JPN",
                                    "IND", "ASEAN", "aluminium", "7601", "kt", "USD", "12%",
                                    "about", "importer", "weight"]),
                   st.lists(st.sampled_from(["7601", "7602", "76", "7699", "x"]),
                            max_size=3))  # fmt: skip


STRUCTURED = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=10),
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["value", "rank", "share", "change", "concentration"]),
         "importer": st.sampled_from(["JPN", "Japan", 392, "World", "xx"])},
        optional={k: VALUES for k in KEYS if k not in ("kind", "importer", "text")},
    ),
)  # fmt: skip


@FUZZ
@given(STRUCTURED)
def test_any_structured_claim_gives_a_claim_or_one_line(item: dict) -> None:
    try:
        claim = claim_from_mapping(item)
    except InvalidQuery as exc:
        _one_line(exc, repr(item))
        return
    assert isinstance(claim, Claim)
