"""The dashboard end to end in a real browser: Playwright driving Debian's chromium.

A loopback uvicorn server on the sample warehouse; skipped only when /usr/bin/chromium is
absent (``.ci/run`` installs it). Screenshots land in the test's tmp dir, or in
``$CORRIDOR_WEB_SHOTS`` when set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no chromium at {CHROMIUM}"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse
    from corridor.web.app import assets_hint, create_app

    if assets_hint():
        pytest.fail(assets_hint())  # the assets are part of the install: never skip for them
    root = tmp_path_factory.mktemp("web-browser")
    path = root / "sample.duckdb"
    with Warehouse(path) as wh:
        build_sample(wh, root / "gen")
    app = create_app(path, allowed_hosts=["127.0.0.1"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    app.state.hub.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    out = Path(os.environ.get("CORRIDOR_WEB_SHOTS", tmp_path / "shots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_pick_chart_claim_scenario_download_reload(server, browser, shots, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))

    # the overview draws the brief's chart with vega-embed (served locally, CSP script-src 'self')
    page.goto(f"{server}/?importer=JPN&exporter=IND&hs=76")
    page.wait_for_selector("#chart-headline-headline.drawn svg", timeout=15_000)
    assert page.locator(".synthetic").first.inner_text().startswith("SYNTHETIC DATA")
    page.screenshot(path=str(shots / "overview.png"), full_page=True)

    # pick a corridor: the state goes into the URL (htmx-boosted form, pushed URL)
    page.fill("input[name=years]", "2018-2024")
    page.select_option("select[name=hs]", "7601")
    page.click("form.picker button[type=submit]")
    page.wait_for_url("**years=2018-2024**")
    assert "hs=7601" in page.url
    page.wait_for_selector(".chart.drawn svg", timeout=15_000)
    shared = page.url

    # a shared URL reloads to the same view
    other = browser.new_page()
    other.goto(shared)
    assert other.input_value("input[name=years]") == "2018-2024"
    assert other.locator("select[name=hs]").input_value() == "7601"
    other.wait_for_selector(".chart.drawn svg", timeout=15_000)
    other.close()

    # claim check: text box → verdict with the readings
    page.click("nav a:text('Claim checker')")
    page.fill("#claim", "India supplied about 5% of Japan's aluminium imports in 2023")
    page.click("form.claim button[type=submit]")
    badge = page.wait_for_selector(".verdict .badge", timeout=20_000)
    assert badge.inner_text() in ("SUPPORTED", "CONTRADICTED", "AMBIGUOUS", "UNVERIFIABLE")
    assert page.locator(".readings li").count() >= 2
    assert "claim=" in page.url
    page.screenshot(path=str(shots / "claims.png"), full_page=True)

    # scenario: a form → the result with its assumptions
    page.click("nav a:text('Scenarios')")
    page.fill("input[name=remove]", "RUS")
    page.click("form.scenario button[type=submit]")
    page.wait_for_selector("text=Russian Federation removed", timeout=20_000)
    assert page.locator(".assumptions li").count() >= 3
    page.wait_for_selector("[id^=chart-whatif-].drawn svg", timeout=15_000)  # the brief's What if
    page.screenshot(path=str(shots / "scenarios.png"), full_page=True)

    # tariff scenario on all of HS 76 (HS 7601 is duty-free: every effect would be zero):
    # agreement, exporter and an elasticity range → effects by line and supplier, sensitivity
    page.goto(f"{server}/scenarios?importer=JPN&exporter=IND&hs=76")
    page.fill("form.tariff input[name=agreement]", "cepa")
    assert page.input_value("form.tariff input[name=exporter]") == "IND"
    page.fill("form.tariff input[name=elasticity]", "2..8")
    page.click("form.tariff button[type=submit]")
    page.wait_for_selector("text=moves from MFN to JP-IN-CEPA", timeout=20_000)
    assert "agreement=cepa" in page.url and "elasticity=2..8" in page.url
    assert page.locator("caption:text('Effects by supplier')").count() == 1
    assert page.locator("caption:text('Sensitivity over the elasticity range')").count() == 1
    assert page.locator(".result .assumptions li").count() >= 3
    assert page.locator("caption:text('Not simulated (never averaged)')").count() == 1
    assert "trade creation USD 0)" not in page.locator(".result .headline").inner_text()
    page.locator("#sc-tariff").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "tariff.png"), full_page=True)

    # outlook: the brief's fan charts, each with its backtest under it
    page.click("nav a:text('Outlook')")
    page.wait_for_selector("[id^=chart-outlook-].drawn svg", timeout=20_000)
    assert page.locator("[id^=chart-outlook-]").count() >= 1
    assert page.locator("#outlook .caption").first.inner_text().startswith(("Backtest", "Not"))
    assert page.locator("#outlook table").count() >= 1
    page.screenshot(path=str(shots / "outlook.png"), full_page=True)

    # download a CSV
    page.click("nav a:text('Downloads')")
    with page.expect_download() as info:
        page.click("a:text('summary.csv')")
    target = tmp_path / "summary.csv"
    info.value.save_as(target)
    lines = target.read_text("utf-8").splitlines()
    assert lines[0].startswith("year,") and lines[0].endswith("source,dataset,report,synthetic")
    assert lines[1].endswith(",True") and len(lines) > 3

    assert not problems, problems
    page.close()


def test_phone_width_and_keyboard(server, browser, shots):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/?importer=JPN&exporter=IND&hs=76")
    page.wait_for_selector(".chart.drawn svg", timeout=15_000)
    # nothing wider than the screen but the scrollable tables
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.screenshot(path=str(shots / "overview-phone.png"), full_page=True)
    page.close()
