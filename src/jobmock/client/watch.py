"""Poll jobs over HTTP until they end, as a well-behaved client would.

Honours Retry-After, polls a terminal job a few more times (so a terminal state that
changes is seen), and gives up at the timeout or after repeated errors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ..contract import dotted
from ..contract.model import ApiModel
from .polls import Poll, retry_delay

POLLS_AFTER_TERMINAL = 2
MAX_ERRORS_IN_A_ROW = 3


@dataclass(frozen=True)
class Watched:
    """Every poll of one job, in order."""

    job_id: str
    polls: tuple[Poll, ...]
    timed_out: bool = False  # polling stopped at the timeout with the job still live


async def watch_job(
    client: httpx.AsyncClient,
    api: ApiModel,
    base_url: str,
    job_id: str,
    headers: Mapping[str, str],
    timeout: float = 60.0,
    interval: float = 0.5,
    after_terminal: int = POLLS_AFTER_TERMINAL,
    parameters: Mapping[str, str] | None = None,
) -> Watched:
    """Poll one job until it ends (and `after_terminal` polls more), the timeout passes, or
    it errs `MAX_ERRORS_IN_A_ROW` times; `parameters` (by name) are sent where the poll takes
    them, its other required ones as the document gives them (`ApiModel.poll_request`)."""
    path, documented = api.poll_request(job_id, parameters)  # the id encoded
    url = base_url.rstrip("/") + path
    headers = {**documented, **headers}
    polls: list[Poll] = []
    started = time.monotonic()
    terminal_polls = errors_in_a_row = 0
    while True:
        poll = await _send(client, len(polls), url, headers)
        polls.append(poll)
        delay = interval
        job = poll.job
        if job is not None:
            errors_in_a_row = 0
            status = dotted.get(job, api.status_field)[1]  # at its top, or one level down (`data.status`)
            if isinstance(status, str) and api.lifecycle.is_terminal(status):
                terminal_polls += 1
                if terminal_polls > after_terminal:
                    break
        elif poll.status_code == 429:
            delay = max(interval, retry_delay(poll.headers.get("retry-after", "")) or interval)
        else:
            errors_in_a_row += 1
            if errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
                break
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            return Watched(job_id, tuple(polls), timed_out=terminal_polls == 0)
        await asyncio.sleep(min(delay, remaining))
    return Watched(job_id, tuple(polls))


async def _send(client: httpx.AsyncClient, index: int, url: str, headers: Mapping[str, str]) -> Poll:
    try:
        response = await client.get(url, headers=dict(headers))
    except httpx.HTTPError as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Poll(index, time.time(), "GET", url, dict(headers), error=reason)
    try:
        body = response.json()
    except ValueError:
        body = None
    return Poll(
        index,
        time.time(),
        "GET",
        url,
        dict(headers),
        status_code=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        body=body,
        text=response.text,
    )
