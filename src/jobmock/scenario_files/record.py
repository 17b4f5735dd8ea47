"""Recording a real job's lifecycle as a fixture: `jobmock record` polls one job until it
ends, `jobmock proxy --record` keeps what the jobs polled through it answered; both write
the fixture with the functions here, one format and one writer for both.

The fixture's timeline holds each distinct answer (status, Retry-After, body) from the
second it was first seen; serving it replays the job exactly, with the recorded id
rewritten to each new job's id. An answer the contract declares no status for is left out
(no scenario may hold it); a body that breaks the declared one is kept, and the scenario is
marked `breaksContract` with the first such answer, so that the vendor's bug loads and is
replayed as recorded (the loader asks the same `validate.status_problem` and `body_problem`).
Credentials are never written: no request header is kept, and what `contract.secrets.redact`
finds in a body (the request's own credentials where the vendor echoes them, fields, URL
parameters and values that look secret) is redacted.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from ..client.polls import Poll
from ..client.watch import watch_job
from ..contract.model import ApiModel
from ..contract.secrets import redact
from .validate import body_problem, status_problem


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
        raise RuntimeError(f"nothing to record from {without_credentials(url)}: the job never answered 2xx ({reason})")
    start = polls[0].at
    timeline: list[dict[str, Any]] = []
    for poll in polls:
        add_answer(timeline, api, poll.at - start, poll, known)
    source = without_credentials(url)
    description = (
        f"Recorded from {source} (job {job_id}): {len(history.polls)} polls over {polls[-1].at - start:.1f} s"
        + (", stopped at the timeout" if history.timed_out else "")
    )
    return fixture(api, name or scenario_name(job_id), job_id, source, description, timeline)


def add_answer(
    timeline: list[dict[str, Any]], api: ApiModel, at: float, poll: Poll, known: Iterable[str | None]
) -> bool:
    """Add the poll's answer, `at` seconds after the first, to the timeline, redacted; False
    when it adds nothing: an answer with no JSON body or one the contract declares no status
    for, or the same answer as the previous entry (which still holds)."""
    if poll.status_code is None or poll.body is None or status_problem(api, poll.status_code) is not None:
        return False
    entry: dict[str, Any] = {"at": round(max(at, 0.0), 3), "status": poll.status_code}
    if "retry-after" in poll.headers:
        entry["headers"] = {"Retry-After": redact(poll.headers["retry-after"], known=known)}
    entry["body"] = redact(poll.body, known=known)
    if timeline and {k: v for k, v in timeline[-1].items() if k != "at"} == {
        k: v for k, v in entry.items() if k != "at"
    }:
        return False
    timeline.append(entry)
    return True


def fixture(
    api: ApiModel, name: str, job_id: str, source: str, description: str, timeline: list[dict[str, Any]]
) -> dict[str, Any]:
    """The fixture document holding one recorded scenario."""
    scenario: dict[str, Any] = {
        "description": description,
        "recorded": {"job": job_id, "from": source, "at": datetime.now(UTC).isoformat(timespec="seconds")},
        "timeline": timeline,
    }
    for i, entry in enumerate(timeline):
        why = body_problem(api, entry["status"], entry["body"])
        if why is not None:
            scenario["breaksContract"] = f"recorded as answered (timeline entry {i + 1}, at {entry['at']} s): {why}"
            break
    return {"api": api.name, "scenarios": {name: scenario}}


def scenario_name(job_id: str) -> str:
    """`recorded-<job id>`, the id made safe for a scenario name; with a short hash of the id
    when that changed it, so that two ids never share a name."""
    safe = slug(job_id)
    if safe == job_id:
        return f"recorded-{safe}"
    return f"recorded-{safe}-{hashlib.sha256(job_id.encode()).hexdigest()[:8]}"


def write_fixture(document: dict[str, Any], path: Path, by: str = "jobmock record") -> None:
    """Write the fixture atomically: a reader (`serve --fixtures` on the folder) sees the old
    file or the new one, never half of one (the temporary file's name ends in `.tmp`, which
    the loader does not read)."""
    text = f"# Written by {by}; serve it with: jobmock serve --fixtures {path}\n"
    text += yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("x", encoding="utf-8") as out:  # made as any file is (the umask's mode)
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def without_credentials(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc, query=""))


def slug(text: str) -> str:
    """`text` as a name safe in a scenario or file name (at most 40 characters)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "job"
