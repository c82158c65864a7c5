from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pytest

from corridor.errors import InvalidQuery, UnknownCode
from corridor.reference import build
from corridor.reference.countries import (
    countries,
    countries_table,
    country_by_code,
    group_members,
    groups,
    groups_table,
    is_partner_aggregate,
    resolve_country,
)

ISO3 = re.compile(r"^[A-Z]{3}$")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", "", text)


def _source_rows(shared_data: Path) -> list[tuple[str, int, str, str]]:
    """(source, code, name, iso3) from comtradr reporter/partner and BACI country codes."""
    ref = shared_data / "reference"
    rows: list[tuple[str, int, str, str]] = []
    for name in ("reporter.csv", "partner.csv"):
        with (ref / "comtradr" / name).open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append((name, int(r["id"]), r["country"], r["iso_3"].strip()))
    with (ref / "baci" / "country_codes_V202401.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append(("baci", int(r["country_code"]), r["country_name"], r["country_iso3"]))
    return rows


def test_every_source_code_resolves(shared_data: Path) -> None:
    rows = _source_rows(shared_data)
    assert len(rows) > 700
    missing = sorted({(src, code) for src, code, _, _ in rows if code not in _codes()})
    assert not missing, f"codes missing from countries.csv: {missing}"
    for _, code, _, _ in rows:
        assert country_by_code(code).code == code


def _codes() -> set[int]:
    return {c.code for c in countries()}


def test_iso3_agrees_with_sources(shared_data: Path) -> None:
    problems = []
    for src, code, name, iso3 in _source_rows(shared_data):
        c = country_by_code(code)
        if ISO3.match(iso3):
            if c.iso3 != iso3:
                problems.append(f"{src} {code} {name}: source {iso3}, ours {c.iso3}")
        elif iso3:
            # Non-ISO alias (W00/World, S19, _AC, R4 ...): must be our iso3 or an alias/name.
            known = {_norm(x) for x in (c.iso3 or "", c.name, *c.aliases)}
            if _norm(iso3) not in known:
                problems.append(f"{src} {code} {name}: alias {iso3!r} not stored ({c.iso3})")
    assert not problems, "\n".join(problems)


def test_names_agree_with_sources(shared_data: Path) -> None:
    problems = []
    for src, code, name, _ in _source_rows(shared_data):
        c = country_by_code(code)
        if _norm(name) not in {_norm(x) for x in (c.name, *c.aliases)}:
            problems.append(f"{src} {code}: {name!r} vs {c.name!r} / {c.aliases}")
    assert not problems, f"{len(problems)} name mismatches:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("code", "iso3", "kind", "valid_from", "valid_to"),
    [
        (842, "USA", "country", 1981, None),
        (251, "FRA", "country", None, None),
        (699, "IND", "country", 1975, None),
        (757, "CHE", "country", None, None),
        (490, "S19", "area_nes", None, None),
        (0, "W00", "aggregate", None, None),
        (356, "IND", "historical", None, 1974),
        (841, "USA", "historical", None, 1980),
    ],
)
def test_edge_codes(
    code: int, iso3: str, kind: str, valid_from: int | None, valid_to: int | None
) -> None:
    c = country_by_code(code)
    assert (c.iso3, c.kind, c.valid_from, c.valid_to) == (iso3, kind, valid_from, valid_to)


def test_edge_code_details() -> None:
    assert country_by_code(356).valid_in(1970) and not country_by_code(356).valid_in(1980)
    assert country_by_code(699).valid_in(2023) and not country_by_code(699).valid_in(1970)
    assert "Monaco" in country_by_code(251).aliases
    assert country_by_code(392).label == "Japan (JPN, 392)"
    assert country_by_code(899).label == "Areas, nes (_X, 899)"


def test_unknown_code_message() -> None:
    with pytest.raises(UnknownCode) as exc:
        country_by_code(9999)
    assert str(exc.value) == (
        "unknown country code 9999 — Comtrade area codes are listed by `corridor countries`"
    )
    assert isinstance(exc.value, InvalidQuery)


@pytest.mark.parametrize("text", ["JPN", "Japan", "japan", "392", 392, "jp", "JP", "japanese"])
def test_resolve_japan(text: str | int) -> None:
    assert resolve_country(text).code == 392


@pytest.mark.parametrize("text", ["IND", "India", "india", "699", 699, "IN", "Indian"])
def test_resolve_india_current(text: str | int) -> None:
    assert resolve_country(text).code == 699


def test_resolve_historical_india_explicit() -> None:
    assert resolve_country("356").code == 356
    assert resolve_country(356).kind == "historical"


@pytest.mark.parametrize(
    "text", ["USA", "US", "United States", "United States of America", "840", "842", "American"]
)
def test_resolve_usa(text: str) -> None:
    assert resolve_country(text).code == 842


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Chinese", 156),
        ("Australian", 36),
        ("Russian", 643),
        ("Russia", 643),
        ("Korean", 410),
        ("South Korea", 410),
        ("Rep. of Korea", 410),
        ("Korea, Republic of", 410),
        ("Emirati", 784),
        ("UAE", 784),
        ("Malaysian", 458),
        ("Turkey", 792),
        ("Türkiye", 792),
        ("turkiye", 792),
        ("Germany", 276),
        ("DEU", 276),
        ("France", 251),
        ("250", 251),
        ("Switzerland", 757),
        ("Norway", 579),
        ("NO", 579),
        ("Italy", 380),
        ("World", 0),
        ("Côte d'Ivoire", 384),
        ("Cote d'Ivoire", 384),
    ],
)
def test_resolve_other(text: str, code: int) -> None:
    assert resolve_country(text).code == code


def test_resolve_unknown_suggests() -> None:
    with pytest.raises(UnknownCode) as exc:
        resolve_country("Japn")
    assert str(exc.value) == "unknown country 'Japn' — did you mean Japan (JPN, 392)?"


def test_resolve_unknown_no_match() -> None:
    with pytest.raises(UnknownCode) as exc:
        resolve_country("Xyz")
    assert str(exc.value) == (
        "unknown country 'Xyz' — use a country name, ISO3/ISO2 code or Comtrade area code"
    )
    with pytest.raises(UnknownCode):
        resolve_country("9999")


def test_partner_aggregates() -> None:
    for code in (0, 899, 837, 838, 839, 490, 472, 568, 577, 97, 975):
        assert is_partner_aggregate(code), code
    for code in (392, 699, 842, 356, 810, 840):
        assert not is_partner_aggregate(code), code
    assert not is_partner_aggregate(123456)


def test_group_sizes_and_members_known() -> None:
    sizes = {gid: len(m) for gid, m in groups().items()}
    assert sizes["eu27"] == 27
    assert sizes["asean"] == 10
    assert sizes["quad"] == 4
    assert sizes["rcep"] == 15
    assert sizes["oecd"] == 38
    assert sizes["g20"] == 19
    assert group_members("sanctioned") == {643, 112, 364, 408, 760}
    codes = _codes()
    for gid, members in groups().items():
        assert members <= codes, (gid, members - codes)
        for code in members:
            c = country_by_code(code)
            assert c.kind == "country" and c.valid_to is None, (gid, c)
    assert group_members("QUAD") == {842, 392, 699, 36}
    assert group_members("EU") == group_members("eu27")
    assert group_members("asean") <= group_members("rcep")


def test_unknown_group() -> None:
    with pytest.raises(UnknownCode, match="accepted groups: asean, eu27, g20"):
        group_members("mercosur")


def test_tables() -> None:
    t = countries_table()
    assert t.schema.field("code").type == pa.int16()
    assert t.schema.field("valid_to").type == pa.int16()
    assert t.column_names == ["code", "iso3", "iso2", "name", "kind", "valid_from", "valid_to"]
    assert t.num_rows == len(countries())
    g = groups_table()
    assert g.column_names == ["group_id", "code", "valid_from", "valid_to"]
    assert g.schema.field("code").type == pa.int16()
    assert g.num_rows == sum(len(m) for m in groups().values())


def test_group_membership_is_dated() -> None:
    from corridor.reference.countries import memberships

    by = {(m.group_id, m.code): m for m in memberships()}
    russia = by[("sanctioned", 643)]
    assert not russia.active_in(2021) and russia.active_in(2022) and "Rusal" in russia.basis
    assert by[("eu27", 191)].valid_from == 2013  # Croatia joined in 2013
    assert not by[("rcep", 360)].active_in(2022) and by[("rcep", 360)].active_in(2023)
    assert by[("quad", 699)].valid_from == 2007
    assert all(m.valid_to is None or m.valid_to >= (m.valid_from or 0) for m in memberships())


def test_countries_csv_is_up_to_date() -> None:
    assert build.main(["--check"]) == 0


def test_countries_sorted_unique() -> None:
    codes = [c.code for c in countries()]
    assert codes == sorted(set(codes))
