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
def sample_wh(tmp_path_factory, make_sample) -> Path:
    return make_sample(tmp_path_factory.mktemp("wh"))


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
    assert "flow M, CIF" in out and "flow X, FOB mirror" in out and "(note)" in out
    assert "tolerance ±5.0 %" in out and "SYNTHETIC — generated sample data" in out
    # the provenance shown is that of the starred reading (the one the verdict rests on)
    star = out.index("★")
    assert out.index("report: imports as reported by Japan (flow M, CIF)") > star


def test_json_document(run) -> None:
    result = run("check", "India is among the top four exporters of aluminium to Japan in 2024",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema"] == "corridor.check/2" and doc["errors"] == []
    assert doc["engine"] == "duckdb" and 0 < doc["statements"] <= 20
    (res,) = doc["results"]
    assert res["verdict"] == "supported" and res["synthetic"] is True
    assert res["claim"]["kind"] == "rank" and res["claim"]["rank"] == 4
    f = res["findings"][0]
    assert f["interpretation"]["primary"] and f["interpretation"]["literal"] and f["figure"] == 4
    assert {"sources", "datasets", "retrieved_at", "flow", "value_basis", "hs_requested",
            "hs_covered", "hs_level", "hs_revisions", "synthetic", "years", "engine",
            "warehouse"} <= set(f["provenance"])  # fmt: skip
    assert f["provenance"]["years"] == [2024, 2024] and f["provenance"]["hs_covered"] == "HS 76"
    assert doc["tolerances"] == {"about": 0.05, "exact": 0.01}


def test_csv_one_row_per_interpretation(run) -> None:
    result = run("check", CLAIM, "--format", "csv", "--tolerance", "2%")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("claim_id,claim,verdict,kind,role,literal,primary")
    assert len(lines) == 7
    assert ",0.02," in lines[1] and lines[1].endswith("True")
    assert ",reading,True,True," in lines[1] and ",note,False,False," in lines[2]


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


def test_csv_cells_never_start_a_formula(run) -> None:
    claim = "=HYPERLINK(1) Japan's aluminium imports from India were about $337 million in 2024"
    result = run("check", claim, "--format", "csv")
    # the claim is read or refused; either way no cell starts with '='
    assert result.exit_code in (0, 2), result.output
    assert "\n=" not in result.stdout and ",=" not in result.stdout


def test_long_bad_claim_is_one_short_line(run) -> None:
    result = run("check", "Japan " + "imports lots of things " * 200)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert len(line) < 800 and "…" in line


def test_bad_engine(run) -> None:
    result = run("check", CLAIM, "--engine", "oracle")
    assert result.exit_code == 2 and "engine 'oracle'" in result.output


@pytest.mark.spark
def test_check_on_spark_equals_duckdb(run, spark_con, tmp_path: Path) -> None:
    # Japan's report and India's (a note), and two claims pinned to Japan's report: the
    # coverage probe, partners (both sides) and concentration all run on Spark
    path = tmp_path / "claims.json"
    path.write_text(json.dumps([
        "Japan's aluminium imports (HS 76) from India were about $337 million in 2024",
        "Most of Japan's aluminium imports (HS 76) come from China by value in 2024 "
        "according to Japan's customs data",
        "Japan depends on a single supplier for more than 20 % of its aluminium (HS 76) "
        "imports by value in 2024 according to Japan's customs data",
    ]))  # fmt: skip
    docs = {}
    for engine in ("duckdb", "spark"):
        out = run("check", "--file", path, "--format", "json", "--engine", engine)
        assert out.exit_code == 0, out.output
        docs[engine] = json.loads(out.stdout)
    duck, spark = docs["duckdb"], docs["spark"]
    # schema check + 1 coverage probe + partners on both sides + concentration; DuckDB also
    # keeps the corridor's rows in a temporary table (one more statement)
    assert spark["engine"] == "spark" and spark["statements"] == 5 and duck["statements"] == 6
    for d, s in zip(duck["results"], spark["results"], strict=True):
        assert (s["verdict"], s["reason"]) == (d["verdict"], d["reason"])
        assert [f["figure"] for f in s["findings"]] == pytest.approx(
            [f["figure"] for f in d["findings"]], rel=1e-9
        )
        assert {f["provenance"]["engine"] for f in s["findings"] if f["provenance"]} == {"spark"}
    verdicts = [r["verdict"] for r in spark["results"]]
    assert verdicts == ["supported", "ambiguous", "supported"]
