"""A seeded fuzz run over every command and file kind: each case ends well or fails cleanly.

Used by ``tests/test_fuzz.py`` (the permanent suite) and ``benchmarks/reliability.py`` (writes
``benchmarks/results/reliability.json``). A case is one ``corridor`` invocation, run
in-process with a timeout; its outcome is classified:

* ``ok`` — exit 0 and, for indicator JSON, the numbers pass the invariants (shares in [0, 1],
  HHI in [0, 10 000], ranks ≥ 1, amounts ≥ 0, no value where the data has none);
* ``clean_error`` — a non-zero exit other than 70, one line on stderr starting ``error:``;
* ``failure`` — anything else: exit 70, a traceback, several error lines, a hang, a number
  that breaks an invariant.
"""

from __future__ import annotations

import json
import math
import random
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INDICATOR_COMMANDS = ("summary", "partners", "growth", "concentration", "prices", "mirror",
                      "mix", "scrap", "rca", "quality")  # fmt: skip
HOSTILE = [
    "", " ", "0", "-1", "99999", "1e309", "NaN", "inf", "None", "null", "true",
    "JPN;DROP TABLE trade",
    "' OR 1=1 --", "../../etc/passwd", "%s%n{0}{}", "<script>alert(1)</script>", "\x00", "\r\n",
    "ü日本", "x" * 5000, "76,", ",", "7699", "77", "00", "TOTAL", "2015-", "-2015", "2030-1988",
    "2024-2015", "1900", "२०२४", "12345678901234567890", "--help", "\t", "=HYPERLINK(\"x\")",
]  # fmt: skip
COUNTRIES = ["JPN", "IND", "Japan", "india", "392", "699", "USA", "CHN", "AUS", "RUS", "DEU",
             "World", "0", "899", "jp", "ZZZ"]  # fmt: skip
HS = ["76", "7601", "7602", "760110", "7616", "84", "TOTAL", "76.01", "7601,7602"]
YEARS = ["2015-2024", "2024", "2017", "2010-2017", "2000-2017", "2021", "2022-2024", "1988-2030"]


@dataclass
class Case:
    """One invocation."""

    args: list[str]
    kind: str  # command family, for the counts
    warehouse: str  # which warehouse fixture (label)


@dataclass
class Outcome:
    """How one case ended."""

    case: Case
    status: str  # ok | clean_error | failure
    exit_code: int | None
    detail: str = ""


@dataclass
class Report:
    """Counts per command family and status, and the failures in full."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failure"]

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter] = {}
        for o in self.outcomes:
            out.setdefault(o.case.kind, Counter())[o.status] += 1
        return {k: dict(v) for k, v in sorted(out.items())}


def _pick(rng: random.Random, good: list[str], hostile_rate: float = 0.15) -> str:
    return rng.choice(HOSTILE) if rng.random() < hostile_rate else rng.choice(good)


def _warehouse(rng: random.Random, labels: list[str]) -> str:
    """Mostly the warehouses with data; sometimes an empty, missing or broken one."""
    real = [w for w in labels if w in ("sample", "panel")]
    return rng.choice(real) if real and rng.random() < 0.75 else rng.choice(labels)


def indicator_case(rng: random.Random, warehouses: list[str]) -> Case:
    """An indicator command with a random mix of good and hostile options."""
    cmd = rng.choice(INDICATOR_COMMANDS)
    args = [cmd]
    options: dict[str, Callable[[], str]] = {
        "--importer": lambda: _pick(rng, COUNTRIES),
        "--exporter": lambda: _pick(rng, COUNTRIES),
        "--hs": lambda: _pick(rng, HS),
        "--years": lambda: _pick(rng, YEARS),
        "--measure": lambda: _pick(rng, ["value", "weight", "auto"], 0.15),
        "--side": lambda: _pick(rng, ["importer", "exporter", "auto"], 0.15),
        "--level": lambda: _pick(rng, ["2", "4", "6"], 0.3),
        "--top-n": lambda: _pick(rng, ["1", "3", "5", "10", "50"], 0.3),
        "--dataset": lambda: _pick(rng, ["sample", "jie2020-hs7601", "comtrade"], 0.3),
        "--base-year": lambda: _pick(rng, ["2015", "2017", "2024"], 0.3),
    }
    for name in rng.sample(list(options), k=rng.randint(0, 5)):
        args += [name, options[name]()]
    args += ["--format", rng.choice(["json", "json", "csv", "table"])]
    return Case(args, cmd, _warehouse(rng, warehouses))


def other_case(rng: random.Random, files: dict[str, Path], warehouses: list[str]) -> Case:
    """status, countries, check, tariffs, scenarios, forecasts, fetch --dry-run and ingest of
    (mutated) files."""
    kind = rng.choice(["status", "countries", "check", "tariffs", "fetch", "ingest", "ingest",
                       "scenario", "forecast"])  # fmt: skip
    if kind == "status":
        return Case(["status", "--format", rng.choice(["json", "table", "csv"])], kind,
                    _warehouse(rng, warehouses))  # fmt: skip
    if kind == "countries":
        args = ["countries"]
        if rng.random() < 0.7:
            args.append(_pick(rng, COUNTRIES, 0.4))
        if rng.random() < 0.3:
            args += ["--group", _pick(rng, ["QUAD", "g20", "eu", "sanctioned", "mercosur"], 0.2)]
        return Case([*args, "--format", "json"], kind, "none")
    if kind == "check":
        claims = [
            "Japan's aluminium imports from India were about $337 million in 2024",
            "India is among the top four exporters of aluminium to Japan in 2024",
            "Japan imported 1.2 million tonnes of unwrought aluminium in 2017",
            "India's share of Japan's aluminium imports doubled between 2019 and 2024",
        ]
        text = rng.choice(claims) if rng.random() < 0.6 else rng.choice(HOSTILE)
        return Case(["check", text, "--format", rng.choice(["json", "table", "csv"])], kind,
                    _warehouse(rng, warehouses))  # fmt: skip
    if kind == "tariffs":
        args = ["tariffs", "--importer", _pick(rng, ["JPN"], 0.3),
                "--exporter", _pick(rng, ["IND", "AUS", "CHN", "RUS"], 0.3),
                "--hs", _pick(rng, HS, 0.2),
                "--format", rng.choice(["json", "csv", "table"])]  # fmt: skip
        return Case(args, kind, _warehouse(rng, warehouses))
    if kind == "scenario":
        fmt = rng.choice(["json", "csv", "table"])
        command = rng.choice(["shock", "tariff"])
        hs = _pick(rng, ["76", "7601", "7601", "7606"], 0.1)
        args = ["scenario", command, "--importer", _pick(rng, ["JPN"], 0.1), "--hs", hs,
                "--format", fmt]  # fmt: skip
        elasticity = ["4", "2..8", "1", "8..2", "-1"]
        if command == "shock":
            first = rng.choice(["--remove", "--cut"])
            options: dict[str, Callable[[], str]] = {
                "--elasticity": lambda: _pick(rng, elasticity, 0.15),
                "--base-year": lambda: _pick(rng, ["2017", "2024", "2015", "2000"], 0.15),
                "--capacity": lambda: _pick(rng, ["auto", "IND=40kt", "IND=30MUSD", "x"], 0.15),
            }
            who = (["RUS", "AUS", "CHN", "ZZZ"] if first == "--remove"
                   else ["AUS=50%", "CHN=100%", "AUS=150%", "RUS=0.3"])  # fmt: skip
            args += [first, _pick(rng, who, 0.1)]
        else:
            args += ["--agreement", _pick(rng, ["cepa", "cepa", "rcep", "nope"], 0.1)]
            options = {"--exporter": lambda: _pick(rng, ["IND", "IND", "AUS", "ZZZ"], 0.1),
                       "--elasticity": lambda: _pick(rng, elasticity, 0.15)}  # fmt: skip
        for name in rng.sample(list(options), k=rng.randint(0, 2)):
            args += [name, options[name]()]
        return Case(args, f"scenario-{command}", _warehouse(rng, warehouses))
    if kind == "forecast":
        args = ["forecast", "--importer", _pick(rng, ["JPN", "JPN", "USA"], 0.1),
                "--hs", _pick(rng, HS, 0.1), "--horizon", _pick(rng, ["1", "3", "5"], 0.1),
                "--format", rng.choice(["json", "csv", "table"])]  # fmt: skip
        if rng.random() < 0.5:
            args += ["--exporter", _pick(rng, COUNTRIES)]
        if rng.random() < 0.3:
            args += ["--measure", _pick(rng, ["value", "weight"])]
        return Case(args, kind, _warehouse(rng, warehouses))
    if kind == "fetch":
        args = ["fetch", "comtrade", "--reporter", _pick(rng, COUNTRIES), "--hs", _pick(rng, HS),
                "--years", _pick(rng, YEARS), "--dry-run", "--format", "json"]  # fmt: skip
        if rng.random() < 0.3:
            args += ["--freq", _pick(rng, ["A", "M", "Q"], 0.3)]
        return Case(args, kind, "none")
    name = rng.choice(sorted(files))
    sub = {"baci": "baci", "csv": "comtrade-csv", "json": "comtrade-json", "panel": "table",
           "tariffs": "tariffs"}  # fmt: skip
    args = ["ingest", sub[name.split("-")[0]], str(files[name])]
    if name.startswith("panel"):
        args += ["--map", "year=year,reporter=reporter_code,partner=partner_code,flow=flow",
                 "--map", "net_weight=net_weight_kg", "--set", "hs_code=7601",
                 "--set", "hs_rev=H0", "--dataset", f"fuzz-{rng.randint(0, 3)}"]  # fmt: skip
    return Case(args, f"ingest-{name.split('-')[0]}", "scratch")


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A damaged copy of a file: truncated, a byte flipped, a line dropped or doubled, a
    cell replaced by a hostile value, or re-encoded."""
    lines = data.splitlines(keepends=True)
    how = rng.choice(["truncate", "flip", "drop", "dup", "cell", "utf16", "nan", "none"])
    if how == "truncate":
        return data[: rng.randint(0, max(1, len(data) - 1))]
    if how == "flip" and data:
        i = rng.randrange(len(data))
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
    if how == "drop" and len(lines) > 2:
        del lines[rng.randrange(1, len(lines))]
    elif how == "dup" and len(lines) > 2:
        i = rng.randrange(1, len(lines))
        lines.insert(i, lines[i])
    elif how in ("cell", "nan") and len(lines) > 2:
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(b",")
        j = rng.randrange(len(cells))
        value = b"NaN" if how == "nan" else rng.choice(HOSTILE).encode("utf-8", "replace")[:50]
        cells[j] = value.replace(b",", b";").replace(b"\n", b"")
        lines[i] = b",".join(cells) + (b"" if cells[-1].endswith(b"\n") else b"\n")
    elif how == "utf16":
        return data.decode("latin-1").encode("utf-16")
    return b"".join(lines)


def _invariants(doc: dict[str, Any], label: str) -> str:
    """The first broken invariant of an indicator document, or ''."""
    units = {name: c["unit"] for name, c in doc["columns"].items()}
    for row in doc["rows"]:
        if set(row) != set(units):
            return f"row keys {sorted(row)} differ from the columns"
        for name, value in row.items():
            unit = units[name]
            if isinstance(value, float) and not math.isfinite(value):
                return f"{name} = {value}"
            if value is None:
                continue
            if unit == "fraction" and not -1e-9 <= value <= 1 + 1e-9:
                return f"{name} = {value} outside [0, 1]"
            if unit == "HHI" and not name.endswith("_change") and not 0 <= value <= 10_000 + 1e-6:
                return f"{name} = {value} outside [0, 10000]"
            if unit == "rank" and value < 1:
                return f"{name} = {value} < 1"
            if unit in ("USD", "kg") and value < 0 and not name.startswith(("gap", "net")):
                return f"{name} = {value} < 0"
        if label == "panel":  # the weight-only panel: no value may appear
            bad = [n for n, u in units.items() if u == "USD" and row.get(n) is not None]
            if bad:
                return f"value columns {bad} filled on weight-only data"
    if label == "sample" and not doc["provenance"]["synthetic"]:
        return "synthetic sample not labelled synthetic"
    return ""


def run_case(case: Case, warehouses: dict[str, Path | None], timeout: float = 60.0) -> Outcome:
    """Invoke the CLI in-process (with a watchdog) and classify the outcome."""
    from typer.testing import CliRunner

    from corridor.cli.app import app

    path = warehouses.get(case.warehouse)
    args = (["--warehouse", str(path)] if path is not None else []) + case.args
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = CliRunner().invoke(app, args)
        except BaseException:  # the runner itself must never raise
            box["error"] = traceback.format_exc()

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        return Outcome(case, "failure", None, f"no answer within {timeout:.0f} s")
    if "error" in box:
        return Outcome(case, "failure", None, box["error"][-600:])
    r = box["result"]
    code = r.exit_code
    err = r.stderr.strip()
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        return Outcome(
            case, "failure", code, "".join(traceback.format_exception(r.exception))[-600:]
        )
    if "Traceback" in r.output or code == 70:
        return Outcome(case, "failure", code, (err or r.stdout)[-600:])
    if code == 0:
        if (
            case.kind in INDICATOR_COMMANDS
            and "--format" in case.args
            and (case.args[case.args.index("--format") + 1] == "json")
        ):
            try:
                doc = json.loads(r.stdout)
            except ValueError as exc:
                return Outcome(case, "failure", code, f"stdout is not JSON: {exc}")
            broken = _invariants(doc, case.warehouse)
            if broken:
                return Outcome(case, "failure", code, broken)
        return Outcome(case, "ok", code)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    usage = any(ln.startswith(("Usage:", "╭")) for ln in lines)  # click's own usage errors
    if (
        code in (1, 2, 3, 4, 5, 6, 130)
        and lines
        and ((len(lines) == 1 and lines[0].startswith("error:")) or (usage and code == 2))
    ):
        too_long = len(lines[0]) > 1200 and not usage
        if too_long:
            return Outcome(case, "failure", code, f"error line of {len(lines[0])} characters")
        return Outcome(case, "clean_error", code, lines[0][:200])
    return Outcome(case, "failure", code, err[-600:] or "non-zero exit without a message")


def cases(seed: int, n: int, files: dict[str, Path], warehouses: list[str]) -> Iterator[Case]:
    """``n`` seeded cases: two thirds indicator commands, the rest other commands and files."""
    rng = random.Random(seed)
    for _ in range(n):
        if rng.random() < 0.65:
            yield indicator_case(rng, warehouses)
        else:
            yield other_case(rng, files, warehouses)


def damaged_files(shared: Path, out: Path, seed: int, per_kind: int = 6) -> dict[str, Path]:
    """Mutated copies of real inputs (BACI, portal CSV, API JSON, the weight panel)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    panel = (shared / "real/hs7601_netweight_kg_2000_2017.csv").read_bytes()
    seeds = {
        "baci": (shared / "real/baci/BACI_HS92_Y2021_V202301_exporters_AFG_ZAF.csv").read_bytes(),
        "csv": (shared / "fixtures/comtrade-portal-csv/TradeData.csv").read_bytes(),
        "json": (
            shared / "fixtures/comtrade-api/data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json"
        ).read_bytes(),
        "panel": b"".join(panel.splitlines(keepends=True)[:3000]),
        "tariffs": (
            shared / "reference/tariffs/japan_customs_tariff_2026-07-09_ch76.json"
        ).read_bytes(),
    }
    files = {}
    for kind, data in seeds.items():
        for i in range(per_kind):
            name = f"{kind}-{i}"
            suffix = "json" if kind in ("json", "tariffs") else "csv"
            fname = f"BACI_HS92_Y2021_V202301_{i}.csv" if kind == "baci" else f"{name}.{suffix}"
            if kind == "tariffs":
                fname = f"japan_customs_tariff_2026-07-0{i + 1}_ch76.json"
            path = out / fname
            path.write_bytes(mutate(data, rng) if i else data)
            files[name] = path
    return files


def run(seed: int, n: int, shared: Path, work: Path, warehouses: dict[str, Path | None]) -> Report:
    """Run ``n`` cases; ``warehouses`` maps labels (sample, panel, empty, missing…) to paths."""
    files = damaged_files(shared, work / "files", seed)
    labels = [k for k in warehouses if k not in ("scratch", "none")]
    report = Report()
    for case in cases(seed, n, files, labels):
        report.outcomes.append(run_case(case, warehouses))
    return report
