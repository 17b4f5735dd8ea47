"""How the catalog picks a job's scenario: by name, by a config rule on the job's id, or the API's default.

A client names a scenario (`?scenario=` or the control API), a config rule gives one to ids of a
glob, or the API's default applies; an unknown name is answered with the names it could have used.
"""

from __future__ import annotations

import pytest

from jobmock.exceptions import UnknownScenario
from jobmock.sim.catalog import Catalog, Rule
from jobmock.sim.scenarios import Scenario

QUICK = Scenario(api="neuraldraft", name="quick")
SLOW = Scenario(api="neuraldraft", name="slow")
OTHER = Scenario(api="stories", name="quick")


def catalog(rules: list[Rule] | None = None, defaults: dict[str, str] | None = None) -> Catalog:
    return Catalog(
        scenarios={"neuraldraft": {"quick": QUICK, "slow": SLOW}, "stories": {"quick": OTHER}},
        defaults=defaults or {},
        rules=rules or [],
    )


def test_a_scenario_is_found_by_its_api_and_name() -> None:
    found = catalog()
    assert found.get("neuraldraft", "slow") is SLOW
    assert found.get("stories", "quick") is OTHER


def test_an_unknown_name_is_refused_with_the_apis_scenarios_listed_in_order() -> None:
    with pytest.raises(UnknownScenario) as refused:
        catalog().get("neuraldraft", "nope")
    assert str(refused.value) == "unknown scenario 'nope' for neuraldraft; known: quick, slow"


def test_an_api_without_scenarios_says_none_are_loaded() -> None:
    with pytest.raises(UnknownScenario) as refused:
        catalog().get("longform", "quick")
    assert str(refused.value) == "unknown scenario 'quick' for longform; known: none loaded"


def test_the_first_rule_whose_glob_matches_the_id_chooses_the_scenario() -> None:
    rules = [
        Rule("neuraldraft", "job_slow*", "slow"),
        Rule("neuraldraft", "job_*", "quick"),
        Rule("neuraldraft", "job_slow1", "quick"),
    ]
    found = catalog(rules)
    assert found.for_id("neuraldraft", "job_slow1") is SLOW
    assert found.for_id("neuraldraft", "job_other") is QUICK


def test_a_rule_applies_to_its_own_api_only() -> None:
    found = catalog([Rule("stories", "*", "quick")])
    assert found.for_id("neuraldraft", "job_1") is None
    assert found.for_id("stories", "job_1") is OTHER


def test_a_rules_glob_is_case_sensitive_and_must_match_the_whole_id() -> None:
    found = catalog([Rule("neuraldraft", "job_A*", "quick")])
    assert found.for_id("neuraldraft", "job_a1") is None
    assert found.for_id("neuraldraft", "xjob_A1") is None
    assert found.for_id("neuraldraft", "job_A1") is QUICK


def test_no_rule_no_scenario() -> None:
    assert catalog().for_id("neuraldraft", "job_1") is None


def test_a_rule_naming_an_unknown_scenario_is_refused_when_it_applies() -> None:
    found = catalog([Rule("neuraldraft", "job_*", "gone")])
    with pytest.raises(UnknownScenario, match="unknown scenario 'gone' for neuraldraft"):
        found.for_id("neuraldraft", "job_1")


def test_the_default_scenario_is_the_apis_own_and_none_without_one() -> None:
    found = catalog(defaults={"neuraldraft": "slow"})
    assert found.default("neuraldraft") is SLOW
    assert found.default("stories") is None
    assert Catalog().default("neuraldraft") is None
