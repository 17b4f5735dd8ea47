"""Security schemes and requirements as `contract.security` reads and judges them: every
scheme kind, global and per-operation requirements, alternatives (OR), combinations (AND),
`security: []`, `serve --key`, and who owns each credential. No HTTP here
(`tests/server/test_security_schemes.py` holds the same rules over HTTP)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobmock.contract import load_api, load_named
from jobmock.contract.security import (
    NOT_A_KEY,
    Credentials,
    Requirements,
    Security,
    carry,
    judge,
    read_security,
    token_owner,
)
from jobmock.exceptions import AuthError
from support import jwt

SCHEMES: dict[str, Any] = {
    "headerKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
    "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
    "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
    "bareKey": {"type": "apiKey", "in": "header", "name": "Authorization"},  # AssemblyAI: no prefix
    "bearerAuth": {"type": "http", "scheme": "bearer"},
    "jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "basicAuth": {"type": "http", "scheme": "basic"},
    "digestAuth": {"type": "http", "scheme": "Digest"},
    "oauth": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "https://example.com/token", "scopes": {"read": "read"}}},
    },
    "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://example.com/.well-known/openid-configuration"},
    "formed": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Formed",
        "x-jobmock-token": {"pattern": "^fk_[a-z0-9]+$", "hint": "a key starting with fk_"},
    },
}


def operation(security: Any = None) -> dict[str, Any]:
    op: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    if security is not None:
        op["security"] = security
    return op


def document(security: Any, **paths: Any) -> dict[str, Any]:
    """A document with every scheme of SCHEMES, global `security`, and `paths` by name
    (`thing=[{...}]`: GET /thing with that security; `thing=None`: with none of its own)."""
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": SCHEMES},
        "paths": {f"/{name}": {"get": {**operation(sec), "operationId": name}} for name, sec in paths.items()},
    }
    if security is not None:
        doc["security"] = security
    return doc


def security_of(doc: dict[str, Any]) -> Security:
    security, notes = read_security(doc, "test")
    assert notes == [] or all("Digest" in n.message for n in notes), notes
    return security


def asked(security: Any, op: Any = None) -> Requirements:
    return security_of(document(security, thing=op)).requirements_of("thing")


def basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


def creds(headers: dict[str, str] | None = None, query: dict[str, str] | None = None) -> Credentials:
    return Credentials({k.lower(): v for k, v in (headers or {}).items()}, query)


def refusal(requirements: Requirements, credentials: Credentials) -> AuthError:
    with pytest.raises(AuthError) as caught:
        judge(requirements, credentials)
    return caught.value


# --- reading ---------------------------------------------------------------------------


def test_every_scheme_kind_is_read_with_where_its_credential_goes() -> None:
    schemes = security_of(document(None)).schemes
    seen = {name: (s.kind, s.location, s.param) for name, s in schemes.items()}
    assert seen == {
        "headerKey": ("apiKey", "header", "X-Api-Key"),
        "queryKey": ("apiKey", "query", "api_key"),
        "cookieKey": ("apiKey", "cookie", "session"),
        "bareKey": ("apiKey", "header", "Authorization"),
        "bearerAuth": ("bearer", "header", "Authorization"),
        "jwtAuth": ("bearer", "header", "Authorization"),
        "basicAuth": ("basic", "header", "Authorization"),
        "digestAuth": ("http", "header", "Authorization"),
        "oauth": ("bearer", "header", "Authorization"),
        "oidc": ("bearer", "header", "Authorization"),
        "formed": ("apiKey", "header", "X-Formed"),
    }
    assert schemes["jwtAuth"].jwt and schemes["formed"].pattern is not None


def test_an_operation_without_security_takes_the_global_one_and_its_own_wins() -> None:
    security = security_of(
        document([{"headerKey": []}], inherits=None, own=[{"queryKey": []}], open=[], either=[{}, {"basicAuth": []}])
    )
    names = {
        op: [[s.name for s in alt] for alt in security.requirements_of(op).alternatives]
        for op in ("inherits", "own", "open", "either")
    }
    assert names == {"inherits": [["headerKey"]], "own": [["queryKey"]], "open": [], "either": [[], ["basicAuth"]]}
    assert security.requirements_of(None, "GET", "/own") == security.requirements_of("own")  # by method and path
    assert security.requirements_of("nowhere").alternatives == ((security.schemes["headerKey"],),)  # the global
    assert security_of(document(None, thing=None)).requirements_of("thing").open  # none at all


def test_alternatives_and_combinations_are_kept_apart() -> None:
    requirements = asked([{"headerKey": [], "cookieKey": []}, {"bearerAuth": []}])
    assert [[s.name for s in alt] for alt in requirements.alternatives] == [["headerKey", "cookieKey"], ["bearerAuth"]]
    assert (
        requirements.hint == "an API key in the X-Api-Key header and an API key in the session cookie or a bearer token"
    )


def test_what_cannot_be_checked_is_a_located_warning(tmp_path: Path) -> None:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "security": [{"clientCert": []}, {"digestAuth": []}],
        "components": {"securitySchemes": {"clientCert": {"type": "mutualTLS"}, "digestAuth": SCHEMES["digestAuth"]}},
        "paths": {"/thing": {"get": {"operationId": "thing", "responses": {"200": {"description": "ok"}}}}},
    }
    (tmp_path / "certs.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    contract = load_api(tmp_path / "certs.yaml")
    said = [w for w in map(str, contract.warnings) if "securitySchemes" in w]
    assert any("components/securitySchemes/clientCert" in w and "'clientCert'" in w and "mutualTLS" in w for w in said)
    assert any("components/securitySchemes/digestAuth" in w and "form only" in w for w in said)
    # the mutualTLS alternative is skipped: anyone passes it, as no mock can check a client certificate
    assert judge(contract.security.requirements_of("thing"), creds()) is None


# --- judging every scheme ----------------------------------------------------------------

GOOD = [  # scheme, credentials carrying it, the owner
    ("headerKey", creds({"X-Api-Key": "k1"}), "k1"),
    ("queryKey", creds(query={"api_key": "k1"}), "k1"),
    ("cookieKey", creds({"Cookie": "other=1; session=k1"}), "k1"),
    ("cookieKey", creds({"Cookie": 'prefs={"a": 1, "b": [2]}; session="k1"; session=k2'}), "k1"),  # as browsers send
    ("bareKey", creds({"Authorization": "k1"}), "k1"),
    ("bearerAuth", creds({"Authorization": "Bearer k1"}), "k1"),
    ("jwtAuth", creds({"Authorization": f"Bearer {jwt('alice')}"}), "jwt-sub:alice"),
    ("basicAuth", creds({"Authorization": basic("alice:s3cret")}), "alice:s3cret"),
    ("digestAuth", creds({"Authorization": 'Digest username="alice"'}), 'username="alice"'),
    ("oauth", creds({"Authorization": "Bearer any-token"}), "any-token"),
    ("oidc", creds({"Authorization": "bearer any-token"}), "any-token"),
    ("formed", creds({"X-Formed": "fk_abc"}), "fk_abc"),
]


@pytest.mark.parametrize(("scheme", "credentials", "owner"), GOOD, ids=[g[0] for g in GOOD])
def test_a_credential_of_the_scheme_is_let_in_and_owned(scheme: str, credentials: Credentials, owner: str) -> None:
    assert judge(asked([{scheme: []}]), credentials) == owner


BAD = [  # scheme, credentials, kind, words of the message, challenge's start
    (
        "headerKey",
        creds(),
        "missing",
        "send it in the X-Api-Key header",
        'ApiKey realm="test", in="header", name="X-Api-Key"',
    ),
    ("headerKey", creds({"X-Api-Key": "  "}), "missing", "No API key provided", "ApiKey"),
    (
        "queryKey",
        creds({"X-Api-Key": "k1"}),
        "missing",
        "the api_key query parameter",
        'ApiKey realm="test", in="query"',
    ),
    (
        "cookieKey",
        creds({"Cookie": "session2=k1"}),
        "missing",
        "the session cookie",
        'ApiKey realm="test", in="cookie"',
    ),
    ("bareKey", creds(), "missing", "the Authorization header", "ApiKey"),
    ("bearerAuth", creds(), "missing", "No authorization token provided", 'Bearer realm="test"'),
    (
        "bearerAuth",
        creds({"Authorization": "k1"}),
        "scheme",
        "must be 'Bearer <token>'",
        'Bearer realm="test", error="invalid_request"',
    ),
    ("bearerAuth", creds({"Authorization": "Bearer "}), "scheme", "must be 'Bearer <token>'", "Bearer"),
    (
        "jwtAuth",
        creds({"Authorization": "Bearer a.b"}),
        "invalid",
        "Invalid token format",
        'Bearer realm="test", error="invalid_token"',
    ),
    ("basicAuth", creds(), "missing", "No credentials provided", 'Basic realm="test", charset="UTF-8"'),
    ("basicAuth", creds({"Authorization": "Bearer k1"}), "scheme", "must be 'Basic", "Basic"),
    ("basicAuth", creds({"Authorization": "Basic !!!"}), "invalid", "base64 of user:password", "Basic"),
    ("basicAuth", creds({"Authorization": basic("no-colon")}), "invalid", "base64 of user:password", "Basic"),
    (
        "basicAuth",
        creds({"Authorization": "Basic " + base64.b64encode(b"\xff:x").decode()}),
        "invalid",
        "base64",
        "Basic",
    ),
    (
        "digestAuth",
        creds({"Authorization": "Bearer k1"}),
        "scheme",
        "must be 'Digest <credentials>'",
        'Digest realm="test"',
    ),
    ("oauth", creds({"Authorization": basic("a:b")}), "scheme", "must be 'Bearer <token>'", "Bearer"),
    ("oidc", creds(), "missing", "No authorization token provided", "Bearer"),
    ("formed", creds({"X-Formed": "sk_abc"}), "invalid", "expected a key starting with fk_", "ApiKey"),
]


@pytest.mark.parametrize(("scheme", "credentials", "kind", "words", "challenge"), BAD)
def test_a_missing_or_malformed_credential_is_refused_with_the_schemes_challenge(
    scheme: str, credentials: Credentials, kind: str, words: str, challenge: str
) -> None:
    error = refusal(asked([{scheme: []}]), credentials)
    assert error.kind == kind and words in str(error) and error.status == 401
    assert error.challenges[0].startswith(challenge)
    assert ("error_description" in error.challenges[0]) == (kind != "missing")  # nothing to say of nothing sent
    assert error.operation == ("get", "/thing")  # its documented 401 answers it


def test_the_bundled_bearer_wording_is_unchanged() -> None:
    """The five bundled documents' 401 examples quote these words: they must not move."""
    neuraldraft = load_named("neuraldraft")
    asked = neuraldraft.requirements(neuraldraft.poll)
    said = {}
    for header in (None, "Basic abc", "Bearer", "Bearer sk_x"):
        error = refusal(asked, creds({"Authorization": header} if header else {}))
        said[header] = (error.kind, str(error), error.challenges)
    assert said == {
        None: ("missing", "No authorization token provided", ('Bearer realm="neuraldraft"',)),
        "Basic abc": (
            "scheme",
            "Authorization header must be 'Bearer <token>'",
            (
                'Bearer realm="neuraldraft", error="invalid_request", '
                "error_description=\"Authorization header must be 'Bearer <token>'\"",
            ),
        ),
        "Bearer": ("scheme", "Authorization header must be 'Bearer <token>'", said["Basic abc"][2]),
        "Bearer sk_x": (
            "invalid",
            "Invalid token format: expected an API key starting with ndsk_live_ or ndsk_test_",
            (
                'Bearer realm="neuraldraft", error="invalid_token", error_description="Invalid token format: '
                'expected an API key starting with ndsk_live_ or ndsk_test_"',
            ),
        ),
    }
    longform = load_named("longform")
    assert (
        judge(longform.requirements(longform.poll), creds({"Authorization": f"Bearer {jwt('u-1')}"})) == "jwt-sub:u-1"
    )
    payload = refusal(longform.requirements(longform.poll), creds({"Authorization": "Bearer abc.____.def"}))
    assert str(payload) == "Invalid token: the JWT payload is not base64url-encoded JSON"


# --- requirements: OR, AND, none, anyone ----------------------------------------------------


def test_alternatives_let_in_either_credential_and_refuse_naming_what_was_sent() -> None:
    either = asked([{"headerKey": []}, {"basicAuth": []}])
    assert judge(either, creds({"X-Api-Key": "k1"})) == "k1"
    assert judge(either, creds({"Authorization": basic("u:p")})) == "u:p"
    nothing = refusal(either, creds())
    assert nothing.kind == "missing" and "X-Api-Key" in str(nothing)  # the first alternative's words
    assert [c.split(" ")[0] for c in nothing.challenges] == ["ApiKey", "Basic"]  # one challenge per scheme
    wrong = refusal(either, creds({"Authorization": "Basic !!!"}))
    assert wrong.kind == "invalid" and "base64" in str(wrong)  # what was sent, not what was not
    assert wrong.challenges[0].startswith("Basic") and "error_description" in wrong.challenges[0]


def test_two_bearer_alternatives_make_one_challenge() -> None:
    """Asana's personal access token or OAuth 2: both a bearer token, one challenge."""
    either = asked([{"bearerAuth": []}, {"oauth": []}])
    assert judge(either, creds({"Authorization": "Bearer t"})) == "t"
    assert refusal(either, creds()).challenges == ('Bearer realm="test"',)


def test_a_combination_needs_every_credential_and_is_owned_by_all_of_them() -> None:
    both = asked([{"headerKey": [], "cookieKey": []}])
    assert judge(both, creds({"X-Api-Key": "k1", "Cookie": "session=s1"})) == "k1 & s1"
    half = refusal(both, creds({"X-Api-Key": "k1"}))
    assert half.kind == "missing" and "session cookie" in str(half)
    malformed = asked([{"headerKey": [], "formed": []}])
    assert "fk_" in str(refusal(malformed, creds({"X-Formed": "bad"})))  # the sent, malformed one is named


def test_an_empty_security_asks_for_nothing_and_an_empty_alternative_lets_anyone_in() -> None:
    assert judge(asked([{"headerKey": []}], []), creds()) is None  # `security: []` over a global one
    optional = asked([{}, {"headerKey": []}])
    assert judge(optional, creds()) is None
    assert judge(optional, creds({"X-Api-Key": "k1"})) == "k1"  # a credential sent still tells who it is
    formed = asked([{}, {"formed": []}])
    assert refusal(formed, creds({"X-Formed": "bad"})).kind == "invalid"  # and a malformed one is refused


# --- serve --key, owners -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "key", "right", "other"),
    [
        ("headerKey", "k1", {"X-Api-Key": "k1"}, {"X-Api-Key": "k2"}),
        ("cookieKey", "k1", {"Cookie": "session=k1"}, {"Cookie": "session=k2"}),
        ("bareKey", "k1", {"Authorization": "k1"}, {"Authorization": "k2"}),
        ("bearerAuth", "k1", {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}),
        ("oauth", "k1", {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}),
        ("oidc", "k1", {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}),
        ("basicAuth", "alice:pw", {"Authorization": basic("alice:pw")}, {"Authorization": basic("alice:other")}),
        ("basicAuth", "YWxpY2U6cHc=", {"Authorization": basic("alice:pw")}, {"Authorization": basic("bob:pw")}),
        ("digestAuth", "c1", {"Authorization": "Digest c1"}, {"Authorization": "Digest c2"}),
    ],
)
def test_serve_key_restricts_every_scheme_to_its_credentials(
    scheme: str, key: str, right: dict[str, str], other: dict[str, str]
) -> None:
    security = security_of(document([{scheme: []}], thing=None)).with_keys([key])
    requirements = security.requirements_of("thing")
    assert security.keys == {key}
    assert judge(requirements, creds(right)) is not None
    error = refusal(requirements, creds(other))
    assert error.kind == "invalid" and str(error) in (NOT_A_KEY, "Invalid username or password")


def test_query_keys_are_restricted_too_and_the_form_is_checked_before_the_key() -> None:
    security = security_of(document([{"queryKey": []}, {"formed": []}], thing=None)).with_keys(["fk_only"])
    requirements = security.requirements_of("thing")
    assert judge(requirements, creds(query={"api_key": "fk_only"})) == "fk_only"
    assert str(refusal(requirements, creds(query={"api_key": "k2"}))) == NOT_A_KEY
    assert "fk_" in str(refusal(requirements, creds({"X-Formed": "nope"})))


def test_one_key_is_one_owner_however_it_is_carried_and_keys_differ() -> None:
    either = asked([{"headerKey": []}, {"queryKey": []}, {"bearerAuth": []}])
    owners = {
        judge(either, creds({"X-Api-Key": "k1"})),
        judge(either, creds(query={"api_key": "k1"})),
        judge(either, creds({"Authorization": "Bearer k1"})),
    }
    assert owners == {"k1"}  # the same account on the real service
    assert judge(either, creds({"X-Api-Key": "k2"})) != "k1"


def test_a_token_given_alone_is_read_as_the_operation_reads_it() -> None:
    """The control API's `token`: whose job it makes."""
    assert token_owner(asked([{"headerKey": []}]), "k1") == "k1"
    assert token_owner(asked([{"basicAuth": []}]), "alice:pw") == "alice:pw"
    assert token_owner(asked([{"jwtAuth": []}]), jwt("bob")) == "jwt-sub:bob"
    assert token_owner(asked([{"headerKey": []}], []), "k1") is None  # an open operation: nobody's
    assert token_owner(asked([{"formed": []}, {"bearerAuth": []}]), "t") == "t"  # the first alternative taking it
    with pytest.raises(AuthError, match="fk_"):
        token_owner(asked([{"formed": []}]), "nope")
    with pytest.raises(AuthError, match="together"):
        token_owner(asked([{"headerKey": [], "cookieKey": []}]), "k1")


def test_carry_puts_a_token_where_the_operation_takes_it() -> None:
    assert carry(asked([{"headerKey": []}]), "k") == {"X-Api-Key": "k"}
    assert carry(asked([{"bareKey": []}]), "k") == {"Authorization": "k"}
    assert carry(asked([{"cookieKey": []}]), "k") == {"Cookie": "session=k"}
    assert carry(asked([{"basicAuth": []}]), "u:p") == {"Authorization": basic("u:p")}
    assert carry(asked([{"oauth": []}]), "k") == {"Authorization": "Bearer k"}
    assert carry(asked([{"queryKey": []}]), "k") is None


def test_the_fast_paths_know_where_credentials_come() -> None:
    security = security_of(document([{"headerKey": []}]))
    assert security.headers == {"x-api-key", "authorization", "x-formed"}
    assert security.query == {"api_key"}
