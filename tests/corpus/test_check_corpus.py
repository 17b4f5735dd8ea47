"""`jobmock check` on each corpus document as its vendor wrote it, against jobmock serving it
(issue 21, item 6): the job resources inferred from the document, a job per terminal state
watched to its end by every lifecycle check, and Schemathesis with all its checks; the run
conforms (exit 0). And against a deliberately broken copy, a server answering a job
resource's poll as the document says except for one lifecycle rule, it fails naming it.

Bounded: Schemathesis runs over the operations of the document's first job resource, the
one whose jobs `check` watches (its create, poll, list and cancel: `job_operation_ids`), 3
examples each, where jobmock keeps state and `check` has most to say. The documents' other
operations are stateless answers that `test_schemathesis.py` already holds to the document;
all of them would take many minutes a document (OpenAI's 288, Asana's 247), and even every
job resource's operations took OpenAI's alone three minutes (ten resources, some 40
operations, each tested past the refusals HTTP defines, which are noted, not failed). A
document with no job resource (Twilio's, Prometheus', Vulcan's) is checked whole, by
Schemathesis alone. The whole file takes some four minutes on two shared cores (Vulcan's 137
operations a minute of it); each document's time is printed.

What check notes rather than counts (refusals HTTP defines that a document lists no status
for, parts of a document Schemathesis cannot test) is printed too. `LEFT_OUT` names the few
operations the test leaves out, each with the reason it is the document's own."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from calls import BASIC, TOKEN
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conftest import CorpusDocument
from jobmock import BackgroundServer, JobmockClient, check, render_text
from jobmock.checker import CHECKS
from jobmock.contract import dotted
from jobmock.contract.document import Contract
from jobmock.contract.model import ApiModel
from jobmock.contract.security import carry
from support import Served

EXAMPLES = 3
# (document, operation): why the test leaves it out (the document's own, whatever the target)
LEFT_OUT: dict[tuple[str, str], str] = {
    ("prometheus", "GET /notifications/live"): (
        "the text/event-stream item schema is closed (`additionalProperties: false`) with no `event` property, but"
        " Schemathesis reads every event with its type (`message` by default): no stream fits it"
    ),
    **{
        ("prometheus", f"POST {path}"): (
            "a url-encoded form whose field is an array of strings (`match[]`, `search[]`): Schemathesis' negative"
            " data writes it a single text (`match[]=AAA`), which on the wire is a one-item array, as the schema"
            " allows; so the request it calls invalid is valid, and any server answers it"
        )
        for path in ("/labels", "/series", "/search/label_names", "/search/label_values", "/search/metric_names")
    },
}


def token_for(contract: Contract) -> str:
    """A credential of the form the document's scheme takes (`user:password` for basic)."""
    return ":".join(BASIC) if any(s.kind == "basic" for s in contract.security.schemes.values()) else TOKEN


def job_operations(contract: Contract) -> list[str]:
    """The operations of the document's first job resource, the one whose jobs are watched
    (`[]`: none, the whole document is checked)."""
    return list(contract.job_operation_ids) if isinstance(contract, ApiModel) else []


@pytest.fixture
def past_polls_clock(corpus_served: Served) -> Iterator[None]:
    """Each poll moves a job one phase on, every timestamp an hour in the past (so a job's
    states are seconds apart, never ahead of the server's Date); the real clock back after."""
    with JobmockClient(corpus_served.url) as control:
        control.clock("polls")
        control.set_time(datetime.fromtimestamp(time.time() - 3600, UTC))
        try:
            yield
        finally:
            control.clock("real")
            control.set_time(datetime.now(UTC))


@pytest.mark.usefixtures("past_polls_clock")
def test_check_conforms_against_jobmock_serving_the_document(
    corpus_document: CorpusDocument, corpus_served: Served
) -> None:
    (contract,) = corpus_served.app.contracts
    left_out = [op for (name, op) in LEFT_OUT if name == corpus_document.name]
    started = time.monotonic()
    report = check(
        str(corpus_document.path), corpus_served.url + contract.base_path, token=token_for(contract),
        include=job_operations(contract), exclude=left_out, max_examples=EXAMPLES, seed=20,
        poll_interval=0.05, lifecycle_timeout=60,
    )  # fmt: skip
    print(f"\n{corpus_document.name}: check ran {time.monotonic() - started:.1f} s")
    for note in report.notes:
        print(f"  note: {note[:400]}")
    assert report.exit_code == 0, render_text(report)
    if isinstance(contract, ApiModel):  # a job per terminal state, each watched to its end
        assert len(report.histories) == len(contract.lifecycle.terminal), render_text(report)
        for history in report.histories:
            last = history.polls[-1].job
            assert last is not None and not history.timed_out, render_text(report)
            assert contract.lifecycle.is_terminal(str(dotted.get(last, contract.status_field)[1]))


class Broken:
    """The document's job resource as a server that breaks one lifecycle rule: each poll of
    its job answers what jobmock's polls of a job answered, in order, but once terminal the
    job goes back to the state before (`terminal_stable`), then ends again."""

    def __init__(self, api: ApiModel, answers: list[Any]):
        self.answers, self.polls = answers, 0
        self.job_id = str(dotted.get(answers[0], api.id_field)[1])
        self.app = Starlette(routes=[Route(api.base_path + api.poll.path, self.poll)])

    async def poll(self, request: Request) -> Response:
        body = self.answers[min(self.polls, len(self.answers) - 1)]
        self.polls += 1
        return Response(json.dumps(body), media_type="application/json")


@pytest.mark.usefixtures("past_polls_clock")
def test_check_fails_a_server_that_breaks_a_lifecycle_rule(
    corpus_document: CorpusDocument, corpus_served: Served
) -> None:
    (contract,) = corpus_served.app.contracts
    if not isinstance(contract, ApiModel) or contract.id_in != "path":
        pytest.skip(f"{corpus_document.name}: no job resource polled by a path id")
    token = token_for(contract)
    job = corpus_served.control().create(contract.name)
    path, headers = contract.poll_request(str(job["id"]))
    answers: list[Any] = []
    for _poll in range(50):  # each poll moves the job a phase on: it ends in a few
        polled = corpus_served.http.get(contract.base_path + path, headers={**headers, **auth(contract, token)})
        answers.append(polled.json())
        if contract.lifecycle.is_terminal(str(dotted.get(answers[-1], contract.status_field)[1])):
            break
    went_back = json.loads(json.dumps(answers[-1]))
    dotted.put(went_back, contract.status_field, dotted.get(answers[-2], contract.status_field)[1])
    broken = Broken(contract, [*answers, went_back, answers[-1]])
    with BackgroundServer(broken.app) as server:
        report = check(
            str(corpus_document.path), server.url + contract.base_path, token=token, jobs=[broken.job_id],
            checks=list(CHECKS), poll_interval=0.01, lifecycle_timeout=10,
        )  # fmt: skip
    assert report.exit_code == 1
    assert "terminal_stable" in {v.check for v in report.violations}, render_text(report)
    assert f"terminal_stable [lifecycle] job {broken.job_id}" in render_text(report)


def auth(contract: ApiModel, token: str) -> dict[str, str]:
    """The headers that carry the token as the poll's security takes it."""
    return carry(contract.requirements(contract.poll), token) or {}
