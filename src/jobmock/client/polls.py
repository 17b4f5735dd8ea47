"""What a client saw while polling one job: the input of the lifecycle checks.

Pure data plus the curl command that repeats a poll; no I/O here (see `watch.py`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key"})


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
        """A curl command that repeats this request; secrets become shell variables."""
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers.items():
            if name.lower() in SECRET_HEADERS:
                scheme = value.split(" ", 1)[0] + " " if " " in value else ""
                parts += ["-H", f'"{name}: {scheme}$TOKEN"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        parts.append(shlex.quote(self.url))
        return " ".join(parts)

    def summary(self) -> str:
        if self.error is not None:
            return f"poll {self.index + 1}: {self.error}"
        return f"poll {self.index + 1}: HTTP {self.status_code} {_clip(self.text)}"


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
