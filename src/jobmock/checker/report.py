"""What was found, as people read it (`render_text`) and as CI reads it (`write_junit`, JUnit
XML): one layout for `jobmock check` and `jobmock proxy` alike.

Both say what they found as a `Report`: a title and summary lines, the failures (each with
what was expected, what came, and a curl command that repeats the request, `$TOKEN` where
the credential was) and the JUnit test cases (a check, per job for the lifecycle ones).
`of_check` makes one of a `CheckReport`; the proxy makes its own of the traffic it relayed
(`proxy/reporting.py`). Everything written goes through the report's `redact`.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..contract.secrets import redact
from .lifecycle_checks import CHECKS, JobHistory, Violation
from .runner import CheckReport

FAILURES = "FAILURES (in curl commands, $TOKEN stands for your token)"


@dataclass(frozen=True)
class Failure:
    """One failure, whichever side found it."""

    source: str  # schemathesis | lifecycle
    check: str
    where: str  # operation, or job and poll
    details: tuple[tuple[str, str], ...]  # (label, text): expected/got, or Schemathesis' title/details
    curl: str

    @property
    def headline(self) -> str:
        text = self.details[-1][1] if self.details else ""
        return f"{self.check}: {text.splitlines()[0] if text else ''}"


@dataclass(frozen=True)
class Case:
    """One JUnit test case: a check over what it ran on, with its failures (or an error: it
    could not run)."""

    suite: str  # the testsuite's name: `neuraldraft.lifecycle`
    classname: str
    name: str
    failures: tuple[Failure, ...] = ()
    error: str | None = None


def _redacted(text: str) -> str:
    return str(redact(text))


@dataclass(frozen=True)
class Report:
    """What a report says, whoever found it; `render_text` and `write_junit` lay it out."""

    title: str  # the first line: `jobmock check neuraldraft against URL`
    name: str  # the JUnit root's: `jobmock check neuraldraft`
    summary: tuple[str, ...]  # the lines under the title, indented
    failures: tuple[Failure, ...]
    cases: tuple[Case, ...]
    verdict: str  # `conforms`, `3 failures`
    exit_code: int
    seconds: float
    errors: tuple[str, ...] = ()  # what could not be checked
    redact: Callable[[str], str] = _redacted  # every word written goes through it


def failures(report: CheckReport) -> list[Failure]:
    found = []
    for f in report.contract.failures if report.contract else []:
        details = (("failure", f.title), ("details", f.message.strip()))
        found.append(Failure(f"schemathesis {f.code}", f.check, f.operation, details, _token_placeholder(f.curl)))
    # one entry per check and job: the first offending poll in full, the others by number
    grouped: dict[tuple[str, str], list[Violation]] = {}
    for v in report.violations:
        grouped.setdefault((v.check, v.job_id), []).append(v)
    for (check, job_id), violations in grouped.items():
        first = violations[0]
        polls = [v.poll.index + 1 for v in violations]
        where = f"job {job_id}, poll {polls[0]}"
        if len(polls) > 1:
            where += f" (also polls {ranges(sorted(set(polls[1:])))})"
        details = (("expected", first.expected), ("got", first.actual))
        found.append(Failure("lifecycle", check, where, details, first.poll.curl()))
    return found


def journey(history: JobHistory, seen: int | None = None) -> str:
    """`pending x3 → processing x40 → completed in 4.2 s, 44 polls` for one watched job;
    `seen`: the polls there were, when `history` keeps only its first and newest."""
    polls = history.polls
    seconds = polls[-1].at - polls[0].at if polls else 0.0
    statuses = [str(history.status(job)) for _poll, job in history.jobs()]
    path = trail(statuses) if statuses else "never returned the job"
    count = plural(max(seen or 0, len(polls)), "poll")
    if seen is not None and seen > len(polls):
        count += f" (the states of the first and the newest {len(polls) - 1})"
    return f"{path} in {seconds:.1f} s, {count}" + (" (timed out)" if history.timed_out else "")


def trail(statuses: list[str], most: int = 8) -> str:
    """Runs of one status with their length (`processing x40`); past `most` runs, the first
    and last few with how many changes lie between."""
    runs = [(status, len(list(group))) for status, group in itertools.groupby(statuses)]
    words = [f"{status} x{count}" if count > 1 else status for status, count in runs]
    if len(words) > most:
        words = [*words[: most // 2], f"… {len(words) - most} more …", *words[-(most // 2) :]]
    return " → ".join(words)


def ranges(numbers: list[int]) -> str:
    """`3, 5-9, 12` for [3, 5, 6, 7, 8, 9, 12] (sorted, distinct)."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def of_check(report: CheckReport) -> Report:
    """What `jobmock check` says of its run."""
    found = failures(report)  # one count everywhere: a lifecycle failure is a check on a job, its polls listed
    lines = []
    if report.contract is not None:
        lines.append(
            f"  Schemathesis: {plural(len(report.contract.checks_run), 'check')} ran, "
            f"{plural(sum(f.source != 'lifecycle' for f in found), 'failure')}"
        )
    if report.histories:
        lifecycle = sum(f.source == "lifecycle" for f in found)
        polls = f" (in {plural(len(report.violations), 'poll')})" if report.violations else ""
        lines.append(
            f"  Lifecycle: {plural(len(report.lifecycle_checks), 'check')} over "
            f"{plural(len(report.histories), 'job')}, {plural(lifecycle, 'failure')}{polls}"
        )
        lines += [f"    {h.job_id}: {journey(h)}" for h in report.histories]
    lines += [f"  note: {note}" for note in report.notes]
    verdict = {0: "conforms", 1: plural(len(found), "failure"), 2: "could not check"}[report.exit_code]
    return Report(
        f"jobmock check {report.api} against {report.url}",
        f"jobmock check {report.api}",
        tuple(lines),
        tuple(found),
        tuple(_check_cases(report, found)),
        verdict,
        report.exit_code,
        report.seconds,
        tuple(report.errors),
        report.redact,
    )


def _check_cases(report: CheckReport, found: list[Failure]) -> list[Case]:
    """One test case per check (and per job for lifecycle checks)."""
    by_check: dict[tuple[str, str], list[Failure]] = {}
    for f in found:
        key = (f.check, f.where.split(",")[0] if f.source == "lifecycle" else "")
        by_check.setdefault(key, []).append(f)
    cases = []
    if report.contract is not None:
        for name in sorted(report.contract.checks_run | {c for c, _ in by_check if c not in CHECKS}):
            failed = tuple(by_check.get((name, ""), []))
            cases.append(Case(f"{report.api}.schemathesis", f"jobmock.{report.api}.schemathesis", name, failed))
    for history in report.histories:
        for name in report.lifecycle_checks:
            failed = tuple(by_check.get((name, f"job {history.job_id}"), []))
            classname = f"jobmock.{report.api}.lifecycle.{history.job_id}"
            cases.append(Case(f"{report.api}.lifecycle", classname, name, failed))
    for error in report.errors:
        cases.append(Case(f"{report.api}.errors", f"jobmock.{report.api}", "reach the target", error=error))
    return cases


def render_text(report: CheckReport | Report) -> str:
    """The report as people read it: the summary, each failure numbered with what was expected,
    what came and its reproduce line, and the result."""
    report = report if isinstance(report, Report) else of_check(report)
    lines = [report.title, *report.summary]
    if report.failures:
        lines += ["", FAILURES]
    for number, f in enumerate(report.failures, 1):
        lines += [
            "",
            f"{number}. {f.check} [{f.source}] {f.where}",
            *(line for label, text in f.details for line in _labelled(label, text)),
            *_labelled("reproduce", f.curl),
        ]
    if report.errors:
        lines += ["", "ERRORS (could not check)"] + [f"  - {e}" for e in report.errors]
    lines += ["", f"Result: {report.verdict} (exit {report.exit_code}) in {report.seconds:.1f} s"]
    return report.redact("\n".join(lines))


def plural(number: int, word: str) -> str:
    """`1 failure`, `3 failures`."""
    return f"{number} {word}{'' if number == 1 else 's'}"


def _labelled(label: str, text: str) -> list[str]:
    if not text:
        return []
    first, *rest = text.splitlines()
    return [f"   {label + ':':<11}{first}"] + [f"   {'':<11}{line}" for line in rest]


def write_junit(report: CheckReport | Report, path: Path) -> None:
    """One test case per check (and per job for lifecycle checks); failures carry the details."""
    report = report if isinstance(report, Report) else of_check(report)
    root = ET.Element("testsuites", name=report.redact(report.name))
    for case in report.cases:
        element = _case(_suite(root, case.suite), case.classname, case.name, list(case.failures), report.redact)
        if case.error is not None:
            error = report.redact(case.error)
            ET.SubElement(element, "error", message=error.splitlines()[0] if error else "").text = error
    for suite in root:
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def _suite(root: ET.Element, name: str) -> ET.Element:
    existing = root.find(f"testsuite[@name='{name}']")
    return existing if existing is not None else ET.SubElement(root, "testsuite", name=name)


def _case(
    suite: ET.Element, classname: str, name: str, found: list[Failure], redact: Callable[[str], str]
) -> ET.Element:
    case = ET.SubElement(suite, "testcase", classname=redact(classname), name=name)
    for f in found:
        text = "\n".join([f.where, *(f"{label}: {text}" for label, text in f.details), f"reproduce: {f.curl}"])
        ET.SubElement(case, "failure", message=redact(f.headline)).text = redact(text)
    return case


def _token_placeholder(curl: str) -> str:
    """Schemathesis writes `[Filtered]` for a credential; the reproduce lines say `$TOKEN`."""
    return re.sub(r"(Authorization: )(?:Bearer )?\[Filtered\]", r"\1Bearer $TOKEN", curl, flags=re.I)
