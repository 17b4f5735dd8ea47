"""Making a job: what a client may ask for (type, duration, fields, a script) and what it gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jobmock.contract import load_api, load_named, spec_path
from jobmock.contract.model import ApiModel
from jobmock.contract.schema_fit import READ, judge
from jobmock.exceptions import JobError, LifecycleError
from jobmock.sim.jobs import Job, NewJob, payload_bytes
from jobmock.sim.mock import Mock
from jobmock.sim.scenarios import Entry, PhaseSpec, Scenario
from support import Memory

C = 1_700_000_000.0
APIS = {name: load_named(name) for name in ("neuraldraft", "stories", "longform", "superdocs")}


def memory(*apis: ApiModel, seed: int = 0) -> Memory:
    mock = Memory(Mock(apis or APIS.values(), seed=seed, clock="manual"))
    mock.set_time(C)
    return mock


def body_at(mock: Memory, job: Job, second: float) -> dict[str, Any]:
    mock.set_time(C + second)
    body: dict[str, Any] = mock.body(job)
    return body


def test_the_same_id_under_another_seed_is_another_job() -> None:
    """Its data is drawn from the server's seed and its id: alike under one seed, not under another."""
    bodies = []
    for seed in (1, 1, 2):
        mock = memory(seed=seed)
        bodies.append(mock.body(mock.create(NewJob(api="neuraldraft", id="job_SameIdAsked1", duration=10))))
    assert bodies[0] == bodies[1] != bodies[2]


@pytest.mark.parametrize(
    ("duration", "allowed"), [(0, False), (-1, False), (0.5, True), (86_400, True), (86_400.5, False)]
)
def test_a_duration_is_above_0_and_at_most_a_day(duration: float, allowed: bool) -> None:
    mock = memory()
    if allowed:
        job = mock.create(NewJob(api="neuraldraft", duration=duration))
        assert body_at(mock, job, duration)["status"] == "completed"
    else:
        with pytest.raises(JobError) as refused:
            mock.create(NewJob(api="neuraldraft", duration=duration))
        assert str(refused.value) == "duration must be a number of seconds above 0 and at most 86400"


def test_an_unknown_type_is_refused_with_every_known_type() -> None:
    known = ", ".join(sorted(APIS["neuraldraft"].types))
    with pytest.raises(JobError) as refused:
        memory().create(NewJob(api="neuraldraft", job_type="video.generate"))
    assert str(refused.value) == f"unknown job type 'video.generate'; known: {known}"


def test_an_api_without_types_refuses_a_type() -> None:
    with pytest.raises(JobError, match="the stories API declares no job types"):
        memory().create(NewJob(api="stories", job_type="video.generate"))


def test_driven_fields_cannot_be_set_and_all_are_named() -> None:
    with pytest.raises(JobError) as refused:
        memory().create(NewJob(api="neuraldraft", fields={"status": "completed", "progress": 50, "title": "ok"}))
    assert str(refused.value).startswith("progress, status follow the lifecycle and cannot be overridden")


def test_fields_asked_for_are_shown_each_in_its_states() -> None:
    mock = memory()
    result = {"url": "https://example.com/a.png", "key": "a.png", "width": 64, "height": 64}
    asked = {"result": result, "prompt": {"text": "a cat", "style": "flat"}}
    job = mock.create(NewJob(api="neuraldraft", job_type="image.generate", duration=10, fields=asked))
    early, done = body_at(mock, job, 0), body_at(mock, job, 20)
    assert "result" not in early and done["result"] == result  # the result only once completed
    assert early["prompt"] == done["prompt"] == {"text": "a cat", "style": "flat"}
    assert job.data.fields == asked  # kept as asked


def test_a_scripted_job_takes_its_scripts_type_outcome_and_fields() -> None:
    error = {"code": "content_rejected", "message": "the draft was rejected"}
    script = Scenario(
        "neuraldraft",
        "rejected",
        job_type="image.generate",
        phases=(
            PhaseSpec("pending", 2, None),
            PhaseSpec("processing", 4, (0, 40), {"message": "Drawing"}),
            PhaseSpec("failed", None, None, {"error": error}),
        ),
    )
    mock = memory()
    job = mock.create(NewJob(api="neuraldraft", scenario=script))
    assert (job.job_type, job.outcome) == ("image.generate", "failed")
    working, failed = body_at(mock, job, 3), body_at(mock, job, 10)
    assert (working["status"], working["message"], working["type"]) == ("processing", "Drawing", "image.generate")
    assert "error" not in working
    assert (failed["status"], failed["error"], failed["progress"]) == ("failed", error, 40)


def test_a_script_the_lifecycle_forbids_is_refused_saying_why() -> None:
    script = Scenario("neuraldraft", "odd", phases=(PhaseSpec("pending", 2, None), PhaseSpec("paused", None, None)))
    with pytest.raises(JobError, match=r"^unknown state 'paused'; declared: pending, "):
        memory().create(NewJob(api="neuraldraft", scenario=script))


def test_a_completed_job_shows_all_its_progress_whatever_its_script_said() -> None:
    script = Scenario(
        "neuraldraft",
        "half",
        phases=(
            PhaseSpec("pending", 1, None),
            PhaseSpec("processing", 4, (0, 40)),
            PhaseSpec("completed", None, (40, 40)),
        ),
    )
    mock = memory()
    job = mock.create(NewJob(api="neuraldraft", job_type="image.generate", scenario=script))
    assert body_at(mock, job, 3)["progress"] == 20
    assert body_at(mock, job, 9)["progress"] == 100


def test_a_scripted_count_total_numbers_the_results_items() -> None:
    script = Scenario(
        "stories",
        "seven",
        total=7,
        phases=(PhaseSpec("pending", 1, None), PhaseSpec("processing", 7, None), PhaseSpec("completed", None, None)),
    )
    mock = memory()
    job = mock.create(NewJob(api="stories", scenario=script))
    assert body_at(mock, job, 4.5)["scenes_completed"] == 3
    done = body_at(mock, job, 10)
    assert done["scenes_total"] == done["scenes_completed"] == 7
    assert [scene["index"] for scene in done["result"]["scenes"]] == [1, 2, 3, 4, 5, 6, 7]


def test_a_jwt_subject_is_shown_only_where_the_api_has_an_owner_field() -> None:
    mock = memory()
    job = mock.create(NewJob(api="neuraldraft", owner="jwt-sub:4f1c2b7a-3d9e-4a51-9b6f-0c8e2d1a7b35"))
    assert "4f1c2b7a-3d9e-4a51-9b6f-0c8e2d1a7b35" not in str(mock.body(job))


def test_an_api_keeping_absent_fields_as_null_shows_its_timestamps_null_until_their_moment(tmp_path: Path) -> None:
    text = spec_path("stories").read_text().replace("  absent: omitted\n", "")
    (tmp_path / "stories.yaml").write_text(text)
    mock = memory(load_api(tmp_path / "stories.yaml"))
    job = mock.create(NewJob(api="stories", scenario=Scenario("stories", "s", phases=STORY)))
    pending, working, done = (body_at(mock, job, s) for s in (1, 3, 20))
    assert (pending["started_at"], pending["completed_at"]) == (None, None)
    assert working["started_at"] == "2023-11-14T22:13:22Z" and working["completed_at"] is None
    assert (done["started_at"], done["completed_at"]) == ("2023-11-14T22:13:22Z", "2023-11-14T22:13:32Z")


STORY = (PhaseSpec("pending", 2, None), PhaseSpec("processing", 10, None), PhaseSpec("completed", None, None))


def test_a_state_bound_field_asked_for_inside_its_object_is_shown_in_its_state() -> None:
    """superdocs' metadata.pending_changes belongs to awaiting_approval: asked for as
    `{"metadata": {"pending_changes": [...]}}`, it is the one shown then, and only then."""
    changes = [{"change_id": "c1", "operation": "replace"}]
    mock = memory()
    asked = NewJob(
        api="superdocs", outcome="awaiting_approval", duration=10, fields={"metadata": {"pending_changes": changes}}
    )
    job = mock.create(asked)
    working, waiting = body_at(mock, job, 5), body_at(mock, job, 60)
    assert working["status"] == "in_progress" and "pending_changes" not in working["metadata"]
    assert waiting["status"] == "awaiting_approval" and waiting["metadata"]["pending_changes"] == changes
    other = mock.create(NewJob(api="superdocs", outcome="awaiting_approval", duration=10, fields={"title": "Notes"}))
    assert body_at(mock, other, 120)["metadata"]["pending_changes"]  # not asked for: drawn, as ever
    assert "filename" in body_at(mock, other, 5)["metadata"]  # the rest of its object shows in every state


def test_what_a_jobs_fields_take_is_their_compact_json() -> None:
    assert payload_bytes(None) == payload_bytes({}) == 0
    assert payload_bytes({"title": "Résumé", "n": [1, 2]}) == len('{"title":"Résumé","n":[1,2]}'.encode())


def test_a_replayed_timeline_refuses_a_cancel_or_a_decision_saying_why() -> None:
    script = Scenario("neuraldraft", "replayed", timeline=(Entry(0, None, 200, {}, {"status": "pending"}),))
    job = memory().create(NewJob(api="neuraldraft", scenario=script))
    with pytest.raises(LifecycleError, match=r"^a replayed timeline cannot be cancelled$"):
        job.cancel_at(1.0)
    with pytest.raises(LifecycleError, match=r"^a replayed timeline cannot be approved or rejected$"):
        job.decide_at(1.0, True)


def test_a_31_documents_job_is_drawn_in_its_own_dialect(tmp_path: Path) -> None:
    """longform written as OpenAPI 3.1: `nullable` means nothing there, so its optional
    `nullable: true` strings are never drawn null (a 3.0 reading would, 1 in 7)."""
    text = spec_path("longform").read_text().replace("openapi: 3.0.3", "openapi: 3.1.0", 1)
    (tmp_path / "longform.yaml").write_text(text)
    api = load_api(tmp_path / "longform.yaml")
    assert api.dialect == "3.1"
    mock = memory(api)
    drawn = [
        body_at(mock, mock.create(NewJob(api="longform", duration=30)), 0).get(name, "")
        for _ in range(30)
        for name in ("title", "reasoning_model", "writing_model", "function_model")
    ]
    assert None not in drawn


def test_a_job_schema_that_recurses_is_drawn_through_the_document(tmp_path: Path) -> None:
    """longform (3.1) with a `parent` that is another Job or null, required: the parent is
    drawn from the document's Job (its `$ref` kept on the cycle), a body that fits it."""
    document = yaml.safe_load(spec_path("longform").read_text())
    document["openapi"] = "3.1.0"
    job = document["components"]["schemas"]["Job"]
    for prop in job["properties"].values():  # 3.0's nullable as 3.1 writes it
        if prop.pop("nullable", False):
            prop["type"] = [prop["type"], "null"]
    job["properties"]["parent"] = {"anyOf": [{"$ref": "#/components/schemas/Job"}, {"type": "null"}]}
    job["required"] = [*job.get("required", []), "parent"]
    (tmp_path / "longform.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    api = load_api(tmp_path / "longform.yaml")
    mock = memory(api)
    check = judge("3.1", READ, api.resolved)
    for _ in range(5):
        body = body_at(mock, mock.create(NewJob(api="longform", duration=30)), 0)
        assert isinstance(body["parent"], dict) and "status" in body["parent"]
        assert check.fits(api.resolved["components"]["schemas"]["Job"], body)
