"""`check`: contract-test a job API (real or mock) against its spec, over time too.

The Python API behind `jobmock check` and the pytest fixture: Schemathesis judges
each response (schema_checks.py), the lifecycle checks judge each job across polls
(lifecycle_checks.py); one `CheckReport` holds both. The checker knows the target only
over HTTP: it imports neither the simulation nor the server.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ..client.jobmock_client import JobmockClient
from ..client.watch import watch_job
from ..contract.document import Contract
from ..contract.model import ApiModel, load_named
from ..contract.openapi import operations
from ..contract.secrets import redact, secret_name
from ..contract.security import Requirements, carry
from ..exceptions import CheckUsageError, ControlError, SpecError, SpecErrors
from . import http_semantics
from . import schema_checks as contract
from .lifecycle_checks import CHECKS, JobHistory, Violation, run_checks
from .response_rules import RULES
from .schema_checks import ContractResult

CREATED_JOB_SECONDS = 4.0  # lifecycle of jobs the checker creates on a jobmock target
# ...when the jobmock's clock does not run on wall time (polls, manual), the jobs cost no
# waiting, and long ones keep their states seconds apart, as second-precision stamps need
CREATED_JOB_SECONDS_STOPPED_CLOCK = 60.0


@dataclass
class CheckReport:
    api: str
    url: str
    contract_checks: list[str]
    lifecycle_checks: list[str]
    contract: ContractResult | None = None
    histories: list[JobHistory] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    secrets: tuple[str, ...] = field(default=(), repr=False)  # the credentials used: never in a report

    def redact(self, text: str) -> str:
        """Text for the report with the credentials used and anything secret-looking hidden."""
        return str(redact(text, known=self.secrets))

    @property
    def failure_count(self) -> int:
        return len(self.violations) + (len(self.contract.failures) if self.contract else 0)

    @property
    def ok(self) -> bool:
        return not self.errors and self.failure_count == 0

    @property
    def exit_code(self) -> int:
        """0 conforms, 1 a violation, 2 could not check (usage or connection error)."""
        return 2 if self.errors else 1 if self.failure_count else 0


def split_checks(names: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(Schemathesis checks, lifecycle checks) from a selection; None or 'all' selects every one.

    The per-response rules (`response_rules`: retry_after, error_envelope) are both: on the
    polls always, and on Schemathesis' responses whenever Schemathesis runs (a Schemathesis
    check is selected too); alone they never start it, so its requests never mix with polls."""
    known_contract = contract.check_names()
    if names is None or "all" in names:
        return known_contract, list(CHECKS)
    unknown = [n for n in names if n not in CHECKS and n not in known_contract]
    if unknown:
        raise CheckUsageError(f"unknown check {', '.join(map(repr, unknown))}; see `jobmock check --list-checks`")
    contract_checks = [n for n in names if n in known_contract]
    if all(n in RULES for n in contract_checks):
        contract_checks = []
    return contract_checks, [n for n in names if n in CHECKS]


def load_target(api: str | Contract) -> Contract:
    """The document to check: a bundled API, or any spec file; its job resources (its own
    x-jobmock, or read from the document) are watched over time, and a document with none is
    checked by Schemathesis alone."""
    if isinstance(api, Contract):
        return api
    try:
        return load_named(api)
    except (SpecError, SpecErrors) as exc:
        raise CheckUsageError(str(exc)) from exc


def load_target_api(api: str | Contract) -> ApiModel:
    """A document with jobs (what `jobmock record` polls); CheckUsageError for one without."""
    model = load_target(api)
    if not isinstance(model, ApiModel):
        raise CheckUsageError(
            f"{api}: no job resource (no x-jobmock lifecycle, and none found in the document), so no job to poll"
        )
    return model


def check(
    api: str | Contract,
    url: str,
    token: str | None = None,
    jobs: Sequence[str] = (),
    checks: Sequence[str] | None = None,
    lifecycle_timeout: float = 60.0,
    poll_interval: float = 0.5,
    max_examples: int = 50,
    seed: int | None = None,
    headers: Mapping[str, str] | None = None,
    control_token: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    parameters: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check the API at `url` (its base URL, replacing the spec's server) against its spec:
    Schemathesis over its operations, and its jobs over time where it has a job resource.

    `control_token`: a jobmock target's control token (default: JOBMOCK_CONTROL_TOKEN).
    Raises `CheckUsageError` for bad arguments; an unreachable target is reported in
    `errors` (exit code 2)."""
    started = time.monotonic()
    model = load_target(api)
    contract_checks, lifecycle_checks = split_checks(checks)
    stateless = None if isinstance(model, ApiModel) else _stateless(model, jobs, contract_checks)
    if stateless is not None:
        lifecycle_checks = []
    selected = contract.selected_operations(model, include, exclude)  # CheckUsageError for one that names none
    if not urlsplit(url).scheme.startswith("http") or not urlsplit(url).netloc:
        raise CheckUsageError(f"--url must be an http(s) base URL, got {url!r}")
    sent = dict(headers or {})
    if token is not None:
        sent.update(carry(_asked(model), token) or {"Authorization": f"Bearer {token}"})
    parts = urlsplit(url)
    given = [v for k, v in sent.items() if secret_name(k)]
    used = (token, control_token or os.environ.get("JOBMOCK_CONTROL_TOKEN"), parts.username, parts.password, *given)
    report = CheckReport(model.name, url, contract_checks, lifecycle_checks, secrets=tuple(s for s in used if s))
    reason = _unreachable(url)
    if reason is not None:
        report.errors.append(f"cannot connect to {url}: {reason}")
        return report
    if stateless is not None:
        report.notes.append(stateless)
    job_ids = list(jobs)
    if not job_ids:
        job_ids = _create_on_jobmock(model, url, token, report, control_token) if isinstance(model, ApiModel) else []
        on_jobmock = bool(job_ids) or (stateless is not None and _is_jobmock(url, control_token))
        if on_jobmock:
            contract_checks = _skipped_on_jobmock(model, url, job_ids, contract_checks, report)
    if lifecycle_checks and not job_ids and stateless is None:
        elsewhere = (
            "" if any(n.startswith("target is a jobmock") for n in report.notes) else ", or point --url at a jobmock"
        )
        report.notes.append(f"lifecycle checks skipped: no job to watch (give --job ID{elsewhere})")

    def schemathesis() -> contract.ContractResult | None:
        if not contract_checks:
            return None
        with http_semantics.noting(model, job_ids, sent) as taken:  # refusals HTTP defines: noted, not counted
            result = contract.run_schemathesis(
                model, url, sent, job_ids, contract_checks, max_examples, seed, selected, dict(parameters or {})
            )
        report.notes.extend(http_semantics.notes(taken))
        return result

    async def both() -> tuple[list[JobHistory], contract.ContractResult | None]:
        """Watch the jobs from the first instant (a short job's early states are seen) while
        Schemathesis runs in a thread beside the watching."""
        watched = job_ids if lifecycle_checks else []
        return await asyncio.gather(
            _watch_all(model, url, watched, sent, lifecycle_timeout, poll_interval, dict(parameters or {})),
            asyncio.to_thread(schemathesis),
        )

    report.histories, report.contract = asyncio.run(both())
    for history in report.histories:
        report.violations += run_checks(history, lifecycle_checks)
    if report.contract is not None:
        report.errors += report.contract.errors
        report.notes += _contract_notes(report.contract)
    refused = _all_refused(report, model, url, token, control_token)
    if refused is not None:  # nothing of the API was reached: no finding can be believed
        report.errors.append(refused)
    report.seconds = time.monotonic() - started
    return report


def _contract_notes(result: contract.ContractResult) -> list[str]:
    """What the report says of Schemathesis' run besides its failures."""
    notes = []
    if result.spared:
        notes.append(
            f"{result.spared} of Schemathesis' changing calls (a cancel, a delete) named a watched job: "
            "each was sent for another id of its form, so the jobs' lifecycles are judged as they run"
        )
    return notes + [f"not checked: {what}" for what in result.not_checked]


def _skipped_on_jobmock(
    model: Contract, url: str, job_ids: Sequence[str], contract_checks: list[str], report: CheckReport
) -> list[str]:
    """The Schemathesis checks left to run against a jobmock: not `ignored_auth` where it takes
    any credential of the documented form, nor `use_after_free` where it serves the document
    statelessly; each skip in a note."""
    skipped = {}
    if "ignored_auth" in contract_checks and _any_token_accepted(model, url, job_ids):
        skipped["ignored_auth"] = (
            f"ignored_auth skipped: this jobmock accepts any well-formed {model.name} token, as the document "
            f"allows (serve it with --key {model.name}=TOKEN to check auth); it runs against any other server"
        )
    if not isinstance(model, ApiModel) and "use_after_free" in contract_checks:
        skipped["use_after_free"] = (
            f"use_after_free skipped: this jobmock serves {model.name} statelessly (it has no job resource, so "
            "nothing it answers is ever deleted); it runs against any other server"
        )
    report.notes += list(skipped.values())
    report.contract_checks = [name for name in contract_checks if name not in skipped]
    return report.contract_checks


def _stateless(model: Contract, jobs: Sequence[str], contract_checks: Sequence[str]) -> str:
    """The note for a document with no job resource, checked by Schemathesis alone;
    CheckUsageError where what was asked needs jobs."""
    none = f"{model.name} has no job resource (no x-jobmock lifecycle, and none found in the document)"
    if jobs:
        raise CheckUsageError(f"--job: {none}, so there is no job to watch")
    if not contract_checks:
        raise CheckUsageError(f"{none}: the lifecycle checks selected have no job to watch")
    return f"lifecycle checks skipped: {none}; its operations are checked by Schemathesis"


def _asked(model: Contract) -> Requirements:
    """The security a `--token` is sent as: the poll's, else that of the first operation that
    takes a credential in a header or a cookie, else the document's own."""
    found = [model.poll] if isinstance(model, ApiModel) else []
    for operation in [*found, *operations(dict(model.resolved))]:
        asked = model.requirements(operation)
        if carry(asked, "x") is not None:
            return asked
    return model.requirements(found[0]) if found else model.security.requirements_of()


def _all_refused(
    report: CheckReport, model: Contract, url: str, token: str | None, control_token: str | None
) -> str | None:
    """Why no answer of the run says anything of the API, when every request answered 404 (a
    --url that is not the API's base) or was refused 401/403 (a bad --token); else None."""
    seen = Counter(report.contract.statuses if report.contract else Counter())
    seen.update(p.status_code for h in report.histories for p in h.polls if p.status_code is not None)
    statuses = set(seen) - {405}  # methods the document does not declare: they say nothing of base or token
    if not statuses:
        return None
    if statuses == {404}:
        return f"every request answered 404 ({seen.total()} requests): is --url the API's base? " + _where(
            model, url, control_token
        )
    if statuses <= {401, 403}:
        said = "/".join(str(s) for s in sorted(statuses))
        given = "is --token right?" if token is not None else "no --token was given:"
        takes = _asked(model).hint
        return f"every request was refused {said} ({seen.total()} requests): {given} {model.name} takes {takes}"
    return None


def _where(model: Contract, url: str, control_token: str | None) -> str:
    """Where the API is served: the jobmock at `url`'s origin says it, when it is one."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    mounted = f"/{model.name}{model.base_path.rstrip('/')}"
    try:
        with JobmockClient(origin, token=control_token) as mock:
            bases = mock.bases
    except ControlError as exc:
        if exc.status in (401, 403):
            locked = "its control API asks for its token"
            return f"{origin} is a jobmock ({locked}); it serves {model.name} at {origin}{mounted}"
        return f"a jobmock serves {model.name} under /{model.name} and the spec's server path ({mounted})"
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return f"a jobmock serves {model.name} under /{model.name} and the spec's server path ({mounted})"
    if model.name in bases:
        return f"{origin} is a jobmock: it serves {model.name} at {origin}{bases[model.name].rstrip('/')} (--url that)"
    if not isinstance(model, ApiModel):  # its control API lists the job APIs only
        alone = model.server_path or "/"
        return f"{origin} is a jobmock: it serves {model.name} at {alone}, or at {mounted} beside other documents"
    return f"{origin} is a jobmock, not serving {model.name} (it serves {', '.join(sorted(bases)) or 'nothing'})"


def _unreachable(url: str) -> str | None:
    try:
        httpx.get(url, timeout=10)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return None


def _create_on_jobmock(
    model: ApiModel, url: str, token: str | None, report: CheckReport, control_token: str | None
) -> list[str]:
    """On a jobmock target, create one job per terminal state through its control API."""
    parts = urlsplit(url)
    try:
        mock = JobmockClient(f"{parts.scheme}://{parts.netloc}", token=control_token)
    except (httpx.HTTPError, ControlError, ValueError, KeyError, TypeError):
        return []  # not a jobmock
    with mock:
        path = parts.path.rstrip("/")
        served = [name for name, base in mock.bases.items() if base.rstrip("/") == path]
        if model.name in served:
            served = [model.name]
        if len(served) != 1:
            report.notes.append(f"target is a jobmock, but it serves no API at {path or '/'}: no jobs created")
            return []
        created = []
        seconds = CREATED_JOB_SECONDS if mock.clock().get("mode") == "real" else CREATED_JOB_SECONDS_STOPPED_CLOCK
        for outcome in model.lifecycle.terminal:
            owner = {"token": token} if token is not None else {}
            try:
                created.append(str(mock.create(served[0], outcome=outcome, duration=seconds, **owner)["id"]))
            except ControlError as exc:
                report.errors.append(f"could not create a {outcome} job on the jobmock: {exc}")
    made = f"created jobs {', '.join(created)} (one per terminal state)" if created else "no job could be created"
    report.notes.append(f"target is a jobmock: {made}")
    return created


def _is_jobmock(url: str, control_token: str | None) -> bool:
    """Whether the target answers jobmock's control API."""
    parts = urlsplit(url)
    try:
        with JobmockClient(f"{parts.scheme}://{parts.netloc}", token=control_token):
            return True
    except (httpx.HTTPError, ControlError, ValueError, KeyError, TypeError):
        return False


def _any_token_accepted(model: Contract, url: str, job_ids: Sequence[str]) -> bool:
    """Whether a jobmock target answers a made-up token of the documented form as any other key
    (404 for another key's job) rather than 401: then Schemathesis' ignored_auth cannot pass.
    Asked of a job's poll, or for a document with none, of its first GET that takes a
    credential and no parameter but in its path."""
    if isinstance(model, ApiModel) and job_ids:
        asked, path = model.requirements(model.poll), model.poll_path(job_ids[0])
    else:
        found = _open_get(model)
        if found is None:
            return False
        asked, path = found
    first = next((alternative[0] for alternative in asked.alternatives if len(alternative) == 1), None)
    probe = carry(asked, "jobmock:probe" if first is not None and first.kind == "basic" else "jobmock-probe")
    if probe is None or any(scheme.pattern is not None or scheme.jwt for scheme in asked.schemes):
        return False  # the form is checked (or none is asked): a made-up token gets 401, as ignored_auth expects
    try:
        answer = httpx.get(url.rstrip("/") + path, headers=probe)
    except httpx.HTTPError:
        return False
    return answer.status_code not in (401, 403)


def _open_get(model: Contract) -> tuple[Requirements, str] | None:
    """The security and path (its path parameters filled) of the document's first GET that
    takes a credential and no required parameter but in its path; None for none."""
    for operation in operations(dict(model.resolved)):
        asked = model.requirements(operation)
        others = [p for p in operation.spec.get("parameters", []) if p.get("required") and p.get("in") != "path"]
        if operation.method == "get" and not others and carry(asked, "x") is not None:
            return asked, re.sub(r"\{[^}/]+\}", "1", re.split(r"[?#]", operation.path)[0])
    return None


async def _watch_all(
    model: Contract,
    url: str,
    job_ids: Sequence[str],
    headers: Mapping[str, str],
    timeout: float,
    interval: float,
    parameters: Mapping[str, str],
) -> list[JobHistory]:
    if not isinstance(model, ApiModel):
        return []  # no job resource: nothing to watch
    async with httpx.AsyncClient(timeout=max(10.0, interval * 4)) as client:
        watched = await asyncio.gather(
            *(watch_job(client, model, url, job, headers, timeout, interval, parameters=parameters) for job in job_ids)
        )
    return [JobHistory(model, w.job_id, w.polls, timed_out=w.timed_out, timeout=timeout) for w in watched]
