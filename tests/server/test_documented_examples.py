"""Each API's `documented-example` scenario answers the document's example body exactly,
through HTTP: the document's own curl of its example job, and a job made with the
scenario under a manual clock set to the example's times."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from jobmock import ApiModel, BackgroundServer, JobmockClient, SpecErrors
from support import TOKENS, Served, create, serve

PAGES: dict[str, dict[str, Any]] = {  # the example bodies as the vendors' pages print them
    "neuraldraft": {
        "id": "job_2Ngd9KqLmRpW",
        "type": "blog_post.generate",
        "status": "processing",
        "progress": 64,
        "message": "Translating to French",
        "steps": [
            {"name": "research", "completed": True, "active": False},
            {"name": "write", "completed": True, "active": False},
            {"name": "image", "completed": True, "active": False},
            {"name": "translate", "completed": False, "active": True},
            {"name": "seo", "completed": False, "active": False},
        ],
        "created_at": "2026-04-19T10:14:02Z",
        "updated_at": "2026-04-19T10:18:42Z",
    },
    "nextdocs": {
        "id": "job_abc123def456",
        "created_at": "2026-01-15T10:30:00.000Z",
        "error": None,
        "object": "job",
        "result": None,
        "status": "processing",
        "type": "artifact.create",
        "updated_at": "2026-01-15T10:30:00.000Z",
    },
}
LATER = {"stories": "2026-04-19T10:14:30Z"}  # no updated_at: any moment after the hold begins


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from serve(seed=5)


def spec_example(api: ApiModel) -> dict[str, Any]:
    media = api.poll.spec["responses"]["200"]["content"]["application/json"]
    examples = [media["example"]] if "example" in media else [e["value"] for e in media["examples"].values()]
    return dict(examples[0])


def expected(api: ApiModel) -> dict[str, Any]:
    """The page's example; for APIs whose page prints no whole body, the spec's (which says
    where it comes from); superdocs' page example is its spec's with the page's progress."""
    if api.name == "superdocs":
        return {**spec_example(api), "progress": 123}
    return PAGES.get(api.name) or spec_example(api)


def test_the_specs_examples_are_the_pages() -> None:
    """Where a page prints a whole example body, the spec's example is that body, except
    superdocs' progress, where the page's own bound wins (and the spec says so)."""
    apis = create().state.mock.apis
    for name, page in PAGES.items():
        assert spec_example(apis[name]) == page
    superdocs = apis["superdocs"]
    assert spec_example(superdocs)["progress"] == 100 and "123" in superdocs.document["info"]["description"]


@pytest.mark.parametrize("api", ["neuraldraft", "nextdocs", "longform", "stories"])
def test_the_documents_curl_answers_the_example_body(served: Served, api: str) -> None:
    model = served.apis[api]
    body = expected(model)
    answer = served.http.get(model.base_path + model.poll_path(body[model.id_field]), headers=served.auth(api))
    assert answer.status_code == 200
    assert answer.json() == body


@pytest.mark.parametrize("api", ["neuraldraft", "nextdocs", "longform", "stories"])
def test_a_documented_example_job_matches_once_the_clock_is_set(served: Served, api: str) -> None:
    model = served.apis[api]
    body = expected(model)
    with JobmockClient(served.url, namespace=f"doc-{api}") as control:
        control.clock("manual")
        control.set_time(body[model.timestamps["created"]])
        job = control.create(api, scenario="documented-example")
        control.set_time(LATER.get(api) or body.get(model.timestamps.get("updated", ""), body["created_at"]))
        headers = {**served.auth(api), "X-Jobmock-Namespace": f"doc-{api}"}
        answer = served.http.get(str(job["poll_url"]), headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {**body, model.id_field: job["id"]}


def test_superdocs_replays_the_page_exactly_and_says_it_breaks_the_contract(served: Served) -> None:
    model = served.apis["superdocs"]
    job = served.create("superdocs", scenario="documented-example")
    assert served.poll("superdocs", job, checked=False).json() == expected(model)
    listed = served.http.get("/_jobmock/scenarios", params={"api": "superdocs"}).json()["scenarios"]
    marked = {s["name"]: s["breaks_contract"] for s in listed}
    assert "0-100" in marked["documented-example"] and marked["completed"] is None


def test_validated_responses_flag_a_body_that_breaks_the_contract() -> None:
    app = create(specs=["superdocs"], validate_responses=True)
    with BackgroundServer(app) as server, JobmockClient(server.url) as control:
        job = control.create("superdocs", scenario="documented-example")
        answer = httpx.get(str(job["poll_url"]), headers={"Authorization": f"Bearer {TOKENS['superdocs']}"})
    assert answer.status_code == 500 and "progress" in answer.text


def test_only_a_timeline_may_break_the_contract(tmp_path: Path) -> None:
    fixture = tmp_path / "f.yaml"
    fixture.write_text(
        "api: stories\nscenarios:\n  odd:\n    breaksContract: because\n    phases:\n      - status: pending\n"
    )
    with pytest.raises(SpecErrors) as caught:
        create(specs=["stories"], fixtures=[fixture])
    assert "f.yaml:4" in str(caught.value) and "timeline" in str(caught.value)


def test_the_example_jobs_keep_the_examples_creation_time(served: Served) -> None:
    """The example job exists in every namespace, made when its example says it was."""
    model = served.apis["neuraldraft"]
    with JobmockClient(served.url, namespace="elsewhere") as control:
        record = control.job(PAGES["neuraldraft"]["id"])
    made = datetime.fromisoformat(record["created_at"])
    assert made == datetime.fromisoformat(copy.deepcopy(PAGES["neuraldraft"])["created_at"])
    assert record["api"] == model.name and record["scenario"] == "documented-example"
