"""Fault answers are part of each contract: every status fault injection can answer is
declared on the poll, its body fits what is declared, and error codes keep one case per API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from jobmock import BackgroundServer
from jobmock.sim.faults import Respond
from support import TOKENS, create

STATUSES: list[int] = Respond.options["respond"]["enum"]
CODE_CASE = {"nextdocs": r"^[A-Z][A-Z_]*$", "neuraldraft": r"^[a-z][a-z_]*$", "stories": r"^[a-z][a-z_]*$"}


def fault_fixture(folder: Path, api: str) -> Path:
    faults = "".join(f"      - {{poll: {n}, respond: {s}, retry_after: 2}}\n" for n, s in enumerate(STATUSES, 1))
    first = {"longform": "queued", "nextdocs": "processing"}.get(api, "pending")
    path = folder / f"{api}-faults.yaml"
    head = f"api: {api}\nscenarios:\n  every-fault:\n    phases:\n      - status: {first}\n"
    path.write_text(head + "    faults:\n" + faults)
    return path


def codes_in(body: Any) -> list[str]:
    """The error codes in a body (the `code` of nested envelopes, stories' top-level `error`)."""
    if isinstance(body, dict):
        found = [v for k, v in body.items() if k in ("code", "error") and isinstance(v, str)]
        return found + [c for v in body.values() for c in codes_in(v)]
    return []


@pytest.mark.parametrize("api", sorted(TOKENS))
def test_every_fault_status_is_declared_and_answered_as_declared(api: str, tmp_path: Path) -> None:
    app = create(specs=[api], fixtures=[fault_fixture(tmp_path, api)])
    model = app.state.mock.apis[api]
    responses = model.poll.spec["responses"]
    assert {str(s) for s in STATUSES} <= set(responses), "the poll must declare what faults answer"
    codes = []
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as http:
        made = http.post("/_jobmock/jobs", json={"api": api, "scenario": "every-fault"}).json()
        for status in STATUSES:
            answer = http.get(str(made["poll_url"]), headers={"Authorization": f"Bearer {TOKENS[api]}"})
            assert answer.status_code == status
            declared = responses[str(status)]
            schema = declared["content"]["application/json"]["schema"]
            assert not list(OAS30Validator(schema).iter_errors(answer.json())), answer.text
            if status in (429, 503):
                assert answer.headers["retry-after"] == "2" and "Retry-After" in declared["headers"]
            codes += codes_in(answer.json())
    if api in CODE_CASE:  # longform and superdocs carry a message only
        assert codes and all(re.match(CODE_CASE[api], code) for code in codes), codes
        assert all(re.match(CODE_CASE[api], code) for code in model.errors.codes.values())
    assert "Fault statuses" in model.document["info"]["description"]  # said to be inferred
