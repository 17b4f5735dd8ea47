"""What `jobmock proxy` found, reported as `jobmock check` reports: the text printed when the
proxy stops and the JUnit file of `--report FILE.xml`, laid out by `checker.report`'s one
renderer; and the curl command that repeats a request to the upstream.

A proxy sees the app's traffic, not a run of its own, so it says what it found as a
`checker.report.Report`: each violation kept (`findings.FindingLog`) one failure, as
`check` lists one per check and job (a lifecycle one names the job and the polls that show
it; a request's or an answer's, the request and how many exchanges showed it); and a JUnit
test case per check it ran: the request checks and the answer checks over every exchange,
the lifecycle checks per job (each followed job, and each a violation names whose following
was dropped since).

The reproduce line (`reproduce`) is made when a violation is first kept, since the
credentials are not: the request's method, the upstream's URL of its path and query (as
sent), the header and cookie parameters the operation declares, its content type and body
(up to `REPRODUCED_BODY` bytes), and `$TOKEN` in place of each credential, where the
document's security scheme carries it (its header, with the scheme word the request used:
`Authorization: Bearer $TOKEN`; its query parameter; its cookie) or in any header, cookie or
query parameter whose name says secret. It is redacted with the request's credentials as
known secrets, as every finding is.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from ..checker.lifecycle_checks import JobHistory
from ..checker.report import Case, Failure, Report, journey, plural, ranges, write_junit
from ..client.polls import TOKEN, curl_command, in_place_of
from ..contract.document import Contract
from ..contract.secrets import redact, secret_name
from .exchanges import Located, answer_checks
from .findings import FindingLog, Record
from .following import Following
from .options import ProxyOptions
from .recording import Recorder
from .request_checks import REQUEST_CHECKS

REPRODUCED_BODY = 4096  # bytes of a request body a reproduce line carries; a larger one is left out, and said
LISTED_JOBS = 20  # followed jobs whose states the text lists (the JUnit file has every one)


def reproduce(
    api: Contract,
    url: str,
    located: Located | None,
    method: str,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
    secrets: Sequence[str],
) -> str:
    """A curl command sending the request to `url` (the upstream's, query included), `$TOKEN`
    where its credentials were."""
    security = api.security
    requirements = (
        security.requirements_of(None, located.method, located.template) if located else security.requirements_of()
    )
    carried: set[tuple[str, str]] = {
        (s.location, s.param.lower() if s.location == "header" else s.param) for s in requirements.schemes
    }
    declared = _declared_parameters(api, located)
    # a header named as the document spells it (ASGI gives them in lower case)
    kept = {name.lower(): name for kind, name in declared if kind == "header"}
    spelt = {"content-type": "Content-Type"} | kept
    spelt |= {s.param.lower(): s.param for s in requirements.schemes if s.location == "header"}
    sent: list[tuple[str, str]] = []
    cookies: list[tuple[str, str]] = []
    for raw_name, raw_value in headers:
        lower, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        name = spelt.get(lower, lower)
        if lower == "cookie":
            for pair in value.split(";"):
                cookie, sep, text = pair.strip().partition("=")
                if not sep:
                    continue
                if ("cookie", cookie) in carried or secret_name(cookie, param=True):
                    cookies.append((cookie, TOKEN))
                elif ("cookie", cookie) in declared:
                    cookies.append((cookie, text))
        elif ("header", lower) in carried or secret_name(name):
            sent.append((name, in_place_of(value)))
        elif lower in kept or (lower == "content-type" and body):
            sent.append((name, value))
    target, _, query = url.partition("?")
    if query:
        target += "?" + "&".join(_query_part(part, carried) for part in query.split("&"))
    data: str | None = None
    left_out = ""
    if body:
        try:
            data = body.decode("utf-8") if len(body) <= REPRODUCED_BODY else None
        except UnicodeDecodeError:
            data = None
        if data is None:
            left_out = f"  # the request's {len(body)}-byte body is not kept: send it with --data-binary @FILE"
    return str(redact(curl_command(method.upper(), target, sent, cookies, data) + left_out, known=secrets))


def _query_part(part: str, carried: set[tuple[str, str]]) -> str:
    name, sep, _value = part.partition("=")
    plain = unquote_plus(name)
    if sep and (("query", plain) in carried or secret_name(plain, param=True)):
        return f"{name}={TOKEN}"
    return part


def _declared_parameters(api: Contract, located: Located | None) -> set[tuple[str, str]]:
    """The header and cookie parameters the operation declares: kept as sent."""
    if located is None:
        return set()
    item = api.resolved.get("paths", {}).get(located.template) or {}
    listed = [*(item.get("parameters") or []), *(located.spec.get("parameters") or [])]
    found = set()
    for parameter in listed:
        if isinstance(parameter, Mapping) and parameter.get("in") in ("header", "cookie"):
            name = str(parameter.get("name", ""))
            found.add((str(parameter["in"]), name))
    return found


def report_of(
    api: Contract,
    options: ProxyOptions,
    log: FindingLog,
    following: Following,
    recorder: Recorder | None,
    exchanges: int,
    seconds: float,
) -> Report:
    """What the proxy found in `seconds` of traffic (`exchanges` judged): for `render_text`
    and `write_junit`."""
    records = list(log.records.values())
    failures = [(record, _failure(record)) for record in records]
    lifecycle = [record for record in records if record.finding.kind == "lifecycle"]
    counts = following.counts
    summary = [
        f"  Exchanges: {plural(len(REQUEST_CHECKS) + len(answer_checks()), 'check')} over "
        f"{plural(exchanges, 'exchange')}, {plural(len(records) - len(lifecycle), 'failure')}",
        f"  Lifecycle: {plural(len(following.checks()), 'check')} over "
        f"{plural(counts.followed + counts.dropped_jobs, 'job')}, {plural(len(lifecycle), 'failure')}"
        + (f" (in {plural(sum(r.count for r in lifecycle), 'poll')})" if lifecycle else ""),
    ]
    trails = list(following.trails.values())
    for trail in trails[:LISTED_JOBS]:
        summary.append(
            f"    {trail.job_id}: {journey(JobHistory(trail.api, trail.job_id, tuple(trail.polls)), trail.seen)}"
        )
    if len(trails) > LISTED_JOBS:
        summary.append(f"    … and {plural(len(trails) - LISTED_JOBS, 'more job')} (each in the JUnit report)")
    if recorder is not None:
        done = recorder.counts
        summary.append(
            f"  Recorded: {plural(done.recorded, 'job')} to {options.record} ({plural(done.files, 'file')} written"
            + (f", {done.failures} writes failed" if done.failures else "")
            + (f"; {done.not_recorded} more past --max-recorded" if done.not_recorded else "")
            + ")"
        )
    notes = []
    if not exchanges:
        notes.append("no exchange was relayed: nothing was checked")
    if log.dropped:
        notes.append(f"{plural(log.dropped, 'violation')} dropped, the oldest first, past --max-violations "
                     f"({options.max_violations}): not listed")  # fmt: skip
    if counts.dropped_jobs:
        notes.append(f"{plural(counts.dropped_jobs, 'job')} no longer followed, to make room (--max-jobs "
                     f"{options.max_jobs}): listed where they failed only")  # fmt: skip
    summary += [f"  note: {note}" for note in notes]
    found = len(records) + log.dropped
    verdict = "nothing checked" if not exchanges else plural(found, "failure") if found else "conforms"
    return Report(
        f"jobmock proxy {api.name} in front of {options.upstream}",
        f"jobmock proxy {api.name}",
        tuple(summary),
        tuple(failure for _record, failure in failures),
        tuple(_cases(api.name, exchanges, failures, following)),
        verdict,
        1 if found and options.fail_on_violations else 0,
        seconds,
    )


def _failure(record: Record) -> Failure:
    finding = record.finding
    if finding.kind == "lifecycle":
        first, *also = record.polls or [0]
        where = f"job {finding.job}, poll {first}"
        again = [f"polls {ranges(sorted(set(also)))}"] if also else []
        if record.count > len(record.polls):  # the poll numbers kept are the first POLLS_LISTED
            again.append(plural(record.count - len(record.polls), "more poll"))
        if again:
            where += f" (also {' and '.join(again)})"
    else:
        operation = f" ({record.operation})" if record.operation else " (no operation of the document)"
        times = f", {plural(record.count, 'exchange')}" if record.count > 1 else ""
        where = f"{record.request}{operation} answered {record.status}{times}"
    details = (("expected", finding.expected), ("got", finding.actual))
    return Failure(finding.kind, finding.check, where, details, record.reproduce)


def _cases(api: str, exchanges: int, failures: list[tuple[Record, Failure]], following: Following) -> list[Case]:
    """A test case per check: the request and answer checks over every exchange (when there
    was one), the lifecycle checks per job."""
    by_check: dict[tuple[str, str, str | None], list[Failure]] = {}
    for record, failure in failures:
        finding = record.finding
        by_check.setdefault(
            (finding.kind, finding.check, finding.job if finding.kind == "lifecycle" else None), []
        ).append(failure)
    cases = []
    if exchanges:
        for kind, suite, names in (
            ("request", "requests", list(REQUEST_CHECKS)),
            ("exchange", "exchanges", answer_checks()),
        ):
            extra = [check for k, check, _job in by_check if k == kind and check not in names]
            for name in dict.fromkeys([*names, *extra]):
                found = tuple(by_check.get((kind, name, None), []))
                cases.append(Case(f"{api}.{suite}", f"jobmock.{api}.{suite}", name, found))
    jobs = [trail.job_id for trail in following.trails.values()]
    jobs += [job for kind, _check, job in by_check if kind == "lifecycle" and job is not None]
    checks = following.checks()
    checks += [check for kind, check, _job in by_check if kind == "lifecycle" and check not in checks]
    for job in dict.fromkeys(jobs):
        for name in dict.fromkeys(checks):
            found = tuple(by_check.get(("lifecycle", name, job), []))
            cases.append(Case(f"{api}.lifecycle", f"jobmock.{api}.lifecycle.{job}", name, found))
    return cases


def job_counts(following: Following, options: ProxyOptions, recorder: Recorder | None) -> dict[str, Any]:
    """The jobs followed (and recorded): `/_jobmock/violations`' `jobs` and `/_jobmock/status`' `proxy`."""
    counts = following.counts
    jobs: dict[str, Any] = {
        "followed": counts.followed,
        "dropped": counts.dropped_jobs,
        "polls": counts.polls,
        "dropped_polls": counts.dropped_polls,
        "max_jobs": options.max_jobs,
        "max_polls": options.max_polls,
    }
    if recorder is not None:
        jobs.update(recorder.as_json())
    return jobs


class ReportFile:
    """--report FILE.xml: the JUnit file written when the proxy stops (a part of its lifespan,
    so that it is written however the proxy is run: `run_proxy`, a `BackgroundServer`, an
    ASGI server of your own)."""

    def __init__(self, path: Path, report: Callable[[], Report]):
        self.path = path
        self.report = report
        self.written = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        try:
            await asyncio.to_thread(write_junit, self.report(), self.path)
        except OSError as exc:
            print(f"jobmock proxy: --report: cannot write {self.path}: {exc.strerror or exc}", file=sys.stderr)
            return
        self.written = True
