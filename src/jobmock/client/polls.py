"""What a client saw while polling one job: the input of the lifecycle checks.

Pure data plus the curl command that repeats a request (`curl_command`: the reproduce lines
of `jobmock check`'s and `jobmock proxy`'s reports, with `$TOKEN` where a credential was);
no I/O here (see `watch.py`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..contract.secrets import secret_name

TOKEN = "$TOKEN"  # what a reproduce line says where a credential was: the shell variable the reader sets
_EXPANDS = re.compile(r'[$`"\\!]')  # what double quotes would not keep as it is


@dataclass(frozen=True)
class Poll:
    """One poll: the request sent and what came back (or the transport error)."""

    index: int  # 0-based, in the order sent
    at: float  # wall-clock time the answer arrived (epoch seconds)
    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    status_code: int | None = None  # None: no HTTP answer (see `error`)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: Any = None  # parsed JSON, or None when the body is not JSON
    text: str = ""
    error: str | None = None  # transport error: refused, reset, timed out

    @property
    def job(self) -> dict[str, Any] | None:
        """The job the poll returned: a 200 answer with a JSON object."""
        if self.status_code == 200 and isinstance(self.body, dict):
            return self.body
        return None

    def curl(self) -> str:
        """A curl command that repeats this request, `$TOKEN` where its credentials were (a
        secret-named header's value, after its scheme word; every cookie's value: the
        checker sends cookies only to carry its token)."""
        headers: list[tuple[str, str]] = []
        cookies: list[tuple[str, str]] = []
        for name, value in self.request_headers.items():
            if name.lower() == "cookie":
                cookies += [(pair.partition("=")[0].strip(), TOKEN) for pair in value.split(";") if pair.strip()]
            elif secret_name(name):
                headers.append((name, in_place_of(value)))
            else:
                headers.append((name, value))
        return curl_command(self.method, self.url, headers, cookies)

    def summary(self) -> str:
        if self.error is not None:
            return f"poll {self.index + 1}: {self.error}"
        return f"poll {self.index + 1}: HTTP {self.status_code} {_clip(self.text)}"


def in_place_of(credential: str) -> str:
    """`$TOKEN` for a credential as a header carries it, its scheme word kept (`Bearer $TOKEN`)."""
    scheme, space, _rest = credential.strip().partition(" ")
    return f"{scheme} {TOKEN}" if space else TOKEN


def curl_command(
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]] = (),
    cookies: Sequence[tuple[str, str]] = (),
    body: str | None = None,
) -> str:
    """`curl -i -X METHOD -H ... URL` as a shell reads it: every word quoted but `$TOKEN`,
    which the shell expands (`-H "Authorization: Bearer $TOKEN"`, `'…?key='"$TOKEN"`)."""
    parts = ["curl", "-i", "-X", method]
    for name, value in headers:
        parts += ["-H", _word(f"{name}: {value}")]
    if cookies:
        parts += ["-b", _word("; ".join(f"{name}={value}" for name, value in cookies))]
    if body is not None:
        parts += ["--data-binary", _word(body)]
    parts.append(_word(url))
    return " ".join(parts)


def _word(text: str) -> str:
    """One shell word that means `text`, `$TOKEN` in it left for the shell to expand."""
    if TOKEN not in text:
        return shlex.quote(text)
    if not _EXPANDS.search(text.replace(TOKEN, "")):
        return f'"{text}"'
    return f'"{TOKEN}"'.join(shlex.quote(part) if part else "" for part in text.split(TOKEN))


def retry_delay(value: str) -> float | None:
    """Seconds to wait from a Retry-After value; None when it is neither form."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
