"""Every issue-2 command, its output contracts and its bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from pmcoach.cli import cli
from pmcoach.paths import BUILTIN_SCENARIOS

GROUPS = BUILTIN_SCENARIOS / "facebook-groups.yaml"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("path", _commands(cli))
def test_every_command_has_help(run, path: tuple[str, ...]) -> None:
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert "Usage:" in out
    cmd: click.Command = cli
    for p in path:
        cmd = cmd.commands[p]  # type: ignore[attr-defined]
    assert cmd.help, f"{' '.join(path)} has no docstring help"


def test_version(run) -> None:
    code, out, _ = run("--version")
    assert code == 0 and "pmcoach" in out


def test_answer_markdown_has_six_parts(run) -> None:
    code, out, err = run("answer", "Facebook Groups")
    assert code == 0, err
    for heading in (
        "## 1. Why the product exists",
        "## 2. Segments and journeys",
        "## 3. Metrics by segment, journey step and overall health",
        "## 4. Objectives, prioritized",
        "## 5. North star metric",
        "## 6. Guardrail and health metrics",
    ):
        assert heading in out
    assert "Pros:" in out and "Cons:" in out
    assert "SCAFFOLD" not in out


def test_answer_json_contract(run) -> None:
    code, out, _ = run("answer", "fb groups", "--format", "json")
    assert code == 0
    a = json.loads(out)
    for key in ("rationale", "segments", "journeys", "metrics", "objectives", "north_star",
                "secondary", "guardrails"):
        assert key in a
    assert set(a["metrics"]) == {"per_segment", "per_journey_step", "health"}
    assert {"name", "definition", "why"} <= set(a["north_star"])
    assert all("why" in o for o in a["objectives"])
    assert 2 <= len(a["objectives"]) <= 3
    assert a["scaffold"] is False
    assert all(seg["metrics"] for seg in a["metrics"]["per_segment"])
    assert all(st["metrics"] for st in a["metrics"]["per_journey_step"])


def test_unknown_product_is_one_line_exit_2(run) -> None:
    code, out, err = run("answer", "facebok grups")
    assert code == 2
    assert out == ""
    assert err.startswith("pmcoach: error: ") and err.count("\n") == 1
    assert "Facebook Groups" in err


def test_archetype_gives_a_guide_that_states_no_facts_about_the_product(run) -> None:
    # the old scaffold dropped the name into a template: "Pinterest's mission: help people build and keep
    # meaningful relationships"; a guide says how to think about the kind and nothing about the product
    code, out, _ = run("answer", "Quora", "--archetype", "social", "--format", "json")
    assert code == 0
    a = json.loads(out)
    assert a["guide"] is True and "states no facts about Quora" in a["notice"]
    assert "{product}" not in out and "mission" not in a
    body = json.dumps({k: a[k] for k in ("think", "segments", "metric_patterns", "tradeoffs", "clarifying_questions")})
    assert "Quora" not in body
    assert len(a["clarifying_questions"]) >= 3
    code, md, _ = run("answer", "Quora", "--archetype", "social")
    assert md.startswith("# Quora: a guide to") and "states no facts" in md


def test_bad_archetype(run) -> None:
    code, _, err = run("answer", "Quora", "--archetype", "spaceship")
    assert code == 2 and "choose one of" in err and "marketplace" in err


@pytest.mark.parametrize("kind", ["marketplace", "social", "content", "messaging", "productivity",
                                  "commerce", "on_demand", "fintech", "learning", "maps"])
def test_every_archetype_builds(run, kind: str) -> None:
    code, out, err = run("answer", "Acme Thing", "--archetype", kind, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["archetype"] == kind


def test_scenarios_json_contract(run) -> None:
    code, out, _ = run("scenarios", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) >= 15
    for r in rows:
        assert {"id", "product", "tradeoffs", "troubleshooting"} <= set(r)
        assert len(r["tradeoffs"]) >= 2 and len(r["troubleshooting"]) >= 2


def test_scenarios_table(run) -> None:
    code, out, _ = run("scenarios")
    assert code == 0 and "facebook-groups" in out


def test_scenarios_by_company_and_type(run) -> None:
    code, out, _ = run("scenarios", "--company", "meta", "--json")
    rows = json.loads(out)
    assert code == 0 and rows and {r["company"] for r in rows} == {"Meta"}
    code, out, _ = run("scenarios", "--company", "google", "--json")
    assert {"google-maps", "youtube-shorts"} <= {r["id"] for r in json.loads(out)}
    assert all(r["company"].startswith("Google") for r in json.loads(out))
    code, out, _ = run("scenarios", "--type", "launch", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 5
    assert all(c["type"] == "launch" for r in rows for c in r["cases"])
    code, _, err = run("scenarios", "--company", "Initech")
    assert code == 2 and "choose one of" in err


def test_case_ids_and_titles_give_nothing_away(run) -> None:
    code, out, _ = run("scenarios", "--type", "troubleshooting", "--json")
    ids = [c["id"] for r in json.loads(out) for c in r["cases"]]
    assert ids and all(re.fullmatch(r"[a-z][a-z0-9]*-ts-\d+", i) for i in ids), ids


def test_spoken_version(run) -> None:
    code, out, _ = run("answer", "facebook-groups", "--spoken")
    assert code == 0 and out.startswith("# Facebook Groups: the spoken version")
    code, out, _ = run("answer", "facebook-groups", "--format", "json")
    doc = json.loads(out)
    assert doc["spoken"]["words"] <= 1800 and len(doc["spoken"]["parts"]) >= 4


def test_scenario_validate_ok_and_lint(run) -> None:
    code, out, _ = run("scenario", "validate", str(GROUPS))
    assert code == 0 and "ok" in out
    code, out, _ = run("scenario", "lint")
    assert code == 0 and out.startswith("ok:")


def test_scenario_schema_is_json_schema(run) -> None:
    code, out, _ = run("scenario", "schema")
    schema = json.loads(out)
    assert schema["title"] == "pmcoach scenario"
    assert "troubleshooting" in schema["properties"]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_validate_malformed_yaml(run, tmp_path: Path) -> None:
    p = _write(tmp_path, "bad.yaml", "id: x\nproduct: [unclosed\n")
    code, _, err = run("scenario", "validate", str(p))
    assert code == 2
    assert "bad.yaml" in err and "malformed YAML" in err and err.count("\n") == 1


def test_validate_schema_error_names_the_field(run, tmp_path: Path) -> None:
    data = yaml.safe_load(GROUPS.read_text())
    data["metrics"][0]["tiers"] = ["superstar"]
    p = _write(tmp_path, "tier.yaml", yaml.safe_dump(data))
    code, _, err = run("scenario", "validate", str(p))
    assert code == 2
    assert "metrics.0.tiers.0" in err and "tier.yaml" in err


def test_validate_unknown_field(run, tmp_path: Path) -> None:
    data = yaml.safe_load(GROUPS.read_text())
    data["rationale"]["mision"] = "typo"
    p = _write(tmp_path, "typo.yaml", yaml.safe_dump(data))
    code, _, err = run("scenario", "validate", str(p))
    assert code == 2 and "rationale.mision: unknown field" in err


def test_validate_content_problem(run, tmp_path: Path) -> None:
    data = yaml.safe_load(GROUPS.read_text())
    data["recommendation"]["guardrails"][0]["metric"] = "nonexistent-metric"
    p = _write(tmp_path, "ref.yaml", yaml.safe_dump(data))
    code, _, err = run("scenario", "validate", str(p))
    assert code == 2 and "nonexistent-metric" in err


def test_validate_unreadable_paths(run, tmp_path: Path) -> None:
    code, _, err = run("scenario", "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = run("scenario", "validate", str(tmp_path))
    assert code == 2 and "is a directory" in err
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    code, _, err = run("scenario", "validate", str(binary))
    assert code == 2 and "bin.yaml" in err


def test_user_scenario_overrides_builtin_and_says_so(run, _isolated_home: Path) -> None:
    data = yaml.safe_load(GROUPS.read_text())
    data["product"] = "Facebook Groups (my edit)"
    folder = _isolated_home / "scenarios"
    folder.mkdir(parents=True)
    (folder / "groups.yaml").write_text(yaml.safe_dump(data))
    code, out, err = run("answer", "facebook-groups", "--format", "json")
    assert code == 0
    assert "overrides the built-in scenario 'facebook-groups'" in err
    assert json.loads(out)["product"] == "Facebook Groups (my edit)"


def test_broken_user_scenario_is_reported(run, _isolated_home: Path) -> None:
    folder = _isolated_home / "scenarios"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("format_version: 1\nid: x\n")
    code, out, err = run("scenarios", "--json")
    assert code == 0 and json.loads(out)
    assert "skipped your scenario file" in err and "broken.yaml" in err


def test_paths_honours_pmcoach_home(run, _isolated_home: Path) -> None:
    code, out, _ = run("paths", "--json")
    assert json.loads(out)["home"] == str(_isolated_home)


def test_prompt_has_framework_rubric_and_hidden_facts(run) -> None:
    code, out, _ = run("prompt", "Facebook Groups")
    assert code == 0
    assert "north star" in out and "guardrails" in out
    assert "never reveal the root cause" in out
    assert "Quote my own words" in out


def test_real_process_bad_input_has_no_traceback(tmp_path: Path) -> None:
    env = {"PMCOACH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    p = subprocess.run(
        [sys.executable, "-m", "pmcoach", "answer", "nope nope"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and p.stderr.startswith("pmcoach: error:")
