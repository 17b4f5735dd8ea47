"""Job bodies over time, without HTTP: schema-valid, consistent, stable."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from jobmock.contract import bundled_names, load_api, load_named, spec_path
from jobmock.contract.security import token_owner
from jobmock.exceptions import JobError
from jobmock.sim.clock import Clock
from jobmock.sim.jobs import NewJob
from jobmock.sim.mock import Mock
from jobmock.sim.store import JobStore
from support import Memory, jwt

APIS = {name: load_api(spec_path(name)) for name in bundled_names()}
EPOCH = Clock.at(0)  # jobs made at 1970-01-01T00:00:00Z
INSTANTS = [t / 2 for t in range(0, 70)]


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def store(seed: int = 1) -> JobStore:
    return JobStore(APIS, seed=seed)


@pytest.mark.parametrize("name", sorted(APIS))
def test_every_body_in_every_state_matches_the_contract(name: str) -> None:
    api = APIS[name]
    validator = OAS30Validator(api.job_schema)
    jobs = store()
    for outcome in api.lifecycle.states:
        for _ in range(3):
            job = jobs.create(NewJob(api=name, outcome=outcome, duration=30), Clock.at(time.time() - 40))
            for t in INSTANTS:
                body = job.render(t, 1.0)
                errors = [e.message for e in validator.iter_errors(body)]
                assert not errors, (outcome, t, errors, body)


@pytest.mark.parametrize("name", sorted(APIS))
def test_timestamps_are_ordered_and_never_in_the_future(name: str) -> None:
    api = APIS[name]
    created = time.time() - 30
    job = store().create(NewJob(api=name, duration=20), Clock.at(created))
    order = [api.timestamps[k] for k in ("created", "started", "updated", "finished") if k in api.timestamps]
    for t in INSTANTS[:61]:  # up to 30 s: what has happened by "now"
        body = job.render(t, 1.0)
        stamps = [parse(body[f]) for f in order if body.get(f)]
        assert stamps == sorted(stamps), body
        assert all(s.timestamp() <= created + t + 1e-6 for s in stamps), (t, body)


def test_updated_at_is_the_time_of_the_last_visible_change() -> None:
    job = store().create(NewJob(api="nextdocs", duration=20), EPOCH)  # millisecond timestamps
    previous = job.render(0, 1.0)
    for t in INSTANTS[1:]:
        body = job.render(t, 1.0)
        changed = {k for k in body if body[k] != previous.get(k)} - {"updated_at"}
        updated = parse(body["updated_at"]).timestamp()
        if changed:  # changed since the previous poll half a second ago
            assert t - 0.5 < updated <= t, (t, changed, body)
        else:
            assert body["updated_at"] == previous["updated_at"], (t, body)
        previous = body


def test_steps_advance_one_at_a_time_with_the_matching_message() -> None:
    api = APIS["neuraldraft"]
    job = store().create(NewJob(api="neuraldraft", job_type="blog_post.generate", duration=25), EPOCH)
    messages = {s.name: s.message for s in api.types["blog_post.generate"].steps}
    done_before = 0
    for t in [i / 10 for i in range(0, 260)]:
        body = job.render(t, 1.0)
        steps = body["steps"]
        done = sum(s["completed"] for s in steps)
        active = [s for s in steps if s["active"]]
        assert done - done_before in (0, 1)
        assert [s["completed"] for s in steps] == [True] * done + [False] * (len(steps) - done)
        if body["status"] == "processing":
            assert len(active) == 1 and active[0]["name"] == steps[done]["name"]
            assert body["message"] == messages[active[0]["name"]]
        else:
            assert active == []
        done_before = done
    assert body["status"] == "completed" and done == 5 and body["message"] == "Done"


def test_scenes_complete_one_by_one() -> None:
    job = store().create(NewJob(api="stories", duration=10), EPOCH)
    seen = [job.render(t / 20, 1.0)["scenes_completed"] for t in range(0, 240)]
    total = job.render(20, 1.0)["scenes_total"]
    assert seen[-1] == total
    assert sorted(set(seen)) == list(range(0, total + 1))


def test_result_only_when_completed_and_error_only_when_failed() -> None:
    jobs = store()
    for outcome in ("completed", "failed", "cancelled"):
        job = jobs.create(NewJob(api="neuraldraft", job_type="image.generate", outcome=outcome, duration=5), EPOCH)
        early, late = job.render(1, 1.0), job.render(60, 1.0)
        assert "result" not in early and "error" not in early
        assert ("result" in late) == (outcome == "completed")
        assert ("error" in late) == (outcome == "failed")
    assert set(job.render(60, 1.0)) >= {"id", "type", "status", "created_at", "updated_at"}
    done = jobs.create(NewJob(api="neuraldraft", job_type="image.generate", duration=5), EPOCH).render(60, 1.0)
    assert set(done["result"]) == {"url", "key", "width", "height"}
    assert done["result"]["url"].startswith("https://")


def test_story_failures_use_documented_codes() -> None:
    jobs = store()
    codes = {
        jobs.create(NewJob(api="stories", outcome="failed"), EPOCH).render(999, 1.0)["error"]["code"] for _ in range(30)
    }
    assert codes == {"content_rejected", "insufficient_credits"}


def test_nextdocs_keeps_result_and_error_as_null_until_set() -> None:
    job = store().create(NewJob(api="nextdocs", job_type="export.run", duration=5), EPOCH)
    early, late = job.render(1, 1.0), job.render(10, 1.0)
    assert early["result"] is None and early["error"] is None
    assert set(late["result"]) == {"export_id"} and late["error"] is None


def test_superdocs_pending_changes_only_while_awaiting_approval() -> None:
    job = store().create(NewJob(api="superdocs", job_type="chat", outcome="awaiting_approval", duration=5), EPOCH)
    working, waiting = job.render(2, 1.0), job.render(30, 1.0)
    assert working["status"] == "in_progress" and "pending_changes" not in working.get("metadata", {})
    assert waiting["status"] == "awaiting_approval" and waiting["metadata"]["pending_changes"]


def static_part(body: dict[str, Any], name: str) -> dict[str, Any]:
    api = APIS[name]
    moving = {api.status_field, *api.timestamps.values(), *(r.field for r in api.reporters), *api.presence}
    return {k: v for k, v in body.items() if k not in moving}


@pytest.mark.parametrize("name", sorted(APIS))
def test_faker_data_is_stable_across_polls_and_restarts_with_the_same_seed(name: str) -> None:
    first = store(seed=5).create(NewJob(api=name), EPOCH)
    again = store(seed=5).create(NewJob(api=name), EPOCH)
    other = store(seed=6).create(NewJob(api=name), EPOCH)
    assert first.id == again.id != other.id
    bodies = [static_part(first.render(t, 1.0), name) for t in (0, 3, 9, 40)]
    assert all(b == bodies[0] for b in bodies)
    assert static_part(again.render(40, 1.0), name) == bodies[0]
    assert static_part(other.render(40, 1.0), name) != bodies[0]


def test_field_aware_values() -> None:
    body = store().create(NewJob(api="longform"), EPOCH).render(0, 1.0)
    for field in ("reasoning_model", "writing_model", "function_model"):
        assert body[field] is None or "/" in body[field]
    assert body["title"] is None or len(body["title"].split()) >= 3


def test_ids_follow_the_vendor_format() -> None:
    jobs = store()
    nd = jobs.create(NewJob(api="neuraldraft"), EPOCH).id
    nx = jobs.create(NewJob(api="nextdocs"), EPOCH).id
    lf = jobs.create(NewJob(api="longform"), EPOCH).id
    assert nd.startswith("job_") and len(nd) == 16 and nd[4:].isalnum()
    assert nx.startswith("job_") and len(nx) == 16 and nx[4:] == nx[4:].lower()
    assert len(lf) == 36 and lf.count("-") == 4


def test_lifecycle_fields_cannot_be_overridden() -> None:
    with pytest.raises(JobError, match=r"status follow the lifecycle"):
        store().create(NewJob(api="neuraldraft", fields={"status": "completed"}), EPOCH)


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(JobError, match=r"known: blog_post\.generate"):
        store().create(NewJob(api="neuraldraft", job_type="video.generate"), EPOCH)


def test_stories_omits_timestamps_until_their_moment_as_its_page_says() -> None:
    stories = load_named("stories")
    mock = Memory(Mock([stories], clock="manual"))
    job = mock.create(NewJob(api="stories", outcome="completed", duration=10))
    seen = []
    for _step in range(12):
        body = mock.body(job)
        seen.append((body["status"], "started_at" in body, "completed_at" in body))
        assert None not in body.values()  # omitted, never null
        mock.advance(1)
    assert ("pending", False, False) in seen
    assert ("processing", True, False) in seen
    assert seen[-1] == ("completed", True, True)


def test_a_stories_result_holds_as_many_scenes_as_its_total_numbered_from_1() -> None:
    mock = Memory(Mock([load_named("stories")], clock="manual"))
    for _n in range(20):
        job = mock.create(NewJob(api="stories", outcome="completed", duration=5))
        mock.advance(10)
        body = mock.body(job)
        scenes = body["result"]["scenes"]
        assert body["scenes_completed"] == body["scenes_total"] == len(scenes)
        assert [scene["index"] for scene in scenes] == list(range(1, len(scenes) + 1))


def test_a_superdocs_job_belongs_to_an_organization_or_a_user_never_both() -> None:
    mock = Memory(Mock([load_named("superdocs")], clock="manual"))
    owners = set()
    for _n in range(30):
        body = mock.body(mock.create(NewJob(api="superdocs", duration=5)))
        set_ = [name for name in ("organization_id", "user_id") if body[name] is not None]
        assert len(set_) == 1, body
        owners.add(set_[0])
    assert owners == {"organization_id", "user_id"}  # both kinds occur


def test_a_longform_job_names_its_jwt_subject_as_its_user() -> None:
    longform = load_named("longform")
    mock = Memory(Mock([longform], clock="manual"))
    subject = "4f1c2b7a-3d9e-4a51-9b6f-0c8e2d1a7b35"
    mine = mock.create(NewJob(api="longform", owner=token_owner(longform.requirements(longform.poll), jwt(subject))))
    assert mock.body(mine)["user_id"] == subject
    other = mock.create(
        NewJob(api="longform", owner=token_owner(longform.requirements(longform.poll), jwt("not-a-uuid")))
    )
    assert mock.body(other)["user_id"] != "not-a-uuid"  # user_id is a UUID: a drawn one stands


def test_a_result_made_after_a_body_that_spent_the_data_budget_is_still_there(tmp_path: Path) -> None:
    """AssemblyAI's transcript: a job body of thousands of values, then its `text` (null or a
    string, in 3.1) shown on success only. The body spent the values one body may make, and
    `text` came out null on success; it is made on a budget of its own."""
    wide = {f"f{i}": {"type": "object", "required": [f"g{k}" for k in range(30)],
                      "properties": {f"g{k}": {"type": "string"} for k in range(30)}} for i in range(200)}  # fmt: skip
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/transcripts/{id}": {"get": {"operationId": "getTranscript",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "required": ["id", "status", "text", "meta"],
                "properties": {"id": {"type": "string"}, "text": {"type": ["string", "null"]},
                               "status": {"type": "string", "enum": ["queued", "processing", "completed", "error"]},
                               "meta": {"type": "object", "required": sorted(wide), "properties": wide}},
            }}}}}}}},
    }  # fmt: skip
    path = tmp_path / "transcripts.json"
    path.write_text(json.dumps(document))
    api = load_api(path)
    assert api.presence.get("text") == ("completed",)
    jobs = JobStore({api.name: api}, seed=1)
    done = jobs.create(NewJob(api=api.name, outcome="completed", duration=5), EPOCH).render(60, 1.0)
    assert done["status"] == "completed" and isinstance(done["text"], str) and done["text"]
