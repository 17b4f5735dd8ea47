"""Each corpus document's job resources, driven as a vendor's client drives them (issue 21,
item 7): with no extension, through the vendor's own create (its body made from the document),
its poll and its credentials, on a manual clock. For every job resource and every terminal
state it has, a job is created with `Prefer: scenario=<state>` (the scenario jobmock makes
for each terminal state of an API no fixture covers) and polled until it rests there.

Every answer is held to the document (status declared, body fitting its schema, in its
dialect), and the polls are judged by `jobmock check`'s own lifecycle checks (legal
transitions, sticky terminal state, progress never falling, ordered timestamps, fixed fields),
with the namespace's clock standing for the server's. A resource whose create the document
does not give (asana's jobs, some nested ones), or whose create no request fits (assemblyai's:
`test_corpus_served.KNOWN` says why), gets its job from the control API instead."""

from __future__ import annotations

import random
from datetime import datetime

import httpx
from calls import Answers, Call, call_for, credentials
from test_corpus_served import KNOWN

from conftest import CorpusDocument
from jobmock.checker.lifecycle_checks import CHECKS, JobHistory, run_checks
from jobmock.client.polls import Poll
from jobmock.contract import dotted, openapi
from jobmock.contract.model import ApiModel
from jobmock.contract.schema_fit import WRITE
from jobmock.sim import fakedata
from jobmock.sim.fakedata import Generator
from support import Served

STEP = 5.0  # clock seconds between polls
MAX_POLLS = 120  # a job rests by then (jobmock's made-up lifecycles last under ten minutes)


def test_each_job_resource_reaches_each_terminal_state_through_the_vendors_operations(
    corpus_document: CorpusDocument, corpus_served: Served
) -> None:
    (contract,) = corpus_served.app.contracts
    if not isinstance(contract, ApiModel):  # no job resource in it (prometheus, vulcan, twilio's): nothing moves
        assert not [
            j for j in corpus_document.entry.get("job", []) if "referenced by no field" not in j["statuses_from"]
        ]
        return
    judge = Answers(contract)
    problems: list[str] = []
    reached: dict[str, list[str]] = {}
    with httpx.Client(base_url=corpus_served.url, timeout=30) as http:
        for i, model in enumerate((contract, *contract.siblings)):
            for k, outcome in enumerate(model.lifecycle.terminal):
                namespace = f"life-{i}-{k}"  # a world per job: its clock, its jobs alone
                trail, found = drive(corpus_served, http, judge, model, outcome, namespace)
                problems += [f"{model.name} -> {outcome}: {p}" for p in found]
                reached.setdefault(model.name, []).append(trail[-1] if trail else "(no poll answered)")
                if trail and trail[-1] != outcome:
                    problems.append(f"{model.name}: asked for {outcome}, rests at {trail[-1]} ({' -> '.join(trail)})")
    assert not problems, f"{corpus_document.name}: {len(problems)} problems:\n" + "\n".join(problems[:40])
    assert all(reached[m.name] == list(m.lifecycle.terminal) for m in (contract, *contract.siblings)), reached


def drive(
    served: Served, http: httpx.Client, judge: Answers, model: ApiModel, outcome: str, namespace: str
) -> tuple[list[str], list[str]]:
    """Create a job ending in `outcome` and poll it until it rests: (its states in order, the
    problems found in its answers and across its polls)."""
    control = served.control(namespace)
    control.clock("manual")
    ns = {"X-Jobmock-Namespace": namespace, "Prefer": f"scenario={outcome}"}
    problems: list[str] = []
    if model.create is not None and (model.name.split(".")[0], where(model.create.operation)) not in KNOWN:
        call = operation_call(model, model.create.operation, {})
        answer = call.send(http, model.base_path, ns)
        problem = judge.problem(call, answer)
        if problem is not None:
            return [], [f"create {call.where}: {problem}"]
        [made] = control.jobs(api=model.name)
        job_id = str(made["id"])
    else:  # no create in the document, or one no request fits (KNOWN says why)
        job_id = str(control.create(model.name, scenario=outcome)["id"])
    poll = operation_call(model, model.poll, {model.id_parameter: job_id})
    polls: list[Poll] = []
    trail: list[str] = []
    for index in range(MAX_POLLS):
        now = datetime.fromisoformat(str(control.clock()["now"]).replace("Z", "+00:00")).timestamp()
        answer = poll.send(http, model.base_path, {"X-Jobmock-Namespace": namespace})
        problem = judge.problem(poll, answer)
        if problem is not None:
            problems.append(f"poll {index + 1}: {problem}")
            break
        body = answer.json()
        headers = {k.lower(): v for k, v in answer.headers.items() if k.lower() != "date"}  # the clock is the server's
        polls.append(Poll(index, now, "GET", str(answer.url), {}, answer.status_code, headers, body, answer.text))
        status = str(dotted.get(body, model.status_field)[1])
        if not trail or trail[-1] != status:
            trail.append(status)
        if model.lifecycle.is_terminal(status) and len(polls) > 1 and trail[-1] == outcome:
            break
        control.advance(STEP)
    history = JobHistory(model, job_id, tuple(polls))
    problems += [
        f"{v.check} at poll {v.poll.index + 1}: expected {v.expected}, got {v.actual}"
        for v in run_checks(history, list(CHECKS))
    ]
    return trail, problems


def where(op: openapi.Operation) -> str:
    return f"{op.method.upper()} {op.path}"


def operation_call(model: ApiModel, op: openapi.Operation, fixed: dict[str, str]) -> Call:
    """A valid request of the operation, as `calls.call_for` makes one for the corpus, with
    the job's id where the operation names it."""
    item = dict(model.resolved["paths"][op.path])
    gen = Generator(random.Random(7), fakedata.seeded_faker(7), dialect=model.dialect, direction=WRITE,
                    document=model.resolved)  # fmt: skip
    call = call_for(model, op.method, op.path, item, op.spec, gen, fixed)
    credentials(call, model, op.method, op.path, op.spec)
    return call
