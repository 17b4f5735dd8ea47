"""The README's 'Extending jobmock' examples, run as written (extracted from README.md)."""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from jobmock import CLOCK_MODES, FAULT_KINDS, BackgroundServer, JobHistory, Mock, NewJob, create, load_api, run_checks
from jobmock.checker import CHECKS
from jobmock.client.polls import Poll

README = Path(__file__).resolve().parents[1] / "README.md"


def example(name: str) -> str:
    """The code block right after `<!-- example: NAME -->` in the README."""
    found = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", README.read_text(), re.S)
    assert found is not None, f"no example {name!r} in the README"
    return found.group(1)


def run(name: str) -> dict[str, Any]:
    """Run an example as a module of its own (dataclasses look their module up)."""
    module = types.ModuleType(f"readme_{name.replace('-', '_')}")
    sys.modules[module.__name__] = module
    exec(compile(example(name), f"README.md:{name}", "exec", dont_inherit=True), module.__dict__)
    return module.__dict__


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(example("vendor-api"))
    return path


def test_a_new_vendor_api_is_one_spec_file(acme: Path) -> None:
    _mock, app = create([str(acme)], clock="polls")
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as http:
        job = http.post("/_jobmock/jobs", json={"api": "acme", "token": "t0k3n"}).json()
        assert re.fullmatch(r"rnd_[A-Za-z0-9]{10}", job["id"]) and job["poll_url"].endswith(f"/v2/renders/{job['id']}")
        bodies = [http.get(job["poll_url"], headers={"Authorization": "Bearer t0k3n"}).json() for _ in range(3)]
        assert http.get(job["poll_url"], headers={"Authorization": "Bearer other"}).status_code == 404
    assert [b["state"] for b in bodies] == ["queued", "rendering", "done"]
    assert "url" in bodies[2] and "url" not in bodies[1] and bodies[2]["percent"] == 100


@pytest.fixture
def truncate() -> Iterator[None]:
    run("fault-kind")
    yield
    del FAULT_KINDS["truncate"]


def test_a_new_fault_kind_is_one_class(truncate: None, acme: Path, tmp_path: Path) -> None:
    fixture = tmp_path / "cut.yaml"
    phases = [{"status": "queued", "duration": 1}, {"status": "rendering", "duration": 2}, {"status": "done"}]
    scenario = {"phases": phases, "faults": [{"poll": 2, "truncate": True}]}
    fixture.write_text(yaml.safe_dump({"api": "acme", "scenarios": {"cut": scenario}}))
    mock, _app = create([str(acme)], fixtures=[fixture], clock="polls")
    job = mock.create(NewJob(api="acme", scenario=mock.scenario("acme", "cut")))
    answers = [mock.poll("acme", job.id, None) for _ in range(3)]
    assert all(a is not None for a in answers)
    first, cut, third = (a.body for a in answers if a is not None)
    assert json.loads(first)["state"] == "queued" and json.loads(third)["state"] == "rendering"  # no phase lost
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)


@pytest.fixture
def ticks() -> Iterator[None]:
    run("clock-mode")
    yield
    del CLOCK_MODES["ticks"]


def test_a_new_clock_mode_is_one_function(ticks: None, acme: Path) -> None:
    mock = Mock([load_api(acme)], clock="ticks")
    job = mock.create(NewJob(api="acme", duration=10, outcome="done"))
    percents = [json.loads(a.body)["percent"] for a in (mock.poll("acme", job.id, None) for _ in range(12)) if a]
    assert percents == sorted(percents) and percents[-1] == 100
    _mock, app = create([str(acme)])
    with BackgroundServer(app) as server:  # the control API takes it too
        switched = httpx.put(server.url + "/_jobmock/clock", json={"mode": "ticks"})
    assert switched.status_code == 200 and switched.json()["mode"] == "ticks"


def test_a_new_lifecycle_check_is_one_function(acme: Path) -> None:
    run("lifecycle-check")
    try:
        api = load_api(acme)
        body = {"id": "rnd_0123456789", "state": "rendering", "percent": 10}
        polls = tuple(Poll(i, 1e9 + i, "GET", "http://x", status_code=200, body=body) for i in range(25))
        (violation,) = run_checks(JobHistory(api, "rnd_0123456789", polls), ["at_most_20_polls"])
        assert violation.poll.index == 20 and violation.actual == "25 polls"
    finally:
        del CHECKS["at_most_20_polls"]
