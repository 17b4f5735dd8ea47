"""`jobmock serve` through HTTP: documents' examples, lifecycles, auth, errors, control API."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jobmock import ApiModel, BackgroundServer, JobmockClient
from support import TOKENS, Served, create, jwt, serve

DOC_CURLS = [  # the documents' own example requests, host changed
    ("neuraldraft", "/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW", "ndsk_live_yourkey"),
    ("nextdocs", "/nextdocs/v1/jobs/job_abc123def456", "nxd_token"),
    ("longform", "/longform/getJobStatus?jobId=987fcdeb-51a2-43d7-8f9e-123456789abc", jwt("someone")),
]


@pytest.mark.parametrize(("api", "path", "token"), DOC_CURLS)
def test_documented_example_jobs_exist_for_every_key(served: Served, api: str, path: str, token: str) -> None:
    response = served.http.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert path.rsplit("/", 1)[-1].endswith(body.get("id", "?")) or body["id"] in path


def poll_until_done(served: Served, api: str, job: dict[str, object], space: dict[str, str]) -> list[dict[str, object]]:
    """Poll, then move the namespace's manual clock a quarter second, until the job ends."""
    terminal = set(served.apis[api].lifecycle.terminal)
    status_field = served.apis[api].status_field
    bodies = []
    for _ in range(200):
        response = served.poll(api, job, headers=space)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        if bodies[-1][status_field] in terminal:
            return bodies
        served.advance(0.25, space["X-Jobmock-Namespace"])
    raise AssertionError(f"job did not finish: {bodies[-1]}")


@pytest.mark.parametrize("api", sorted(TOKENS))
def test_created_job_lives_through_its_lifecycle(served: Served, api: str) -> None:
    model = served.apis[api]
    space = served.manual(f"lives-{api}")
    job = served.create(api, duration=2, headers=space)
    assert job["poll_url"].startswith(served.url + model.base_path)
    bodies = poll_until_done(served, api, job, space)
    statuses = [b[model.status_field] for b in bodies]
    assert statuses[0] == model.lifecycle.initial
    assert statuses[-1] == "completed"
    assert any(s in model.lifecycle.working for s in statuses)
    for reporter in model.reporters:
        if reporter.kind in ("percent", "count"):
            values = [b[reporter.field] for b in bodies]
            assert values == sorted(values) and values[-1] > values[0]


def test_speed_makes_default_lifecycles_faster() -> None:
    app = create(specs=["stories"], speed=20, clock="manual")
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as http, JobmockClient(server.url) as jm:
        job = jm.create("stories")  # default 11-28 s, /20
        assert job["poll_url"].startswith(server.url + "/v1/jobs/")  # one API: served at its own root
        jm.advance(0.5)  # 10 s of lifecycle: not yet done (the shortest takes 11)
        assert http.get(job["poll_url"], headers={"Authorization": "Bearer t"}).json()["status"] != "completed"
        jm.advance(1.0)  # 30 s of lifecycle: done, whatever the draw (the longest takes 28)
        assert http.get(job["poll_url"], headers={"Authorization": "Bearer t"}).json()["status"] == "completed"


EXPECTED_401 = {
    "neuraldraft": lambda b: set(b["error"]) == {"code", "message"} and b["error"]["code"] == "unauthorized",
    "nextdocs": lambda b: b["error"]["code"] == "UNAUTHORIZED" and b["error"]["message"],
    "stories": lambda b: set(b) == {"error", "message", "details", "request_id"} and b["error"] == "unauthorized",
    "superdocs": lambda b: set(b) == {"detail"},
    "longform": lambda b: set(b) == {"error"},
}


@pytest.mark.parametrize("api", sorted(TOKENS))
@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer", "Token x"])
def test_missing_or_malformed_auth_gets_the_vendor_401(served: Served, api: str, header: str | None) -> None:
    job = served.create(api)
    headers = {"Authorization": header} if header is not None else {}
    response = served.http.get(str(job["poll_url"]), headers=headers)
    assert response.status_code == 401
    assert EXPECTED_401[api](response.json()), response.text
    challenge = response.headers["www-authenticate"]  # the scheme the API wants, RFC 6750
    assert challenge.startswith(f'Bearer realm="{api}"')
    assert ("error=" in challenge) == (header is not None)  # no error code when nothing was sent


def test_a_token_of_the_wrong_form_gets_the_challenge_on_the_fast_path_too(served: Served) -> None:
    answer = served.http.get("/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW", headers={"Authorization": "Bearer sk_wrong"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == (
        'Bearer realm="neuraldraft", error="invalid_token", '
        'error_description="Invalid token format: expected an API key starting with ndsk_live_ or ndsk_test_"'
    )


OTHER_GOOD_TOKENS = {  # of the right form, but not the one `--key` accepts
    "neuraldraft": "ndsk_test_other",
    "longform": jwt("someone-else"),
    "nextdocs": "nxd_other",
    "stories": "other",
    "superdocs": "other",
}
BAD_CREDENTIALS = {
    "missing": None,
    "not bearer": "Basic dXNlcjpwYXNz",
    "bare token": "ndsk_live_abc",
    "empty bearer": "Bearer",
    "wrong form": "Bearer a.b",
    "not the key": "Bearer {other}",
    "bad jwt payload": "Bearer abc.@@@@.def".replace("@", "_"),
}


def declared_401_messages(api: ApiModel) -> set[str]:
    """The messages of the 401 examples the API's spec declares for its poll."""
    content = api.poll.spec["responses"]["401"]["content"]["application/json"]
    examples = [e["value"] for e in content.get("examples", {}).values()]
    examples += [content["example"]] if "example" in content else []
    return {json.dumps(e) for e in (message_of(api, body) for body in examples)}


def message_of(api: ApiModel, body: Any) -> Any:
    """A 401 body without its per-request parts (stories' request_id)."""
    return {k: v for k, v in body.items() if k != "request_id"}


@pytest.mark.parametrize("api", sorted(TOKENS))
def test_the_401_messages_sent_are_the_ones_the_spec_declares(api: str) -> None:
    """Every 401 body the mock sends (by either path, under `--key` too) is one of the spec's
    401 examples, and every example is one the mock sends."""
    key = {"longform": jwt("the-only-user")}.get(api, TOKENS[api])
    app = create(specs=[api], keys=[f"{api}={key}"])
    model = app.state.mock.apis[api]
    sent = set()
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as http:
        url = model.base_path + model.poll_path(documented_id(model))
        for credential in BAD_CREDENTIALS.values():
            credential = credential and credential.format(other=OTHER_GOOD_TOKENS[api])
            headers = {"Authorization": credential} if credential is not None else {}
            for path in (url, url + ("&" if "?" in url else "?") + "trace=1"):  # fast path, then Connexion
                answer = http.get(path, headers=headers)
                assert answer.status_code == 401, (credential, answer.text)
                sent.add(json.dumps(message_of(model, answer.json())))
    assert sent == declared_401_messages(model)


def documented_id(api: ApiModel) -> str:
    return "987fcdeb-51a2-43d7-8f9e-123456789abc" if api.ids.uuid else api.ids.prefix + "a" * api.ids.length


@pytest.mark.parametrize(
    ("api", "bad"),
    [
        ("neuraldraft", "sk_live_abc"),
        ("neuraldraft", "ndsk_prod_abc"),
        ("nextdocs", "nxdabc"),
        ("longform", "a.b"),
        ("longform", "not-a-jwt"),
    ],
)
def test_documented_token_formats_are_enforced(served: Served, api: str, bad: str) -> None:
    job = served.create(api)
    response = served.poll(api, job, token=bad)
    assert response.status_code == 401
    assert "Invalid token" in response.headers["www-authenticate"]  # and in the body, unless the page words it


def test_jobs_of_one_key_are_invisible_to_another(served: Served) -> None:
    mine = served.http.post(
        "/_jobmock/jobs", json={"api": "nextdocs"}, headers={"Authorization": "Bearer nxd_alice"}
    ).json()
    assert served.poll("nextdocs", mine, token="nxd_alice").status_code == 200
    other = served.poll("nextdocs", mine, token="nxd_bob")
    assert other.status_code == 404
    assert other.json() == {"error": {"code": "NOT_FOUND", "message": "The requested resource was not found."}}


def test_jwt_owner_is_its_subject(served: Served) -> None:
    job = served.create("longform", token=jwt("alice"))
    assert served.poll("longform", job, token=jwt("alice")).status_code == 200
    assert served.poll("longform", job, token=jwt("bob")).status_code == 404


def test_longform_cancel_job_really_cancels(served: Served) -> None:
    job = served.create("longform", duration=60)
    cancel = served.http.post("/longform/cancelJob", json={"jobId": job["id"]}, headers=served.auth("longform"))
    assert cancel.status_code == 200 and cancel.json() == {"message": "Job cancelled successfully"}
    assert served.poll("longform", job).json()["status"] == "cancelled"
    again = served.http.post("/longform/cancelJob", json={"jobId": job["id"]}, headers=served.auth("longform"))
    assert again.status_code == 409
    assert again.json() == {"error": "Job is already cancelled and cannot be cancelled."}


def test_cancelling_a_finished_job_is_a_clear_error(served: Served) -> None:
    space = served.manual("finished")
    job = served.create("longform", duration=0.2, headers=space)
    served.advance(1, "finished")
    auth = {**served.auth("longform"), **space}
    again = served.http.post("/longform/cancelJob", json={"jobId": job["id"]}, headers=auth)
    assert again.status_code == 409 and "already completed" in again.json()["error"]
    control = served.http.post(f"/_jobmock/jobs/{job['id']}/cancel", headers=space)
    assert control.status_code == 409 and "already finished" in control.json()["detail"]


def test_a_superdocs_job_awaiting_approval_is_approved_or_rejected_through_the_control_api(served: Served) -> None:
    space = served.manual("approval")
    control = served.control("approval")
    info = {a["name"]: a for a in served.http.get("/_jobmock/apis").json()["apis"]}
    assert info["superdocs"]["approval"] == {
        "state": "awaiting_approval",
        "approve": "in_progress",
        "reject": "cancelled",
    }
    assert info["neuraldraft"]["approval"] is None
    approved = served.create("superdocs", headers=space, scenario="awaiting-approval")
    rejected = served.create("superdocs", headers=space, outcome="awaiting_approval", duration=10)
    served.advance(30, "approval")
    waiting = served.poll("superdocs", approved, headers=space).json()
    assert waiting["status"] == "awaiting_approval" and len(waiting["metadata"]["pending_changes"]) == 2
    view = control.approve(approved["id"])
    assert view["status"] == "in_progress" == served.poll("superdocs", approved, headers=space).json()["status"]
    assert view["history"][-1]["status"] == "in_progress"
    served.advance(600, "approval")
    done = served.poll("superdocs", approved, headers=space).json()
    assert done["status"] == "completed" and done["progress"] == 100 and done["result"] is not None
    assert control.reject(rejected["id"])["status"] == "cancelled"
    assert served.poll("superdocs", rejected, headers=space).json()["status"] == "cancelled"
    again = served.http.post(f"/_jobmock/jobs/{approved['id']}/approve", headers=space)
    assert again.status_code == 409 and again.json()["detail"] == "the job is completed, not awaiting_approval"


def test_superdocs_documents_no_approve_endpoint_so_its_api_serves_none(served: Served) -> None:
    """The vendor's page shows awaiting_approval but no way to approve: the vendor API answers
    its 404 or 405 for any such path, and the job keeps waiting."""
    space = served.manual("vendor-approval")
    job = served.create("superdocs", headers=space, scenario="awaiting-approval")
    served.advance(30, "vendor-approval")
    auth = {**served.auth("superdocs"), **space}
    for path in (f"/superdocs/v1/jobs/{job['id']}/approve", f"/superdocs/v1/jobs/{job['id']}/reject"):
        answer = served.http.post(path, headers=auth)
        assert answer.status_code in (404, 405) and "detail" in answer.json(), answer.text
    assert served.http.post(f"/superdocs/v1/jobs/{job['id']}", headers=auth).status_code == 405
    assert served.poll("superdocs", job, headers=space).json()["status"] == "awaiting_approval"


def test_control_api_create_get_list_cancel_delete(served: Served) -> None:
    job = served.create("neuraldraft", type="image.generate", outcome="failed", duration=30)
    assert job["id"].startswith("job_") and job["type"] == "image.generate" and job["outcome"] == "failed"
    listed = served.http.get("/_jobmock/jobs", params={"api": "neuraldraft"}).json()["jobs"]
    assert job["id"] in {j["id"] for j in listed}
    assert served.http.get(f"/_jobmock/jobs/{job['id']}").json()["body"]["id"] == job["id"]
    cancelled = served.http.post(f"/_jobmock/jobs/{job['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" == served.poll("neuraldraft", job).json()["status"]
    assert served.http.delete(f"/_jobmock/jobs/{job['id']}").status_code == 204
    gone = served.poll("neuraldraft", job)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert served.http.get(f"/_jobmock/jobs/{job['id']}").status_code == 404
    reuse = served.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "id": job["id"]})
    assert reuse.status_code == 409  # a deleted job stays gone


def test_control_api_field_overrides_and_clear_errors(served: Served) -> None:
    job = served.create("longform", fields={"title": "My essay", "is_starred": True})
    body = served.poll("longform", job).json()
    assert body["title"] == "My essay" and body["is_starred"] is True
    bad = served.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "outcome": "paused"})
    assert bad.status_code == 400 and "declared states" in bad.json()["detail"]
    unknown = served.http.post("/_jobmock/jobs", json={"api": "acme"})
    assert unknown.status_code == 400 and "neuraldraft" in unknown.json()["detail"]
    apis = served.http.get("/_jobmock/apis").json()["apis"]
    assert {a["name"] for a in apis} == set(TOKENS)


@pytest.mark.parametrize(
    ("api", "path", "status", "check"),
    [
        (
            "stories",
            "/stories/v1/jobs/nope",
            404,
            lambda b: b["error"] == "not_found" and b["request_id"].startswith("req_"),
        ),
        ("superdocs", "/superdocs/v1/jobs/nope", 404, lambda b: b == {"detail": "Job not found"}),
        (
            "longform",
            "/longform/getJobStatus?jobId=not-a-uuid",
            400,
            lambda b: b == {"error": "jobId must be a uuid"},
        ),
        ("longform", "/longform/getJobStatus", 400, lambda b: set(b) == {"error"}),
    ],
)
def test_errors_use_the_vendor_envelope(served: Served, api: str, path: str, status: int, check: object) -> None:
    response = served.http.get(path, headers=served.auth(api))
    assert response.status_code == status, response.text
    assert check(response.json()), response.text  # type: ignore[operator]  # a lambda from the table


def test_superdocs_validation_errors_are_fastapi_422(served: Served) -> None:
    response = served.http.post("/longform/cancelJob", json={"jobId": 5}, headers=served.auth("longform"))
    assert response.status_code == 400 and set(response.json()) == {"error"}


@pytest.mark.parametrize("payload", [b"\xff\xfe\x00", b"{not json", b'{"jobId": "\xc3"}'])
def test_undecodable_bodies_are_400_not_500(served: Served, payload: bytes) -> None:
    headers = {**served.auth("longform"), "Content-Type": "application/json"}
    response = served.http.post("/longform/cancelJob", content=payload, headers=headers)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}


def test_wrong_method_lists_the_allowed_ones(served: Served) -> None:
    response = served.http.delete("/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW", headers=served.auth("neuraldraft"))
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_cors_lets_a_browser_app_poll(served: Served) -> None:
    """A frontend on any origin may poll; a loopback one gets its origin back, with credentials."""
    path = "/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW"
    for origin, allowed in (("http://localhost:5173", "http://localhost:5173"), ("https://app.example", "*")):
        asked = {
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        preflight = served.http.options(path, headers=asked)
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == allowed
        assert "authorization" in preflight.headers["access-control-allow-headers"]
        poll = served.http.get(path, headers={"Origin": origin, **served.auth("neuraldraft")})
        assert poll.status_code == 200 and poll.headers["access-control-allow-origin"] == allowed
        assert (poll.headers.get("access-control-allow-credentials") == "true") == (allowed != "*")
        assert "Retry-After" in poll.headers["access-control-expose-headers"]


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[Served, Served]]:
    """The same server twice: the fast paths on, and every request through Connexion."""
    with contextlib.ExitStack() as stack:
        fast = stack.enter_context(contextlib.contextmanager(serve)(seed=7, no_fast_paths=False))
        slow = stack.enter_context(contextlib.contextmanager(serve)(seed=7, no_fast_paths=True))
        yield fast, slow


def twin_jobs(both: tuple[Served, Served], api: str, namespace: str) -> list[dict[str, object]]:
    """One job of the same id, made at the same instant of a manual clock, on each server."""
    ids = both[0].apis[api].ids
    job_id = "0f0f0f0f-0000-4000-8000-00000000cafe" if ids.uuid else ids.prefix + ("Twin" * 20)[: ids.length]
    jobs = []
    for server in both:
        control = server.control(namespace)
        control.clock("manual")
        control.set_time("2030-01-01T00:00:00Z")
        jobs.append(control.create(api, id=job_id, duration=3))
    return jobs


@pytest.mark.parametrize("api", sorted(TOKENS))
def test_fast_path_answers_exactly_like_connexion(both: tuple[Served, Served], api: str) -> None:
    """The same job at the same instants, polled through the fast path and through Connexion."""
    namespace = f"same-{api}"
    jobs = twin_jobs(both, api, namespace)
    for _step in range(10):
        answers = []
        for server, job in zip(both, jobs, strict=True):
            server.advance(0.4, namespace)
            answers.append(server.poll(api, job, headers={"X-Jobmock-Namespace": namespace}))
        a, b = answers
        assert a.status_code == b.status_code == 200
        assert a.headers["content-type"] == b.headers["content-type"]
        assert a.content == b.content


BAD_TOKENS = {
    "neuraldraft": "sk_wrong",
    "longform": "not-a-jwt",
    "nextdocs": "wrong",
    "stories": None,
    "superdocs": None,
}


def comparable(answer: httpx.Response) -> tuple[int, str, object, list[str]]:
    body = answer.json()
    text = json.dumps(body)
    for request_id in set(re.findall(r"req_[0-9a-f]{24}", text)):  # a fresh one on every answer
        text = text.replace(request_id, "req_ID")
    names = sorted(k for k in answer.headers if k not in ("date", "server", "content-length"))
    return answer.status_code, answer.headers["content-type"], json.loads(text), names


@pytest.mark.parametrize("api", sorted(TOKENS))
def test_fast_path_404_400_and_401_answer_exactly_like_connexion(both: tuple[Served, Served], api: str) -> None:
    """An id this key cannot see, an id of the wrong form, a bearer token of the wrong form,
    and none: both paths agree."""
    fast, slow = both
    model = fast.apis[api]
    unknown = "00000000-0000-4000-8000-000000000000" if model.ids.uuid else model.ids.prefix + "Z" * model.ids.length
    cases = [(unknown, fast.auth(api)), (unknown, {}), ("not-an-id", fast.auth(api))]
    if BAD_TOKENS[api]:
        cases.append((unknown, {"Authorization": f"Bearer {BAD_TOKENS[api]}"}))
    for job_id, headers in cases:
        path = model.base_path + model.poll_path(job_id)
        a, b = fast.http.get(path, headers=headers), slow.http.get(path, headers=headers)
        assert a.status_code in (400, 401, 404)
        assert comparable(a) == comparable(b)


def test_validated_polls_answer_500_for_a_body_that_breaks_the_spec() -> None:
    """--validate-responses holds every answer to the spec (through Connexion): a body that
    breaks it is a 500 saying where; without the option it is sent as it is."""
    for validate, status in ((True, 500), (False, 200)):
        app = create(specs=["longform"], validate_responses=validate)
        with BackgroundServer(app) as server, JobmockClient(server.url) as control:
            job = control.create("longform", fields={"is_starred": "not a boolean"})
            for _again in range(2):  # checked again, not waved through from a cache
                answer = httpx.get(job["poll_url"], headers={"Authorization": f"Bearer {TOKENS['longform']}"})
                assert answer.status_code == status, answer.text
                if status == 500:
                    assert "does not conform to specification" in answer.text and "is_starred" in answer.text


CREATES = {  # a create request body, and the headers it is sent with
    "plain": ({"api": "nextdocs", "outcome": "failed", "duration": 5}, {}),
    "owned by the bearer": ({"api": "stories", "duration": 5}, {"Authorization": "Bearer any-token"}),
    "a scenario": ({"api": "neuraldraft", "scenario": "flaky"}, {}),
    "unknown api": ({"api": "nope"}, {}),
    "unknown scenario": ({"api": "neuraldraft", "scenario": "nope"}, {}),
    "bad token": ({"api": "neuraldraft", "token": "sk_wrong_form"}, {}),
    "unknown outcome": ({"api": "neuraldraft", "outcome": "exploded"}, {}),
    "driven field": ({"api": "neuraldraft", "fields": {"status": "completed"}}, {}),
    "schema says no": ({"api": "neuraldraft", "colour": "blue"}, {}),
    "duration out of range": ({"api": "neuraldraft", "duration": 0}, {}),
    "not an object": ([1, 2], {}),
}


@pytest.mark.parametrize("case", sorted(CREATES))
def test_fast_creates_answer_exactly_like_connexion(both: tuple[Served, Served], case: str) -> None:
    """POST /_jobmock/jobs on the create fast path and through Connexion: the same answers."""
    body, headers = CREATES[case]
    namespace = {"X-Jobmock-Namespace": f"create-{case}"}
    for server in both:  # no time passes between the creates (a busy machine): their progress is the same
        server.control(f"create-{case}").clock("manual")
    answers = [
        server.http.post(
            "/_jobmock/jobs", content=json.dumps(body), headers={**namespace, **headers, "Content-Type": c}
        )
        for server in both
        for c in ("application/json", "application/json; charset=utf-8")
    ]
    expected = answers[-1]
    for answer in answers:
        assert answer.status_code == expected.status_code, answer.text
        assert answer.headers["content-type"] == expected.headers["content-type"]
        got, wanted = answer.json(), expected.json()
        if answer.status_code == 201:  # other jobs: ids and timestamps differ, the rest is the same
            for view in (got, wanted):
                view["body"] = sorted(view["body"])
                for key in ("id", "poll_url", "created_at", "type", "state_since", "history"):
                    view.pop(key)
        assert got == wanted
