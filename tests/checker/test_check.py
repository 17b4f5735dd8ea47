"""`jobmock check` over HTTP: the mock conforms; deliberately broken servers are caught."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from test_lifecycle_checks import FAULTS, Answer, history, rendered

from jobmock import BackgroundServer, CheckUsageError, JobmockClient, check, render_text
from jobmock.checker import CHECKS
from jobmock.checker.lifecycle_checks import run_checks
from jobmock.checker.report import ranges, trail
from jobmock.checker.runner import CheckReport
from jobmock.checker.schema_checks import selected_operations
from jobmock.contract import load_named
from jobmock.sim.scenarios import PhaseSpec, Scenario
from support import TOKENS, create

JOBMOCK = [sys.executable, "-m", "jobmock"]


def polls_clock_an_hour_ago(url: str) -> None:
    """Each poll moves a job one phase on (no waiting), and every timestamp lies in the past."""
    with JobmockClient(url) as control:
        control.clock("polls")
        control.set_time(datetime.fromtimestamp(time.time() - 3600, UTC))


@pytest.fixture(scope="module")
def keyed() -> Iterator[str]:
    """All five APIs, each accepting only its test token (as a real API knows its keys);
    every response checked against its spec, lifecycles driven by polls."""
    app = create(seed=11, keys=[f"{api}={token}" for api, token in TOKENS.items()], validate_responses=True)
    with BackgroundServer(app) as server:
        polls_clock_an_hour_ago(server.url)
        yield server.url


@pytest.mark.parametrize("api", sorted(TOKENS))
def test_the_mock_conforms_to_each_spec(keyed: str, api: str) -> None:
    base = {"neuraldraft": "/v1", "longform": "", "nextdocs": "/v1", "stories": "", "superdocs": ""}[api]
    report = check(api, f"{keyed}/{api}{base}", token=TOKENS[api], poll_interval=0.02, max_examples=10, seed=1)
    assert report.exit_code == 0, render_text(report)
    assert report.contract is not None and len(report.contract.checks_run) >= 10
    assert "ignored_auth" in report.contract.checks_run
    terminal = {str(h.polls[-1].job["status"]) for h in report.histories if h.polls[-1].job}
    assert terminal == set(report.histories[0].api.lifecycle.terminal)  # one job per terminal state, watched to its end


class BrokenServer:
    """Answers neuraldraft polls of one job from a script: the n-th poll gets the n-th answer."""

    def __init__(self, answers: list[Answer], job_id: str):
        self.answers, self.job_id, self.polls = answers, job_id, 0
        self.agents: list[str] = []  # the User-Agent of each request, in order of arrival
        self.hold_until_schemathesis = False  # keep the job at its first answer until Schemathesis calls
        self.app = Starlette(routes=[Route("/v1/jobs/{id}", self.poll)])

    async def poll(self, request: Request) -> Response:
        self.agents.append(request.headers.get("user-agent", ""))
        if self.hold_until_schemathesis and not any("schemathesis" in a.lower() for a in self.agents):
            _at, status, headers, body = self.answers[0]
            return Response(json.dumps(body), status, headers=headers, media_type="application/json")
        if request.path_params["id"] != self.job_id:
            body = {"error": {"code": "not_found", "message": "Job not found."}}
            return Response(json.dumps(body), 404, media_type="application/json")
        _at, status, headers, body = self.answers[min(self.polls, len(self.answers) - 1)]
        self.polls += 1
        return Response(json.dumps(body), status, headers=headers, media_type="application/json")


def serve_broken(answers: list[Answer]) -> tuple[BrokenServer, BackgroundServer]:
    broken = BrokenServer(answers, answers[0][3]["id"])
    return broken, BackgroundServer(broken.app)


# States seconds apart, from a whole second: the script replays in a fraction of a second,
# so second-precision timestamps must change at each state change whatever the wall clock
SCRIPTED = Scenario(
    api="neuraldraft",
    name="scripted",
    phases=(PhaseSpec("pending", 2, None), PhaseSpec("processing", 8, (0, 100)), PhaseSpec("completed", None, None)),
)


def script(fault: str | None) -> list[Answer]:
    created = float(int(time.time()) - 60)
    answers = copy.deepcopy(rendered("neuraldraft", created=created, job_type="blog_post.generate", scenario=SCRIPTED))
    answers = answers[::2]  # fewer polls: the lifecycle is still all there
    if fault is not None:
        FAULTS[fault][0](answers)
    return answers


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_server_breaking_one_rule_is_caught(fault: str) -> None:
    broken, server = serve_broken(script(fault))
    with server:
        report = check(
            "neuraldraft", server.url + "/v1", token=TOKENS["neuraldraft"], jobs=[broken.job_id],
            checks=list(CHECKS), poll_interval=0.01, lifecycle_timeout=10,
        )  # fmt: skip
    assert report.exit_code == 1
    assert fault in {v.check for v in report.violations}, render_text(report)
    text = render_text(report)
    assert f"{fault} [lifecycle] job {broken.job_id}" in text
    assert f'curl -i -X GET -H "Authorization: Bearer $TOKEN" {server.url}/v1/jobs/{broken.job_id}' in text


def test_a_well_behaved_scripted_server_passes() -> None:
    broken, server = serve_broken(script(None))
    with server:
        report = check("neuraldraft", server.url + "/v1", jobs=[broken.job_id], checks=list(CHECKS), poll_interval=0.01)
    assert report.exit_code == 0, render_text(report)


def test_given_jobs_are_watched_from_the_start_beside_schemathesis() -> None:
    """The watcher's first poll comes before Schemathesis is done, and the job moves only once
    Schemathesis has called: run one after the other, either order fails (timed out or late)."""
    broken, server = serve_broken(script(None))
    broken.hold_until_schemathesis = True
    with server:
        report = check(
            "neuraldraft", server.url + "/v1", jobs=[broken.job_id], poll_interval=0.01, max_examples=20,
            lifecycle_timeout=60,
            checks=["not_a_server_error", *CHECKS],  # the script ignores auth: Schemathesis would say so
        )  # fmt: skip
    assert report.exit_code == 0, render_text(report)
    agents = broken.agents
    watcher = next(i for i, agent in enumerate(agents) if agent.startswith("python-httpx"))
    last_schemathesis = max(i for i, agent in enumerate(agents) if "schemathesis" in agent.lower())
    assert watcher < last_schemathesis, agents


def test_a_given_job_that_never_answers_200_fails_the_run() -> None:
    app = create(specs=["neuraldraft"])
    with BackgroundServer(app) as server:
        report = check(
            "neuraldraft", server.url + "/v1", token=TOKENS["neuraldraft"], jobs=["job_NotThereAtAl"],
            poll_interval=0.02, max_examples=5,
        )  # fmt: skip
    assert report.exit_code == 1
    assert {v.check for v in report.violations} == {"poll_succeeds"}
    assert "job_NotThereAtAl: never returned the job" in render_text(report)


def test_a_job_that_never_ends_is_reported_at_the_timeout() -> None:
    answers = [a for a in script(None) if a[3]["status"] != "completed"]
    broken, server = serve_broken(answers)
    with server:
        report = check(
            "neuraldraft", server.url + "/v1", jobs=[broken.job_id], checks=["terminates"],
            lifecycle_timeout=0.3, poll_interval=0.02,
        )  # fmt: skip
    (violation,) = report.violations
    assert violation.expected == "a terminal state within 0.3 s" and violation.actual == 'still "processing"'


def test_schemathesis_failures_come_with_a_curl_to_reproduce() -> None:
    answers = script(None)
    for answer in answers:
        answer[3]["progress"] = 130
    broken, server = serve_broken(answers)
    with server:
        report = check(
            "neuraldraft", server.url + "/v1", token="ndsk_test_secret", jobs=[broken.job_id],
            checks=["response_schema_conformance"], max_examples=5, seed=1,
        )  # fmt: skip
    assert report.exit_code == 1
    assert report.contract is not None
    (failure,) = report.contract.failures
    assert failure.code == "ST108" and "130 is greater than the maximum of 100" in failure.message
    assert f"{server.url}/v1/jobs/{broken.job_id}" in failure.curl and "ndsk_test_secret" not in failure.curl


def test_unknown_checks_are_a_usage_error() -> None:
    with pytest.raises(CheckUsageError, match="unknown check 'progress_monotnic'"):
        check("neuraldraft", "http://127.0.0.1:9/v1", checks=["progress_monotnic"])


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*JOBMOCK, "check", *args], capture_output=True, text=True, timeout=timeout)


def test_cli_exit_0_and_a_junit_report_against_the_mock(keyed: str, tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    url = f"{keyed}/nextdocs/v1"
    result = run_cli("nextdocs", "--url", url, "--token", TOKENS["nextdocs"], "--max-examples", "10",
                     "--poll-interval", "0.25", "--report", str(report))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Result: conforms (exit 0)" in result.stdout
    suites = {s.get("name"): s for s in ET.parse(report).getroot()}
    assert set(suites) == {"nextdocs.schemathesis", "nextdocs.lifecycle"}
    lifecycle = suites["nextdocs.lifecycle"]
    assert lifecycle.get("failures") == "0" and int(str(lifecycle.get("tests"))) == 2 * len(CHECKS)


def test_cli_exit_1_with_the_failure_in_text_and_junit(tmp_path: Path) -> None:
    broken, server = serve_broken(script("progress_monotonic"))
    report = tmp_path / "junit.xml"
    with server:
        result = run_cli("neuraldraft", "--url", server.url + "/v1", "--job", broken.job_id,
                         "--checks", "progress_monotonic,legal_transition", "--poll-interval", "0.01",
                         "--report", str(report))  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1. progress_monotonic [lifecycle]" in result.stdout
    assert "expected:  progress ≥" in result.stdout
    failures = [c for c in ET.parse(report).getroot().iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failures] == ["progress_monotonic"]


def test_cli_exit_2_when_the_target_cannot_be_reached() -> None:
    result = run_cli("neuraldraft", "--url", "http://127.0.0.1:9/v1")
    assert result.returncode == 2
    assert "cannot connect to http://127.0.0.1:9/v1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuchapi", "--url", "http://127.0.0.1:9"], "no such spec file or bundled API"),
        (["neuraldraft", "--url", "http://127.0.0.1:9", "--checks", "nope"], "unknown check 'nope'"),
        (["neuraldraft"], "check needs API and --url"),
        (
            ["neuraldraft", "--url", "http://127.0.0.1:9", "--include", "nope"],
            "'nope' names no operation of neuraldraft",
        ),
        (["neuraldraft", "--url", "http://127.0.0.1:9", "--param", "api-version"], "takes NAME=VALUE"),
    ],
)
def test_cli_exit_2_on_usage_errors(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_cli_lists_the_checks() -> None:
    result = run_cli("--list-checks")
    assert result.returncode == 0
    for name in [*CHECKS, "response_schema_conformance", "ignored_auth", "negative_data_rejection"]:
        assert f"  {name}" in result.stdout


def test_the_pytest_fixture_passes_a_conforming_api_and_fails_with_the_report(
    keyed: str, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(
        f"""
        def test_conforms(jobmock_check):
            report = jobmock_check("nextdocs", "{keyed}/nextdocs/v1", token="{TOKENS["nextdocs"]}",
                                   checks=["legal_transition", "fields_match_state"], poll_interval=0.25)
            assert len(report.histories) == 2

        def test_unreachable(jobmock_check):
            jobmock_check("nextdocs", "http://127.0.0.1:9/v1")
        """
    )
    # in a subprocess: an in-process run drops the modules it imported (httpcore among them)
    # when it ends, and httpx, which cached the first httpcore's exception classes, would then
    # stop mapping the second's: later tests would see raw httpcore errors
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*cannot connect to http://127.0.0.1:9/v1*"])


def test_against_injected_faults_only_the_faults_are_reported() -> None:
    app = create(specs=["neuraldraft"], seed=3)
    with BackgroundServer(app) as server, JobmockClient(server.url) as control:
        polls_clock_an_hour_ago(server.url)
        flaky = control.create("neuraldraft", "flaky")["id"]
        limited = control.create("neuraldraft", "rate-limited")["id"]
        report = check(
            "neuraldraft", server.url + "/v1", token=TOKENS["neuraldraft"], jobs=[flaky, limited],
            checks=list(CHECKS), poll_interval=0.02, lifecycle_timeout=60,
        )  # fmt: skip
    found = {(v.job_id, v.check, v.poll.index + 1) for v in report.violations}
    # flaky: a 503 on poll 2 and a dropped connection on poll 6; the 1.5 s latency on poll 4 is no violation
    assert found == {(flaky, "poll_succeeds", 2), (flaky, "poll_succeeds", 6)}, render_text(report)
    limited_polls = next(h for h in report.histories if h.job_id == limited).polls
    assert [p.status_code for p in limited_polls[2:4]] == [429, 429]
    assert limited_polls[3].at - limited_polls[2].at >= 2  # the checker honoured Retry-After: 2


def test_against_random_chaos_every_finding_is_an_injected_fault() -> None:
    app = create(specs=["nextdocs"], seed=4, chaos=0.5)
    with BackgroundServer(app) as server:
        polls_clock_an_hour_ago(server.url)
        report = check("nextdocs", server.url + "/v1", token=TOKENS["nextdocs"], checks=list(CHECKS),
                       poll_interval=0.02, lifecycle_timeout=60)  # fmt: skip
        journal = httpx.get(server.url + "/_jobmock/journal").json()["entries"]
    injected = {(e["job"], e["fault"]) for e in journal if e["fault"] in ("500", "502", "503", "drop")}
    assert report.violations, "chaos at 50% should have hit some polls"
    for violation in report.violations:
        assert violation.check == "poll_succeeds", render_text(report)
        fault = "drop" if violation.poll.error else str(violation.poll.status_code)
        assert (violation.job_id, fault) in injected


def test_trails_and_poll_numbers_are_compressed() -> None:
    assert trail(["pending"] * 3 + ["processing"] * 40 + ["completed"]) == "pending x3 → processing x40 → completed"
    flapping = trail(["processing", "None"] * 50)
    assert flapping.count("→") == 8 and "… 92 more …" in flapping  # not 3,000 characters
    assert ranges([3, 5, 6, 7, 8, 9, 12, 14, 15]) == "3, 5-9, 12, 14-15"


def test_the_header_and_the_result_count_failures_alike() -> None:
    answers = rendered("neuraldraft", "completed")
    for index in (4, 5, 6, 9):
        answers[index] = (answers[index][0], 503, {}, {"error": {"code": "unavailable", "message": "later"}})
    watched = history("neuraldraft", answers)
    report = CheckReport("neuraldraft", "http://127.0.0.1:1/v1", [], ["poll_succeeds"], histories=[watched])
    report.violations = run_checks(watched, ["poll_succeeds"])
    text = render_text(report)
    assert "1 failure (in 4 polls)" in text
    assert "Result: 1 failure (exit 1)" in text
    assert "poll 5 (also polls 6-7, 10)" in text


@pytest.mark.parametrize("api", ["stories", "superdocs"])
def test_check_passes_a_default_jobmock_whose_api_takes_any_token(api: str) -> None:
    """Without --key such an API accepts any bearer token (as its document allows), so
    ignored_auth is skipped against a jobmock, and says so; with --key it runs, and passes."""
    for keys, skipped in (([], True), ([f"{api}={TOKENS[api]}"], False)):
        app = create(specs=[api], keys=keys)
        with BackgroundServer(app) as server:
            polls_clock_an_hour_ago(server.url)
            report = check(api, server.url, token=TOKENS[api], max_examples=5, seed=1, poll_interval=0.02)
        assert report.exit_code == 0, render_text(report)
        assert any("ignored_auth skipped" in note for note in report.notes) == skipped
        assert ("ignored_auth" in report.contract_checks) != skipped


# --- #19 the checker tells the truth ------------------------------------------------------


def test_cli_with_the_apis_mount_left_out_says_every_request_answered_404_and_where_it_is(keyed: str) -> None:
    """#19 item 17: `--url …/v1` on a jobmock (which serves neuraldraft under /neuraldraft/v1)
    used to fail with a content_type_conformance finding and the hint "point --url at a
    jobmock", though it was one. Now: could not check (exit 2), and the right base."""
    result = run_cli("neuraldraft", "--url", f"{keyed}/v1", "--token", TOKENS["neuraldraft"], "--max-examples", "3")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "every request answered 404" in result.stdout and "is --url the API's base?" in result.stdout
    assert f"{keyed} is a jobmock: it serves neuraldraft at {keyed}/neuraldraft/v1" in result.stdout
    assert "point --url at a jobmock" not in result.stdout


def test_cli_with_a_token_the_target_refuses_says_every_request_was_refused_401(keyed: str) -> None:
    result = run_cli(
        "neuraldraft", "--url", f"{keyed}/neuraldraft/v1", "--token", "ndsk_test_notakey", "--max-examples", "3"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "every request was refused 401" in result.stdout and "is --token right?" in result.stdout


def test_cli_fails_a_429_without_retry_after_met_by_schemathesis() -> None:
    """#19 item 20: the per-response rules (Retry-After on 429, the error envelope) judge every
    response the checker sees, not only its watcher's polls: here there is no job to watch,
    and Schemathesis' answers alone show the fault (the schema leaves the header optional)."""

    async def slow_down(request: Request) -> Response:
        body = {"error": {"code": "rate_limited", "message": "Too many requests."}}
        return Response(json.dumps(body), 429, media_type="application/json")

    with BackgroundServer(Starlette(routes=[Route("/v1/jobs/{id}", slow_down)])) as server:
        result = run_cli("neuraldraft", "--url", server.url + "/v1", "--token", TOKENS["neuraldraft"],
                         "--max-examples", "3", "--seed", "1")  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "retry_after" in result.stdout and "no Retry-After header" in result.stdout


def test_an_error_outside_the_envelope_is_caught_on_every_response() -> None:
    async def bare(request: Request) -> Response:
        return Response(json.dumps({"message": "nope"}), 404, media_type="application/json")

    with BackgroundServer(Starlette(routes=[Route("/v1/jobs/{id}", bare)])) as server:
        report = check("neuraldraft", server.url + "/v1", token=TOKENS["neuraldraft"], max_examples=3, seed=1,
                       checks=["status_code_conformance", "error_envelope"])  # fmt: skip
    assert report.contract is not None
    assert {f.check for f in report.contract.failures} == {"error_envelope"}, render_text(report)


@pytest.mark.parametrize(
    ("include", "exclude", "chosen"),
    [
        ((), (), None),
        (("getJob",), (), ["GET /jobs/{id}"]),
        (("/jobs/{id}",), (), ["GET /jobs/{id}"]),
        (("GET /jobs/{id}",), (), ["GET /jobs/{id}"]),
        (("tag:Jobs",), (), ["GET /jobs/{id}"]),
        ((), ("getJob",), []),
    ],
)
def test_operations_are_selected_by_id_path_method_or_tag(
    include: tuple[str, ...], exclude: tuple[str, ...], chosen: list[str] | None
) -> None:
    assert selected_operations(load_named("neuraldraft"), include, exclude) == chosen


# --- #21 fuzzing leaves the watched jobs alone ----------------------------------------------

RENDER_FARM = Path(__file__).with_name("render_farm.yaml")  # no x-jobmock; poll, cancel, delete share one $ref id


def test_schemathesis_changing_calls_never_name_a_watched_job() -> None:
    """The watched job's id is an example of the poll's id parameter, which the cancel and the
    delete share (one `$ref`): Schemathesis' examples phase sends it to them too. Each such call
    goes out for another id of the same form instead, and is counted; the poll still gets it."""
    from jobmock.checker.schema_checks import run_schemathesis

    seen: list[tuple[str, str]] = []

    async def record(request: Request) -> Response:
        seen.append((request.method, request.url.path))
        return Response('{"message": "no"}', 404, media_type="application/json")

    routes = [Route("/v2/renders/{rest:path}", record, methods=["GET", "POST", "DELETE"])]
    watched = "knls676wh4yqqb56hhopcwi3"
    with BackgroundServer(Starlette(routes=routes)) as server:
        result = run_schemathesis(load_named(str(RENDER_FARM)), server.url + "/v2", {"X-Api-Key": "k"}, [watched],
                                  ["not_a_server_error"], max_examples=5, seed=1)  # fmt: skip
    assert ("GET", f"/v2/renders/{watched}") in seen  # the poll was given the job
    changing = [(method, path) for method, path in seen if method != "GET"]
    assert changing and not [call for call in changing if watched in call[1]], changing
    assert result.spared > 0
    spared = {path for _method, path in changing if "knls676wh4yqqb56hhopcwi" in path}
    assert spared and all(len(path.split("/")[3]) == len(watched) for path in spared)  # the id's form kept


def test_another_id_keeps_the_form_and_names_no_watched_job() -> None:
    from jobmock.checker.schema_checks import other_id

    assert other_id("job_ab9", frozenset({"job_ab9"})) == "job_ab0"
    assert other_id("job_ab9", frozenset({"job_ab9", "job_ab0"})) == "job_ab1"
    assert other_id("JOB-Z", frozenset({"JOB-Z"})) == "JOB-A"
    assert other_id("--", frozenset({"--"})) == "--0"
