"""The dashboard: FastAPI pages and a JSON API, thin faces over the corridor session.

Every page and API route parses the URL into a :class:`~corridor.query.CorridorQuery`
(:mod:`corridor.web.params`), takes the server's session for it (:class:`~corridor.web.hub.Hub`)
and renders what the services return: the brief's sections (the same findings, tables and
Vega-Lite charts as the PDF brief), indicator results (``corridor.<indicator>/2``, the
CLI's ``--format json``), claim checks, scenarios and the outlook. No analytics, SQL or
number formats of its own: cells are formatted from their declared units.

Read-only (GET only), loopback by default (see ``corridor serve``), a CSP without inline
scripts, and no file path in any response.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from corridor.errors import CorridorError, InvalidQuery, NotFound, one_line
from corridor.web.hub import Hub
from corridor.web.params import MAX_CLAIM, corridor_query, integer, text

__all__ = ["ASSETS", "PAGES", "assets_dir", "assets_hint", "create_app"]

HERE = Path(__file__).resolve().parent

#: URL name → file under node_modules (installed by `npm ci` in corridor/web/assets)
ASSETS = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}

#: page → (title, brief sections shown); pages without sections have their own view
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "overview": ("Overview", ("headline", "suppliers")),
    "dependency": ("Dependency", ("dependency",)),
    "prices": ("Prices", ("prices",)),
    "mix": ("Product mix", ("mix",)),
    "mirror": ("Mirror", ("mirror",)),
    "scrap": ("Scrap", ("scrap",)),
    "outlook": ("Outlook", ("outlook",)),
    "scenarios": ("Scenarios", ("whatif",)),
    "claims": ("Claim checker", ()),
    "data": ("Data & provenance", ()),
    "downloads": ("Downloads", ()),
}


def _param(name: str, description: str, example: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": 200}
    if example is not None:
        schema["example"] = example
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


#: the corridor's URL parameters, as the OpenAPI page documents them (checked by params.py)
CORRIDOR_PARAMS = [
    _param("importer", "Importing country: name, ISO3 or Comtrade code (default JPN).", "JPN"),
    _param("exporter", "Exporting country (default IND; empty: the whole market).", "IND"),
    _param("hs", "HS code(s), comma-separated (default 76).", "76"),
    _param("years", "YYYY or YYYY-YYYY (default: every year the data holds)."),
    _param("measure", "value (USD), weight (kg) or auto."),
    _param("side", "importer (M, CIF), exporter (X, FOB) or auto."),
    _param("dataset", "Only this dataset."),
    _param("level", "HS level summed: 2, 4 or 6."),
]
MAX_ROWS = 200  # rows of one table shown on a page (every row: the CSV/JSON download)
CLAIM_EXAMPLE = "India supplied about 5% of Japan's aluminium imports in 2023"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def assets_dir() -> Path:
    """Where ``npm ci`` installs the front-end packages."""
    return HERE / "assets" / "node_modules"


def assets_hint() -> str | None:
    """One line on how to get the front-end assets, or None when they are installed."""
    missing = [n for n, rel in ASSETS.items() if not (assets_dir() / rel).is_file()]
    if not missing:
        return None
    return (
        f"dashboard assets missing ({', '.join(missing[:2])}…): run `npm ci --prefix "
        f"{HERE / 'assets'}` (or `make install`); pages work, charts do not"
    )


class SecurityHeaders:
    """ASGI middleware: the security headers on every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in HEADERS if h[0] not in names
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ResponseCache:
    """ASGI middleware: a GET answered 200 once is answered from memory after that.

    The warehouse is opened read-only and every view is a function of its URL, so a shared
    or reloaded view costs one dictionary look-up. Bounded: ``entries`` responses of at most
    ``max_body`` bytes each (least recently used dropped first); static files are not kept.
    """

    def __init__(self, app: Any, entries: int = 512, max_body: int = 4 << 20) -> None:
        from collections import OrderedDict

        self.app = app
        self.entries = entries
        self.max_body = max_body
        self.store: OrderedDict[tuple, tuple[dict, bytes]] = OrderedDict()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or path.startswith(("/assets/", "/static/"))):  # fmt: skip
            await self.app(scope, receive, send)
            return
        key = (scope["method"], path, scope.get("query_string", b""))
        hit = self.store.get(key)
        if hit is not None:
            self.store.move_to_end(key)
            start, body = hit
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        parts: list[bytes] = []
        started: dict = {}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body") and started.get("status") == 200:
                    body = b"".join(parts)
                    if len(body) <= self.max_body:
                        self.store[key] = (dict(started), body)
                        while len(self.store) > self.entries:
                            self.store.popitem(last=False)
            await send(message)

        await self.app(scope, receive, capture)


# -- rendering helpers ---------------------------------------------------------------------------
def json_body(doc: Any) -> bytes:
    """JSON bytes with ``<``, ``>`` and ``&`` escaped: no markup is ever reflected."""
    from corridor.cli.render import json_default

    text_ = json.dumps(doc, default=json_default, ensure_ascii=False, allow_nan=False)
    return text_.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


@lru_cache(maxsize=1)
def _env():
    import jinja2

    from corridor.units import Unit, fmt_value

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = lambda v, unit: fmt_value(v, unit)
    env.filters["numeric"] = lambda unit: Unit(unit).numeric
    env.filters["spec_json"] = lambda spec: json_body(spec).decode()
    return env


def _chart_spec(chart: Any) -> dict[str, Any]:
    """The brief's Vega-Lite spec of ``chart``, fitted to the page's width."""
    from corridor.report.charts import vega_lite

    spec = vega_lite(chart)
    spec.pop("$schema", None)  # drawn by the Vega-Lite served here (the brief pins its own)
    spec.pop("title", None)  # the page shows it as a heading, the source below the chart
    if "width" in spec:
        spec["width"] = "container"
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def create_app(warehouse: Path, *, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The dashboard application on ``warehouse`` (opened read-only once)."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, HTMLResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from corridor import __version__

    hub = Hub(warehouse)
    app = FastAPI(
        title="corridor",
        version=__version__,
        summary="Evidence about one trade corridor: the dashboard's JSON API.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = hub
    app.add_middleware(ResponseCache)  # innermost: headers and host checks still apply
    app.add_middleware(SecurityHeaders)
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    def json_response(doc: Any, status: int = 200) -> Response:
        return Response(json_body(hub.scrub(doc)), status_code=status,
                        media_type="application/json")  # fmt: skip

    def html(name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
        body = _env().get_template(name).render(**ctx)
        return HTMLResponse(body, status_code=code, headers={"cache-control": "no-store"})

    def error(request: Request, status: int, message: str) -> Response:
        message = hub.scrub(one_line(message))
        if request.url.path.startswith("/api/"):
            return json_response({"error": {"status": status, "message": message}}, status)
        return html("error.html", status, message=message, status=status,
                    page=None, pages=PAGES, picked=None, hint=None)  # fmt: skip

    @app.exception_handler(CorridorError)
    async def corridor_error(request: Request, exc: CorridorError) -> Response:
        status = 422 if isinstance(exc, InvalidQuery) else 404 if isinstance(exc, NotFound) else 500
        return error(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
        return error(request, 422, f"{where or 'request'}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "no such page", 405: "read-only: only GET is accepted"}
        return error(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("corridor.web").error(
            "internal error on %s", request.url.path, exc_info=exc
        )
        return error(request, 500, f"internal error: {type(exc).__name__} — please report it")

    # -- what pages share ------------------------------------------------------------------
    def context(request: Request, page: str, *, need_exporter: bool = True) -> dict[str, Any]:
        params = request.query_params
        query, picked = corridor_query(params, need_exporter=need_exporter)
        return {"query": query, "picked": picked, "page": page, "pages": PAGES,
                "hint": assets_hint(), "countries": _countries(), "products": _products(),
                "warehouse": hub.name}  # fmt: skip

    def provenance_of(query: Any) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            s = hub.session(query)
            p = s.provenance()
            return {"lines": hub.scrub(p.lines()), "synthetic": p.synthetic,
                    "dict": hub.scrub(p.as_dict())}  # fmt: skip

        return hub.cached(("provenance", repr(query)), build)

    def sections_of(query: Any, ids: tuple[str, ...]) -> list[dict[str, Any]]:
        from corridor.services.brief import SECTIONS
        from corridor.services.brief.model import Section

        specs = {s.id: s for s in SECTIONS}
        out = []
        for sid in ids:
            spec = specs[sid]

            def build(spec: Any = spec) -> dict[str, Any]:
                session = hub.session(query)
                try:
                    section = spec.build(session)
                except NotFound as exc:
                    if spec.required:
                        raise
                    section = Section(id=spec.id, title=spec.label.capitalize(),
                                      available=False, missing=str(exc))  # fmt: skip
                doc = section.model_dump(mode="json")
                doc["vega_lite"] = {c.name: _chart_spec(c) for c in section.charts}
                return hub.scrub(doc)

            out.append(hub.cached(("section", sid, repr(query)), build))
        return out

    # -- pages -----------------------------------------------------------------------------
    def section_page(request: Request, page: str) -> HTMLResponse:
        ctx = context(request, page)
        ctx["sections"] = sections_of(ctx["query"], PAGES[page][1])
        ctx["prov"] = provenance_of(ctx["query"])
        ctx["max_rows"] = MAX_ROWS
        return html("section.html", **ctx)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request):
        return section_page(request, "overview")

    for _page in ("dependency", "prices", "mix", "mirror", "scrap", "outlook"):

        def _view(request: Request, page: str = _page):
            return section_page(request, page)

        app.get(f"/{_page}", response_class=HTMLResponse, include_in_schema=False)(_view)

    @app.get("/claims", response_class=HTMLResponse, include_in_schema=False)
    def claims_page(request: Request):
        ctx = context(request, "claims", need_exporter=False)
        claim = text(request.query_params, "claim", "", limit=MAX_CLAIM)
        ctx["claim"] = claim
        ctx["result"] = check_claim(claim, ctx["query"].dataset)["results"][0] if claim else None
        ctx["prov"] = provenance_of(ctx["query"])
        return html("claims.html", **ctx)

    @app.get("/scenarios", response_class=HTMLResponse, include_in_schema=False)
    def scenarios_page(request: Request):
        ctx = context(request, "scenarios")
        p = request.query_params
        for name in ("remove", "cut", "agreement", "elasticity"):
            ctx[name] = text(p, name, "")
        ctx["results"] = []
        if ctx["remove"] or ctx["cut"]:
            ctx["results"].append(run_shock(ctx["query"], ctx["remove"], ctx["cut"],
                                            integer(p, "base_year")))  # fmt: skip
        if ctx["agreement"]:
            ctx["results"].append(run_tariff(ctx["query"], p))
        ctx["sections"] = sections_of(ctx["query"], PAGES["scenarios"][1])
        ctx["max_rows"] = MAX_ROWS
        ctx["prov"] = provenance_of(ctx["query"])
        return html("scenarios.html", **ctx)

    @app.get("/data", response_class=HTMLResponse, include_in_schema=False)
    def data_page(request: Request):
        ctx = context(request, "data", need_exporter=False)
        ctx["coverage"] = coverage(ctx["query"])
        ctx["prov"] = provenance_of(ctx["query"])
        return html("data.html", **ctx)

    @app.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
    def downloads_page(request: Request):
        from corridor.cli.analytics import COMMANDS

        ctx = context(request, "downloads")
        ctx["indicators"] = list(COMMANDS)
        ctx["sections"] = [s for _, ids in PAGES.values() for s in ids]
        ctx["prov"] = provenance_of(ctx["query"])
        return html("downloads.html", **ctx)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request):
        return html("docs.html", page=None, pages=PAGES, picked=None, hint=assets_hint())

    @app.get("/assets/{name}", include_in_schema=False)
    def asset(name: str):
        rel = ASSETS.get(name)
        path = assets_dir() / rel if rel else None
        if path is None or not path.is_file():
            hint = assets_hint() if rel else None
            raise NotFound(hint or f"no asset '{name[:40]}'")
        return FileResponse(path, headers={"cache-control": "public, max-age=86400"})

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        files = {"app.js", "app.css", "docs.js"}
        if name not in files:
            raise NotFound(f"no static file '{name[:40]}'")
        return FileResponse(HERE / "static" / name,
                            headers={"cache-control": "public, max-age=3600"})  # fmt: skip

    # -- services ------------------------------------------------------------------------
    def check_claim(claim: str, dataset: str | None) -> dict[str, Any]:
        from corridor.services.claims import CheckDocument, Checker, Tolerances, parse_claim

        parsed = parse_claim(claim)

        def build() -> dict[str, Any]:
            tol = Tolerances()
            result = Checker(hub.catalog, tol, dataset).check(parsed, "1")
            doc = CheckDocument(tolerances=tol, warehouse=hub.name, engine="duckdb",
                                statements=None, results=[result])  # fmt: skip
            out = doc.model_dump(mode="json", by_alias=True)
            prov = [f.provenance.lines() if f.provenance else [] for f in result.findings]
            out["results"][0]["provenance_lines"] = prov
            return hub.scrub(out)

        return hub.cached(("check", claim, dataset), build)

    def run_shock(query: Any, remove: str, cut: str, base_year: int | None) -> dict[str, Any]:
        from corridor.cli.scenario import _SHOCK_SHOWN
        from corridor.services.scenarios import shock
        from corridor.services.scenarios.inputs import parse_cut

        cuts: dict[str, float] = {}
        for who in (w.strip() for w in remove.split(",")):
            if who:
                cuts[who] = 1.0
        for item in (c.strip() for c in cut.split(",")):
            if item:
                who, fraction = parse_cut(item)
                if who in cuts:
                    raise InvalidQuery(f"{who} is cut twice")
                cuts[who] = fraction
        if len(cuts) > 20:
            raise InvalidQuery(f"{len(cuts)} suppliers cut (at most 20)")

        def build() -> dict[str, Any]:
            result = shock(hub.session(query), cuts, base_year=base_year)
            summary = result.table("summary").rows()[0]
            shown = [n.format(b=summary["basis"]) for n in _SHOCK_SHOWN]
            t = result.table("suppliers")
            cols = [c for c in t.columns if c.name in shown and c.name not in
                    ("headroom", "at_capacity", "after_low", "after_high")]  # fmt: skip
            tables = [("Suppliers before and after", cols, t.rows())]
            return scenario_view(result, tables, {"remove": remove, "cut": cut})

        return hub.cached(("shock", repr(query), tuple(sorted(cuts.items())), base_year), build)

    def scenario_view(result: Any, tables: list[tuple[str, list[Any], list[dict]]],
                      args: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        """What the scenario page shows of ``result`` (the CLI's lines) and its JSON."""
        from corridor.services.scenarios.text import assumption_lines, headline_lines

        provenance = result.provenance.lines()
        tariffs = result.inputs.get("tariffs")
        if tariffs is not None:  # as `corridor scenario tariff` prints it
            editions = ", ".join(e.isoformat() for e in tariffs.editions)
            provenance.append(f"tariffs: {tariffs.publisher}, edition {editions} "
                              f"({tariffs.origin}: {', '.join(tariffs.files)})")  # fmt: skip
        view = hub.scrub({
            "json": result.to_json(),
            "kind": result.kind,
            "args": {k: v for k, v in args.items() if v not in (None, "")},
            "headline": headline_lines(result),
            "assumptions": assumption_lines(result),
            "provenance": provenance,
            "notes": list(result.notes),
            "synthetic": result.synthetic,
            "title": result.title,
            "tables": [{"title": title, "rows": rows[:MAX_ROWS], "more": len(rows) > MAX_ROWS,
                        "columns": [{"name": c.name, "unit": c.unit.value, "meaning": c.meaning}
                                    for c in cols]}
                       for title, cols, rows in tables if rows],
        })  # fmt: skip
        view["api"] = f"/api/scenarios/{result.kind}"  # not scrubbed: a route, not a file
        return view

    def run_tariff(query: Any, p: Any) -> dict[str, Any]:
        """``corridor scenario tariff`` with the URL's agreement and elasticities."""
        from corridor.cli.scenario import (
            _LINE_SHOWN,
            _TARIFF_SHOWN,
            _band_corners,
            _elasticity,
            _shown,
            supply_elasticity_of,
        )
        from corridor.services.scenarios import tariff_change

        agreement = text(p, "agreement", "")
        if not agreement:
            raise InvalidQuery("give an agreement: agreement=cepa")
        args = {"agreement": agreement, "elasticity": text(p, "elasticity") or None,
                "demand_elasticity": text(p, "demand_elasticity") or None,
                "supply_elasticity": text(p, "supply_elasticity") or "inf",
                "base_year": integer(p, "base_year")}  # fmt: skip
        sigma = _elasticity(args["elasticity"], "substitution")
        eta = _elasticity(args["demand_elasticity"], "import_demand")
        epsilon = supply_elasticity_of(args["supply_elasticity"])  # type: ignore[arg-type]

        def build() -> dict[str, Any]:
            result = tariff_change(hub.session(query), agreement=agreement,
                                   base_year=args["base_year"], sigma=sigma,
                                   demand_elasticity=eta, export_supply=epsilon)  # fmt: skip
            code = (result.query.get("exporter") or {}).get("code")
            lines = [r for r in result.table("lines").rows() if r["supplier"] == code]
            suppliers = sorted(result.table("suppliers").rows(),
                               key=lambda r: -abs(r["total_effect"] or 0))  # fmt: skip
            tables = [
                (f"{lines[0]['name']}'s lines" if lines else "lines", _shown(result, "lines",
                 _LINE_SHOWN), lines),
                ("Effects by supplier", _shown(result, "suppliers", _TARIFF_SHOWN),
                 suppliers[:15]),
                ("Not simulated (never averaged)", list(result.table("refused").columns),
                 result.table("refused").rows()),
            ]  # fmt: skip
            band = result.table("band")
            if len(band) > 1:
                tables.append(("Sensitivity over the elasticity range", list(band.columns),
                               _band_corners(band.rows())))  # fmt: skip
            return scenario_view(result, tables, args)

        return hub.cached(("tariff", repr(query), tuple(sorted(args.items()))), build)

    def horizon(request: Request) -> int:
        h = integer(request.query_params, "horizon", 3)
        if not 1 <= h <= 10:  # type: ignore[operator]
            raise InvalidQuery(f"horizon {h} outside 1-10")
        return h  # type: ignore[return-value]

    def run_outlook(query: Any, h: int) -> dict[str, Any]:
        from corridor.services.outlook import outlook

        def build() -> dict[str, Any]:
            out = outlook(hub.session(query), horizon=h)
            series = []
            for s in out.series:
                series.append({
                    "label": s.label, "model": s.model, "reason": s.reason,
                    "unit": s.unit.value, "backtest": s.backtest_line(),
                    "history": [{"year": int(y), "value": v} for y, v in s.history][-5:],
                    "forecast": s.forecast.to_pylist(),
                })  # fmt: skip
            return hub.scrub({"json": out.to_json(), "series": series,
                              "provenance": out.provenance.lines(),
                              "notes": list(out.notes), "synthetic": out.synthetic})  # fmt: skip

        return hub.cached(("outlook", repr(query), h), build)

    def coverage(query: Any) -> list[dict[str, Any]]:
        from dataclasses import asdict

        def build() -> list[dict[str, Any]]:
            rows = [asdict(c) for c in hub.session(query).coverage]
            return hub.scrub([{k: v.isoformat() if hasattr(v, "isoformat") else v
                               for k, v in r.items()} for r in rows])  # fmt: skip

        return hub.cached(("coverage", repr(query)), build)

    # -- the JSON API ------------------------------------------------------------------------
    @app.get(
        "/api/sections/{section}",
        summary="One section of the corridor brief",
        openapi_extra={"parameters": CORRIDOR_PARAMS},
    )
    def api_section(request: Request, section: str):
        """A brief section (findings, facts, tables, charts as Vega-Lite) for the corridor."""
        ids = [s for _, ss in PAGES.values() for s in ss]
        if section not in ids:
            raise InvalidQuery(f"section '{section[:40]}' (accepted: {', '.join(ids)})")
        query, _ = corridor_query(request.query_params, need_exporter=True)
        doc = sections_of(query, (section,))[0]
        return json_response({"schema": "corridor.section/1", "query": query.as_dict(),
                              "provenance": provenance_of(query)["dict"],
                              "section": doc})  # fmt: skip

    @app.get(
        "/api/indicators/{name}",
        summary="One indicator (the CLI's --format json/csv)",
        openapi_extra={"parameters": [*CORRIDOR_PARAMS, _param("format", "json (default) or csv")]},
    )
    def api_indicator(request: Request, name: str):
        """``corridor <name> --format json`` (or ``format=csv``) for the corridor in the URL."""
        from corridor.cli.analytics import COMMANDS
        from corridor.cli.render import result_csv

        if name not in COMMANDS:
            raise InvalidQuery(f"indicator '{name[:40]}' (accepted: {', '.join(COMMANDS)})")
        fmt = text(request.query_params, "format", "json")
        if fmt not in ("json", "csv"):
            raise InvalidQuery(f"format '{fmt[:40]}' (accepted: json, csv)")  # type: ignore[index]
        params = dict(request.query_params)
        params.setdefault("exporter", COMMANDS[name][0] or "")
        query, _ = corridor_query(params)
        result = hub.cached(("indicator", name, repr(query)),
                            lambda: hub.session(query).indicator(name))  # fmt: skip
        if fmt == "csv":
            body = hub.scrub(result_csv(result))
            filename = f"corridor-{name}.csv"
            return Response(
                body,
                media_type="text/csv; charset=utf-8",
                headers={"content-disposition": f'attachment; filename="{filename}"'},
            )
        return json_response(result.to_json())

    pdf_gate = threading.Semaphore(1)  # one PDF laid out at a time (≈ 2 s of CPU each)
    pdfs: dict[tuple, bytes] = {}

    @app.get(
        "/api/brief.pdf",
        summary="The corridor brief as PDF, built on demand",
        openapi_extra={"parameters": CORRIDOR_PARAMS},
        response_class=Response,
    )
    def api_brief_pdf(request: Request):
        """``corridor brief``: the PDF of the corridor in the URL (built once, then kept)."""
        query, _ = corridor_query(request.query_params, need_exporter=True)
        return Response(
            brief_pdf(query),
            media_type="application/pdf",
            headers={"content-disposition": 'attachment; filename="corridor-brief.pdf"'},
        )

    def brief_pdf(query: Any) -> bytes:
        import tempfile

        from corridor.report.render import render_brief
        from corridor.services.brief import Brief, build_brief

        def composed() -> Brief:
            brief = build_brief(hub.session(query))
            doc = hub.scrub(brief.model_dump(mode="json", by_alias=True))
            return Brief.model_validate(doc)  # no file path reaches the PDF

        brief = hub.cached(("brief", repr(query)), composed)
        key = ("brief.pdf", repr(query))
        with pdf_gate:
            if key in pdfs:
                return pdfs[key]
            with tempfile.TemporaryDirectory(prefix="corridor-web-") as tmp:
                files = render_brief(brief, Path(tmp) / "brief", pdf=True)
                data = files.pdf.read_bytes()  # type: ignore[union-attr]
            pdfs[key] = data
            while len(pdfs) > 8:
                pdfs.pop(next(iter(pdfs)))
            return data

    @app.get(
        "/api/check",
        summary="Check a trade claim",
        openapi_extra={
            "parameters": [
                _param("claim", "The claim in English (at most 500 characters).", CLAIM_EXAMPLE),
                CORRIDOR_PARAMS[6],
            ]
        },
    )
    def api_check(request: Request):
        """``corridor check "<claim>" --format json``: the verdict, with every reading."""
        claim = text(request.query_params, "claim", "", limit=MAX_CLAIM)
        if not claim:
            raise InvalidQuery("give a claim: /api/check?claim=...")
        return json_response(check_claim(claim, text(request.query_params, "dataset")))

    @app.get(
        "/api/scenarios/shock",
        summary="Supplier shock scenario",
        openapi_extra={
            "parameters": [
                *CORRIDOR_PARAMS,
                _param("remove", "Suppliers removed: RUS,CHN", "RUS"),
                _param("cut", "Suppliers cut: AUS=50%"),
                _param("base_year", "Year of the trade"),
            ]
        },
    )
    def api_shock(request: Request):
        """``corridor scenario shock --format json``: remove= (RUS,CHN), cut= (AUS=50%)."""
        p = request.query_params
        query, _ = corridor_query(p)
        remove, cut = text(p, "remove", ""), text(p, "cut", "")
        if not (remove or cut):
            raise InvalidQuery("give remove=ISO3[,ISO3] and/or cut=ISO3=50%")
        out = run_shock(query, remove, cut, integer(p, "base_year"))  # type: ignore[arg-type]
        return json_response(out["json"])

    @app.get(
        "/api/scenarios/tariff",
        summary="Tariff change scenario",
        openapi_extra={
            "parameters": [
                *CORRIDOR_PARAMS,
                _param(
                    "agreement", "The exporter moves from MFN to this agreement's rates", "cepa"
                ),
                _param("elasticity", "Elasticity of substitution σ: 4 or a range 2..8", "2..8"),
                _param("demand_elasticity", "Import demand elasticity η: 1 or 0.5..2"),
                _param("supply_elasticity", "Export supply elasticity ε (default inf)"),
                _param("base_year", "Year of the trade"),
            ]
        },
    )
    def api_tariff(request: Request):
        """``corridor scenario tariff --format json``: agreement= (cepa), elasticity= (2..8)."""
        query, _ = corridor_query(request.query_params, need_exporter=True)
        return json_response(run_tariff(query, request.query_params)["json"])

    @app.get(
        "/api/outlook",
        summary="Demand outlook",
        openapi_extra={
            "parameters": [*CORRIDOR_PARAMS, _param("horizon", "Years ahead, 1-10 (default 3)")]
        },
    )
    def api_outlook(request: Request):
        """``corridor forecast --format json``: forecasts with backtested accuracy."""
        query, _ = corridor_query(request.query_params)
        return json_response(run_outlook(query, horizon(request))["json"])

    @app.get(
        "/api/coverage",
        summary="What the warehouse holds for the corridor",
        openapi_extra={"parameters": CORRIDOR_PARAMS},
    )
    def api_coverage(request: Request):
        """Per side and dataset: rows, years, sources, licences, retrieval dates."""
        query, _ = corridor_query(request.query_params, need_exporter=False)
        return json_response({"schema": "corridor.coverage/1", "query": query.as_dict(),
                              "rows": coverage(query)})  # fmt: skip

    return app


@lru_cache(maxsize=1)
def _countries() -> list[tuple[str, str]]:
    from corridor.reference.countries import countries

    return sorted({(c.iso3, c.name) for c in countries() if c.iso3 and c.kind == "country"},
                  key=lambda t: t[1])  # fmt: skip


@lru_cache(maxsize=1)
def _products() -> list[tuple[str, str, int]]:
    from corridor.reference.hs import hs_codes

    return [(c.code, c.name, c.level) for c in hs_codes("H6") if c.level in (2, 4, 6)]
