"""What a poll is answered: status, headers and body, and how to deliver it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    job_status: str | None = None  # the job's status in the body (None: the body is no job)
    fault: str | None = None  # the injected fault: '429', '503', 'latency', 'drop'
    delay: float = 0.0  # seconds to wait before answering
    drop: bool = False  # close the connection instead of answering
