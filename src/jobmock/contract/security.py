"""Every OpenAPI security scheme, checked as the vendor's service checks it, and who a
request's credentials belong to.

Vendors protect their APIs with API keys (in a header, a query parameter or a cookie, under
any name: AssemblyAI's `Authorization: <key>` has no prefix), HTTP bearer or basic
credentials, OAuth 2 or OpenID Connect tokens; alone, as alternatives (a `security` list)
or together (several schemes in one requirement), for the whole document or per operation
(`security: []`: none). `read_security` reads all of it once, when a document is loaded;
`judge` decides one request: who it is (the owner its jobs belong to), or an `AuthError`
saying what was wrong, with the `WWW-Authenticate` challenges that fit the schemes asked.
Both adapters (the fast paths and Connexion) call `judge`, so a request is let in or
refused the same way whichever carried it.

A mock cannot know the vendor's keys: any credential of the documented form is let in.
`x-jobmock-token` on a scheme narrows the form (`pattern`, `jwt`, `hint`, `keys`), and
`serve --key` (`Security.with_keys`) restricts every scheme to the credentials it names.
A mutualTLS scheme cannot be checked by a mock: it is let through, and a warning says so.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..exceptions import AuthError, PathItem
from .dialects import Note
from .openapi import HTTP_METHODS

Kind = Literal["apiKey", "bearer", "basic", "http"]  # how a credential is carried and read
Location = Literal["header", "query", "cookie"]
OperationKey = tuple[str, str]  # (method in lower case, path template as the document writes it)

_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")

# The bearer wording the bundled documents' 401 examples quote: not to be changed.
MISSING = "No authorization token provided"
NOT_BEARER = "Authorization header must be 'Bearer <token>'"
WRONG_FORM = "Invalid token format: expected {hint}"
NOT_A_KEY = "Invalid API key"
JWT_PAYLOAD = "Invalid token: the JWT payload is not base64url-encoded JSON"
# The other schemes'.
NO_API_KEY = "No API key provided: send it {where}"
NO_BASIC = "No credentials provided: send 'Authorization: Basic <base64 of user:password>'"
NOT_BASIC = "Authorization header must be 'Basic <base64 of user:password>'"
BAD_BASIC = "Invalid basic credentials: expected the base64 of user:password"
NOT_A_USER = "Invalid username or password"
NO_HTTP = "No credentials provided: send 'Authorization: {scheme} <credentials>'"
NOT_HTTP = "Authorization header must be '{scheme} <credentials>'"


@dataclass(frozen=True)
class Scheme:
    """One security scheme as jobmock checks it. `kind`: `bearer` (HTTP bearer, OAuth 2,
    OpenID Connect: any bearer token of the form), `basic`, `http` (another HTTP scheme,
    `http_scheme`, whose credentials are only checked to be there), or `apiKey` (the
    value of header, query parameter or cookie `param`, as it is, no prefix)."""

    name: str
    kind: Kind
    location: Location = "header"
    param: str = "Authorization"
    http_scheme: str = ""  # as the document writes it, for kind `http` (`Digest`)
    pattern: re.Pattern[str] | None = None  # x-jobmock-token.pattern: the form of the credential
    jwt: bool = False  # a JWT: its owner is its `sub`
    hint: str = ""  # what the credential looks like, in words
    keys: frozenset[str] = frozenset()  # when set, the only credentials accepted (`serve --key`)

    @property
    def carrier(self) -> str:
        """Where the credential goes, in words: 'the Api-Key header'."""
        noun = {"header": "header", "query": "query parameter", "cookie": "cookie"}[self.location]
        return f"the {self.param} {noun}"


@dataclass(frozen=True)
class Requirements:
    """What one operation asks: any one of `alternatives` (OR), each all of its schemes
    (AND). No alternative at all: no auth. An empty alternative: anyone may pass (a
    credential sent for another alternative is still checked)."""

    alternatives: tuple[tuple[Scheme, ...], ...]
    operation: OperationKey | None = None  # whose requirements (None: a path the document lacks)
    realm: str = ""  # the API's name, in challenges

    @property
    def open(self) -> bool:
        return not self.alternatives

    @property
    def schemes(self) -> tuple[Scheme, ...]:
        """Every scheme named, once, in the order the requirements name them."""
        seen: dict[str, Scheme] = {}
        for alternative in self.alternatives:
            for scheme in alternative:
                seen.setdefault(scheme.name, scheme)
        return tuple(seen.values())

    @property
    def hint(self) -> str:
        """What a client must send, in words ('a bearer token', 'an API key in the Api-Key header')."""
        said = [" and ".join(describe(s) for s in alternative) for alternative in self.alternatives if alternative]
        return " or ".join(dict.fromkeys(said)) or "no credential"


def describe(scheme: Scheme) -> str:
    if scheme.kind == "apiKey":
        return f"{scheme.hint or 'an API key'} in {scheme.carrier}"
    return scheme.hint or {"bearer": "a bearer token", "basic": "basic credentials (user:password)"}.get(
        scheme.kind, f"{scheme.http_scheme} credentials"
    )


@dataclass(frozen=True)
class Security:
    """A document's security: its schemes by name and every operation's requirements,
    by (method, path template) and by operationId. Frozen; `with_keys` gives a copy."""

    realm: str
    schemes: Mapping[str, Scheme] = field(default_factory=dict)
    default: tuple[tuple[str, ...], ...] = ()  # the document's global requirements, by scheme name
    declared: Mapping[OperationKey, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # an operation's own
    ids: Mapping[str, OperationKey] = field(default_factory=dict)
    operations: Mapping[OperationKey, Requirements] = field(
        default_factory=dict
    )  # every operation's, made of the above

    def requirements_of(
        self, operation_id: str | None = None, method: str | None = None, path: str | None = None
    ) -> Requirements:
        """An operation's requirements, by its operationId or its method and path template;
        the document's global ones for an operation it does not declare."""
        key = self.ids.get(operation_id) if operation_id is not None else None
        if key is None and method is not None and path is not None:
            key = (method.lower(), path)
        found = self.operations.get(key) if key is not None else None
        return found if found is not None else _requirements(self.realm, self.schemes, self.default, None)

    def with_keys(self, keys: Iterable[str]) -> Security:
        """Every scheme accepting only these credentials (for basic: `user:password`, or its
        base64 as sent)."""
        keyed = frozenset(keys)
        schemes = {name: replace(scheme, keys=keyed) for name, scheme in self.schemes.items()}
        return _security(self.realm, schemes, self.default, self.declared, self.ids, tuple(self.operations))

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(k for scheme in self.schemes.values() for k in scheme.keys)

    @property
    def headers(self) -> frozenset[str]:
        """The headers credentials may come in (lower case): what the fast paths must read."""
        return frozenset(s.param.lower() for s in self.schemes.values() if s.location == "header")

    @property
    def query(self) -> frozenset[str]:
        """The query parameters credentials may come in."""
        return frozenset(s.param for s in self.schemes.values() if s.location == "query")


def _security(
    realm: str,
    schemes: Mapping[str, Scheme],
    default: tuple[tuple[str, ...], ...],
    declared: Mapping[OperationKey, tuple[tuple[str, ...], ...]],
    ids: Mapping[str, OperationKey],
    known: Iterable[OperationKey],
) -> Security:
    operations = {key: _requirements(realm, schemes, declared.get(key, default), key) for key in known}
    return Security(realm, schemes, default, declared, ids, operations)


def _requirements(
    realm: str, schemes: Mapping[str, Scheme], names: tuple[tuple[str, ...], ...], key: OperationKey | None
) -> Requirements:
    """Names that are no checked scheme (mutualTLS, or a name the document does not define)
    are left out: the requirement passes as far as they go."""
    alternatives = tuple(tuple(schemes[n] for n in alternative if n in schemes) for alternative in names)
    return Requirements(alternatives, key, realm)


def read_security(resolved: Mapping[str, Any], realm: str) -> tuple[Security, list[Note]]:
    """A document's `Security` (its `$ref`s resolved), and a note for each thing of it a
    mock cannot check (a mutualTLS scheme, an HTTP scheme other than bearer or basic, a
    requirement naming no scheme). `realm`: the API's name."""
    notes: list[Note] = []
    raw = (resolved.get("components") or {}).get("securitySchemes") or {}
    schemes: dict[str, Scheme] = {}
    for name, declared in raw.items() if isinstance(raw, Mapping) else ():
        if isinstance(declared, Mapping):
            scheme = _scheme(str(name), declared, notes)
            if scheme is not None:
                schemes[str(name)] = scheme
    defined = set(raw) if isinstance(raw, Mapping) else set()
    default = _names(resolved.get("security"), defined, ["security"], notes)
    declared_ops: dict[OperationKey, tuple[tuple[str, ...], ...]] = {}
    ids: dict[str, OperationKey] = {}
    known: list[OperationKey] = []
    for path, item in (resolved.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            key = (method, str(path))
            known.append(key)
            if isinstance(op.get("operationId"), str):
                ids[op["operationId"]] = key
            if "security" in op:
                declared_ops[key] = _names(op["security"], defined, ["paths", str(path), method, "security"], notes)
    return _security(realm, schemes, default, declared_ops, ids, known), notes


def _scheme(name: str, declared: Mapping[str, Any], notes: list[Note]) -> Scheme | None:
    where: tuple[PathItem, ...] = ("components", "securitySchemes", name)
    conf = declared.get("x-jobmock-token") or {}
    conf = conf if isinstance(conf, Mapping) else {}
    form = Scheme(
        name,
        "bearer",
        pattern=re.compile(conf["pattern"]) if isinstance(conf.get("pattern"), str) else None,
        jwt=bool(conf.get("jwt")) or str(declared.get("bearerFormat", "")).upper() == "JWT",
        hint=str(conf.get("hint", "")),
        keys=frozenset(str(k) for k in conf.get("keys", ()) or ()),
    )
    kind = declared.get("type")
    if kind == "apiKey":
        location = declared.get("in")
        if location not in ("header", "query", "cookie") or not declared.get("name"):
            notes.append(Note(where, f"the apiKey scheme {name!r} has no usable `in` and `name`: it is not checked"))
            return None
        return replace(form, kind="apiKey", location=location, param=str(declared["name"]))
    if kind == "http":
        written = str(declared.get("scheme", "")).strip()
        lowered = written.lower()
        if lowered in ("bearer", "basic"):
            return replace(form, kind="bearer" if lowered == "bearer" else "basic")
        if not written:
            notes.append(Note(where, f"the http scheme {name!r} names no `scheme`: it is not checked"))
            return None
        notes.append(
            Note(where, f"the {written} scheme {name!r} is checked for its form only ('Authorization: {written} ...')")
        )
        return replace(form, kind="http", http_scheme=written)
    if kind in ("oauth2", "openIdConnect"):
        return form  # any bearer token: a mock cannot ask the issuer
    if kind == "mutualTLS":
        return None  # `dialects` notes it: Connexion's copy leaves it out too
    notes.append(Note(where, f"the security scheme {name!r} of type {kind!r} is not known: it is not checked"))
    return None


def _names(requirements: Any, known: set[str], where: list[PathItem], notes: list[Note]) -> tuple[tuple[str, ...], ...]:
    if not isinstance(requirements, list):
        return ()
    out = []
    for i, requirement in enumerate(requirements):
        if not isinstance(requirement, Mapping):
            continue
        for name in requirement:
            if name not in known:
                notes.append(Note((*where, i, name), f"{name!r} names no scheme under components/securitySchemes"))
        out.append(tuple(str(n) for n in requirement))
    return tuple(out)


class Credentials:
    """What a request carries that may be a credential: its headers (looked up in lower
    case), query parameters, and Cookie header (parsed only when a cookie scheme asks)."""

    __slots__ = ("_cookies", "cookie", "headers", "query")

    def __init__(self, headers: Mapping[str, str], query: Mapping[str, str] | None = None, cookie: str | None = None):
        self.headers = headers
        self.query = query or {}
        self.cookie = cookie if cookie is not None else headers.get("cookie")
        self._cookies: dict[str, str] | None = None

    def value(self, scheme: Scheme) -> str | None:
        if scheme.location == "header":
            return self.headers.get(scheme.param.lower())
        if scheme.location == "query":
            return self.query.get(scheme.param)
        if self._cookies is None:
            self._cookies = _cookies(self.cookie)
        return self._cookies.get(scheme.param)


def _cookies(header: str | None) -> dict[str, str]:
    """A Cookie header's values by name, read as browsers write it (`http.cookies` gives up
    on a whole header for one value it dislikes: JSON, spaces); the first of a name wins."""
    found: dict[str, str] = {}
    for pair in (header or "").split(";"):
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if sep and name and name not in found:
            found[name] = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return found


def judge(requirements: Requirements, credentials: Credentials) -> str | None:
    """Who a request is: the owner its jobs belong to, None when the operation asks for no
    credential (or lets anyone in and none was sent). AuthError, with the challenges the
    operation's schemes make, for a missing or malformed credential. Alternatives are tried
    in order; the refusal names what was wrong with a credential that was sent, if any."""
    if not requirements.alternatives:
        return None
    failures: list[tuple[Scheme, AuthError]] = []
    anyone = False
    for alternative in requirements.alternatives:
        if not alternative:
            anyone = True
            continue
        owners = []
        failed: tuple[Scheme, AuthError] | None = None
        for scheme in alternative:
            try:
                owners.append(check(scheme, credentials.value(scheme)))
            except AuthError as exc:
                if failed is None or (failed[1].kind == "missing" and exc.kind != "missing"):
                    failed = (scheme, exc)
        if failed is None:
            return owners[0] if len(owners) == 1 else " & ".join(owners)
        failures.append(failed)
    if anyone and all(exc.kind == "missing" for _, exc in failures):
        return None
    scheme, reason = next(((s, e) for s, e in failures if e.kind != "missing"), failures[0])
    raise AuthError(str(reason), reason.kind, challenges(requirements, scheme, reason), requirements.operation)


def check(scheme: Scheme, value: str | None) -> str:
    """The owner of one scheme's credential as the request carries it (`value`: the
    Authorization header, or the key's header, query parameter or cookie); AuthError if it
    is missing or malformed."""
    if scheme.kind == "apiKey":
        if value is None or not value.strip():
            raise AuthError(NO_API_KEY.format(where=f"in {scheme.carrier}"), "missing")
        return _token_owner(scheme, value.strip())
    if value is None or not value.strip():
        message = {"bearer": MISSING, "basic": NO_BASIC}.get(scheme.kind, NO_HTTP.format(scheme=scheme.http_scheme))
        raise AuthError(message, "missing")
    given, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    if scheme.kind == "bearer":
        if given.lower() != "bearer" or not credential:
            raise AuthError(NOT_BEARER, "scheme")
        return _token_owner(scheme, credential)
    if scheme.kind == "basic":
        if given.lower() != "basic" or not credential:
            raise AuthError(NOT_BASIC, "scheme")
        return _basic_owner(scheme, credential)
    if given.lower() != scheme.http_scheme.lower() or not credential:
        raise AuthError(NOT_HTTP.format(scheme=scheme.http_scheme), "scheme")
    return _token_owner(scheme, credential)


def token_owner(requirements: Requirements, token: str) -> str | None:
    """The owner of a credential given on its own (the control API's `token`), read as the
    operation's first alternative of one scheme that takes it (for basic: `user:password`);
    None when the operation asks for no credential. AuthError for one of the wrong form."""
    singles = [alternative[0] for alternative in requirements.alternatives if len(alternative) == 1]
    if not singles:
        if requirements.open or any(not alternative for alternative in requirements.alternatives):
            return None
        raise AuthError(f"this API asks for {requirements.hint} together: send them with the request instead")
    first: AuthError | None = None
    for scheme in singles:
        try:
            if scheme.kind == "basic":
                return _basic_owner(scheme, base64.b64encode(token.encode()).decode())
            return _token_owner(scheme, token)
        except AuthError as exc:
            first = first or exc
    assert first is not None
    raise first


def _token_owner(scheme: Scheme, token: str) -> str:
    """Who owns a token of the scheme's form (jobs are visible only to it); a JWT's owner is
    its subject (`jwt-sub:<sub>`), any other credential's the credential itself, whichever
    scheme carried it (the same key in a header or a query parameter is one account)."""
    hint = scheme.hint or ("an API key" if scheme.kind == "apiKey" else "a bearer token")
    if scheme.pattern is not None and not scheme.pattern.fullmatch(token):
        raise AuthError(WRONG_FORM.format(hint=hint))
    owner = _jwt_subject(token, hint) if scheme.jwt else token
    if scheme.keys and token not in scheme.keys:
        raise AuthError(NOT_A_KEY)
    return owner


def _basic_owner(scheme: Scheme, encoded: str) -> str:
    """`user:password`, decoded: the owner of basic credentials."""
    try:
        pair = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise AuthError(BAD_BASIC) from None
    if ":" not in pair:
        raise AuthError(BAD_BASIC)
    if scheme.pattern is not None and not scheme.pattern.fullmatch(pair):
        raise AuthError(WRONG_FORM.format(hint=scheme.hint or "user:password"))
    if scheme.keys and pair not in scheme.keys and encoded not in scheme.keys:
        raise AuthError(NOT_A_USER)
    return pair


def _jwt_subject(token: str, hint: str) -> str:
    parts = token.split(".")
    if len(parts) != 3 or not all(_SEGMENT.match(p) for p in parts):
        raise AuthError(WRONG_FORM.format(hint=hint))
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise AuthError(JWT_PAYLOAD) from None
    if isinstance(claims, dict) and isinstance(claims.get("sub"), str):
        return "jwt-sub:" + str(claims["sub"])
    return token


def challenges(
    requirements: Requirements, failed: Scheme | None = None, exc: AuthError | None = None
) -> tuple[str, ...]:
    """The `WWW-Authenticate` challenges of a refusal: one per kind of scheme the operation
    takes, the failed one first, saying what was wrong when a credential was sent (RFC 6750
    for bearer tokens; RFC 7617 for basic; `ApiKey` naming where the key goes)."""
    ordered = [failed] if failed is not None else []
    ordered += [s for s in requirements.schemes if failed is None or s.name != failed.name]
    out: dict[str, str] = {}
    realm = requirements.realm.replace("\\", "").replace('"', "'")
    for scheme in ordered:
        name = _challenge_scheme(scheme)
        if name.lower() in out:
            continue
        challenge = f'{name} realm="{realm}"'
        if scheme.kind == "basic":
            challenge += ', charset="UTF-8"'
        elif scheme.kind == "apiKey":
            challenge += f', in="{scheme.location}", name="{scheme.param}"'
        if scheme is failed and exc is not None and exc.kind != "missing":  # RFC 6750 3.1: no code when none was sent
            description = str(exc).replace("\\", "").replace('"', "'")
            if scheme.kind == "bearer":
                challenge += f', error="{"invalid_request" if exc.kind == "scheme" else "invalid_token"}"'
            challenge += f', error_description="{description}"'
        out[name.lower()] = challenge
    return tuple(out.values())


def _challenge_scheme(scheme: Scheme) -> str:
    return {"bearer": "Bearer", "basic": "Basic", "apiKey": "ApiKey"}.get(scheme.kind, scheme.http_scheme)


def carry(requirements: Requirements, token: str) -> dict[str, str] | None:
    """The headers that carry a credential given on its own as the operation's first
    alternative of one header or cookie scheme takes it (for basic: `user:password`); None
    when it goes in the query, or the operation asks for none."""
    for alternative in requirements.alternatives:
        if len(alternative) != 1:
            continue
        scheme = alternative[0]
        if scheme.kind == "apiKey":
            if scheme.location == "header":
                return {scheme.param: token}
            if scheme.location == "cookie":
                return {"Cookie": f"{scheme.param}={token}"}
            return None
        if scheme.kind == "basic":
            return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}
        prefix = "Bearer" if scheme.kind == "bearer" else scheme.http_scheme
        return {"Authorization": f"{prefix} {token}"}
    return None
