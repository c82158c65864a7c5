"""Request planning is pure: URLs, splits, limits, mirror and dedup — no network."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from corridor.errors import InvalidQuery
from corridor.sources.comtrade_query import (
    KEYED,
    MAX_URL,
    PREVIEW,
    ComtradeQuery,
    expand_codes,
    plan_requests,
    plan_totals,
    split_request,
)

HS6_76 = 38  # six-digit codes under 76 in the combined HS (sources.md §1.12)
BASE = "https://comtradeapi.un.org"


def corridor(**kw) -> ComtradeQuery:
    args = {"reporters": "JPN", "partners": "IND", "hs": "76", "years": range(2015, 2025)}
    return ComtradeQuery(**(args | kw))


def test_flagship_preview_is_one_call_with_totals_params():
    (req,) = plan_requests(corridor(), "preview")
    assert req.path == "/public/v1/preview/C/A/HS"
    assert req.params == {
        "breakdownMode": "classic",
        "cmdCode": "76",
        "customsCode": "C00",
        "flowCode": "M",
        "includeDesc": "true",
        "maxRecords": "500",
        "motCode": "0",
        "partner2Code": "0",
        "partnerCode": "699",  # India is 699 in Comtrade, not ISO 356
        "period": ",".join(str(y) for y in range(2015, 2025)),
        "reporterCode": "392",
    }
    assert list(req.params) == sorted(req.params)
    assert req.expected_max_records == 10


def test_url_carries_no_key_and_is_deterministic():
    a = plan_requests(corridor(), "keyed")[0]
    b = plan_requests(corridor(), "keyed")[0]
    assert a.url(BASE) == b.url(BASE) and a.key == b.key
    assert "key" not in a.url(BASE).lower()
    assert a.path == "/data/v1/get/C/A/HS" and a.params["maxRecords"] == "100000"


def test_level6_expands_chapter_76_explicitly():
    codes = expand_codes(["76"], 6)
    assert len(codes) == HS6_76 and "760110" in codes and "761699" in codes
    assert all(len(c) == 6 and c.startswith("76") for c in codes)
    assert expand_codes(["7601"], 6) == ["760110", "760120"]
    with pytest.raises(InvalidQuery, match="chapter 76 only"):
        expand_codes(["72"], 6)
    with pytest.raises(InvalidQuery, match="finer"):
        expand_codes(["760110"], 4)


def test_all_partner_hs6_decade_keyed_vs_preview():
    q = corridor(partners="all", level=6)
    keyed = plan_requests(q, "keyed")
    assert len(keyed) == 1  # 250 partners x 38 codes x 10 years = 95 000 <= 100 000
    assert "partnerCode" not in keyed[0].params  # all partners: the parameter is omitted
    assert keyed[0].params["cmdCode"].count(",") == HS6_76 - 1
    preview = plan_requests(q, "preview")
    assert all(r.expected_max_records <= PREVIEW.max_rows for r in preview)
    covered = {(c, p) for r in preview for c in r.codes for p in r.periods}
    assert len(covered) == HS6_76 * 10  # every (code, year) exactly covered
    assert sum(len(r.codes) * len(r.periods) for r in preview) == HS6_76 * 10
    assert plan_totals(preview)["calls"] == len(preview) == 190


def test_periods_per_call_at_most_12():
    q = corridor(years=range(2000, 2025))
    for tier in (PREVIEW, KEYED):
        plan = plan_requests(q, tier)
        assert all(len(r.periods) <= 12 for r in plan)
        assert sorted(p for r in plan for p in r.periods) == [str(y) for y in range(2000, 2025)]


def test_monthly_periods():
    plan = plan_requests(corridor(years=[2022], freq="M"), "keyed")
    assert plan[0].params["period"].split(",") == [f"2022{m:02d}" for m in range(1, 13)]
    assert plan[0].path.endswith("/C/M/HS")


def test_many_partners_split_and_url_limit():
    from corridor.reference.countries import countries

    many = [c.code for c in countries() if c.kind == "country"][:200]
    q = ComtradeQuery(reporters=["JPN"], partners=many, hs="76", level=6, years=[2022])
    for tier in ("preview", "keyed"):
        plan = plan_requests(q, tier)
        assert all(len(r.url(BASE)) <= MAX_URL for r in plan)
        assert {(p, c) for r in plan for p in r.partners for c in r.codes} == {
            (p, c) for p in q.partners for c in q.cmd_codes()
        }
        assert all(r.expected_max_records <= (500 if tier == "preview" else 100_000) for r in plan)


def test_mirror_swaps_reporter_partner_and_flow():
    plan = plan_requests(corridor(mirror=True, flows="M"), "preview")
    assert len(plan) == 2
    direct, mirror = plan
    assert (direct.params["reporterCode"], direct.params["partnerCode"]) == ("392", "699")
    assert (mirror.params["reporterCode"], mirror.params["partnerCode"]) == ("699", "392")
    assert direct.params["flowCode"] == "M" and mirror.params["flowCode"] == "X"
    assert mirror.mirror and mirror.description.startswith("mirror")


def test_mirror_of_all_partners_omits_reporter():
    plan = plan_requests(corridor(partners="all", mirror=True), "keyed")
    mirror = [r for r in plan if r.mirror]
    assert mirror and all("reporterCode" not in r.params for r in mirror)
    assert all(r.params["partnerCode"] == "392" for r in mirror)


def test_dedup_when_mirror_repeats_a_direct_call():
    q = ComtradeQuery(reporters=["JPN", "IND"], partners=["IND", "JPN"], flows="M,X",
                      hs="76", years=[2022], mirror=True)  # fmt: skip
    plan = plan_requests(q, "keyed")
    assert len(plan) == len({r.key for r in plan}) == 1


def test_world_partner_and_breakdown():
    (req,) = plan_requests(corridor(partners="world"), "preview")
    assert req.params["partnerCode"] == "0"
    (plus,) = plan_requests(corridor(breakdown=True), "keyed")
    assert plus.params["breakdownMode"] == "plus"
    assert not {"customsCode", "motCode", "partner2Code"} & set(plus.params)


def test_invalid_inputs_name_value_and_accepted():
    with pytest.raises(InvalidQuery, match="accepted: M, X"):
        corridor(flows="Q")
    with pytest.raises(InvalidQuery, match="1988"):
        corridor(years=[1950])
    with pytest.raises(InvalidQuery, match="preview, keyed"):
        plan_requests(corridor(), "gold")
    with pytest.raises(InvalidQuery, match="too broad"):
        plan_requests(
            ComtradeQuery(reporters=["JPN"], partners="all", hs="76", years=[2022], mirror=True,
                          breakdown=True), "preview"
        )  # fmt: skip


def test_split_request_halves_periods_then_codes():
    (req,) = plan_requests(corridor(level=4), "keyed")
    parts = split_request(req)
    assert [p.periods for p in parts] == [req.periods[:5], req.periods[5:]]
    one_year = plan_requests(corridor(level=4, years=[2022]), "keyed")[0]
    halves = split_request(one_year)
    assert sorted(c for p in halves for c in p.codes) == sorted(one_year.codes)
    leaf = plan_requests(corridor(years=[2022]), "keyed")[0]
    assert split_request(leaf) == []
    assert all(parse_qs(urlsplit(p.url(BASE)).query)["period"] for p in parts)
