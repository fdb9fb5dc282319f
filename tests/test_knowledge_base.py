"""The content lint runs here: the bank is the product, so it is tested like code."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pmcoach.kb import lint_scenario, load_bank
from pmcoach.models import FACT_DIMENSIONS

BANK = load_bank(include_user=False)


def test_bank_has_at_least_15_products_across_kinds() -> None:
    assert len(BANK.scenarios) >= 15
    assert len({s.kind for s in BANK.scenarios.values()}) >= 6


def test_bank_lint_is_clean() -> None:
    assert BANK.lint() == []


@pytest.mark.parametrize("sid", sorted(BANK.scenarios))
def test_each_scenario_has_follow_ups_and_a_value_north_star(sid: str) -> None:
    s = BANK.scenarios[sid]
    assert len(s.tradeoffs) >= 2
    assert len(s.troubleshooting) >= 2
    ns = s.metric(s.recommendation.north_star.metric)
    assert not ns.vanity
    dims = [c.root_cause_dimension for c in s.troubleshooting]
    assert len(set(dims)) == len(dims)
    for case in s.troubleshooting:
        assert set(FACT_DIMENSIONS) <= set(case.facts)
        assert case.root_cause_dimension in case.facts


def test_root_causes_span_many_dimensions() -> None:
    dims = Counter(c.root_cause_dimension for s in BANK.scenarios.values() for c in s.troubleshooting)
    assert len(dims) >= 10, dims


def test_case_ids_are_unique_across_the_bank() -> None:
    ids = [cid for s in BANK.scenarios.values() for cid in s.case_ids()]
    assert len(ids) == len(set(ids))


def test_facebook_groups_is_the_deepest() -> None:
    g = BANK.find("Facebook Groups")
    others = [s for s in BANK.scenarios.values() if s.id != g.id]
    assert len(g.metrics) >= max(len(s.metrics) for s in others) - 2
    assert len(g.tradeoffs) >= 3 and len(g.troubleshooting) >= 3
    prompts = " ".join(t.prompt for t in g.tradeoffs).lower()
    assert "time spent" in prompts and "dau" in prompts


def test_lint_catches_a_vanity_north_star() -> None:
    g = BANK.find("facebook-groups")
    vanity = next(m for m in g.metrics if m.vanity)
    ns = g.recommendation.north_star.model_copy(update={"metric": vanity.id})
    bad = g.model_copy(update={"recommendation": g.recommendation.model_copy(update={"north_star": ns})})
    problems = lint_scenario(bad)
    assert any("vanity" in p for p in problems)


def test_lint_catches_a_missing_fact_and_an_unknown_metric() -> None:
    g = BANK.find("facebook-groups")
    case = g.troubleshooting[0]
    facts = {k: v for k, v in case.facts.items() if k != case.root_cause_dimension}
    bad_case = case.model_copy(update={"facts": facts})
    sec = g.recommendation.secondary[0].model_copy(update={"metric": "no-such-metric"})
    rec = g.recommendation.model_copy(update={"secondary": [sec, *g.recommendation.secondary[1:]]})
    bad = g.model_copy(update={"troubleshooting": [bad_case, *g.troubleshooting[1:]], "recommendation": rec})
    problems = lint_scenario(bad)
    assert any("facts missing" in p for p in problems)
    assert any("no-such-metric" in p for p in problems)


def test_lint_catches_duplicate_case_ids_across_files() -> None:
    from pmcoach.kb import Bank

    a = BANK.find("facebook-groups")
    b = BANK.find("whatsapp")
    t = b.tradeoffs[0].model_copy(update={"id": a.tradeoffs[0].id})
    b2 = b.model_copy(update={"tradeoffs": [t, *b.tradeoffs[1:]]})
    bank = Bank({a.id: a, b2.id: b2}, {a.id: BANK.sources[a.id], b2.id: BANK.sources[b.id]})
    assert any("also used in" in p for p in bank.lint())


@pytest.mark.parametrize(
    "name",
    ["Facebook Groups", "fb groups", "facebook-groups", "FACEBOOK GROUPS", "groups"],
)
def test_loose_product_names(name: str) -> None:
    assert BANK.find(name).id == "facebook-groups"


def test_unknown_product_suggests_close_matches() -> None:
    from pmcoach.errors import UnknownProductError

    with pytest.raises(UnknownProductError) as err:
        BANK.find("facebok grops")
    assert "Facebook Groups" in str(err.value)


def test_version_1_files_still_load_and_newer_ones_fail_clearly(tmp_path) -> None:
    """A version-1 file (one paragraph per dimension, a trade-off 'context') loads as sentence
    facts; a file from a newer pmcoach is refused with a message saying so."""
    import yaml

    from pmcoach.errors import ScenarioFileError
    from pmcoach.kb import parse_file
    from pmcoach.models import Scenario

    src = Path(__file__).parent.parent / "src/pmcoach/data/scenarios/facebook-groups.yaml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    doc["format_version"] = 1
    for case in doc["troubleshooting"]:
        case["facts"] = {d: " ".join(f if isinstance(f, str) else f["text"] for f in fs)
                         for d, fs in case["facts"].items()}
    for case in doc["tradeoffs"]:
        case["context"] = " ".join(case.pop("data"))
    old = tmp_path / "old.yaml"
    old.write_text(yaml.safe_dump(doc), encoding="utf-8")
    s = parse_file(old, Scenario)
    case = s.troubleshooting[0]
    assert len(case.facts["platform"]) >= 1 and all(f.text.endswith((".", "?", "!")) for f in case.facts["platform"])
    assert case.decisive() and all(d == case.root_cause_dimension for d, _ in case.decisive())
    assert len(s.tradeoffs[0].data) >= 2
    doc["format_version"] = 9
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="newer pmcoach"):
        parse_file(new, Scenario)
