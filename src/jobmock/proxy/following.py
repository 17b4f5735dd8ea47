"""Jobs followed across the polls of every client: the lifecycle checks `jobmock check` runs,
on live traffic.

A job is followed from the first poll answering it (200 with a JSON object), whichever
client sent it; every later poll of its id through the proxy is added, in the order the
answers came, and judged at once by `checker.lifecycle_checks.judge_latest` (unless it
repeats an answer before it that broke nothing: `_same_answer` says why): the same
registered checks, over the same `JobHistory`, as `jobmock check` runs over the polls it
makes itself. The per-answer ones (`retry_after`, `error_envelope`, the body's schema) are
left to `exchanges.py`, which judges every answer with the same rules: a poll's answer is
judged once.

A poll answered 401, 403 or 404 is not added: those depend on who asks (another key's job
is the vendor's 404), not on the job. Memory is bounded: each job keeps its first poll
(what a fixed field must keep, the creation time) and its newest `max_polls - 1` (a poll is
judged against the first and the `JUDGED - 1` before it); at most
`max_jobs` are followed, the one polled longest ago dropped first. Both are counted.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..checker.lifecycle_checks import CHECKS, JobHistory, judge_latest
from ..checker.response_rules import RULES
from ..client.polls import Poll
from ..contract.model import ApiModel
from .findings import Finding

PER_ANSWER = frozenset({*RULES, "response_schema"})  # judged on every exchange instead (`exchanges.py`)
WHO_ASKS = frozenset({401, 403, 404})  # answers about the caller, not the job
# A poll is judged against the job's first poll and the JUDGED - 1 before it: each check compares
# a poll with the one before it, or with the first (a fixed field, the creation time), and a
# break further back was found when it was the newest. The checks' cost grows with the polls
# they read, and a proxy judges every poll of every client.
JUDGED = 8


@dataclass
class Trail:
    """One followed job: its first poll and its newest ones."""

    api: ApiModel
    job_id: str
    polls: list[Poll] = field(default_factory=list)
    seen: int = 0  # polls added, dropped ones included
    clean: bool = False  # its newest poll showed nothing


@dataclass
class Counts:
    followed: int = 0  # jobs followed now
    dropped_jobs: int = 0  # jobs no longer followed, to make room (--max-jobs)
    dropped_polls: int = 0  # polls let go from followed jobs (--max-polls)
    polls: int = 0  # polls added, all jobs


class Following:
    def __init__(self, max_polls: int, max_jobs: int):
        self.max_polls = max_polls
        self.max_jobs = max_jobs
        self.trails: OrderedDict[tuple[str, str], Trail] = OrderedDict()
        self.counts = Counts()

    def checks(self) -> list[str]:
        """The lifecycle checks run on each poll: every registered one but the per-answer ones."""
        return [name for name in CHECKS if name not in PER_ANSWER]

    def add(self, api: ApiModel, job_id: str, status: int, poll: Callable[[int], Poll]) -> list[Finding]:
        """Add a poll answered `status` (`poll(index)` makes it) and return what it shows
        first, as lifecycle findings; nothing for a poll that starts no trail."""
        key = (api.name, job_id)
        trail = self.trails.get(key)
        if status in WHO_ASKS:
            return []
        if trail is None:
            made = poll(0)
            if made.job is None:
                return []  # not a job yet: nothing to follow
            trail = self.trails[key] = Trail(api, job_id)
            if len(self.trails) > self.max_jobs:
                self.trails.popitem(last=False)
                self.counts.dropped_jobs += 1
        else:
            self.trails.move_to_end(key)
            made = poll(trail.seen)
        repeated = trail.clean and _same_answer(trail.polls[-1], made)
        trail.polls.append(made)
        trail.seen += 1
        self.counts.polls += 1
        if len(trail.polls) > self.max_polls:
            del trail.polls[1]  # the first stays: fixed fields and the creation time are held to it
            self.counts.dropped_polls += 1
        self.counts.followed = len(self.trails)
        if repeated:  # the answer before, which showed nothing, again: it shows nothing either
            return []
        judged = trail.polls if len(trail.polls) <= JUDGED + 1 else [trail.polls[0], *trail.polls[-JUDGED:]]
        history = JobHistory(api, job_id, tuple(judged))
        found = [
            Finding(v.check, v.expected, v.actual, "lifecycle", job_id, v.poll.index + 1)
            for v in judge_latest(history, self.checks())
        ]
        trail.clean = not found
        return found


def _same_answer(before: Poll, now: Poll) -> bool:
    """The same status and body as the poll before (what a client polling faster than the job
    moves mostly gets). Each check compares a poll with those before it (a transition, progress
    falling, a fixed field changing, a timestamp ahead of the answer's time, which only moves
    on): an answer like one that broke none, coming later, breaks none either, so it is not
    judged again; the checks' cost grows with the polls kept, and a proxy sees every poll."""
    return now.status_code == before.status_code and now.text == before.text and now.body == before.body
