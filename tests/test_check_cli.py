"""``corridor check`` on the sample warehouse: table, JSON, CSV, files, exit codes, help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli.app import app

if not any(c.name == "check" for c in app.registered_commands):  # until the lead wires it
    from corridor.cli.check import register

    register(app)

CLAIM = "Japan's aluminium imports from India were about $337 million in 2024"


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory) -> Path:
    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse

    base = tmp_path_factory.mktemp("wh")
    with Warehouse(base / "s.duckdb") as wh:
        build_sample(wh, base / "gen")
    return base / "s.duckdb"


@pytest.fixture
def run(sample_wh: Path):
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["--warehouse", str(sample_wh), *map(str, args)])


def test_table_shows_verdict_interpretations_and_synthetic(run) -> None:
    result = run("check", CLAIM)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("SUPPORTED") and "SYNTHETIC DATA" in out
    assert "HS 76 (whole chapter" in out and "HS 7601 (unwrought aluminium)" in out
    assert "flow M, CIF" in out and "flow X, FOB mirror" in out
    assert "tolerance ±5.0 %" in out and "synthetic: YES" in out


def test_json_document(run) -> None:
    result = run("check", "India is among the top four exporters of aluminium to Japan in 2024",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema"] == "corridor.check/1" and doc["errors"] == []
    (res,) = doc["results"]
    assert res["verdict"] == "supported" and res["synthetic"] is True
    assert res["claim"]["kind"] == "rank" and res["claim"]["rank"] == 4
    f = res["findings"][0]
    assert f["interpretation"]["primary"] and f["figure"] == 4
    assert {"sources", "datasets", "retrieved_at", "flow", "value_basis", "hs_scope", "hs_level",
            "hs_revisions", "synthetic"} <= set(f["provenance"])  # fmt: skip
    assert doc["tolerances"] == {"about": 0.05, "exact": 0.01}


def test_csv_one_row_per_interpretation(run) -> None:
    result = run("check", CLAIM, "--format", "csv", "--tolerance", "2%")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("claim_id,claim,verdict,kind,primary") and len(lines) == 7
    assert ",0.02," in lines[1] and lines[1].endswith("True")


def test_file_with_text_and_structured_claims(run, tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(
        "claims:\n"
        f'  - "{CLAIM}"\n'
        "  - id: rank\n"
        "    kind: rank\n    importer: JPN\n    exporter: IND\n    product: aluminium\n"
        "    rank: 4\n    year: 2024\n    measure: value\n    side: importer\n"
        "  - id: future\n"
        "    text: Japan's imports of aluminium from India were $1 billion in 2031\n"
    )
    result = run("check", "--file", path, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    verdicts = {r["id"]: r["verdict"] for r in doc["results"]}
    assert verdicts == {"1": "supported", "rank": "supported", "future": "unverifiable"}


def test_unreadable_claim_is_one_line_exit_2(run, tmp_path: Path) -> None:
    result = run("check", "Japan buys lots of tin")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: cannot read the claim 'Japan buys lots of tin' — closest supported form: "
        'value: "X\'s imports of P from Y were about $N million in T"'
    )
    path = tmp_path / "claims.json"
    path.write_text(json.dumps([CLAIM, "Japan buys lots of tin"]))
    result = run("check", "--file", path, "--format", "json")
    assert result.exit_code == 2
    assert '"verdict": "supported"' in result.output and "error: claim 2:" in result.output


def test_bad_options(run) -> None:
    assert run("check").exit_code == 2
    result = run("check", CLAIM, "--tolerance", "lots")
    assert result.exit_code == 2 and "tolerance 'lots'" in result.output


def test_help_lists_the_forms(run) -> None:
    result = run("check", "--help")
    assert result.exit_code == 0
    for word in ("value:", "rank:", "share:", "change:", "concentration:", "Exit codes"):
        assert word in result.output
