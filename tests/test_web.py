"""The dashboard through FastAPI's TestClient: every route, and hostile parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

Q = "importer=JPN&exporter=IND&hs=76"
PAGES = ["/", "/dependency", "/prices", "/mix", "/mirror", "/scrap", "/outlook", "/scenarios",
         "/claims", "/data", "/downloads"]  # fmt: skip
CLAIM = "India supplied about 5% of Japan's aluminium imports in 2023"


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory) -> Path:
    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse

    root = tmp_path_factory.mktemp("web")
    path = root / "sample.duckdb"
    with Warehouse(path) as wh:
        build_sample(wh, root / "gen")
    return path


@pytest.fixture(scope="module")
def client(sample_wh):
    from corridor.web.app import create_app

    app = create_app(sample_wh)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.hub.close()


def _no_path(body: str, wh: Path) -> None:
    assert str(wh.parent) not in body
    assert "/tmp/" not in body and "/root/" not in body


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_provenance_and_headers(client, sample_wh, path):
    r = client.get(f"{path}?{Q}")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    body = r.text
    assert "SYNTHETIC" in body
    # no inline script: every <script> loads a file
    for tag in re.findall(r"<script[^>]*>", body):
        assert re.fullmatch(r'<script src="/(assets|static)/[\w.-]+\.js" defer>', tag), tag
    assert re.search(r'<html lang="en">', body)
    _no_path(body, sample_wh)


def test_overview_shows_the_brief_headline_chart_and_provenance(client):
    body = client.get(f"/?{Q}").text
    assert "Headline" in body and "Who supplies Japan" in body
    assert 'class="chart"' in body and 'data-spec="{&#34;' in body
    assert "source: sample" in body and "imports as reported by Japan (flow M, CIF)" in body
    assert "warehouse: sample.duckdb" in body
    # each caption's source line is the brief's, printed once ("Source: …", never doubled)
    sources = re.findall(r'<p class="source">([^<]*)</p>', body)
    assert sources and all(s.count("Source:") == 1 for s in sources), sources[:3]
    # picker state comes from the URL
    assert 'name="importer" list="country-list" value="JPN"' in body
    assert '<option value="76" selected>' in body


def test_picker_state_round_trips(client):
    body = client.get("/prices?importer=JPN&exporter=IND&hs=7601&years=2018-2024").text
    assert 'value="2018-2024"' in body and '<option value="7601" selected>' in body
    assert "/mix?importer=JPN&amp;exporter=IND&amp;hs=7601&amp;years=2018-2024" in body


def test_indicator_json_is_the_cli_json(client, cli, sample_wh):
    api = client.get(f"/api/indicators/summary?{Q}&years=2015-2024").json()
    res = cli("summary", "--years", "2015-2024", "--format", "json", warehouse=sample_wh)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert api["provenance"].pop("warehouse") == "sample.duckdb"
    doc["provenance"].pop("warehouse")
    assert api == doc


def test_indicator_csv_is_the_cli_csv(client, cli, sample_wh):
    r = client.get(f"/api/indicators/partners?{Q}&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    res = cli("partners", "--format", "csv", warehouse=sample_wh)
    assert r.text == res.stdout
    assert r.text.splitlines()[0].endswith("source,dataset,report,synthetic")


def test_section_api_has_vega_lite_specs(client):
    doc = client.get(f"/api/sections/headline?{Q}").json()
    assert doc["schema"] == "corridor.section/1"
    section = doc["section"]
    assert section["id"] == "headline" and section["charts"]
    spec = section["vega_lite"][section["charts"][0]["name"]]
    assert spec["data"]["values"] and spec["width"] == "container"
    assert doc["provenance"]["synthetic"] is True
    assert doc["provenance"]["warehouse"] == "sample.duckdb"


def test_claim_check_page_and_api(client):
    doc = client.get("/api/check", params={"claim": CLAIM}).json()
    assert doc["schema"] == "corridor.check/2"
    result = doc["results"][0]
    assert result["verdict"] in ("supported", "contradicted", "ambiguous", "unverifiable")
    assert result["findings"] and doc["warehouse"] == "sample.duckdb"
    body = client.get("/claims", params={"claim": CLAIM}).text
    assert result["verdict"].upper() in body and "Readings" in body


def test_unreadable_claim_is_one_line_422(client, cli, sample_wh):
    bad = "<script>alert(1)</script> is great"
    r = client.get("/api/check", params={"claim": bad})
    assert r.status_code == 422
    assert "<script" not in r.text
    message = r.json()["error"]["message"]
    res = cli("check", bad, warehouse=sample_wh)
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: {message}"
    page = client.get("/claims", params={"claim": bad})
    assert page.status_code == 422 and "<script>alert" not in page.text


def test_scenario_page_and_api(client):
    doc = client.get(f"/api/scenarios/shock?{Q}&remove=RUS").json()
    assert doc["schema"].startswith("corridor.scenario-shock")
    body = client.get(f"/scenarios?{Q}&remove=RUS").text
    assert "Russian Federation removed" in body and "Assumptions" in body


def test_scenario_page_shows_the_brief_what_if_above_the_forms(client):
    body = client.get(f"/scenarios?{Q}").text
    assert 'id="h-whatif"' in body and "chart-whatif-" in body
    assert body.index('id="h-whatif"') < body.index('<form class="scenario"')
    assert body.index('<form class="scenario"') < body.index('<form class="tariff"')


def test_tariff_scenario_page_and_json_is_the_clis(client, cli, sample_wh):
    api = client.get(f"/api/scenarios/tariff?{Q}&agreement=cepa&elasticity=2..8").json()
    res = cli("scenario", "tariff", "--agreement", "cepa", "--elasticity", "2..8",
              "--format", "json", warehouse=sample_wh)  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert api["schema"] == doc["schema"] == "corridor.scenario-tariff/1"
    assert json.dumps(api).count(str(sample_wh.parent)) == 0
    assert api["provenance"]["trade"].pop("warehouse") == "sample.duckdb"
    assert doc["provenance"]["trade"].pop("warehouse") == str(sample_wh)
    assert api == doc
    body = client.get(f"/scenarios?{Q}&agreement=cepa&elasticity=2..8").text
    assert "India moves from MFN to JP-IN-CEPA" in body and "Assumptions" in body
    assert "Effects by supplier" in body and "Sensitivity over the elasticity range" in body
    assert re.search(r"href=\"/api/scenarios/tariff\?[^\"]*agreement=cepa", body)
    _no_path(body, sample_wh)


def test_outlook_page_is_the_briefs_section_with_fan_charts(client):
    body = client.get(f"/outlook?{Q}").text
    assert 'id="h-outlook"' in body and 'id="chart-outlook-' in body
    assert '<p class="caption">Backtest' in body or "Not backtested" in body
    doc = client.get(f"/api/sections/outlook?{Q}").json()["section"]
    kinds = {c["kind"] for c in doc["charts"]}
    assert kinds == {"fan"} and doc["tables"]
    spec = doc["vega_lite"][doc["charts"][0]["name"]]
    assert spec["width"] == "container" and spec["layer"]


def test_outlook_and_coverage_api(client):
    doc = client.get(f"/api/outlook?{Q}&horizon=2").json()
    from corridor.services.outlook import SCHEMA

    assert doc["schema"] == SCHEMA and doc["series"]
    cov = client.get(f"/api/coverage?{Q}").json()
    assert {r["side"] for r in cov["rows"]} == {"importer", "exporter"}
    assert all(r["synthetic"] for r in cov["rows"])


def test_openapi_and_docs_page(client):
    spec = client.get("/openapi.json").json()
    for route in ("/api/indicators/{name}", "/api/sections/{section}", "/api/check",
                  "/api/scenarios/shock", "/api/scenarios/tariff", "/api/outlook",
                  "/api/coverage"):  # fmt: skip
        assert route in spec["paths"]
    docs = client.get("/docs").text
    assert "/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


LONG = "7" * 5000
HOSTILE = [
    ("importer", "' OR 1=1; DROP TABLE trade; --", 422, "unknown country"),
    ("importer", "<script>alert(1)</script>", 422, "unknown country"),
    ("exporter", '"><img src=x onerror=alert(1)>', 422, "unknown country"),
    ("hs", "../../etc/passwd", 422, "HS"),
    ("hs", "76; SELECT 1", 422, "HS"),
    ("years", LONG, 422, "5,000 characters"),
    ("years", "2015-2024<b>", 422, "expected YYYY or YYYY-YYYY"),
    ("years", "1200-2024", 422, "outside"),
    ("level", "abc", 422, "expected a whole number"),
    ("level", "9", 422, "level '9'"),
    ("measure", "<svg onload=alert(1)>", 422, "measure"),
    ("side", "x" * 300, 422, "300 characters"),
    ("top_n", "99999999999", 422, "top_n"),
    ("dataset", "nope'--", 404, "no imports"),
]


@pytest.mark.parametrize(("name", "value", "status", "words"), HOSTILE,
                         ids=[f"{h[0]}-{i}" for i, h in enumerate(HOSTILE)])  # fmt: skip
@pytest.mark.parametrize("route", ["/", "/api/indicators/summary", "/api/sections/mix"])
def test_hostile_parameters_are_one_line_4xx(client, sample_wh, route, name, value, status,
                                             words):  # fmt: skip
    params = {"importer": "JPN", "exporter": "IND", "hs": "76", name: value}
    r = client.get(route, params=params)
    assert r.status_code == status, r.text[:300]
    body = r.text
    for markup in ("<script>", "<img src", "<svg onload", "<b>"):
        assert markup not in body  # the page's own tags are <script src=...>
    if route.startswith("/api/"):
        message = r.json()["error"]["message"]
        assert "\n" not in message and words in message
    else:
        assert words.replace("'", "&#39;") in body
    _no_path(body, sample_wh)


TARIFF_HOSTILE = [
    ("agreement", "<script>alert(1)</script>", 422, "unknown agreement"),
    ("agreement", "cepa' OR 1=1 --", 422, "unknown agreement"),
    ("agreement", "x" * 300, 422, "300 characters"),
    ("elasticity", "<b>2</b>", 422, "expected a number or a range like 2..8"),
    ("elasticity", "8..2", 422, "low is above high"),
    ("elasticity", "nan", 422, "must be ≥ 0"),
    ("elasticity", "-3", 422, "must be ≥ 0"),
    ("demand_elasticity", "1..x", 422, "expected a number or a range"),
    ("supply_elasticity", "0", 422, "must be > 0 (or inf)"),
    ("supply_elasticity", "<svg onload=alert(1)>", 422, "a number or inf"),
    ("base_year", "20x4", 422, "expected a whole number"),
    ("exporter", "CHN", 422, "does not cover China"),
    ("exporter", "", 422, "needs an exporter"),
]


@pytest.mark.parametrize(("name", "value", "status", "words"), TARIFF_HOSTILE,
                         ids=[f"{h[0]}-{i}" for i, h in enumerate(TARIFF_HOSTILE)])  # fmt: skip
@pytest.mark.parametrize("route", ["/scenarios", "/api/scenarios/tariff"])
def test_hostile_tariff_parameters_are_one_line_4xx(client, sample_wh, route, name, value,
                                                    status, words):  # fmt: skip
    params = {"importer": "JPN", "exporter": "IND", "hs": "76", "agreement": "cepa",
              "elasticity": "2..8", name: value}  # fmt: skip
    r = client.get(route, params=params)
    assert r.status_code == status, r.text[:300]
    body = r.text
    for markup in ("<script>", "<img src", "<svg onload", "<b>"):
        assert markup not in body
    if route.startswith("/api/"):
        message = r.json()["error"]["message"]
        assert "\n" not in message and words in message
    else:
        assert words.replace("'", "&#39;").replace(">", "&gt;") in body
    _no_path(body, sample_wh)


def test_hostile_tariff_message_is_the_clis(client, cli, sample_wh):
    r = client.get("/api/scenarios/tariff", params={"agreement": "cepa", "elasticity": "8..2"})
    res = cli("scenario", "tariff", "--agreement", "cepa", "--elasticity", "8..2",
              warehouse=sample_wh)  # fmt: skip
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: " + r.json()["error"]["message"]


def test_hostile_message_is_the_clis(client, cli, sample_wh):
    r = client.get("/api/indicators/summary", params={"importer": "Jpan", "exporter": "IND"})
    res = cli("summary", "--importer", "Jpan", warehouse=sample_wh)
    assert res.stderr.strip() == "error: " + r.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/indicators/<script>",
        "/api/sections/..%2F..%2Fetc%2Fpasswd",
        "/assets/..%2Fpackage.json",
        "/static/..%2Fapp.py",
        "/api/indicators/summary?format=xml",
        "/api/outlook?horizon=99",
        "/api/outlook?horizon=1e3",
        "/no/such/page",
        "/api/scenarios/shock?cut=AUS=500%25",
        "/api/scenarios/shock",
        "/api/scenarios/tariff",
        "/api/scenarios/tariff?agreement=cepa&supply_elasticity=nan",
        "/scenarios?agreement=cepa&elasticity=2..8..9",
        "/api/check?claim=" + "x" * 600,
    ],
)
def test_bad_routes_are_4xx_without_markup(client, path):
    r = client.get(path)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert "<script>" not in r.text and "Traceback" not in r.text


@pytest.fixture
def fresh_client(sample_wh):
    """A dashboard of its own: no slice made by an earlier test covers its questions."""
    from corridor.web.app import create_app

    app = create_app(sample_wh)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.hub.close()


def test_many_questions_keep_the_temp_tables_bounded(fresh_client, monkeypatch):
    from corridor.store.catalog import Catalog

    client = fresh_client
    monkeypatch.setattr(Catalog, "TEMP_TABLES", 3)
    hub = client.app.state.hub
    made = []
    create = Catalog.temp_table
    monkeypatch.setattr(Catalog, "temp_table", lambda self, key, *a: made.append(key) or
                        create(self, key, *a))  # fmt: skip

    def temp_tables() -> int:
        sql = "SELECT count(*) FROM duckdb_tables() WHERE temporary"
        return hub.run(lambda: hub.catalog.run(sql)[1][0][0])

    def summary(years: str, extra: str = "") -> list:
        r = client.get(f"/api/indicators/summary?{Q}&years={years}{extra}")
        assert r.status_code == 200, r.text[:200]
        return r.json()["rows"]

    first = summary("2016-2018")
    for a in range(2015, 2022):
        summary(f"{a}-{a + 2}")
        summary(f"{a}-{a + 3}")
        assert temp_tables() <= 3
    with hub.lock:  # forget every session and result: the slice of 2016-2018 was dropped
        hub._cache.clear()
        hub._sessions.clear()
    assert len(set(made)) > 3  # more slices were made than are kept
    assert summary("2016-2018", "&side=auto") == first
    assert temp_tables() <= 3


def test_read_only_methods(client):
    r = client.post(f"/api/indicators/summary?{Q}")
    assert r.status_code == 405
    assert client.delete("/").status_code == 405


def test_missing_assets_say_how_to_get_them(client, monkeypatch, tmp_path):
    from corridor.web import app as web

    monkeypatch.setattr(web, "assets_dir", lambda: tmp_path / "none")
    r = client.get("/assets/htmx.min.js")
    assert r.status_code == 404 and "npm ci --prefix" in r.text
    # a URL not answered before (answers are kept: the warehouse is read-only)
    assert "make install" in client.get(f"/dependency?{Q}&years=2016-2024").text


def test_a_shared_view_is_answered_again_with_its_headers(client):
    first = client.get(f"/api/coverage?{Q}&years=2017-2024")
    again = client.get(f"/api/coverage?{Q}&years=2017-2024")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    bad = client.get("/api/coverage?importer=Jpan")
    assert client.get("/api/coverage?importer=Jpan").status_code == bad.status_code == 422


def test_trusted_hosts_when_bound_to_loopback(sample_wh):
    from corridor.web.app import create_app

    app = create_app(sample_wh, allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://evil.example") as c:
        assert c.get("/api/coverage").status_code == 400
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/coverage").status_code == 200
    app.state.hub.close()


def test_serve_is_a_command(cli):
    res = cli("serve", "--help", warehouse=None)
    assert res.exit_code == 0 and "127.0.0.1" in res.output
    bad = cli("serve", "--port", "70000", warehouse=None)
    assert bad.exit_code == 2 and "port 70000" in bad.stderr


def test_brief_pdf_on_demand_without_paths(client, sample_wh):
    from io import BytesIO

    from pypdf import PdfReader

    r = client.get(f"/api/brief.pdf?{Q}&years=2015-2024")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages)
    assert "SYNTHETIC" in text and "India" in text
    assert str(sample_wh.parent) not in text
    assert client.get("/api/brief.pdf?importer=JPN&exporter=").status_code == 422
