"""`jobmock record`: poll a real job until it ends and keep what it answered as a fixture.

The fixture's timeline holds each distinct answer (status, Retry-After, body) from the
second it was first seen; serving it replays the job exactly, with the recorded id
rewritten to each new job's id. Credentials are never written: the token is not kept, and
what `contract.secrets.redact` finds in a body (the token itself where the vendor echoes it,
fields, URL parameters and values that look secret) is redacted.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from ..client.watch import watch_job
from ..contract.model import ApiModel
from ..contract.secrets import redact


def record(
    api: ApiModel,
    url: str,
    job_id: str,
    token: str | None = None,
    interval: float = 1.0,
    timeout: float = 600.0,
    name: str | None = None,
) -> dict[str, Any]:
    """Poll the job until it is terminal (or the timeout) and return the fixture document."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    known = (token, urlsplit(url).username, urlsplit(url).password)

    async def watch() -> Any:
        async with httpx.AsyncClient(timeout=30) as client:
            return await watch_job(client, api, url, job_id, headers, timeout, interval, after_terminal=0)

    history = asyncio.run(watch())
    polls = [p for p in history.polls if p.status_code is not None and p.body is not None]
    if not any(p.status_code is not None and 200 <= p.status_code < 300 for p in polls):
        reason = history.polls[-1].summary() if history.polls else "no answer"
        raise RuntimeError(f"nothing to record from {_without_credentials(url)}: the job never answered 2xx ({reason})")
    start = polls[0].at
    timeline: list[dict[str, Any]] = []
    for poll in polls:
        entry: dict[str, Any] = {"at": round(poll.at - start, 3), "status": poll.status_code}
        if "retry-after" in poll.headers:
            entry["headers"] = {"Retry-After": poll.headers["retry-after"]}
        entry["body"] = redact(poll.body, known=known)
        if timeline and {k: v for k, v in timeline[-1].items() if k != "at"} == {
            k: v for k, v in entry.items() if k != "at"
        }:
            continue  # the same answer again: the previous entry still holds
        timeline.append(entry)
    source = _without_credentials(url)
    scenario = {
        "description": (
            f"Recorded from {source} (job {job_id}): {len(history.polls)} polls over {polls[-1].at - start:.1f} s"
            + (", stopped at the timeout" if history.timed_out else "")
        ),
        "recorded": {"job": job_id, "from": source, "at": datetime.now(UTC).isoformat(timespec="seconds")},
        "timeline": timeline,
    }
    return {"api": api.name, "scenarios": {name or f"recorded-{_slug(job_id)}": scenario}}


def write_fixture(document: dict[str, Any], path: Path) -> None:
    text = "# Written by jobmock record; serve it with: jobmock serve --fixtures " + str(path) + "\n"
    path.write_text(text + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120))


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc, query=""))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "job"
