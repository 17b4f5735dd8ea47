"""What looks secret, wherever it appears, and the one function that hides it.

Everything jobmock writes where a secret could travel goes through `redact`: the fixtures
`record` writes, the request journal, `check`'s reports (text and JUnit XML), the messages
`record` and `check` print, the serve banner and `/_jobmock/status` (a store's URL). One
function, so that what counts as secret is decided once:

- a value equal to a credential the user gave (`--token`, `--control-token`, a URL's
  password): passed as `known`, hidden wherever it appears, also percent-encoded;
- a field, header, cookie or URL parameter whose name says secret (`owner_key`,
  `X-Amz-Signature`, `access_token`, `client_assertion`, `jwt`, `sid`…), judged word by word
  (`max_tokens` and `token_count` are not secrets): in a body its whole value (a dict
  under `credentials` included), in text the value after `name=` or `name:`;
- `Bearer`/`Basic`/`Token` credentials, `user:password@` in URLs, PEM private keys, and
  values shaped like well-known keys (`ndsk_live_…`, `sk_test_…`, JWTs, AWS access key ids)
  anywhere in text.

`code` is a secret as a URL parameter (an OAuth authorization code) but not as a body field,
where every vendor's error envelope has one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

REDACTED = "REDACTED"
SHORTEST_KNOWN = 4  # a credential shorter than this is not hidden by value (it would hide every "abc")

# words of a name that make it secret, wherever the name appears
SECRET_WORDS = frozenset({
    "token", "secret", "secrets", "password", "passwd", "pwd", "pass", "passphrase", "passcode", "credential",
    "credentials", "creds", "signature", "sig", "session", "sessionid", "jsessionid", "phpsessid", "sid", "jwt",
    "bearer", "authorization", "auth", "assertion", "apikey", "privatekey", "key", "cookie", "otp",
})  # fmt: skip
PARAM_WORDS = SECRET_WORDS | {"code"}  # ...and in URL parameters, cookies and `name=value` text
# a name ending in one of these names something about a secret, not the secret (token_count, key_id)
NOT_SECRET_LAST = frozenset(
    {"id", "ids", "at", "count", "type", "expires", "expiry", "ttl", "length", "url", "uri", "endpoint", "name", "hint"}
)

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# `name=value` in a query, a fragment, a cookie or prose; the name percent-decoded before it is judged
_PAIR = re.compile(r"(?P<name>[A-Za-z0-9_.%\[\]-]+)=(?P<value>[^&#;\s\"'<>,]+)")
# `name: value` or `"name": "value"` in text (a header line, JSON or a Python repr in a message)
_FIELD = re.compile(
    r"""(?P<q>["']?)(?P<name>[A-Za-z][A-Za-z0-9_.-]*)(?P=q)\s*:\s*"""
    r"""(?:(?P<vq>["'])(?P<quoted>(?:(?!(?P=vq)).)*)(?P=vq)|(?P<bare>[^\s,;}\]"']+))"""
)
_PLACEHOLDER = re.compile(r"\$[A-Z][A-Z0-9_]*")  # a shell variable standing for a secret (`key=$TOKEN`)
_SCHEMES = frozenset({"bearer", "basic", "token", "digest"})
# in any text; not a shell variable (`$TOKEN stands for your token`)
CREDENTIAL = re.compile(r"(?<!\$)\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}", re.I)
USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)(?:[^/\s@:]+(?::[^/\s@]*)?|:[^/\s@]+)@", re.I)  # scheme://user:pass@
SHAPED = re.compile(
    r"\b(?:[a-z][a-z0-9]{1,9}_(?:live|test|prod)_[A-Za-z0-9_-]{4,}"  # ndsk_live_…, sk_test_…
    r"|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # a JWT
    r"|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})"
)
PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.S)


def redact(value: Any, name: str = "", known: Iterable[str | None] = ()) -> Any:
    """`value` (a body, or any text) with every secret in it replaced by `REDACTED`; `name` is
    the field it sits under, `known` the credentials the user gave. Strings stay strings,
    and what is not secret stays as it was."""
    return _redact(value, name, _variants(known))


def _redact(value: Any, name: str, known: tuple[str, ...]) -> Any:
    if name and secret_name(name) and isinstance(value, (str, dict, list)) and value:
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(v, str(k), known) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, "", known) for v in value]
    if isinstance(value, str):
        return _text(value, known)
    return value


@functools.lru_cache(maxsize=2048)
def secret_name(name: str, param: bool = False) -> bool:
    """Whether a field (or, `param`, a URL parameter or cookie) of this name holds a secret."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words or (len(words) > 1 and words[-1] in NOT_SECRET_LAST):
        return False
    secret = PARAM_WORDS if param else SECRET_WORDS
    return any(w in secret for w in words) or "".join(words) in secret


def _text(text: str, known: tuple[str, ...]) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "-----BEGIN" in text:
        text = PEM.sub(REDACTED, text)
    if "=" in text:
        text = _PAIR.sub(_pair, text)
    if ":" in text:
        text = USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
        text = _FIELD.sub(_field, text)
    if " " in text or "\t" in text:
        text = CREDENTIAL.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return SHAPED.sub(REDACTED, text) if "_" in text or "eyJ" in text or "-" in text else text


def _pair(m: re.Match[str]) -> str:
    value = m["value"]
    if not secret_name(unquote_plus(m["name"]), param=True) or value == REDACTED or _PLACEHOLDER.fullmatch(value):
        return m[0]
    return f"{m['name']}={REDACTED}"


def _field(m: re.Match[str]) -> str:
    value = m["quoted"] if m["quoted"] is not None else m["bare"]
    if not value or not secret_name(m["name"]) or value == REDACTED or value.startswith("$"):
        return m[0]
    if value.split(" ", 1)[0].lower() in _SCHEMES:
        return m[0]  # `Authorization: Bearer …`: the credential rule hides what follows the scheme
    quote_ = m["vq"] or ""
    return m[0][: m.start("quoted" if m["quoted"] is not None else "bare") - m.start()] + REDACTED + quote_


@functools.lru_cache(maxsize=64)
def _variants_of(secret: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))))


def _variants(known: Iterable[str | None]) -> tuple[str, ...]:
    found: list[str] = []
    for secret in known:
        if secret and len(secret) >= SHORTEST_KNOWN:
            found += _variants_of(secret)
    return tuple(sorted(set(found), key=len, reverse=True))  # the longest first: no half-hidden value


def tag(credential: str) -> str:
    """A stable, opaque name for a credential: the same key gets the same tag, and the tag
    tells nothing of the key."""
    return hashlib.blake2b(credential.encode(), digest_size=4).hexdigest()
