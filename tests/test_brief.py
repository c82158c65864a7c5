"""The corridor brief: sample and real weight-only panels, PDF text, data.json, CLI, demo --live."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corridor.cli.app import app
from corridor.cli.brief import register

register(app)  # until cli/app.py calls it itself (idempotent)

RAW_FLOAT = re.compile(r"\d+\.\d{4,}")


@pytest.fixture(scope="module")
def sample_brief(tmp_path_factory):
    """The sample brief, built and rendered (with the PDF) once for the module."""
    from corridor.report.render import render_brief
    from corridor.services.brief import BriefQuery, build_brief
    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse

    root = tmp_path_factory.mktemp("brief")
    path = root / "sample.duckdb"
    with Warehouse(path) as wh:
        build_sample(wh, root / "generated")
    steps: list[str] = []
    with Warehouse(path, read_only=True) as wh:
        brief = build_brief(wh, BriefQuery(years=(2015, 2024)), progress=steps.append)
    files = render_brief(brief, root / "out", progress=steps.append)
    return {"brief": brief, "files": files, "warehouse": path, "steps": steps}


def _pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(str(path)).pages]


def test_sample_brief_folder_and_pdf(sample_brief):
    files, brief = sample_brief["files"], sample_brief["brief"]
    names = {p.name for p in files.folder.iterdir()}
    assert {"brief.html", "brief.pdf", "data.json"} <= names
    for chart in ("headline", "suppliers", "dependency", "prices", "mix", "mirror", "scrap"):
        assert {f"chart-{chart}.png", f"chart-{chart}.svg"} <= names
        assert (files.folder / f"chart-{chart}.png").read_bytes()[:4] == b"\x89PNG"
    assert {"table-suppliers.csv", "table-dependency.csv", "table-prices.csv"} <= names
    assert sample_brief["steps"][:2] == ["headline", "suppliers"]
    pages = _pdf_text(files.pdf)
    assert len(pages) >= 6
    assert all("SYNTHETIC DATA" in p for p in pages)  # banner on every page
    assert all(f"page {i} of {len(pages)}" in p for i, p in enumerate(pages, 1))
    text = "\n".join(pages)
    assert "India was Japan's 4th largest aluminium supplier in 2024 (5.5 % of imports" in text
    assert "USD 337.0 M" in text and "130.1 kt" in text
    assert "Contents" in text and "Outlook" not in text  # no placeholder section
    for s in brief.sections:
        assert s.available, s.missing
        assert s.title in text
    assert not RAW_FLOAT.findall(text), RAW_FLOAT.findall(text)[:5]
    html = files.html.read_text()
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html
    assert html.count("data:image/svg+xml;base64,") == 7  # self-contained


def test_data_json_matches_analytics(sample_brief):
    from corridor.services import analytics as A
    from corridor.store.warehouse import Warehouse

    doc = json.loads(sample_brief["files"].data.read_text())
    assert doc["schema"] == "corridor.brief/1" and doc["synthetic"] is True
    facts = {s["id"]: {f["key"]: f for f in s["facts"]} for s in doc["sections"]}
    q = A.AnalyticsQuery(importer="JPN", exporter="IND", hs=["76"], years=(2015, 2024))
    with Warehouse(sample_brief["warehouse"], read_only=True) as wh:
        partners = A.partners(wh, q)
        conc = A.concentration(wh, q)
        growth = A.growth(wh, q)
        mirror = A.mirror(wh, q)
    ind = next(r for r in partners.rows if r["year"] == 2024 and r["supplier"] == 699)
    head = facts["headline"]
    assert head["value_usd"]["value"] == ind["value"] and head["value_usd"]["unit"] == "usd"
    assert head["weight_kg"]["value"] == ind["weight"]
    assert head["rank_by_value"]["value"] == ind["rank"] == 4
    assert head["share_of_value"]["value"] == pytest.approx(ind["share"], rel=1e-12)
    assert head["cagr_value"]["value"] == pytest.approx(growth.rows[-1]["cagr"], rel=1e-9)
    assert head["value_usd"]["text"] == "USD 337.0 M"
    last = conc.rows[-1]
    assert facts["dependency"]["hhi"]["value"] == pytest.approx(last["hhi"], rel=1e-12)
    assert facts["dependency"]["sanctioned_share"]["value"] == pytest.approx(
        last["group_shares"]["sanctioned"]
    )
    cif = sum(r["cif_usd"] or 0 for r in mirror.rows if r["year"] == 2024)
    assert facts["mirror"]["cif_usd"]["value"] == pytest.approx(cif)
    headline = next(s for s in doc["sections"] if s["id"] == "headline")
    assert headline["provenance"]["datasets"] == ["sample"]
    assert doc["files"]["tables"]["suppliers"] == "table-suppliers.csv"
    csv_text = (sample_brief["files"].folder / "table-suppliers.csv").read_text()
    assert csv_text.splitlines()[0].endswith("source,dataset,synthetic")


@pytest.fixture(scope="module")
def panel_warehouse(tmp_path_factory, shared_data_module):
    from corridor.services.loading import load_files
    from corridor.sources.table import TableSpec
    from corridor.store.warehouse import Warehouse

    path = tmp_path_factory.mktemp("panel") / "w.duckdb"
    spec = TableSpec(
        mapping={"year": "year", "reporter": "reporter_code", "partner": "partner_code",
                 "flow": "flow", "net_weight": "net_weight_kg"},
        constants={"hs_code": "7601", "hs_rev": "H0"},
        dataset="jie2020-hs7601",
        source="comtrade",
    )  # fmt: skip
    with Warehouse(path) as wh:
        load_files(wh, [shared_data_module / "real/hs7601_netweight_kg_2000_2017.csv"], "table",
                   spec=spec)  # fmt: skip
    return path


@pytest.fixture(scope="module")
def shared_data_module() -> Path:
    import os

    override = os.environ.get("CORRIDOR_SHARED_DATA")
    path = Path(override) if override else Path(__file__).resolve().parents[2] / "shared/data"
    if not path.is_dir():
        pytest.skip(f"shared data directory not found at {path}")
    return path


def test_real_weight_panel_says_no_value_data(panel_warehouse, tmp_path):
    from corridor.report.render import render_brief
    from corridor.services import analytics as A
    from corridor.services.brief import BriefQuery, build_brief
    from corridor.store.warehouse import Warehouse

    q = BriefQuery(importer="JPN", exporter="IND", hs=["7601"], years=(2005, 2017))
    with Warehouse(panel_warehouse, read_only=True) as wh:
        brief = build_brief(wh, q)
        ref = A.partners(wh, A.AnalyticsQuery(importer="JPN", exporter="IND", hs=["7601"],
                                              years=(2005, 2017), measure="weight"))  # fmt: skip
    assert brief.measure == "weight" and brief.synthetic is False
    head = brief.section("headline")
    facts = {f.key: f for f in head.facts}
    assert facts["value_usd"].value is None and facts["value_usd"].text == "—"
    ind = next(r for r in ref.rows if r["year"] == 2017 and r["supplier"] == 699)
    assert facts["weight_kg"].value == ind["weight"]
    assert facts["rank_by_weight"].value == ind["rank"]
    assert "no value data" in " ".join(head.findings)
    prices = brief.section("prices")
    assert not prices.available and "no value data" in prices.missing
    assert not brief.section("mix").available
    files = render_brief(brief, tmp_path / "real", pdf=False)
    html = files.html.read_text()
    assert "no value data" in html and "SYNTHETIC" not in html
    assert "USD 0" not in html  # never zeros for absent values
    doc = json.loads(files.data.read_text())
    assert doc["measure"] == "weight" and doc["datasets"] == ["jie2020-hs7601"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--importer", "Atlantis"], "Atlantis"),
        (["--hs", "7208"], "no imports reported by Japan for HS 7208"),
        (["--years", "2024-2015"], "empty year range"),
        (["--hs", "77"], "reserved"),
    ],
)
def test_bad_arguments_one_line(cli, sample_brief, tmp_path, args, message):
    base = {"--importer": "JPN", "--exporter": "IND", "--hs": "76", "--years": "2015-2024"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = [x for kv in base.items() for x in kv]
    res = cli("brief", *argv, "--out", str(tmp_path / "b"), warehouse=sample_brief["warehouse"])
    assert res.exit_code in (2, 4), res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], res.output
    assert "Traceback" not in res.output


def test_demo_builds_sample_and_brief(cli, isolated_settings):
    res = cli("demo", "--no-pdf", warehouse=None)
    assert res.exit_code == 0, res.output
    folder = isolated_settings / "briefs" / "jpn-ind-76"
    assert (folder / "brief.html").is_file() and (folder / "data.json").is_file()
    assert str(folder / "brief.html") in res.output.replace("\n", "")
    assert "India → Japan" in res.output  # the summary table is still printed


def test_demo_live_uses_comtrade_client(cli, fixtures, monkeypatch, isolated_settings, tmp_path):
    from comtrade_fake import FakeComtrade, make_record, template_record
    from corridor.settings import get_settings

    base = template_record(fixtures)
    recs = []
    for year in range(2015, 2025):
        for partner, v in ((699, 3e8), (156, 9e8), (36, 6e8)):
            for code, f in (("760110", 0.6), ("760120", 0.4)):
                recs.append(
                    make_record(
                        base,
                        reporterCode=392,
                        partnerCode=partner,
                        flowCode="M",
                        cmdCode=code,
                        refYear=year,
                        primaryValue=v * f + year,
                        netWgt=v * f / 2.5,
                    )
                )
        for code, f in (("760110", 0.6), ("760120", 0.4)):
            recs.append(make_record(base, reporterCode=699, partnerCode=392, flowCode="X",
                                    cmdCode=code, refYear=year, primaryValue=2.7e8 * f,
                                    netWgt=2.7e8 * f / 2.5))  # fmt: skip
    with FakeComtrade(recs) as srv:
        monkeypatch.setenv("CORRIDOR_COMTRADE_URL", srv.url)
        import dataclasses

        from corridor.services import fetch

        fast = dataclasses.replace(fetch.PREVIEW, calls_per_minute=100_000)
        monkeypatch.setattr(fetch, "PREVIEW", fast)  # the client's pacing, not the plan
        get_settings.cache_clear()
        res = cli("demo", "--live", "--no-pdf", warehouse=tmp_path / "live.duckdb")
        assert res.exit_code == 0, res.output
        assert srv.log and all(e["path"].startswith("/public/v1/preview") for e in srv.log)
    doc = json.loads((isolated_settings / "briefs/jpn-ind-76-live/data.json").read_text())
    assert doc["synthetic"] is False and doc["sources"] == ["comtrade"]
    head = {f["key"]: f for f in doc["sections"][0]["facts"]}
    assert head["rank_by_value"]["value"] == 3
    assert head["value_usd"]["value"] == pytest.approx(sum(3e8 * f + 2024 for f in (0.6, 0.4)))
