"""Credentials never leak: not from `record` (its fixtures, its messages), not from
`check` (its report), and `record` refuses what would put one on the wire by surprise."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmock import BackgroundServer
from jobmock.checker import render_text
from jobmock.checker.runner import CheckReport
from jobmock.checker.schema_checks import ContractFailure, ContractResult
from jobmock.contract.secrets import redact
from support import TOKENS, create

RECORD = [sys.executable, "-m", "jobmock", "record", "neuraldraft"]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = create(specs=["neuraldraft"], seed=3, clock="manual")
    with BackgroundServer(app) as server:
        yield server.url


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RECORD, *args], capture_output=True, text=True, timeout=60)


def test_record_refuses_a_url_with_credentials_unless_told(tmp_path: Path, url: str) -> None:
    with_userinfo = url.replace("http://", "http://bob:hunter2@")
    done = run("--url", with_userinfo, "--job", "job_2Ngd9KqLmRpW", "--out", str(tmp_path / "f.yaml"))
    assert done.returncode == 2 and "--token" in done.stderr and "hunter2" not in done.stderr
    assert not (tmp_path / "f.yaml").exists()


def test_record_checks_out_is_writable_before_polling(tmp_path: Path) -> None:
    # the URL goes nowhere: had it polled first, it would fail for that reason instead
    done = run("--url", "http://127.0.0.1:9/v1", "--job", "job_2Ngd9KqLmRpW", "--out", str(tmp_path))
    assert done.returncode == 2 and "cannot write --out" in done.stderr


def test_record_of_an_unknown_job_fails(tmp_path: Path, url: str) -> None:
    out = tmp_path / "f.yaml"
    args = ["--url", url, "--job", "job_NotThereAtAl", "--token", TOKENS["neuraldraft"], "--out", str(out)]
    done = run(*args, "--timeout", "5", "--interval", "0.2")
    assert done.returncode == 2 and "never answered 2xx" in done.stderr
    assert TOKENS["neuraldraft"] not in done.stderr + done.stdout
    assert not out.exists()


def test_recorded_bodies_lose_bearer_basic_and_url_credentials() -> None:
    body = {
        "note": "retry with Bearer abcdef123456 or Basic dXNlcjpwYXNz",
        "callback": "https://bob:hunter2@hooks.example/x?signature=abc",
        "nested": [{"msg": "Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln"}],
        "plain": "a Bearer of good news",
    }
    text = str(redact(body))
    for secret in ("abcdef123456", "dXNlcjpwYXNz", "hunter2", "signature=abc", "eyJhbGciOi"):
        assert secret not in text
    assert "a Bearer of good news" in text


def test_check_reports_neither_url_credentials_nor_tokens() -> None:
    report = CheckReport("neuraldraft", "https://bob:hunter2@staging.example/v1", ["all"], [])
    curl = "curl -X GET -H 'Authorization: [Filtered]' https://staging.example/v1/jobs/x"
    failure = ContractFailure("not_a_server_error", "ST1", "Server error", "500", "GET /v1/jobs/{id}", curl)
    report.contract = ContractResult({"not_a_server_error"}, [failure])
    text = render_text(report)
    assert "hunter2" not in text and "bob" not in text
    assert "Authorization: Bearer $TOKEN" in text and "[Filtered]" not in text
