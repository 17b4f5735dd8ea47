"""What a client saw while polling one job: the input of the lifecycle checks.

Pure data plus the curl command that repeats a poll; no I/O here (see `watch.py`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
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


def dotted_get(body: Any, dotted: str) -> tuple[bool, Any]:
    """(found, value) of `a.b.c` in nested objects."""
    node = body
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
