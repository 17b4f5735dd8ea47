"""Every kind of lifecycle violation `jobmock check` catches is caught on live traffic too
(issue 22, item 9): for each planted fault of `tests/checker` (`FAULTS`: one rule broken in
a job's otherwise faithful polls), an upstream replays the polls to two clients polling the
same job through the proxy, and the proxy names the broken rule, in a `Jobmock-Violations`
header and at `/_jobmock/violations`."""

from __future__ import annotations

import sys
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
from test_proxy import poll_alternately, proxying, scripted, violations

sys.path.insert(0, str(Path(__file__).parents[1] / "checker"))  # the planted faults and their script
from test_check import script
from test_lifecycle_checks import FAULTS

# A rule judged on every answer is the exchange's (`exchanges.py`), under Schemathesis' name
# where the proxy says it as Schemathesis does: the same rule, judged once.
SAID_AS = {"response_schema": "response_schema_conformance"}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_kind_of_violation_is_caught_on_two_clients_polls(fault: str) -> None:
    answers = script(fault)
    job_id = next(body["id"] for _at, _status, _headers, body in answers if isinstance(body, dict) and "id" in body)
    path = f"/v1/jobs/{job_id}"
    replayed = [
        (status, {**headers, "Date": formatdate(at, usegmt=True)}, body) for at, status, headers, body in answers
    ]
    with scripted({path: replayed}) as (_script, upstream), proxying(upstream) as one:
        with httpx.Client(base_url=str(one.base_url), timeout=10) as two:
            polled = poll_alternately([one, two], path, len(replayed) + 2)
        found = violations(one, limit=1000)["violations"]
    expected = SAID_AS.get(fault, fault)
    assert expected in {v["check"] for v in found}, found
    # the header names the first of what an answer breaks (a status outside the enum breaks its schema first)
    assert any(r.headers.get("jobmock-violations") for r in polled)
