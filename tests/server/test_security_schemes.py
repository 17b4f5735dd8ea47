"""Every security scheme over HTTP, as `jobmock serve` answers it: an API key in a header,
the query or a cookie (AssemblyAI's bare `Authorization: <key>` too), HTTP bearer and
basic, OAuth 2 and OpenID Connect; global and per-operation requirements, alternatives,
combinations and `security: []`. A right credential is let in and owns its jobs; a missing
or malformed one gets 401 with the document's own 401 body where it documents one. Each
request is sent both ways: the fast path, and Connexion (an extra query parameter)."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from jobmock import BackgroundServer
from support import CORPUS, Served, create

DOCUMENTED_401 = {"message": "Unauthorized: bad or missing key"}
ASSEMBLYAI = CORPUS / "assemblyai.yaml"  # JOBMOCK_CORPUS_DIR too


def basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


def job_document(
    schemes: dict[str, Any], security: Any, openapi: str = "3.0.3", unauthorized: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A small job API (`vault`): GET /v1/jobs/{id} polled, under `security` (global); its
    401 `unauthorized` (default: one with an example; `{}`: none documented)."""
    if unauthorized is None:
        unauthorized = {
            "description": "Unauthorized",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": DOCUMENTED_401}
            },
        }
    doc: dict[str, Any] = {
        "openapi": openapi,
        "info": {"title": "Vault jobs", "version": "1"},
        "servers": [{"url": "https://api.vault.test/v1"}],
        "security": security,
        "paths": {
            "/jobs/{id}": {
                "get": {
                    "operationId": "getJob",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "The job",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                        },
                        **({"401": unauthorized} if unauthorized else {}),
                        "404": {"description": "No such job"},
                    },
                }
            }
        },
        "components": {
            "securitySchemes": schemes,
            "schemas": {
                "Job": {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {"id": {"type": "string"}, "status": {"type": "string", "enum": ["running", "done"]}},
                },
                "Problem": {"type": "object", "properties": {"message": {"type": "string"}}},
            },
        },
        "x-jobmock": {
            "poll": "getJob",
            "id": {"parameter": "id", "field": "id", "prefix": "job_"},
            "status": "status",
            "states": ["running", "done"],
            "initial": "running",
            "working": ["running"],
            "terminal": ["done"],
            "transitions": {"running": ["done"]},
        },
    }
    return doc


FIXTURES = {
    "api": "vault",
    "scenarios": {"done-soon": {"phases": [{"status": "running", "duration": 1}, {"status": "done"}]}},
}


@contextmanager
def serving(tmp_path: Path, doc: dict[str, Any], **options: Any) -> Iterator[Served]:
    spec = tmp_path / "vault.json"
    spec.write_text(json.dumps(doc, indent=1))
    fixtures = tmp_path / "vault-fixtures.yaml"
    fixtures.write_text(yaml.safe_dump(FIXTURES, sort_keys=False))
    app = create(specs=[str(spec)], fixtures=[str(fixtures)], **options)
    with BackgroundServer(app) as server:
        served = Served(app, server)
        try:
            yield served
        finally:
            served.close()


class Sent:
    """A credential as a request carries it: headers (a cookie is a header) and query."""

    def __init__(self, headers: dict[str, str] | None = None, params: dict[str, str] | None = None):
        self.headers = headers or {}
        self.params = params or {}


def polls(served: Served, job_id: str, sent: Sent, checked: bool = True) -> list[httpx.Response]:
    """The same poll by the fast path, then by Connexion (an extra query parameter); each
    answer held to the document unless not `checked` (a status it does not declare)."""
    url = f"/v1/jobs/{job_id}"
    http = served.http if checked else served.unchecked
    return [
        http.get(url, headers=sent.headers, params=sent.params),
        http.get(url, headers=sent.headers, params={**sent.params, "trace": "1"}),
    ]


def make_job(served: Served, sent: Sent, **fields: Any) -> str:
    made = served.http.post("/_jobmock/jobs", json={"api": "vault", **fields}, headers=sent.headers, params=sent.params)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


SCHEMES = {  # name: (scheme, right credential, another right one, malformed ones, challenge's start)
    "apiKey header": (
        {"type": "apiKey", "in": "header", "name": "X-Vault-Key"},
        Sent({"X-Vault-Key": "k1"}),
        Sent({"X-Vault-Key": "k2"}),
        [Sent({"X-Vault-Key": ""}), Sent({"Authorization": "Bearer k1"})],
        'ApiKey realm="vault", in="header", name="X-Vault-Key"',
    ),
    "apiKey query": (
        {"type": "apiKey", "in": "query", "name": "api_key"},
        Sent(params={"api_key": "k1"}),
        Sent(params={"api_key": "k2"}),
        [Sent(params={"api_key": ""}), Sent({"X-Api-Key": "k1"})],
        'ApiKey realm="vault", in="query", name="api_key"',
    ),
    "apiKey cookie": (
        {"type": "apiKey", "in": "cookie", "name": "vault_session"},
        Sent({"Cookie": "theme=dark; vault_session=k1"}),
        Sent({"Cookie": "vault_session=k2"}),
        [Sent({"Cookie": "vault_sess=k1"}), Sent({"Cookie": "vault_session=; theme=dark"})],
        'ApiKey realm="vault", in="cookie", name="vault_session"',
    ),
    "Authorization with no prefix": (
        {"type": "apiKey", "in": "header", "name": "Authorization"},
        Sent({"Authorization": "k1"}),
        Sent({"Authorization": "k2"}),
        [Sent({"Authorization": ""})],
        'ApiKey realm="vault", in="header", name="Authorization"',
    ),
    "apiKey of a form": (
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-Vault-Key",
            "x-jobmock-token": {"pattern": "^vk_[a-z0-9]+$", "hint": "a key starting with vk_"},
        },
        Sent({"X-Vault-Key": "vk_1"}),
        Sent({"X-Vault-Key": "vk_2"}),
        [Sent({"X-Vault-Key": "k1"})],
        "ApiKey",
    ),
    "bearer": (
        {"type": "http", "scheme": "bearer"},
        Sent({"Authorization": "Bearer k1"}),
        Sent({"Authorization": "Bearer k2"}),
        [Sent({"Authorization": "k1"}), Sent({"Authorization": "Bearer"}), Sent({"Authorization": basic("a:b")})],
        'Bearer realm="vault"',
    ),
    "basic": (
        {"type": "http", "scheme": "basic"},
        Sent({"Authorization": basic("alice:pw")}),
        Sent({"Authorization": basic("bob:pw")}),
        [
            Sent({"Authorization": "Basic !!!"}),
            Sent({"Authorization": basic("no-colon")}),
            Sent({"Authorization": "Bearer t"}),
        ],
        'Basic realm="vault", charset="UTF-8"',
    ),
    "oauth2": (
        {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "https://vault.test/auth",
                    "tokenUrl": "https://vault.test/token",
                    "scopes": {"jobs:read": "read jobs"},
                }
            },
        },
        Sent({"Authorization": "Bearer any-access-token"}),
        Sent({"Authorization": "Bearer another-token"}),
        [Sent({"Authorization": "Token x"})],
        'Bearer realm="vault"',
    ),
    "openIdConnect": (
        {"type": "openIdConnect", "openIdConnectUrl": "https://vault.test/.well-known/openid-configuration"},
        Sent({"Authorization": "Bearer an-id-token"}),
        Sent({"Authorization": "Bearer other-id-token"}),
        [Sent({"Authorization": basic("a:b")})],
        'Bearer realm="vault"',
    ),
}


@pytest.mark.parametrize("openapi", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize("kind", sorted(SCHEMES))
def test_each_scheme_lets_its_credential_in_and_refuses_the_rest_with_the_documented_401(
    tmp_path: Path, kind: str, openapi: str
) -> None:
    scheme, right, other, malformed, challenge = SCHEMES[kind]
    scopes = ["jobs:read"] if scheme["type"] == "oauth2" else []
    with serving(tmp_path, job_document({"vaultAuth": scheme}, [{"vaultAuth": scopes}], openapi)) as served:
        job = make_job(served, right)  # owned by the credential the request carries
        for answer in polls(served, job, right):
            assert answer.status_code == 200, answer.text
            assert answer.json()["id"] == job
        for answer in polls(served, job, other):  # of the right form, another account: not its job
            assert answer.status_code == 404, answer.text
        for sent in [Sent(), *malformed]:
            for answer in polls(served, job, sent):
                assert answer.status_code == 401, (sent.headers, sent.params, answer.text)
                assert answer.json() == DOCUMENTED_401  # the document's own body
                assert answer.headers["www-authenticate"].startswith(challenge)
        assert [j["id"] for j in served.control().jobs(api="vault")] == [job]  # nothing made by a refusal


@pytest.mark.parametrize(
    ("unauthorized", "body", "media"),
    [
        (
            {},
            {"error": {"code": "unauthorized", "message": "No API key provided: send it in the X-Vault-Key header"}},
            "application/json",
        ),
        ({"description": "Unauthorized"}, None, None),
        (
            {"description": "Unauthorized", "content": {"text/plain": {"example": "Who are you?"}}},
            "Who are you?",
            "text/plain",
        ),
        (
            {
                "description": "Unauthorized",
                "headers": {
                    "WWW-Authenticate": {"schema": {"type": "string"}},
                    "X-Request-Id": {"schema": {"type": "string"}},
                },
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["code"],
                            "properties": {"code": {"type": "integer", "enum": [401]}},
                        }
                    }
                },
            },
            {"code": 401},
            "application/json",
        ),
    ],
    ids=["undocumented: the envelope", "no body", "a text example", "made from its schema"],
)
def test_a_refusal_answers_the_401_the_operation_documents(
    tmp_path: Path, unauthorized: dict[str, Any], body: Any, media: str | None
) -> None:
    scheme = {"type": "apiKey", "in": "header", "name": "X-Vault-Key"}
    doc = job_document({"key": scheme}, [{"key": []}], unauthorized=unauthorized)
    with serving(tmp_path, doc) as served:
        for answer in polls(served, "job_abcdefghijkl", Sent(), checked=bool(unauthorized)):
            assert answer.status_code == 401
            assert answer.headers.get("content-type") == media
            assert (answer.json() if media == "application/json" else answer.text or None) == body
            assert answer.headers["www-authenticate"] == 'ApiKey realm="vault", in="header", name="X-Vault-Key"'
            assert ("x-request-id" in answer.headers) == ("headers" in unauthorized)  # its documented headers


def test_serve_key_restricts_every_scheme(tmp_path: Path) -> None:
    schemes = {
        "key": {"type": "apiKey", "in": "query", "name": "api_key"},
        "basicAuth": {"type": "http", "scheme": "basic"},
    }
    doc = job_document(schemes, [{"key": []}, {"basicAuth": []}])
    with serving(tmp_path, doc, keys=["vault=k1", "vault=alice:pw"]) as served:
        for sent in (Sent(params={"api_key": "k1"}), Sent({"Authorization": basic("alice:pw")})):
            job = make_job(served, sent)
            assert all(a.status_code == 200 for a in polls(served, job, sent))
        for sent in (Sent(params={"api_key": "k2"}), Sent({"Authorization": basic("alice:other")})):
            for answer in polls(served, "job_abcdefghijkl", sent):
                assert answer.status_code == 401 and answer.json() == DOCUMENTED_401
                assert "Invalid" in answer.headers["www-authenticate"]
        refused = served.http.post("/_jobmock/jobs", json={"api": "vault", "token": "k2"})
        assert refused.status_code == 400 and "Invalid API key" in refused.json()["detail"]


def test_the_same_key_in_a_header_or_the_query_is_one_owner(tmp_path: Path) -> None:
    schemes = {
        "inHeader": {"type": "apiKey", "in": "header", "name": "X-Vault-Key"},
        "inQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
    }
    with serving(tmp_path, job_document(schemes, [{"inHeader": []}, {"inQuery": []}])) as served:
        job = make_job(served, Sent(), token="k1")  # the control API's `token`, read as the poll reads it
        assert all(a.status_code == 200 for a in polls(served, job, Sent({"X-Vault-Key": "k1"})))
        assert all(a.status_code == 200 for a in polls(served, job, Sent(params={"api_key": "k1"})))
        assert all(a.status_code == 404 for a in polls(served, job, Sent(params={"api_key": "k2"})))


def test_a_refused_poll_makes_no_job_and_no_namespace(tmp_path: Path) -> None:
    doc = job_document({"key": {"type": "apiKey", "in": "header", "name": "X-Vault-Key"}}, [{"key": []}])

    def held(served: Served) -> list[int]:
        status = served.http.get("/_jobmock/status").json()
        return [status["namespaces"]["count"], status["jobs"]["count"], status["spot_jobs"]["count"]]

    with serving(tmp_path, doc) as served:
        before = held(served)
        asked = Sent({"Prefer": "scenario=done-soon", "X-Jobmock-Namespace": "refused"})  # a job made on the spot
        for answer in polls(served, "job_abcdefghijkl", asked):
            assert answer.status_code == 401
        assert held(served) == before
        let_in = Sent({**asked.headers, "X-Vault-Key": "k1"})
        assert polls(served, "job_abcdefghijkl", let_in)[0].status_code == 200  # the scenario's job, made now
        assert held(served) != before


HOSTILE = [
    Sent({"Authorization": "Basic " + "A" * 7000}),
    Sent({"Authorization": "Bearer \x80\xff"}),
    Sent({"Cookie": "vault_session=\x80\xff; =; ;;"}),
    Sent({"X-Vault-Key": "é" * 10}),
    Sent(params={"api_key": "\x00"}),
]


def test_hostile_credentials_are_refused_or_let_in_never_a_500(tmp_path: Path) -> None:
    schemes = {
        "header": {"type": "apiKey", "in": "header", "name": "X-Vault-Key", "x-jobmock-token": {"pattern": "^vk_.+$"}},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "vault_session", "x-jobmock-token": {"jwt": True}},
        "basicAuth": {"type": "http", "scheme": "basic"},
        "query": {"type": "apiKey", "in": "query", "name": "api_key", "x-jobmock-token": {"pattern": "^vk_.+$"}},
    }
    with serving(
        tmp_path, job_document(schemes, [{"header": []}, {"cookie": [], "basicAuth": []}, {"query": []}])
    ) as served:
        for sent in HOSTILE:
            headers = {k.encode(): v.encode("utf-8") for k, v in sent.headers.items()}  # bytes: not ASCII
            for extra in ({}, {"trace": "1"}):  # the fast path, then Connexion
                answer = served.http.get("/v1/jobs/job_abcdefghijkl", headers=headers, params={**sent.params, **extra})
                assert answer.status_code == 401, answer.text
                assert answer.json() == DOCUMENTED_401


def test_global_per_operation_alternatives_combinations_and_none(tmp_path: Path) -> None:
    """A 3.1 document whose other operations (answered statelessly, not about a job) each
    ask differently: Connexion's security layer holds them to the same `judge`."""
    schemes = {
        "key": {"type": "apiKey", "in": "header", "name": "X-Vault-Key"},
        "org": {"type": "apiKey", "in": "header", "name": "X-Vault-Org"},
        "basicAuth": {"type": "http", "scheme": "basic"},
    }
    doc = job_document(schemes, [{"key": []}], openapi="3.1.0")
    documented = copy.deepcopy(doc["paths"]["/jobs/{id}"]["get"]["responses"]["401"])

    def op(name: str, security: Any = None) -> dict[str, Any]:
        spec: dict[str, Any] = {"operationId": name, "responses": {"200": {"description": "ok"}, "401": documented}}
        if security is not None:
            spec["security"] = security
        return {"get": spec}

    doc["paths"].update(
        {
            "/inherits": op("inherits"),
            "/open": op("open", []),
            "/either": op("either", [{"key": []}, {"basicAuth": []}]),
            "/both": op("both", [{"key": [], "org": []}]),
            "/maybe": op("maybe", [{}, {"basicAuth": []}]),
        }
    )
    key, org, user = {"X-Vault-Key": "k1"}, {"X-Vault-Org": "o1"}, {"Authorization": basic("u:p")}
    expected = {  # path: [(headers, let in)]
        "/inherits": [({}, False), (key, True), (user, False)],
        "/open": [({}, True), ({"Authorization": "garbage"}, True)],
        "/either": [({}, False), (key, True), (user, True), (org, False)],
        "/both": [({}, False), (key, False), (org, False), ({**key, **org}, True)],
        "/maybe": [({}, True), (user, True), ({"Authorization": "Basic !!!"}, False)],
    }
    with serving(tmp_path, doc) as served:
        for path, cases in expected.items():
            for headers, let_in in cases:
                answer = served.http.get("/v1" + path, headers=headers)
                assert answer.status_code == (200 if let_in else 401), (path, headers, answer.status_code, answer.text)
                if not let_in:
                    assert answer.json() == DOCUMENTED_401
        poll = served.unchecked.get("/v1/jobs/job_abcdefghijkl", headers=user)  # the poll takes the global one
        assert poll.status_code == 401 and poll.headers["www-authenticate"].startswith("ApiKey")


def test_the_journal_tells_clients_apart_by_their_api_key_and_keeps_no_key(tmp_path: Path) -> None:
    doc = job_document({"key": {"type": "apiKey", "in": "header", "name": "X-Vault-Key"}}, [{"key": []}])
    with serving(tmp_path, doc) as served:
        for key in ("vk-alice-0001", "vk-alice-0001", "vk-bob-000002"):
            polls(served, "job_abcdefghijkl", Sent({"X-Vault-Key": key}))
        entries = served.control().journal()
        clients = [e["client"] for e in entries]
        assert len(entries) == 6 and len(set(clients)) == 2 and all(c.startswith("key ") for c in clients)
        assert "vk-" not in str(entries)


@pytest.mark.skipif(not ASSEMBLYAI.exists(), reason="the corpus documents are not fetched (tests/corpus/README.md)")
def test_assemblyai_takes_its_key_bare_in_authorization() -> None:
    """The corpus' AssemblyAI document: `Authorization: <key>`, no prefix; its own 401."""
    app = create(specs=[str(ASSEMBLYAI)])
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        for url in ("/v2/transcript/5552493-16d8-42d8-8feb-c2a16b56f6e8", "/v2/transcript"):
            refused = http.get(url)
            assert refused.status_code == 401
            assert refused.json() == {"error": "Authentication error, API token missing/invalid"}
            assert refused.headers["www-authenticate"].startswith(
                'ApiKey realm="assemblyai", in="header", name="Authorization"'
            )
        # the key taken: the list answers, the poll looks the job up (an inferred job resource: none, its 404)
        assert http.get("/v2/transcript", headers={"Authorization": "a1b2c3d4e5f6"}).status_code == 200
        unknown = http.get(
            "/v2/transcript/5552493-16d8-42d8-8feb-c2a16b56f6e8", headers={"Authorization": "a1b2c3d4e5f6"}
        )
        assert unknown.status_code == 404
