"""The corridor brief on the session: sample and real weight-only panel, PDF text, data.json,
SQL statements per brief, honest labels, CLI errors, the demo (offline and --live), Spark."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

RAW_FLOAT = re.compile(r"\d+\.\d{4,}")
COMMAND = re.compile(r"`corridor|corridor (?:fetch|ingest|sample|quality)|--[a-z]")
BACI = "real/baci/BACI_HS92_Y2021_V202301_exporters_AFG_ZAF.csv"
PANEL_SPEC = {"mapping": {"year": "year", "reporter": "reporter_code", "partner": "partner_code",
                          "flow": "flow", "net_weight": "net_weight_kg"},
              "constants": {"hs_code": "7601", "hs_rev": "H0"},
              "dataset": "jie2020-hs7601", "source": "comtrade"}  # fmt: skip


def _session(path: Path, **query):
    from corridor.query import CorridorQuery
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    q = CorridorQuery(**query)
    cat = Catalog(path, engine=q.engine)
    return cat, Session(cat, q)


def _words(text: str) -> str:
    return " ".join(text.split())


def _pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory) -> Path:
    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse

    root = tmp_path_factory.mktemp("sample")
    path = root / "sample.duckdb"
    with Warehouse(path) as wh:
        build_sample(wh, root / "generated")
    return path


@pytest.fixture(scope="module")
def sample_brief(sample_warehouse, tmp_path_factory):
    """The sample brief, built on a session and rendered (with the PDF) once for the module."""
    from corridor.report.render import render_brief
    from corridor.services.brief import build_brief

    root = tmp_path_factory.mktemp("brief")
    steps: list[str] = []
    cat, session = _session(sample_warehouse, importer="JPN", exporter="IND", hs="76",
                            years="2015-2024")  # fmt: skip
    with cat:
        brief = build_brief(session, progress=steps.append)
        statements = cat.statements
    files = render_brief(brief, root / "out", progress=steps.append)
    return {"brief": brief, "files": files, "warehouse": sample_warehouse, "steps": steps,
            "statements": statements}  # fmt: skip


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
    text = _words("\n".join(pages))
    assert "India was Japan's 4th largest aluminium supplier in 2024 (5.5 % of imports" in text
    assert "By Japan's own report (CIF)" in text  # whose report the headline figure is
    assert "USD 337.0 M" in text and "130.1 kt" in text
    assert "Contents" in text and "Outlook to 2027" in text and "What if" in text
    assert "What this means" in _words(pages[0])  # the summary paragraph is up front
    for s in brief.sections:
        assert s.available, s.missing
        assert s.title in text
    assert not RAW_FLOAT.findall(text), RAW_FLOAT.findall(text)[:5]
    assert not COMMAND.findall(text), COMMAND.findall(text)[:5]  # no command lines for a director
    html = files.html.read_text()
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html
    assert html.count("data:image/svg+xml;base64,") == 10  # self-contained


def test_contents_page_numbers_match_pages(sample_brief):
    """The contents list the page each section starts on (filled in after layout)."""
    pages = [_words(p) for p in _pdf_text(sample_brief["files"].pdf)]
    contents = pages[0][pages[0].index("Contents") :]
    for number, s in enumerate((s for s in sample_brief["brief"].sections if s.id != "summary"),
                               1):  # fmt: skip
        found = re.search(re.escape(s.title) + r" (\d+)", contents)
        assert found, (s.title, contents)
        page = int(found.group(1))
        assert f"{number}. {s.title}" in pages[page - 1]  # the heading is on that page


def test_cover_tiles_are_few_and_say_whose_report(sample_brief):
    head = sample_brief["brief"].section("headline")
    assert [f.key for f in head.tiles] == ["value_usd", "share_of_value", "yoy_value",
                                           "cagr_value"]  # fmt: skip
    value = head.fact("value_usd")
    assert value.label == "Japan's imports from India, 2024, value (Japan's report, CIF)"
    assert "exports" not in value.label


def test_data_json_matches_session_indicators(sample_brief):
    doc = json.loads(sample_brief["files"].data.read_text())
    assert doc["schema"] == "corridor.brief/2" and doc["synthetic"] is True
    facts = {s["id"]: {f["key"]: f for f in s["facts"]} for s in doc["sections"]}
    cat, session = _session(sample_brief["warehouse"], importer="JPN", exporter="IND", hs="76",
                            years="2015-2024")  # fmt: skip
    with cat:
        market = session.derive(exporter=None)
        partners = market.indicator("partners").to_pylist()
        conc = market.indicator("concentration").to_pylist()
        growth = session.indicator("growth").to_pylist()
        mirror = session.indicator("mirror").to_pylist()
    ind = next(r for r in partners if r["year"] == 2024 and r["supplier"] == 699)
    head = facts["headline"]
    assert head["value_usd"]["value"] == ind["value"] and head["value_usd"]["unit"] == "USD"
    assert head["weight_kg"]["value"] == ind["weight"] and head["weight_kg"]["unit"] == "kg"
    assert head["rank_by_value"]["value"] == ind["rank"] == 4
    assert head["share_of_value"]["value"] == pytest.approx(ind["share"], rel=1e-12)
    assert head["cagr_value"]["value"] == pytest.approx(growth[-1]["cagr"], rel=1e-9)
    assert head["value_usd"]["text"] == "USD 337.0 M"
    last = conc[-1]
    assert facts["dependency"]["hhi"]["value"] == pytest.approx(last["hhi"], rel=1e-12)
    assert facts["dependency"]["sanctioned_share"]["value"] == pytest.approx(
        last["sanctioned_share"]
    )
    cif = sum(r["cif_usd"] or 0 for r in mirror if r["year"] == 2024)
    fob = sum(r["fob_usd"] or 0 for r in mirror if r["year"] == 2024)
    assert facts["mirror"]["importer_report"]["value"] == pytest.approx(cif)
    assert facts["mirror"]["ratio"]["value"] == pytest.approx(cif / fob)
    headline = next(s for s in doc["sections"] if s["id"] == "headline")
    assert headline["provenance"]["datasets"] == ["sample"]
    assert doc["files"]["tables"]["suppliers"] == "table-suppliers.csv"
    csv_text = (sample_brief["files"].folder / "table-suppliers.csv").read_text()
    assert csv_text.splitlines()[0].endswith("source,dataset,report,synthetic")


def test_brief_runs_at_most_15_statements(sample_brief):
    """Issue 11: one brief, ≤ 15 SQL statements (the catalog counts every one it runs) — 12
    before Outlook and What if; Outlook adds none (it reads the memoised summary); What if
    adds its base-year session's coverage probe and the suppliers' exports: its partners and
    the market's prices are the brief's own rows of that year (per-year indicators are cut
    from the wider range already run), and the catalog knew at open whether a tariff table
    is there."""
    assert sample_brief["statements"] <= 15, sample_brief["statements"]


def test_groups_only_count_members_and_say_since_when(sample_brief):
    dep = sample_brief["brief"].section("dependency")
    rows = next(t for t in dep.tables if t.name == "dependency").rows
    # Russia (the sample's sanctioned supplier) counts from 2022 only
    assert all(r["sanctioned_share"] == 0 for r in rows if r["year"] < 2022)
    assert any(r["sanctioned_share"] > 0 for r in rows if r["year"] >= 2022)
    assert any("Russian Federation from 2022" in n for n in dep.notes)


def test_charts_colour_the_exporter_alike_and_mix_shows_its_amount(sample_brief):
    from corridor.report.charts import EXPORTER, vega_lite
    from corridor.units import Unit

    brief = sample_brief["brief"]
    charts = {c.name: c for s in brief.sections for c in s.charts}
    seen: dict[str, str] = {}
    for chart in charts.values():
        layer = next(x for x in vega_lite(chart)["layer"] if "color" in x.get("encoding", {}))
        scale = layer["encoding"]["color"]["scale"]
        colours = dict(zip(scale["domain"], scale["range"], strict=True))
        mine = [s.name for s in chart.series if s.role == "exporter"]
        assert all(colours[n] == EXPORTER for n in mine)
        others = [c for n, c in colours.items() if n not in mine]
        assert EXPORTER not in others and len(set(others)) == len(others)  # none alike
        for s in chart.series:
            if s.role == "supplier":  # a country keeps its colour from chart to chart
                assert seen.setdefault(s.name, colours[s.name]) == colours[s.name]
    assert seen  # suppliers appear in several charts
    mix = charts["mix"]
    lines = {r["product"]: r for r in brief.section("mix").tables[0].rows}
    mine = [r for r in mix.rows if r["series"] == "from India"]
    assert mine, "the mix chart shows India's amount per line"
    for r in mine:
        code = r["category"].split()[0]
        assert r["amount"] == lines[code]["exporter_amount"]
    assert charts["prices"].unit == Unit.USD_PER_KG  # unit values in USD/kg, not only %
    assert "USD/kg" in json.dumps(vega_lite(charts["prices"]))


@pytest.fixture(scope="module")
def panel_warehouse(tmp_path_factory, shared_data):
    from corridor.services.loading import load_files
    from corridor.sources.table import TableSpec
    from corridor.store.warehouse import Warehouse

    path = tmp_path_factory.mktemp("panel") / "w.duckdb"
    with Warehouse(path) as wh:
        load_files(wh, [shared_data / "real/hs7601_netweight_kg_2000_2017.csv"], "table",
                   spec=TableSpec(**PANEL_SPEC))  # fmt: skip
    return path


def test_real_weight_panel_says_no_value_data(panel_warehouse, tmp_path):
    from corridor.report.render import render_brief
    from corridor.services.brief import build_brief
    from corridor.units import Unit

    cat, session = _session(panel_warehouse, importer="JPN", exporter="IND", hs="7601",
                            years="2005-2017")  # fmt: skip
    with cat:
        brief = build_brief(session)
        ref = session.derive(exporter=None, measure="weight").indicator("partners").to_pylist()
    assert brief.measure == "weight" and brief.synthetic is False
    head = brief.section("headline")
    facts = {f.key: f for f in head.facts}
    assert facts["value_usd"].value is None and facts["value_usd"].text == "—"
    ind = next(r for r in ref if r["year"] == 2017 and r["supplier"] == 699)
    assert facts["weight_kg"].value == ind["weight"]
    assert facts["rank_by_weight"].value == ind["rank"]
    assert [f.key for f in head.tiles][:2] == ["weight_kg", "share_of_weight"]
    assert "no value data" in " ".join(head.findings)
    prices = brief.section("prices")
    assert not prices.available and "no value data" in prices.missing
    assert not brief.section("mix").available
    assert "net weight" in " ".join(brief.section("mirror").findings)  # weights compared
    files = render_brief(brief, tmp_path / "real", pdf=False)
    html = files.html.read_text()
    assert "no value data" in html and "SYNTHETIC" not in html
    assert "USD 0" not in html  # never zeros for absent values
    assert "CIF" not in html and "FOB" not in html  # no value basis where there are no values
    doc = json.loads(files.data.read_text())
    assert doc["measure"] == "weight" and doc["datasets"] == ["jie2020-hs7601"]
    # Outlook by net weight; What if: the shock by weight, no margins without values
    out = brief.section("outlook")
    assert out.available and out.fact("market_forecast").unit == Unit.KG
    wi = brief.section("whatif")
    assert "no value data" in " ".join(wi.findings)
    assert [t.name for t in wi.tables] == ["whatif_shock", "whatif_shock_all"]
    assert wi.fact("shock_exporter_after").unit == Unit.KG
    assert brief.title == "India → Japan: unwrought aluminium (HS 7601)"


def test_outlook_section_equals_the_outlook_service(sample_brief):
    """Issue 13: the Outlook section's figures are the service's; fan charts, backtest lines."""
    from corridor.report.charts import vega_lite
    from corridor.services.outlook import outlook

    brief = sample_brief["brief"]
    ids = [s.id for s in brief.sections]
    assert ids.index("scrap") < ids.index("outlook") < ids.index("whatif") < ids.index("notes")
    sec = brief.section("outlook")
    cat, session = _session(sample_brief["warehouse"], importer="JPN", exporter="IND", hs="76",
                            years="2015-2024")  # fmt: skip
    with cat:
        out = outlook(session, horizon=3)
    m, e = out.market.forecast.to_pylist()[-1], out.exporter.forecast.to_pylist()[-1]
    share = out.share.forecast.to_pylist()[-1]
    assert sec.title == "Outlook to 2027" and m["period"] == "2027"
    for key, row, col in [
        ("market_forecast", m, "point"),
        ("market_lo80", m, "lo80"),
        ("market_hi80", m, "hi80"),
        ("exporter_forecast", e, "point"),
        ("exporter_lo80", e, "lo80"),
        ("share_forecast", share, "point"),
    ]:
        assert sec.fact(key).value == pytest.approx(row[col], rel=1e-9), key  # fmt: skip
    charts = {c.name: c for c in sec.charts}
    assert set(charts) == {"outlook_market", "outlook_exporter"}
    assert out.market.backtest_line() in charts["outlook_market"].caption
    assert out.exporter.backtest_line() in charts["outlook_exporter"].caption
    spec = vega_lite(charts["outlook_market"])
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks.count("area") == 2 and "line" in marks  # 95 % and 80 % bands, the lines
    assert sec.source.startswith("SYNTHETIC")
    text = _words("\n".join(_pdf_text(sample_brief["files"].pdf)))
    assert "Backtest (rolling origin" in text and "MASE" in text


def test_whatif_section_equals_the_whatif_service(sample_brief):
    """Issue 12: the largest supplier removed and the CEPA margin by line, as whatif() says."""
    from corridor.report.charts import vega_lite
    from corridor.services.scenarios.whatif import whatif

    brief, files = sample_brief["brief"], sample_brief["files"]
    sec = brief.section("whatif")
    cat, session = _session(sample_brief["warehouse"], importer="JPN", exporter="IND", hs="76",
                            years="2015-2024")  # fmt: skip
    with cat:
        wi = whatif(session)
    e = wi.shock.table("exporter").rows()[0]
    summary = wi.shock.table("summary").rows()[0]
    assert sec.fact("shock_exporter_after").value == e["after"]
    assert sec.fact("shock_exporter_change").value == e["change"]
    assert sec.fact("shock_gap").value == summary["gap"]
    assert "If China — the largest supplier in 2024" in sec.findings[0]
    tables = {t.name: t for t in sec.tables}
    margins = wi.margins.rows()
    assert tables["whatif_margins"].rows == margins
    covered = sum(r["exporter_value"] or 0 for r in margins if (r["margin_max"] or 0) > 0)
    assert sec.fact("margin_value_covered").value == covered > 0
    line = next(r for r in margins if r["hs_code"] == "760410")
    assert line["mfn_max"] == 0.075 and line["applied_max"] == 0  # WTO 7.5 %, CEPA free
    chart = sec.charts[0]
    assert chart.kind == "pairs"
    mine = {r["series"]: r["value"] for r in chart.rows if r["name"] == "India"}
    assert list(mine.values()) == [e["before"], e["after"]]
    assert vega_lite(chart)["layer"][0]["encoding"]["yOffset"]["field"] == "series"
    doc = json.loads(files.data.read_text())
    assert [s["id"] for s in doc["sections"] if s["id"] in ("outlook", "whatif")] == [
        "outlook", "whatif"]  # fmt: skip
    assert (files.folder / "table-whatif_margins.csv").is_file()
    text = _words("\n".join(_pdf_text(files.pdf)))
    assert "India's margin of preference by HS code, 2024" in text


@pytest.fixture(scope="module")
def baci_warehouse(tmp_path_factory, shared_data):
    from corridor.services.loading import load_files
    from corridor.store.warehouse import Warehouse

    path = tmp_path_factory.mktemp("baci") / "w.duckdb"
    with Warehouse(path) as wh:
        load_files(wh, [shared_data / BACI], "baci")
    return path


def test_baci_corridor_sections_say_what_the_data_cannot_give(baci_warehouse, tmp_path):
    """Real BACI, one year (2021), South Africa → Japan: no outlook from one year, a shock
    that removes the only supplier the slice holds, MFN rates with no preference."""
    from corridor.report.render import render_brief
    from corridor.services.brief import build_brief

    cat, session = _session(baci_warehouse, importer="JPN", exporter="ZAF", hs="76")
    with cat:
        brief = build_brief(session)
    assert brief.synthetic is False
    out = brief.section("outlook")
    assert not out.available and "only 1 contiguous year" in out.missing
    wi = brief.section("whatif")
    assert wi.fact("shock_gap").value > 0  # nobody else in the slice to fill it
    assert "South Africa is itself the largest supplier" in " ".join(wi.notes)
    assert "no margin of preference" in " ".join(wi.findings)
    html = render_brief(brief, tmp_path / "baci", pdf=False).html.read_text()
    assert "SYNTHETIC" not in html and "only 1 contiguous year" in html
    # the cut holds one supplier of Japan: the shares and the HHI of 10,000 are of the file
    thin = "The data holds only 1 country supplying this market in 2021"
    for name in ("suppliers", "dependency"):
        assert any(n.startswith(thin) for n in brief.section(name).notes), name
    assert "1 country covered 90 %" in " ".join(brief.section("dependency").findings)
    assert thin in _words(html)


def test_panel_asked_for_chapter_76_says_7601_only(panel_warehouse):
    from corridor.services.brief import build_brief

    cat, session = _session(panel_warehouse, importer="JPN", exporter="IND", hs="76",
                            years="2000-2017")  # fmt: skip
    with cat:
        brief = build_brief(session)
    assert brief.title == "India → Japan: unwrought aluminium (HS 7601 only)"
    assert not brief.title.endswith("(HS 76)")  # never the chapter the data does not cover
    assert "HS 7601 only" in brief.section("summary").findings[0]
    vintage = " ".join(brief.vintages)
    assert "file loaded" in vintage and "retrieved" not in vintage  # a file, not an API call


def test_panel_brief_cli_pdf(cli, panel_warehouse, tmp_path):
    """The README's real-data brief, through the CLI, to a PDF (read back)."""
    out = tmp_path / "panel"
    res = cli("brief", "--hs", "7601", "--years", "2000-2017", "--out", out,
              warehouse=panel_warehouse)  # fmt: skip
    assert res.exit_code == 0, res.output
    text = _words("\n".join(_pdf_text(out / "brief.pdf")))
    assert "India → Japan: unwrought aluminium (HS 7601)" in text
    assert "no value data" in text and "SYNTHETIC" not in text
    assert "UN Comtrade Database" in text  # the formal citation
    assert not COMMAND.findall(text), COMMAND.findall(text)[:5]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--importer", "Atlantis"], "Atlantis"),
        (["--hs", "7208"], "no imports reported by Japan or exports to it for HS 7208"),
        (["--years", "2024-2015"], "empty year range"),
        (["--hs", "77"], "reserved"),
        (["--side", "sideways"], "side 'sideways'"),
    ],
)
def test_bad_arguments_one_line(cli, sample_warehouse, tmp_path, args, message):
    base = {"--importer": "JPN", "--exporter": "IND", "--hs": "76", "--years": "2015-2024"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = [x for kv in base.items() for x in kv]
    res = cli("brief", *argv, "--out", str(tmp_path / "b"), warehouse=sample_warehouse)
    assert res.exit_code in (2, 4), res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], res.output
    assert "Traceback" not in res.output


def test_out_naming_a_file_fails_before_any_work(cli, sample_warehouse, tmp_path, monkeypatch):
    from corridor.report import worker

    def refuse(*a, **k):
        raise AssertionError("the render worker started")

    monkeypatch.setattr(worker.RenderWorker, "__init__", refuse)
    target = tmp_path / "brief.pdf"
    target.write_text("not a folder")
    res = cli("brief", "--out", str(target), warehouse=sample_warehouse)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(target) in lines[0] and "existing file" in lines[0]
    assert target.read_text() == "not a folder"


def test_missing_renderer_is_one_line_before_any_work(cli, sample_warehouse, tmp_path,
                                                     monkeypatch):  # fmt: skip
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "weasyprint" else real(name, *a),
    )
    res = cli("brief", "--out", str(tmp_path / "b"), warehouse=sample_warehouse)
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "weasyprint" in lines[0] and "pip install" in lines[0]
    assert not (tmp_path / "b").exists()


def test_renderer_failing_in_the_worker_is_one_line(cli, sample_warehouse, tmp_path,
                                                   monkeypatch):  # fmt: skip
    """A renderer that is installed but cannot start: one line, never BrokenProcessPool/70."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "weasyprint.py").write_text("raise ImportError('libpango-1.0-0 not found')\n")
    monkeypatch.syspath_prepend(str(fake))  # the spawned worker inherits sys.path
    res = cli("brief", "--out", str(tmp_path / "b"), warehouse=sample_warehouse)
    assert res.exit_code == 1, res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "libpango-1.0-0 not found" in errors[0], res.output
    assert "--no-pdf" in errors[0] and "Traceback" not in res.output


def test_demo_builds_sample_and_brief(cli, isolated_settings):
    res = cli("demo", "--no-pdf", warehouse=None)
    assert res.exit_code == 0, res.output
    folder = isolated_settings / "briefs" / "jpn-ind-76"
    assert (folder / "brief.html").is_file() and (folder / "data.json").is_file()
    assert str(folder / "brief.html") in res.output.replace("\n", "")
    assert "summary: Japan ← India" in res.output  # the summary table is still printed


def test_demo_live_uses_comtrade_client(cli, fixtures, monkeypatch, isolated_settings, tmp_path):
    try:
        from comtrade_fake import FakeComtrade, make_record, template_record
    except ImportError:  # tests/ is a package on main since d1ac545
        from tests.comtrade_fake import FakeComtrade, make_record, template_record
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
    headline = next(s for s in doc["sections"] if s["id"] == "headline")
    head = {f["key"]: f for f in headline["facts"]}
    assert head["rank_by_value"]["value"] == 3
    assert head["value_usd"]["value"] == pytest.approx(sum(3e8 * f + 2024 for f in (0.6, 0.4)))
    assert "UN Comtrade" in " ".join(doc["citations"])


@pytest.mark.spark
def test_brief_on_spark_equals_duckdb(sample_brief, tmp_path):
    """`--engine spark` (local mode) gives the same brief numbers as DuckDB."""
    pytest.importorskip("pyspark")
    from corridor.services.brief import build_brief

    cat, session = _session(sample_brief["warehouse"], importer="JPN", exporter="IND", hs="76",
                            years="2023-2024", engine="spark")  # fmt: skip
    with cat:
        spark = build_brief(session)
    cat, session = _session(sample_brief["warehouse"], importer="JPN", exporter="IND", hs="76",
                            years="2023-2024")  # fmt: skip
    with cat:
        duck = build_brief(session)
    assert spark.provenance["engine"] == "spark"
    for a, b in zip(spark.sections, duck.sections, strict=True):
        assert a.id == b.id and a.available == b.available
        for fa, fb in zip(a.facts, b.facts, strict=True):
            assert fa.key == fb.key
            if isinstance(fb.value, float):
                assert fa.value == pytest.approx(fb.value, rel=1e-9)
            else:
                assert fa.value == fb.value


def test_render_brief_in_process_names_a_missing_renderer(sample_brief, tmp_path, monkeypatch):
    """Library use renders in this process; a missing renderer is one CorridorError line."""
    from corridor.errors import CorridorError
    from corridor.report.render import render_brief

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if not installed
    with pytest.raises(CorridorError, match="weasyprint") as err:
        render_brief(sample_brief["brief"], tmp_path / "x")
    assert "\n" not in str(err.value)
    files = render_brief(sample_brief["brief"], tmp_path / "y", pdf=False)  # HTML still works
    assert files.pdf is None and files.html.is_file()


def test_brief_csv_cells_are_never_formulas():
    from corridor.report.render import csv_safe

    assert csv_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_safe("-1+2") == "'-1+2" and csv_safe(-1.5) == -1.5 and csv_safe(["a", "b"]) == "a;b"
