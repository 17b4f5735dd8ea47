"""Credentials never leak: not from `record` (its fixtures, its messages), not from
`check` (its report), and `record` refuses what would put one on the wire by surprise."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

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


# --- #19: one function, `redact`, for every place a secret can appear; each case of the issue


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        # a signed URL: the signature and credential parameters go, the others stay
        ("https://b.s3.amazonaws.com/o.md?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKID%2F1&X-Amz-Signature=sig0a1&w=10",
         ["sig0a1", "AKID"], ["X-Amz-Algorithm=AWS4", "w=10", "X-Amz-Signature=REDACTED"]),
        ("x-amz-signature=sig0a1&x-amz-security-token=tok0a1", ["sig0a1", "tok0a1"], []),
        # ?token= inside text, not at its start
        ("fetch it from https://files.example/out?token=tok1b2 before noon", ["tok1b2"], ["before noon"]),
        # a URL fragment
        ("https://app.example/cb#access_token=at2c3&token_type=bearer&state=keep", ["at2c3"], ["state=keep"]),
        # the journal's parameters (and cookies), the name percent-encoded too
        ("session=s1&sid=s2&jwt=s3&pwd=s4&pass=s5&bearer=s6&code=s7&client_assertion=s8&page=2",
         ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"], ["page=2"]),
        ("%74oken=pe1&%73ession=pe2&max_tokens=5&token_count=3", ["pe1", "pe2"], ["max_tokens=5", "token_count=3"]),
        ("jsessionid=c1; PHPSESSID=c2; theme=dark", ["c1", "c2"], ["theme=dark"]),
        # a Redis URL: user:password@ and ?password=
        ("redis://:pw3d@127.0.0.1:6379/0?password=pw4e&db=0", ["pw3d", "pw4e"], ["127.0.0.1:6379/0", "db=0"]),
        ("rediss://alice:pw5f@redis.example:6380", ["alice", "pw5f"], ["redis.example:6380"]),
        # in messages: header lines, JSON and Python reprs, key-shaped values, PEM keys
        ("owner_key: ndsk_live_Abc123xyz", ["Abc123xyz"], ["owner_key:"]),
        ('{"error": {"code": "invalid_key", "owner_key": "ok9z8y"}}', ["ok9z8y"], ['"code": "invalid_key"']),
        ("{'password': 'hunter2', 'ok': 1}", ["hunter2"], ["'ok': 1"]),
        ("X-Api-Key: k7g8h9 rejected", ["k7g8h9"], ["rejected"]),
        ("Authorization: Bearer abcdef123456", ["abcdef123456"], ["Authorization: Bearer"]),
        ("curl -H 'Authorization: Bearer $TOKEN' https://x.example/v1/jobs/1", [], ["Bearer $TOKEN"]),
        ("rejected sk_test_4eC39HqLyjWDarjtT1zdp7dc and eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl",
         ["4eC39HqLyjWDarjtT1zdp7dc", "eyJzdWIiOi"], ["rejected"]),
        ("key: -----BEGIN RSA PRIVATE KEY-----\nMIIpk1\n-----END RSA PRIVATE KEY----- after", ["MIIpk1"], ["after"]),
        # what is not secret stays
        ("error code: job_not_found; a Bearer of good news; 3 tokens left", [], ["job_not_found", "good news"]),
    ],
)  # fmt: skip
def test_redact_hides_each_secret_of_the_issue_in_text(text: str, gone: list[str], kept: list[str]) -> None:
    hidden = redact(text)
    for secret in gone:
        assert secret not in hidden, hidden
    for part in kept:
        assert part in hidden, hidden
    assert redact(hidden) == hidden  # hiding twice changes nothing


def test_redact_hides_the_credentials_the_user_gave_wherever_they_appear() -> None:
    token = "plain+Echoed/7Q2w"  # no known shape: only the value tells it is the token
    text = f"Invalid API key: {token} (owner {token}); as a parameter: x={quote(token, safe='')}"
    hidden = redact(text, known=[token, None, "Inv"])  # None and too short: ignored
    assert "7Q2w" not in hidden and hidden.count("REDACTED") == 3 and hidden.startswith("Invalid API key: ")
    assert redact({"owner": {"key_hint": token}}, known=[token]) == {"owner": {"key_hint": "REDACTED"}}
    assert redact(f"from https://{token}:pw9@x.example", known=[token]) == "from https://REDACTED@x.example"


def test_redact_takes_the_whole_value_of_a_secret_field_but_keeps_ids_counts_and_error_codes() -> None:
    body = {
        "owner_key": "ndsk_live_Abc123",
        "credentials": {"username": "svc", "value": "cr1"},
        "private_key": "-----BEGIN PRIVATE KEY-----\nPK\n-----END PRIVATE KEY-----",
        "auth": ["a1", "a2"],
        "X-Amz-Signature": "sig",
        "sessionToken": "st",
        "clientAssertion": "ca",
        "code": "job_not_found",
        "max_tokens": 100,
        "token_count": "5",
        "key_id": "k1",
        "session_id": "sess_1",
        "token_type": "bearer",
        "result": {"text": "a token of thanks", "pass": 2},
    }
    assert redact(body) == {
        **body,
        **dict.fromkeys(
            ["owner_key", "credentials", "private_key", "auth", "X-Amz-Signature", "sessionToken", "clientAssertion"],
            "REDACTED",
        ),
    }
