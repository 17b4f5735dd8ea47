"""What looks secret in a body or a URL, and the value that stands in for it."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_NAME = re.compile(r"token|secret|password|passwd|api[_-]?key|authorization|credential|signature|session", re.I)
SECRET_PARAM = re.compile(r"sig|signature|token|key|credential|secret|x-amz-security|auth|password", re.I)
REDACTED = "REDACTED"
CREDENTIAL = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}", re.I)  # in any text
USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/\s@:]+(?::[^/\s@]*)?@", re.I)  # scheme://user:pass@


def redact(value: Any, name: str = "") -> Any:
    """The value with secret-looking fields and URL parameters replaced (strings stay strings)."""
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, name) for v in value]
    if isinstance(value, str):
        if SECRET_NAME.search(name) and not name.endswith(("_id", "_at")):
            return REDACTED
        return redact_text(redact_url(value))
    return value


def redact_text(text: str) -> str:
    """Text with bearer and Basic credentials and URL user:password@ parts replaced."""
    text = CREDENTIAL.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


def without_userinfo(url: str) -> str:
    """The URL with any user:password@ taken out (for messages and reports)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def redact_url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or "?" not in text:
        return text
    parts = urlsplit(text)
    return urlunsplit(parts._replace(query=redact_query(parts.query)))


def redact_query(query: str) -> str:
    """A query string with the values of secret-looking parameters replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if SECRET_PARAM.search(k) else v) for k, v in pairs], safe=REDACTED)


def tag(credential: str) -> str:
    """A stable, opaque name for a credential: the same key gets the same tag, and the tag
    tells nothing of the key."""
    return hashlib.blake2b(credential.encode(), digest_size=4).hexdigest()
