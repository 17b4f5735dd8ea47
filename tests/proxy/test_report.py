"""What `jobmock proxy` says when it stops: `jobmock check`'s text report and JUnit file, made
of the traffic it relayed, each violation once with a curl line that repeats its request to
the upstream (`$TOKEN` where the credential was); and its counts at `/_jobmock/status`."""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from test_proxy import AUTH, Scripted, lifecycle, poll_alternately, scripted

from jobmock import BackgroundServer, ProxyOptions, SpecError, create_proxy, render_text
from jobmock.proxy import ProxyApp
from jobmock.proxy.options import read_proxy_options
from support import TOKENS

TOKEN = TOKENS["neuraldraft"]
WATCHED = "/v1/jobs/job_ProxyWatch01"  # its progress goes back once
MALFORMED = "/v1/jobs/job_Malformed001"  # its message is a number, where the document says a string


def broken_upstream() -> dict[str, list[Scripted]]:
    watched = lifecycle()
    processing = [i for i, (_s, _h, body) in enumerate(watched) if body["status"] == "processing"]
    watched[processing[3]][2]["progress"] = 1
    malformed = copy.deepcopy(lifecycle("job_Malformed001")[5])
    malformed[2]["message"] = 42
    return {WATCHED: watched, MALFORMED: [malformed]}


@contextmanager
def proxy(upstream: str, spec: str = "neuraldraft", **options: Any) -> Iterator[tuple[ProxyApp, list[httpx.Client]]]:
    """A proxy in front of `upstream` and two clients of it; stopped (its lifespan shut down)
    when the block ends."""
    app = create_proxy(ProxyOptions(spec, upstream, port=0, **options))
    with (
        BackgroundServer(app, relay=True) as server,
        httpx.Client(base_url=server.url, timeout=10) as one,
        httpx.Client(base_url=server.url, timeout=10) as two,
    ):
        yield app, [one, two]


def failures_of(text: str) -> list[str]:
    """The numbered headings of the report's failures: `1. CHECK [KIND] WHERE`."""
    return re.findall(r"^\d+\. (.+)$", text, re.M)


def reproduce_lines(text: str) -> list[str]:
    return re.findall(r"^   reproduce: (.+)$", text, re.M)


def test_on_stop_each_violation_is_reported_once_with_a_curl_line_that_repeats_it(tmp_path: Path) -> None:
    junit = tmp_path / "proxy.xml"
    with scripted(broken_upstream()) as (_script, upstream), proxy(upstream, report=str(junit)) as (app, clients):
        polled = poll_alternately(clients, WATCHED, len(broken_upstream()[WATCHED]))
        polled += poll_alternately(clients, MALFORMED, 4)
        assert not junit.exists()  # written when the proxy stops
    text = render_text(app.report())
    assert all(answer.status_code == 200 for answer in polled)
    assert failures_of(text) == [
        "progress_monotonic [lifecycle] job job_ProxyWatch01, poll 5",
        "response_schema_conformance [exchange] GET /v1/jobs/job_Malformed001 (getJob) answered 200, 4 exchanges",
    ], text
    assert "FAILURES (in curl commands, $TOKEN stands for your token)" in text
    assert "  Lifecycle: " in text and "over 2 jobs, 1 failure (in 1 poll)" in text
    assert "    job_ProxyWatch01: pending → processing" in text
    assert text.rstrip().splitlines()[-1].startswith("Result: 2 failures (exit 0) in ")
    assert reproduce_lines(text) == [
        f'curl -i -X GET -H "Authorization: Bearer $TOKEN" {upstream}/jobs/job_ProxyWatch01',
        f'curl -i -X GET -H "Authorization: Bearer $TOKEN" {upstream}/jobs/job_Malformed001',
    ]
    assert TOKEN not in text

    xml = junit.read_text()
    assert TOKEN not in xml and "$TOKEN" in xml
    suites = {suite.get("name"): suite for suite in ET.fromstring(xml)}
    assert set(suites) == {"neuraldraft.requests", "neuraldraft.exchanges", "neuraldraft.lifecycle"}
    failed = {
        (suite, case.get("classname"), case.get("name"))
        for suite, element in suites.items()
        for case in element.iter("testcase")
        if case.find("failure") is not None
    }
    assert failed == {
        ("neuraldraft.exchanges", "jobmock.neuraldraft.exchanges", "response_schema_conformance"),
        ("neuraldraft.lifecycle", "jobmock.neuraldraft.lifecycle.job_ProxyWatch01", "progress_monotonic"),
    }
    lifecycle_cases = list(suites["neuraldraft.lifecycle"].iter("testcase"))
    jobs = {case.get("classname") for case in lifecycle_cases}
    assert jobs == {"jobmock.neuraldraft.lifecycle.job_ProxyWatch01", "jobmock.neuraldraft.lifecycle.job_Malformed001"}
    assert len(lifecycle_cases) == 2 * len(app.following.checks())  # each check, per job
    assert suites["neuraldraft.lifecycle"].get("failures") == "1"
    assert suites["neuraldraft.requests"].get("failures") == "0"


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("sh")), reason="runs the lines with curl")
def test_a_reproduce_line_run_sends_the_request_again_with_your_token() -> None:
    with scripted(broken_upstream()) as (script, upstream):
        with proxy(upstream) as (app, clients):
            poll_alternately(clients, WATCHED, len(broken_upstream()[WATCHED]))
            poll_alternately(clients, MALFORMED, 2)
        lines = reproduce_lines(render_text(app.report()))
        seen_before = len(script.seen)
        for line in lines:  # as a reader would: their token in TOKEN
            done = subprocess.run(["sh", "-c", line], env={**os.environ, "TOKEN": TOKEN}, capture_output=True,
                                  timeout=30, check=False)  # fmt: skip
            assert done.returncode == 0 and done.stdout.startswith(b"HTTP/1.1 200"), done.stderr
        repeated = script.seen[seen_before:]
    assert [(r.url.path, r.headers["authorization"]) for r in repeated] == [
        (WATCHED, f"Bearer {TOKEN}"),
        (MALFORMED, f"Bearer {TOKEN}"),
    ]


def test_a_stop_with_nothing_wrong_conforms() -> None:
    with scripted({WATCHED: lifecycle()}) as (_script, upstream), proxy(upstream) as (app, clients):
        poll_alternately(clients, WATCHED, 16)
    text = render_text(app.report())
    assert "FAILURES" not in text and "reproduce:" not in text
    assert "over 1 job, 0 failures" in text and "over 16 exchanges, 0 failures" in text
    assert text.rstrip().splitlines()[-1].startswith("Result: conforms (exit 0)")


def test_the_proxy_counts_its_jobs_at_status_beside_its_jobmocks(tmp_path: Path) -> None:
    answers = broken_upstream()
    body = answers[WATCHED][5][2]
    answers |= {f"/v1/jobs/job_Counted000{i}x": [(200, {}, {**body, "id": f"job_Counted000{i}x"})] for i in range(3)}
    bounded = {"max_jobs": 2, "max_polls": 3, "record": str(tmp_path / "recorded")}
    with scripted(answers) as (_script, upstream), proxy(upstream, **bounded) as (app, clients):
        for path in [WATCHED, MALFORMED, *(p for p in answers if "Counted" in p)]:
            poll_alternately(clients, path, 4)
        status = clients[0].get("/_jobmock/status")
        head = clients[0].head("/_jobmock/status")
    assert status.status_code == 200 and head.status_code == 200
    counts = status.json()
    assert {"namespaces", "jobs", "journal", "state"} <= set(counts)  # the jobmock's own, as with serve
    assert counts["proxy"]["upstream"] == upstream
    assert counts["proxy"]["exchanges"] == 20
    assert counts["proxy"]["violations"] == {"kept": 1, "dropped": 0, "max": 10_000}
    jobs = counts["proxy"]["jobs"]
    assert {k: jobs[k] for k in ("followed", "dropped", "polls", "dropped_polls", "max_jobs", "max_polls")} == {
        "followed": 2,
        "dropped": 3,
        "polls": 20,
        "dropped_polls": 5 * 1,
        "max_jobs": 2,
        "max_polls": 3,
    }
    assert (jobs["recorded"], jobs["not_recorded"], jobs["max_recorded"]) == (5, 0, 100)
    text = render_text(app.report())
    assert "over 5 jobs" in text and "3 jobs no longer followed, to make room (--max-jobs 2)" in text
    assert "4 polls (the states of the first and the newest 2)" in text


def test_credentials_in_a_query_or_a_cookie_become_token_in_their_place(tmp_path: Path) -> None:
    """The document's scheme says where the key goes (its names say nothing secret): the
    reproduce line puts `$TOKEN` there, and nothing of the key is reported."""
    document = yaml.safe_load(Path("specs/neuraldraft.yaml").read_text())
    document["components"]["securitySchemes"] = {
        "inQuery": {"type": "apiKey", "in": "query", "name": "ak"},
        "inCookie": {"type": "apiKey", "in": "cookie", "name": "acct"},
    }
    document["security"] = [{"inQuery": []}, {"inCookie": []}]
    spec = tmp_path / "keyed.yaml"
    spec.write_text(yaml.safe_dump(document))
    key, other = "opaque-key-value-1234", "opaque-cookie-value-5678"
    answers = broken_upstream()
    answers[MALFORMED.replace("001", "002")] = [
        (200, {}, {**answers[MALFORMED][0][2], "id": "job_Malformed002", "message": 43})
    ]
    with scripted(answers) as (_script, upstream), proxy(upstream, spec=str(spec)) as (app, clients):
        clients[0].get(MALFORMED, params={"ak": key, "page": "1"})
        clients[1].get(MALFORMED.replace("001", "002"), headers={"Cookie": f"acct={other}"})
    text = render_text(app.report())
    lines = reproduce_lines(text)
    assert lines == [
        f'curl -i -X GET "{upstream}/jobs/job_Malformed001?ak=$TOKEN&page=1"',
        f'curl -i -X GET -b "acct=$TOKEN" {upstream}/jobs/job_Malformed002',
    ], text
    assert key not in text and other not in text


def test_a_request_body_is_repeated_and_its_secrets_are_not() -> None:
    """A create that breaks the document: the line repeats its body and content type (the key a
    body carries redacted), and its credential as `$TOKEN`."""
    with scripted({}) as (_script, upstream), proxy(upstream) as (app, clients):
        clients[0].post("/v1/jobs", headers=AUTH, json={"type": "not-a-type", "api_key": "sk_live_abcdef123"})
    text = render_text(app.report())
    assert reproduce_lines(text) == [
        """curl -i -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' """
        f"""--data-binary '{{"type":"not-a-type","api_key":"REDACTED"}}' {upstream}/jobs"""
    ], text
    assert "sk_live_abcdef123" not in text


def test_a_report_file_that_cannot_be_written_is_refused_before_anything_binds(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot write there") as refused:
        ProxyOptions("neuraldraft", "http://127.0.0.1:9/v1", report=str(tmp_path / "no" / "such" / "dir.xml"))
    assert refused.value.file == "--report"
    with pytest.raises(SpecError, match="a folder, not a file"):
        ProxyOptions("neuraldraft", "http://127.0.0.1:9/v1", report=str(tmp_path))


PLUGIN = """
from jobmock import JobHistory, Mismatch, lifecycle_check


@lifecycle_check("message_is_words")
def message_is_words(history: JobHistory):
    \"\"\"A job's message is words, never a number.\"\"\"
    for poll, job in history.jobs():
        if isinstance(job.get("message"), int):
            yield Mismatch(poll, "a message in words", f"message {job['message']}")
"""


def test_the_command_prints_the_report_on_sigterm_with_its_plugins_checks_and_fails_when_asked(
    tmp_path: Path,
) -> None:
    """Options from JOBMOCK_* variables as `serve` reads them (the report file, the exit status),
    and a lifecycle check of your own, registered by `--plugin`, run on the jobs followed."""
    junit, plugin = tmp_path / "proxy.xml", tmp_path / "words.py"
    plugin.write_text(PLUGIN)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_")}
    environ |= {"JOBMOCK_REPORT": str(junit), "JOBMOCK_FAIL_ON_VIOLATIONS": "1", "JOBMOCK_PORT": "0"}
    with scripted(broken_upstream()) as (_script, upstream):
        command = [sys.executable, "-m", "jobmock", "proxy", "neuraldraft", "--upstream", upstream, "--plugin",
                   str(plugin)]  # fmt: skip
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ
        ) as running:
            try:
                assert running.stdout is not None
                banner = running.stdout.readline()  # printed once the port is bound
                where = re.search(r"(http://127\.0\.0\.1:\d+)/v1 -> ", banner)
                assert where is not None, banner + (running.stderr.read() if running.stderr else "")
                with httpx.Client(base_url=where[1], timeout=10) as client:
                    assert client.get(MALFORMED, headers=AUTH).status_code == 200
                running.send_signal(signal.SIGTERM)
                out, err = running.communicate(timeout=60)
            finally:
                if running.poll() is None:
                    running.kill()
    assert running.returncode == 1, err
    report = out[out.index("jobmock proxy neuraldraft in front of") :]
    assert failures_of(report) == [
        "response_schema_conformance [exchange] GET /v1/jobs/job_Malformed001 (getJob) answered 200",
        "message_is_words [lifecycle] job job_Malformed001, poll 1",
    ], report
    assert "Result: 2 failures (exit 1) in " in report
    assert report.rstrip().endswith(f"JUnit report: {junit}")
    root = ET.parse(junit).getroot()
    assert root.get("name") == "jobmock proxy neuraldraft"
    failed = {case.get("name") for case in root.iter("testcase") if case.find("failure") is not None}
    assert failed == {"response_schema_conformance", "message_is_words"}
    assert TOKEN not in out + err + junit.read_text()


def test_options_come_from_jobmock_variables_the_command_line_winning() -> None:
    environ = {
        "JOBMOCK_UPSTREAM": "http://127.0.0.1:9/v1",
        "JOBMOCK_MAX_POLLS": "9",
        "JOBMOCK_MAX_JOBS": "3",  # the proxy's --max-jobs: jobs followed
        "JOBMOCK_MAX_MOCK_JOBS": "5",  # serve's --max-jobs, for the jobmock inside
        "JOBMOCK_MOCK": "getJob, POST /jobs",
        "JOBMOCK_ERRORS": "yes",
        "JOBMOCK_SEED": "4",
    }
    options = read_proxy_options("neuraldraft", {"max_polls": "7", "mock.seed": "8"}, environ)
    assert (options.upstream, options.max_polls, options.max_jobs, options.errors) == (
        environ["JOBMOCK_UPSTREAM"],
        7,
        3,
        True,
    )
    assert options.mock == ("getJob", "POST /jobs")
    assert (options.mock_options.max_jobs, options.mock_options.seed) == (5, 8)
    with pytest.raises(SpecError) as bad:
        read_proxy_options("neuraldraft", {}, {**environ, "JOBMOCK_MAX_POLLS": "1"})
    assert (bad.value.file, bad.value.message) == ("JOBMOCK_MAX_POLLS", "'1': must be 2 or more")
    with pytest.raises(SpecError, match="required: the API's base URL") as missing:
        read_proxy_options("neuraldraft", {}, {})
    assert missing.value.file == "--upstream"
