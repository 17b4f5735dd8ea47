"""`check`: contract-test a job API (real or mock) against its spec, over time too.

The Python API behind `jobmock check` and the pytest fixture: Schemathesis judges
each response (schema_checks.py), the lifecycle checks judge each job across polls
(lifecycle_checks.py); one `CheckReport` holds both. The checker knows the target only
over HTTP: it imports neither the simulation nor the server.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ..client.jobmock_client import JobmockClient
from ..client.watch import watch_job
from ..contract.model import ApiModel, load_named
from ..contract.secrets import redact, secret_name
from ..contract.security import carry
from ..exceptions import CheckUsageError, ControlError, SpecError, SpecErrors
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


def load_target_api(api: str | ApiModel) -> ApiModel:
    if isinstance(api, ApiModel):
        return api
    try:
        model = load_named(api)
    except (SpecError, SpecErrors) as exc:
        raise CheckUsageError(str(exc)) from exc
    if not isinstance(model, ApiModel):
        raise CheckUsageError(
            f"{api}: no x-jobmock lifecycle, so there are no jobs to check over time "
            "(checking a document without one is not built yet)"
        )
    return model


def check(
    api: str | ApiModel,
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
    """Check the API at `url` (its base URL, replacing the spec's server) against its spec.

    `control_token`: a jobmock target's control token (default: JOBMOCK_CONTROL_TOKEN).
    Raises `CheckUsageError` for bad arguments; an unreachable target is reported in
    `errors` (exit code 2)."""
    started = time.monotonic()
    model = load_target_api(api)
    contract_checks, lifecycle_checks = split_checks(checks)
    selected = contract.selected_operations(model, include, exclude)  # CheckUsageError for one that names none
    if not urlsplit(url).scheme.startswith("http") or not urlsplit(url).netloc:
        raise CheckUsageError(f"--url must be an http(s) base URL, got {url!r}")
    sent = dict(headers or {})
    if token is not None:
        sent.update(carry(model.requirements(model.poll), token) or {"Authorization": f"Bearer {token}"})
    parts = urlsplit(url)
    given = [v for k, v in sent.items() if secret_name(k)]
    used = (token, control_token or os.environ.get("JOBMOCK_CONTROL_TOKEN"), parts.username, parts.password, *given)
    report = CheckReport(model.name, url, contract_checks, lifecycle_checks, secrets=tuple(s for s in used if s))
    reason = _unreachable(url)
    if reason is not None:
        report.errors.append(f"cannot connect to {url}: {reason}")
        return report
    job_ids = list(jobs)
    if not job_ids:
        job_ids = _create_on_jobmock(model, url, token, report, control_token)
        if job_ids and "ignored_auth" in contract_checks and _any_token_accepted(model, url, job_ids[0]):
            contract_checks = [name for name in contract_checks if name != "ignored_auth"]
            report.contract_checks = contract_checks
            report.notes.append(
                f"ignored_auth skipped: this jobmock accepts any well-formed {model.name} token, as the document "
                f"allows (serve it with --key {model.name}=TOKEN to check auth); it runs against any other server"
            )
    if lifecycle_checks and not job_ids:
        elsewhere = (
            "" if any(n.startswith("target is a jobmock") for n in report.notes) else ", or point --url at a jobmock"
        )
        report.notes.append(f"lifecycle checks skipped: no job to watch (give --job ID{elsewhere})")

    def schemathesis() -> contract.ContractResult | None:
        if not contract_checks:
            return None
        return contract.run_schemathesis(
            model, url, sent, job_ids, contract_checks, max_examples, seed, selected, dict(parameters or {})
        )

    async def both() -> tuple[list[JobHistory], contract.ContractResult | None]:
        """Watch the jobs from the first instant (a short job's early states are seen) while
        Schemathesis runs in a thread beside the watching."""
        watched = job_ids if lifecycle_checks else []
        return await asyncio.gather(
            _watch_all(model, url, watched, sent, lifecycle_timeout, poll_interval), asyncio.to_thread(schemathesis)
        )

    report.histories, report.contract = asyncio.run(both())
    for history in report.histories:
        report.violations += run_checks(history, lifecycle_checks)
    if report.contract is not None:
        report.errors += report.contract.errors
        if report.contract.spared:
            report.notes.append(
                f"{report.contract.spared} of Schemathesis' changing calls (a cancel, a delete) named a watched job: "
                "each was sent for another id of its form, so the jobs' lifecycles are judged as they run"
            )
    refused = _all_refused(report, model, url, token, control_token)
    if refused is not None:  # nothing of the API was reached: no finding can be believed
        report.errors.append(refused)
    report.seconds = time.monotonic() - started
    return report


def _all_refused(
    report: CheckReport, model: ApiModel, url: str, token: str | None, control_token: str | None
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
        takes = model.requirements(model.poll).hint
        return f"every request was refused {said} ({seen.total()} requests): {given} {model.name} takes {takes}"
    return None


def _where(model: ApiModel, url: str, control_token: str | None) -> str:
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


def _any_token_accepted(model: ApiModel, url: str, job_id: str) -> bool:
    """Whether a jobmock target answers a made-up token of the documented form as any other key
    (404 for another key's job) rather than 401: then Schemathesis' ignored_auth cannot pass."""
    asked = model.requirements(model.poll)
    probe = carry(asked, "jobmock-probe")
    if probe is None or any(scheme.pattern is not None or scheme.jwt for scheme in asked.schemes):
        return False  # the form is checked (or none is asked): a made-up token gets 401, as ignored_auth expects
    try:
        answer = httpx.get(url.rstrip("/") + model.poll_path(job_id), headers=probe)
    except httpx.HTTPError:
        return False
    return answer.status_code not in (401, 403)


async def _watch_all(
    model: ApiModel, url: str, job_ids: Sequence[str], headers: Mapping[str, str], timeout: float, interval: float
) -> list[JobHistory]:
    async with httpx.AsyncClient(timeout=max(10.0, interval * 4)) as client:
        watched = await asyncio.gather(
            *(watch_job(client, model, url, job, headers, timeout, interval) for job in job_ids)
        )
    return [JobHistory(model, w.job_id, w.polls, timed_out=w.timed_out, timeout=timeout) for w in watched]
