"""What the proxy found wrong, each kept once: the `Jobmock-Violations` header of an answer
and the list `GET /_jobmock/violations` pages through.

A broken upstream breaks the same rule again and again (every poll after a terminal status
changed shows it; every job of a vendor with a wrong schema does). A finding is one rule
broken one way: its check, what was expected and what came instead, and the job or the
operation it is about. The first exchange that shows it records it, with credentials
redacted (`contract.secrets.redact`, with the request's own credentials as known
secrets); later ones count. The list is bounded: past `max_kept` the oldest finding goes
(counted in `dropped`), and a finding met again after that is recorded anew.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ..contract.secrets import redact

Kind = Literal["request", "exchange", "lifecycle"]  # the request, the answer, the job across its polls
HEADER = "Jobmock-Violations"
HEADER_CHARS = 300  # the header's length at most: a count and one finding, short
POLLS_LISTED = 20  # poll numbers kept per lifecycle finding (the count goes on)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # nothing that could end the header or start another
_ASCII = str.maketrans({"→": "->", "≥": ">=", "≤": "<=", "…": "...", "\r": " ", "\n": " ", "\t": " "})


@dataclass(frozen=True)
class Finding:
    """One rule an exchange breaks: `check` (a lifecycle check's name, or the Schemathesis
    name of a per-answer rule), what was expected and what came."""

    check: str
    expected: str
    actual: str
    kind: Kind = "exchange"
    job: str | None = None
    poll: int | None = None  # the job's poll number (from 1) showing it, for a lifecycle finding

    def line(self) -> str:
        about = f" (job {self.job})" if self.job is not None else ""
        return f"{self.check}{about}: expected {self.expected}; got {self.actual}"


@dataclass
class Record:
    id: int
    finding: Finding
    api: str
    operation: str | None
    request: str
    status: int
    first_seen: float
    last_seen: float
    count: int = 1
    polls: list[int] = field(default_factory=list)
    reproduce: str = ""  # a curl command repeating the first request to the upstream (`reporting.reproduce`)

    def as_json(self) -> dict[str, Any]:
        f = self.finding
        return {
            "id": self.id,
            "kind": f.kind,
            "check": f.check,
            "api": self.api,
            "operation": self.operation,
            "job": f.job,
            "expected": f.expected,
            "actual": f.actual,
            "request": self.request,
            "status": self.status,
            "count": self.count,
            "polls": self.polls,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "reproduce": self.reproduce,
        }


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


class FindingLog:
    """Every finding once, oldest first, at most `max_kept`."""

    def __init__(self, max_kept: int):
        self.max_kept = max_kept
        self.records: OrderedDict[tuple[Any, ...], Record] = OrderedDict()
        self.next_id = 1
        self.dropped = 0

    def add(
        self,
        findings: Iterable[Finding],
        api: str,
        operation: str | None,
        request: str,
        status: int,
        secrets: Sequence[str] = (),
        reproduce: Callable[[], str] | None = None,
    ) -> list[Finding]:
        """Record what one exchange showed; return, redacted, those it is the first to show
        (for a lifecycle finding) or all of them (a request or exchange finding is the
        exchange's own). `reproduce` gives the curl command that repeats the exchange's
        request, made only for a finding recorded anew (and once for the exchange)."""
        made: list[str] = []

        def reproduced() -> str:
            if not made:
                made.append(reproduce() if reproduce is not None else "")
            return made[0]

        shown: list[Finding] = []
        now = time.time()
        for raw in findings:
            finding = Finding(
                raw.check,
                str(redact(raw.expected, known=secrets)),
                str(redact(raw.actual, known=secrets)),
                raw.kind,
                raw.job,
                raw.poll,
            )
            own = finding.kind != "lifecycle"  # the exchange's own: shown on every exchange that shows it
            key = (finding.kind, api, operation if own else None, finding.job, finding.check,
                   finding.expected, finding.actual)  # fmt: skip
            known = self.records.get(key)
            if known is not None:
                known.count += 1
                known.last_seen = now
                if finding.poll is not None and len(known.polls) < POLLS_LISTED:
                    known.polls.append(finding.poll)
                if own:
                    shown.append(finding)
                continue
            polls = [finding.poll] if finding.poll is not None else []
            said = str(redact(request, known=secrets))
            self.records[key] = Record(
                self.next_id, finding, api, operation, said, status, now, now, polls=polls, reproduce=reproduced()
            )
            self.next_id += 1
            if len(self.records) > self.max_kept:
                self.records.popitem(last=False)
                self.dropped += 1
            shown.append(finding)
        return shown

    def page(self, limit: int, after: int) -> tuple[list[Record], int | None]:
        """Up to `limit` records with an id above `after`, oldest first, and the cursor of
        the next page (None: this is the last)."""
        found = [record for record in self.records.values() if record.id > after]
        page = found[:limit]
        return page, page[-1].id if len(found) > limit else None


def header_value(findings: Sequence[Finding]) -> bytes | None:
    """`Jobmock-Violations`: the count and the first finding, short and in ASCII; None for none."""
    if not findings:
        return None
    text = f"{len(findings)}; {findings[0].line()}".translate(_ASCII)
    text = _CONTROL.sub(" ", text.encode("ascii", "replace").decode())
    if len(text) > HEADER_CHARS:
        text = text[: HEADER_CHARS - 3] + "..."
    return text.encode()
