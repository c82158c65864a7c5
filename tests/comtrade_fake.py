"""A real HTTP server on 127.0.0.1 that behaves like UN Comtrade API v1, with injectable faults.

It answers data calls (preview and keyed) by filtering a table of 47-field records the way the
API does (omitted parameter = all values, ``maxRecords`` cap, silent truncation), serves
recorded bodies by path, bulk listings and files, gzips its answers like the real API when
``gzip=True``, and injects faults from a queue. Every request is logged (path, params,
headers) for assertions.

Fault kinds (:class:`Fault`):

========== ==================================================================================
status     an HTTP status with ``headers`` (``Retry-After``, ``Location``) and ``body``
redirect   302 (or ``status``) to ``location`` (absolute: another origin; or a path;
           ``{query}`` in it stands for the request's query string)
slow       answer after ``seconds``
hold       answer only once ``event`` (default: the server's ``release``) is set
reset      reset the connection before answering (RST)
reset-mid  send the headers and half the body, then reset
cut        Content-Length says more than is sent, then the connection closes
truncate   an honest Content-Length over two thirds of the JSON (broken JSON)
html       an HTML page with status 200
ctype      the right body with ``Content-Type: text/plain``
empty      an empty body
gzip       ``Content-Encoding: gzip`` over a body that is not gzip (``body`` or garbage)
count      an envelope whose ``count`` disagrees with its ``data``
echo       a well-formed envelope that repeats the request's subscription key
kill       SIGKILL ``kill_pid`` on arrival, mid-body or after the body (``phase``), after
           ``seconds``
========== ==================================================================================
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import os
import signal
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

KEY_HEADER = "Ocp-Apim-Subscription-Key"
FIXTURE_RECORD = "data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json"
FILTERS = {
    "reporterCode": "reporterCode",
    "partnerCode": "partnerCode",
    "partner2Code": "partner2Code",
    "flowCode": "flowCode",
    "cmdCode": "cmdCode",
    "period": "period",
    "customsCode": "customsCode",
    "motCode": "motCode",
}


@dataclass
class Fault:
    """One injected behaviour; ``match`` restricts it to paths containing that text."""

    kind: str  # see the module docstring
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    match: str = ""
    event: threading.Event | None = None
    at: int | None = None  # fire only on the at-th request (1-based) the server receives
    location: str = ""  # redirect target
    phase: str = "arrival"  # kill: arrival | mid | after


def template_record(fixtures: Path) -> dict:
    """A real 47-field record from a recorded response (China 2010)."""
    doc = json.loads((fixtures / "comtrade-api" / FIXTURE_RECORD).read_text())
    return doc["data"][0]


def make_record(base: dict, **over) -> dict:
    """A record like ``base`` with fields overridden (value fields kept consistent)."""
    rec = copy.deepcopy(base)
    rec.update(over)
    year = int(rec["refYear"])
    rec["period"] = str(rec.get("period_override", year))
    rec.pop("period_override", None)
    rec["refPeriodId"] = year * 10000 + 101
    rec["aggrLevel"] = 0 if rec["cmdCode"] == "TOTAL" else len(rec["cmdCode"])
    value = rec["primaryValue"]
    imports = rec["flowCode"] == "M"
    rec["cifvalue"], rec["fobvalue"] = (value, None) if imports else (None, value)
    rec["classificationCode"] = "H6" if year >= 2022 else "H5" if year >= 2017 else "H4"
    return rec


class FakeComtrade:
    """The server; use as a context manager; ``url`` is its base URL."""

    def __init__(
        self, records: list[dict] | None = None, *, key: str | None = None, gzip: bool = False
    ) -> None:
        self.records = records or []
        self.key = key
        self.gzip = gzip  # Content-Encoding: gzip on JSON answers, as the real API sends them
        self.release = threading.Event()  # frees every "hold" fault without an event
        self.kill_pid: int | None = None  # the process a "kill" fault kills
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.faults: deque[Fault] = deque()
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.down = False  # True: every connection is reset (network loss)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeComtrade:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # -- configuration -------------------------------------------------------------------
    def add_fault(self, kind: str, times: int = 1, **kw) -> None:
        for _ in range(times):
            self.faults.append(Fault(kind, **kw))

    def route(self, path: str, body: bytes, ctype: str = "application/json") -> None:
        self.routes[path] = (body, ctype)

    def data_calls(self) -> list[dict]:
        return [e for e in self.log if "/v1/" in e["path"] and "/files/" not in e["path"]]

    # -- handling ------------------------------------------------------------------------
    def _next_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in list(self.faults):
                if fault.at is not None and fault.at != len(self.log):
                    continue
                if fault.match in path:
                    self.faults.remove(fault)
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self.lock:
            self.log.append({"path": parts.path, "params": params, "headers": dict(h.headers)})
        fault = Fault("reset") if self.down else self._next_fault(parts.path)
        kind = fault.kind if fault is not None else ""
        if kind == "kill" and fault.phase == "arrival":
            return self._kill(fault)
        if kind == "slow":
            time.sleep(fault.seconds)
        elif kind == "hold":
            self.arrived.set()
            (fault.event or self.release).wait(30)
        elif kind == "reset":
            return self._reset(h)
        elif kind == "status":
            body = (
                fault.body
                or json.dumps(
                    {"statusCode": fault.status, "message": f"fault {fault.status}"}
                ).encode()
            )
            return self._send(h, fault.status, body, "application/json", fault.headers)
        elif kind == "redirect":
            location = fault.location.replace("{query}", parts.query)
            headers = {"Location": location} | fault.headers
            return self._send(h, fault.status if fault.status != 200 else 302, b"", "text/plain",
                              headers)  # fmt: skip
        elif kind == "html":
            page = b"<html><body><h1>Service Unavailable</h1></body></html>"
            return self._send(h, 200, page, "text/html")
        elif kind == "gzip":
            garbage = fault.body or b"this is not gzip at all" * 4
            return self._send(h, 200, garbage, "application/json", {"Content-Encoding": "gzip"})
        status, body, ctype = self._answer(parts.path, params, h.headers)
        if kind == "count":
            doc = json.loads(body)
            doc["count"] = len(doc["data"]) + 1
            body = json.dumps(doc).encode()
        elif kind == "echo":
            doc = {"count": 0, "data": [], "error": "", "echo": h.headers.get(KEY_HEADER, "")}
            body = json.dumps(doc).encode()
        elif kind == "truncate":  # honest length, broken JSON
            body = body[: max(1, len(body) * 2 // 3)]
        elif kind == "ctype":
            ctype = "text/plain"
        elif kind == "empty":
            body = b""
        headers = {}
        if self.gzip and status == 200 and "json" in ctype:
            body, headers = gzip.compress(body, mtime=0), {"Content-Encoding": "gzip"}
        if kind in ("cut", "reset-mid") or (kind == "kill" and fault.phase == "mid"):
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            if kind == "kill":
                return self._kill(fault)
            if kind == "reset-mid":
                return self._reset(h)
            h.close_connection = True  # cut: Content-Length says more than was sent
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(h, status, body, ctype, headers)
        if kind == "kill":
            h.wfile.flush()
            self._kill(fault)

    @staticmethod
    def _reset(h: BaseHTTPRequestHandler) -> None:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()

    def _kill(self, fault: Fault) -> None:
        if fault.seconds:
            time.sleep(fault.seconds)  # a seeded moment after the answer: archive or ingest
        if self.kill_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.kill_pid, signal.SIGKILL)
        self.arrived.set()

    def _send(self, h, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _answer(self, path: str, params: dict, headers) -> tuple[int, bytes, str]:
        if path in self.routes:
            body, ctype = self.routes[path]
            return 200, body, ctype
        keyed = path.startswith(("/data/", "/bulk/"))
        if keyed and (self.key is None or headers.get("Ocp-Apim-Subscription-Key") != self.key):
            msg = {"statusCode": 401, "message": "Access denied due to missing subscription key."}
            return 401, json.dumps(msg).encode(), "application/json"
        if path.startswith(("/public/v1/preview/", "/data/v1/get/")):
            rows = [r for r in self.records if self._matches(r, params)]
            cap = int(params.get("maxRecords", 100000))
            rows = rows[:cap]
            doc = {"elapsedTime": "0.01 secs", "count": len(rows), "data": rows, "error": ""}
            return 200, json.dumps(doc).encode(), "application/json; charset=utf-8"
        return 404, b'{"statusCode": 404, "message": "Resource not found"}', "application/json"

    @staticmethod
    def _matches(rec: dict, params: dict) -> bool:
        for param, fieldname in FILTERS.items():
            if param in params:
                wanted = {v.strip() for v in params[param].split(",")}
                if str(rec[fieldname]) not in wanted:
                    return False
        return True


def bulk_tsv(records: list[dict]) -> bytes:
    """A bulk file body (gzip TSV, code-only columns) for records."""
    cols = [
        "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
        "flowCode", "partnerCode", "partner2Code", "classificationCode",
        "classificationSearchCode", "isOriginalClassification", "cmdCode", "customsCode",
        "mosCode", "motCode", "qtyUnitCode", "qty", "isQtyEstimated", "altQtyUnitCode",
        "altQty", "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt",
        "isGrossWgtEstimated", "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag",
        "isReported", "isAggregate", "datasetCode",
    ]  # fmt: skip
    lines = ["\t".join(cols)]
    for rec in records:
        values = []
        for c in cols:
            v = rec.get(c, 1 if c == "datasetCode" else None)
            values.append("" if v is None else str(v))
        lines.append("\t".join(values))
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
