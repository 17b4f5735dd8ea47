"""The loaded scenarios, by API and name, and the rules that choose them for a job."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from ..exceptions import UnknownScenario
from .scenarios import Scenario


@dataclass(frozen=True)
class Rule:
    """Jobs whose id matches `ids` (a glob) follow `scenario`."""

    api: str
    ids: str
    scenario: str


@dataclass
class Catalog:
    """Every loaded scenario, by API and name, plus the rules that choose them."""

    scenarios: dict[str, dict[str, Scenario]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # api -> scenario for jobs that name none
    rules: list[Rule] = field(default_factory=list)

    def get(self, api: str, name: str) -> Scenario:
        known = self.scenarios.get(api, {})
        if name not in known:
            listed = ", ".join(sorted(known)) or "none loaded"
            raise UnknownScenario(f"unknown scenario {name!r} for {api}; known: {listed}")
        return known[name]

    def for_id(self, api: str, job_id: str) -> Scenario | None:
        """The scenario a config rule gives this job id, if any."""
        for rule in self.rules:
            if rule.api == api and fnmatch.fnmatchcase(job_id, rule.ids):
                return self.get(api, rule.scenario)
        return None

    def default(self, api: str) -> Scenario | None:
        name = self.defaults.get(api)
        return self.get(api, name) if name else None
