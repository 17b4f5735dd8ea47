"""How well clients poll: a pure reading of the journal.

Flags what hurts a real job API: polling faster than `min_interval`, polling on after
the job reached a terminal state, and polling again before a 429's Retry-After ran out.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .journal import JournalEntry


@dataclass
class ClientReport:
    client: str
    polls: int = 0
    jobs: int = 0
    median_interval: float | None = None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "client": self.client,
            "polls": self.polls,
            "jobs": self.jobs,
            "median_interval": self.median_interval,
            "problems": self.problems,
        }


def analyse(
    entries: Iterable[JournalEntry], terminal: Mapping[str, Iterable[str]], min_interval: float = 0.5
) -> list[ClientReport]:
    """One report per client, in order of first request."""
    by_client: dict[str, dict[str, list[JournalEntry]]] = {}
    for entry in entries:
        if entry.job is not None and entry.method == "GET":
            by_client.setdefault(entry.client, {}).setdefault(entry.job, []).append(entry)
    reports = []
    for client, jobs in by_client.items():
        report = ClientReport(client, polls=sum(map(len, jobs.values())), jobs=len(jobs))
        gaps: list[float] = []
        for job, polls in jobs.items():
            gaps += [b.at - a.at for a, b in itertools.pairwise(polls)]
            report.problems += _job_problems(job, polls, set(terminal.get(polls[0].api or "", ())))
        if gaps:
            report.median_interval = round(statistics.median(gaps), 3)
            if report.median_interval < min_interval:
                report.problems.insert(
                    0, f"polls every {report.median_interval:g} s (median); at least {min_interval:g} s is kinder"
                )
        reports.append(report)
    return reports


def _job_problems(job: str, polls: list[JournalEntry], terminal: set[str]) -> list[str]:
    problems = []
    finished_at = next((i for i, p in enumerate(polls) if p.job_status in terminal), None)
    if finished_at is not None and finished_at < len(polls) - 1:
        extra = len(polls) - 1 - finished_at
        problems.append(f"job {job}: {extra} more polls after it was {polls[finished_at].job_status}")
    for before, after in itertools.pairwise(polls):
        if before.status == 429 and before.retry_after and before.retry_after.isdigit():
            waited = after.at - before.at
            if waited + 0.05 < float(before.retry_after):
                problems.append(
                    f"job {job}: polled {waited:.1f} s after a 429 that said Retry-After: {before.retry_after}"
                )
    return problems


def render(reports: list[ClientReport]) -> str:
    if not reports:
        return "jobmock polling report: no polls"
    lines = ["jobmock polling report"]
    for r in reports:
        interval = f", every {r.median_interval:g} s (median)" if r.median_interval is not None else ""
        lines.append(f"  {r.client}: {r.polls} polls of {r.jobs} jobs{interval}")
        lines += [f"    ! {p}" for p in r.problems] or ["    ok"]
    return "\n".join(lines)
