"""Bearer tokens as each vendor documents them, and who a token belongs to."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from ..exceptions import AuthError

_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


@dataclass(frozen=True)
class TokenRule:
    """How a bearer token must look, from the security scheme's x-jobmock-token."""

    scheme: str | None  # security scheme name; None: the API needs no auth
    pattern: re.Pattern[str] | None = None
    jwt: bool = False
    hint: str = "a bearer token"
    keys: frozenset[str] = frozenset()  # when set, the only tokens accepted (`serve --key`)


def rule_from_scheme(name: str, scheme: dict[str, Any]) -> TokenRule:
    conf = scheme.get("x-jobmock-token", {})
    pattern = re.compile(conf["pattern"]) if "pattern" in conf else None
    jwt = bool(conf.get("jwt")) or str(scheme.get("bearerFormat", "")).upper() == "JWT"
    return TokenRule(name, pattern, jwt, conf.get("hint", "a bearer token"), frozenset(conf.get("keys", ())))


MISSING = "No authorization token provided"
NOT_BEARER = "Authorization header must be 'Bearer <token>'"
WRONG_FORM = "Invalid token format: expected {hint}"
NOT_A_KEY = "Invalid API key"
JWT_PAYLOAD = "Invalid token: the JWT payload is not base64url-encoded JSON"


def authenticate(rule: TokenRule, authorization: str | None) -> str | None:
    """Who a request's credential belongs to (None for an API that needs none); AuthError
    for a missing, non-bearer or malformed one. Every vendor request is judged by this."""
    if rule.scheme is None:
        return None
    return identity(rule, bearer_token(authorization))


def bearer_token(header: str | None) -> str:
    if not header or not header.strip():
        raise AuthError(MISSING, "missing")
    kind, _, token = header.strip().partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise AuthError(NOT_BEARER, "scheme")
    return token.strip()


def diagnoses(rule: TokenRule) -> list[tuple[str, str]]:
    """Every (AuthError.kind, message) `bearer_token` and `identity` can raise under this
    rule: what a spec's 401 examples list."""
    found = [("missing", MISSING), ("scheme", NOT_BEARER)]
    if rule.pattern is not None or rule.jwt:
        found.append(("invalid", WRONG_FORM.format(hint=rule.hint)))
    if rule.keys:
        found.append(("invalid", NOT_A_KEY))
    if rule.jwt:
        found.append(("invalid", JWT_PAYLOAD))
    return found


def identity(rule: TokenRule, token: str) -> str:
    """Who owns a token (jobs are visible only to it); raises AuthError on a malformed one."""
    if rule.pattern is not None and not rule.pattern.fullmatch(token):
        raise AuthError(WRONG_FORM.format(hint=rule.hint))
    owner = _jwt_subject(token, rule.hint) if rule.jwt else token
    if rule.keys and token not in rule.keys:
        raise AuthError(NOT_A_KEY)
    return owner


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
