"""Fake data agrees with itself and with the request, per API, through HTTP: jobs of every
outcome are made through the control API and polled from start to end under a manual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support import TOKENS, Served, jwt, serve

Body = dict[str, Any]
NEURALDRAFT_RESULTS = {
    "blog_post.generate": {"post_id", "slug", "title"},
    "social_post.generate": {"social_post_id", "title", "platforms"},
    "image.generate": {"url", "key", "width", "height"},
    "translation.batch": {"keys_translated", "locales"},
}


def neuraldraft(body: Body, _token: str) -> None:
    steps = body.get("steps", [])
    active = [s for s in steps if s["active"]]
    assert len(active) <= 1
    if body["status"] == "completed":
        assert all(s["completed"] for s in steps) and not active and body["progress"] == 100
        wanted = NEURALDRAFT_RESULTS.get(body["type"])
        assert wanted is None or set(body["result"]) == wanted
    if body["status"] == "processing" and active:
        done = [s["completed"] for s in steps]
        assert done == sorted(done, reverse=True)  # the steps before the active one are done
    assert ("error" in body) == (body["status"] == "failed")


def nextdocs(body: Body, _token: str) -> None:
    assert body["object"] == "job"
    assert (body["error"] is not None) == (body["status"] == "failed")
    if body["status"] == "completed":
        key = {"export.run": "export_id", "artifact.create": "artifact_id"}[body["type"]]
        assert set(body["result"]) == {key}
    else:
        assert body["result"] is None


def longform(body: Body, token: str) -> None:
    assert body["user_id"] == SUBJECT  # the JWT's subject, a UUID
    assert body.get("progress") == body.get("percent_complete")
    assert (body.get("error_message") is not None) == (body["status"] == "failed")


def stories(body: Body, _token: str) -> None:
    assert None not in body.values()  # absent timestamps are omitted, never null
    assert ("started_at" in body) == (body["status"] != "pending")
    assert 0 <= body["scenes_completed"] <= body["scenes_total"]
    if body["status"] == "completed":
        scenes = body["result"]["scenes"]
        assert [s["index"] for s in scenes] == list(range(1, body["scenes_total"] + 1))
        assert body["scenes_completed"] == body["scenes_total"] and "completed_at" in body


def superdocs(body: Body, _token: str) -> None:
    assert [body["organization_id"], body["user_id"]].count(None) == 1  # one owner, the other null
    assert ("pending_changes" in (body.get("metadata") or {})) == (body["status"] == "awaiting_approval")
    assert (body.get("error") is not None) == (body["status"] == "failed")
    if body["status"] == "completed":
        assert body["progress"] == 100


SUBJECT = "4f1c2b7a-3d9e-4a51-9b6f-0c8e2d1a7b35"
INVARIANTS: dict[str, Callable[[Body, str], None]] = {
    "neuraldraft": neuraldraft,
    "nextdocs": nextdocs,
    "longform": longform,
    "stories": stories,
    "superdocs": superdocs,
}
TOKEN = {**TOKENS, "longform": jwt(SUBJECT)}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from serve(seed=9)


@pytest.mark.parametrize("api", sorted(INVARIANTS))
def test_each_apis_fake_data_keeps_its_invariants_in_every_poll(served: Served, api: str) -> None:
    headers = {**served.manual(f"data-{api}"), "Authorization": f"Bearer {TOKEN[api]}"}
    model = served.apis[api]
    jobs = [
        served.create(api, headers=headers, outcome=outcome, duration=8)
        for outcome in model.lifecycle.terminal
        for _copy in range(4)
    ]
    fixed: dict[str, dict[str, Any]] = {}
    for _second in range(12):
        for job in jobs:
            answer = served.http.get(str(job["poll_url"]), headers=headers)
            assert answer.status_code == 200
            body = answer.json()
            INVARIANTS[api](body, TOKEN[api])
            kept = {name: body.get(name) for name in model.fixed_fields}
            assert fixed.setdefault(str(job["id"]), kept) == kept  # the same from poll to poll
        served.http.post("/_jobmock/clock/advance", json={"seconds": 1}, headers=headers)
    final = {served.http.get(str(j["poll_url"]), headers=headers).json()[model.status_field] for j in jobs}
    assert final == set(model.lifecycle.terminal)
