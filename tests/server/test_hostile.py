"""Hostile input, through HTTP, against a running `jobmock serve`: no 5xx, no traceback,
the event loop never held, and a legitimate user's jobs and clock untouched.

Each case is sent while a poll runs beside it; the poll must be answered long before the
slowest of these used to finish (seconds, before the caps), so a case that holds the
loop shows. Bounded: every case is one request, all to loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import TOKENS, ServeProcess, UvicornProcess

ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
LF = {"Authorization": f"Bearer {TOKENS['longform']}"}
JSON = {"Content-Type": "application/json"}
EXAMPLE = "/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW"
LEGIT = {"X-Jobmock-Namespace": "legit"}
HELD_LOOP = 2.0  # seconds: a poll beside a hostile request waiting this long means the loop was held


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


# (name, method, path, headers, body)
CASES: list[tuple[str, str, str, dict[str, str], bytes | None]] = [
    *[
        (f"advance {value}", "POST", "/_jobmock/clock/advance", JSON, b'{"seconds": %s}' % value.encode())
        for value in ("NaN", "Infinity", "-Infinity", "1e308", "3e11", "-1", '"x"', "null", "1e400")
    ],
    *[
        (f"set {value}", "POST", "/_jobmock/clock/set", JSON, b'{"time": %s}' % value.encode())
        for value in ('"0001-01-01T00:00:00Z"', '"9999-12-31T23:59:59Z"', '"+10000-01-01"', '"soon"', "123", "NaN")
    ],
    ("clock mode NaN", "PUT", "/_jobmock/clock", JSON, b'{"mode": NaN}'),
    ("clock mode unknown", "PUT", "/_jobmock/clock", JSON, b'{"mode": "sundial"}'),
    ("create without content type", "POST", "/_jobmock/jobs", {}, b'{"api": "neuraldraft"}'),
    ("create as text", "POST", "/_jobmock/jobs", {"Content-Type": "text/plain"}, b'{"api": "neuraldraft"}'),
    ("create as a form", "POST", "/_jobmock/jobs", {"Content-Type": "application/x-www-form-urlencoded"}, b"api=x"),
    ("create nested 10000", "POST", "/_jobmock/jobs", JSON, nested(10_000).encode()),
    ("fields nested 600", "POST", "/_jobmock/jobs", JSON,
     b'{"api": "neuraldraft", "fields": {"a": %s}}' % nested(600).encode()),
    ("fields nested 40", "POST", "/_jobmock/jobs", JSON,
     b'{"api": "neuraldraft", "fields": {"a": %s}}' % nested(40).encode()),
    ("duration NaN", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "duration": NaN}'),
    ("duration 1e308", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "duration": 1e308}'),
    ("duration negative", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "duration": -5}'),
    ("id of 10000 characters", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "id": "%s"}' % (b"a" * 10_000)),
    ("id with NUL", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "id": "job_\\u0000abc"}'),
    ("api not a string", "POST", "/_jobmock/jobs", JSON, b'{"api": ["neuraldraft"]}'),
    ("body of 2 MB", "POST", "/_jobmock/jobs", JSON, b"[%s]" % (b"1," * 1_000_000) + b"1"),
    ("invalid UTF-8", "POST", "/_jobmock/jobs", JSON, b'{"api": "\xff\xfe"}'),
    ("truncated JSON", "POST", "/_jobmock/jobs", JSON, b'{"api": "neur'),
    ("empty JSON body", "POST", "/_jobmock/jobs", JSON, b""),
    ("JSON null", "POST", "/_jobmock/jobs", JSON, b"null"),
    *[
        (f"list {query}", "GET", f"/_jobmock/jobs?{query}", {}, None)
        for query in ("limit=NaN", "limit=-1", "limit=1000000000", "cursor=abc", "cursor=-1", "cursor=1e400",
                      "status=%00", "api=%FF")
    ],
    ("8000 query parameters", "GET", "/_jobmock/jobs?" + "&".join(f"p{n}=1" for n in range(8000)), {}, None),
    ("job id of 10000 characters", "GET", "/_jobmock/jobs/" + "a" * 10_000, {}, None),
    ("job id NUL", "GET", "/_jobmock/jobs/%00", {}, None),
    ("path climbing", "GET", "/_jobmock/../../etc/passwd", {}, None),
    ("encoded path climbing", "GET", "/_jobmock/jobs/..%2F..%2Fetc%2Fpasswd", {}, None),
    ("cancel unknown", "POST", "/_jobmock/jobs/job_nope/cancel", {}, None),
    ("delete unknown", "DELETE", "/_jobmock/jobs/job_nope", {}, None),
    ("journal filters", "GET", "/_jobmock/journal?job=%FF&client=" + "c" * 5000, {}, None),
    ("polling report NaN", "GET", "/_jobmock/journal/report?min_interval=NaN", {}, None),
    ("polling report huge", "GET", "/_jobmock/journal/report?min_interval=1e400", {}, None),
    ("150 headers", "GET", EXAMPLE, {**ND, **{f"x-h{n}": "v" for n in range(150)}}, None),
    ("a 100 KB header", "GET", EXAMPLE, {**ND, "x-big": "z" * 100_000}, None),
    ("a 100 KB token", "GET", EXAMPLE, {"Authorization": "Bearer " + "t" * 100_000}, None),
    ("basic auth", "GET", EXAMPLE, {"Authorization": "Basic dXNlcjpwYXNz"}, None),
    ("vendor id of 10000 characters", "GET", "/neuraldraft/v1/jobs/" + "a" * 10_000, ND, None),
    ("vendor id NUL", "GET", "/neuraldraft/v1/jobs/job_%00", ND, None),
    ("vendor id invalid UTF-8", "GET", "/neuraldraft/v1/jobs/job_%FF%FE", ND, None),
    ("vendor id non-ASCII", "GET", "/neuraldraft/v1/jobs/job_\u00e9\u4e2d", ND, None),
    ("vendor path climbing", "GET", "/neuraldraft/v1/jobs/../../../_jobmock/journal", ND, None),
    ("vendor 8000 query parameters", "GET", EXAMPLE + "?" + "&".join(f"q{n}=1" for n in range(8000)), ND, None),
    ("vendor scenario of 10000 characters", "GET", EXAMPLE + "?__scenario=" + "s" * 5000, ND, None),
    ("vendor Prefer flood", "GET", EXAMPLE, {**ND, "Prefer": "scenario=" + "p" * 20_000}, None),
    ("vendor cookie flood", "GET", EXAMPLE, {**ND, "Cookie": "; ".join(f"c{n}=v" for n in range(2000))}, None),
    ("vendor PATCH", "PATCH", EXAMPLE, ND, b"{}"),
    ("vendor TRACE", "TRACE", EXAMPLE, ND, None),
    ("vendor PROPFIND", "PROPFIND", EXAMPLE, ND, None),
    ("longform cancel nested", "POST", "/longform/cancelJob", {**LF, **JSON}, nested(10_000).encode()),
    ("longform cancel NaN", "POST", "/longform/cancelJob", {**LF, **JSON}, b'{"jobId": NaN}'),
    ("longform cancel as text", "POST", "/longform/cancelJob", {**LF, "Content-Type": "text/plain"}, b"x"),
    ("longform cancel without body", "POST", "/longform/cancelJob", LF, None),
    ("longform two job ids", "GET", "/longform/getJobStatus?jobId=a&jobId=b", LF, None),
    ("longform no job id", "GET", "/longform/getJobStatus", LF, None),
    ("favicon", "GET", "/favicon.ico", {}, None),
    ("root with 10000 slashes", "GET", "/" * 10_000, {}, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    log = tmp_path_factory.mktemp("hostile") / "serve.log"
    with ServeProcess(log=log) as served:
        yield served


@pytest.fixture(scope="module")
def legitimate(server: ServeProcess) -> dict[str, Any]:
    """A user's own job and clock, before the attack."""
    server.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=LEGIT)
    job = server.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 100}, headers={**LEGIT, **ND})
    return {
        "job": job.json(),
        "clock": server.http.get("/_jobmock/clock", headers=LEGIT).json(),
        "default clock": server.http.get("/_jobmock/clock").json()["mode"],
    }


def poll_beside(server: ServeProcess, seconds: list[float]) -> None:
    started = time.monotonic()
    answer = httpx.get(server.url + EXAMPLE, headers=ND, timeout=30)
    seconds.append(time.monotonic() - started)
    assert answer.status_code == 200


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_hostile_request_is_refused_cleanly(
    server: ServeProcess, legitimate: dict[str, Any], case: tuple[str, str, str, dict[str, str], bytes | None]
) -> None:
    name, method, path, headers, body = case
    beside: list[float] = []
    poller = threading.Thread(target=poll_beside, args=(server, beside))
    poller.start()
    try:
        answer = httpx.request(method, server.url + path, headers=headers, content=body, timeout=30)
    except httpx.RemoteProtocolError:
        answer = None  # the HTTP parser closed the connection on a request it cannot read: no 5xx
    poller.join(timeout=60)
    if answer is not None:
        assert answer.status_code < 500, answer.text
        assert "Traceback" not in answer.text
        if answer.status_code >= 400 and method != "HEAD":
            assert answer.headers["content-type"].endswith("json"), answer.text  # an envelope, not a page
    assert beside and beside[0] < HELD_LOOP, f"a poll beside {name!r} waited {beside}"


def test_the_server_stayed_whole(server: ServeProcess, legitimate: dict[str, Any]) -> None:
    """Runs after the cases (same module): the legitimate user's job and clock are as they were."""
    job = legitimate["job"]
    again = server.http.get(f"/_jobmock/jobs/{job['id']}", headers=LEGIT).json()
    assert {k: again[k] for k in ("id", "created_at", "owner", "status", "body")} == {
        k: job[k] for k in ("id", "created_at", "owner", "status", "body")
    }
    assert server.http.get("/_jobmock/clock", headers=LEGIT).json() == legitimate["clock"]
    assert server.http.get(EXAMPLE, headers=ND).status_code == 200
    assert "Traceback" not in Path(server.log).read_text()


# --- #19 control plane: every way of starting, any root path ---
# The control plane is judged on the path the router routes (`jobmock.server.paths`): under
# uvicorn --root-path, scope["path"] carries the prefix, and a check on it as it came let a
# foreign page move the clock and delete jobs with no token.

TOKEN = "s3cret-19"
EVIL = {"Host": "evil.example", "Origin": "https://evil.example"}
GOOD = {"X-Jobmock-Token": TOKEN}


def started(way: str, log: Path) -> ServeProcess:
    """jobmock serving neuraldraft with a control token (from the environment), started `way`."""
    env = {"JOBMOCK_CONTROL_TOKEN": TOKEN}
    if way == "serve":
        return ServeProcess("neuraldraft", log=log, env=env)
    if way == "serve --workers 2":
        return ServeProcess("neuraldraft", "--workers", "2", log=log, env=env)
    env["JOBMOCK_SPECS"] = "neuraldraft"
    return UvicornProcess(*way.split()[1:], log=log, env=env)


WAYS = ["serve", "serve --workers 2", "uvicorn", "uvicorn --root-path /api"]


@pytest.mark.parametrize("way", WAYS)
def test_the_control_plane_is_guarded_however_jobmock_is_started(way: str, tmp_path: Path) -> None:
    root = "/api" if "--root-path" in way else ""
    with started(way, tmp_path / "server.log") as server:
        url = server.url
        job = httpx.post(url + "/_jobmock/jobs", json={"api": "neuraldraft"}, headers=GOOD)
        assert job.status_code == 201, job.text
        job_id, poll_url = job.json()["id"], job.json()["poll_url"]
        assert poll_url.startswith(f"{url}{root}/") and "/v1/jobs/" in poll_url  # as reached through the proxy
        for method, path, body in [
            ("POST", "/_jobmock/clock/advance", {"seconds": 7200}),
            ("PUT", "/_jobmock/clock", {"mode": "manual"}),
            ("DELETE", f"/_jobmock/jobs/{job_id}", None),
            ("POST", f"/_jobmock/jobs/{job_id}/cancel", None),
            ("DELETE", "/_jobmock/journal", None),
            ("GET", "/_jobmock/journal", None),
            ("GET", "/_jobmock/events", None),
            ("GET", f"/_jobmock/jobs/{job_id}/events", None),
            ("GET", "/_jobmock/status", None),
        ]:
            where = f"{way}: {method} {path}"
            foreign = httpx.request(method, url + path, json=body, headers=EVIL, timeout=10)
            assert foreign.status_code == 403, f"{where} from a foreign page: {foreign.status_code} {foreign.text}"
            assert "access-control-allow-origin" not in foreign.headers, where
            with_token = httpx.request(method, url + path, json=body, headers={**EVIL, **GOOD}, timeout=10)
            assert with_token.status_code == 403, f"{where}: a foreign Host, even with the token"
            tokenless = httpx.request(method, url + path, json=body, timeout=10)
            assert tokenless.status_code == 401, f"{where} without the token: {tokenless.status_code}"
            assert tokenless.headers["content-type"] == "application/problem+json", where
        preflight = httpx.options(
            url + "/_jobmock/clock/advance",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
        # nothing changed: the job is there, running, and the clock was not moved
        kept = httpx.get(f"{url}/_jobmock/jobs/{job_id}", headers=GOOD)
        assert kept.status_code == 200 and kept.json()["status"] != "cancelled"
        clock = httpx.get(url + "/_jobmock/clock", headers=GOOD).json()
        assert clock["mode"] == "real" and clock["now"] < _iso(time.time() + 3600)
        # the owner's requests are answered: polls, the event stream, the journal, the dashboard
        poll = httpx.get(url + poll_url[len(url + root) :], headers=ND)
        assert poll.status_code == 200 and poll.json()["id"] == job_id
        with httpx.stream("GET", url + "/_jobmock/events", headers=GOOD, timeout=10) as events:
            assert events.status_code == 200 and events.headers["content-type"].startswith("text/event-stream")
        journal = httpx.get(url + "/_jobmock/journal", headers=GOOD).json()["entries"]
        assert any(e["api"] == "neuraldraft" and e["job"] == job_id for e in journal), journal
        page = httpx.get(url + "/")
        assert page.status_code == 307 and page.headers["location"] == f"{root}/_jobmock/ui/"
        assert httpx.get(url + "/_jobmock/ui/", headers=EVIL).status_code == 403
        status = httpx.get(url + "/_jobmock/status", headers=GOOD).json()["connections"]
        if way.startswith("uvicorn"):  # the server holds the connections: not a false 0
            assert status["counted"] is False and "open" not in status
        else:
            assert status["counted"] is True and status["open"] >= 1
        if root:  # the prefix sent again (a proxy that does not strip it): no route, nothing done
            again = httpx.post(url + root + "/_jobmock/clock/advance", json={"seconds": 7200}, headers=EVIL)
            assert again.status_code in (403, 404), again.text
            assert httpx.get(url + root, headers=EVIL).status_code < 500


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/_jobmock/clock", ""), ("/api/_jobmock/clock", "/api"), ("/_jobmock/clock", "/api"),
        ("/api", "/api"), ("/apix/_jobmock", "/api"), ("/api//_jobmock/x", "/api/"), ("/api/api/_jobmock", "/api"),
        ("/", "/"), ("/a/b/_jobmock/ui/", "/a/b"), ("/_jobmock", "/_jobmock"),
    ],
)  # fmt: skip
def test_every_layer_sees_the_path_starlette_routes(path: str, root: str) -> None:
    """`routed_path` is Starlette's own rule, so a layer and the router never disagree."""
    from starlette._utils import get_route_path

    from jobmock.server.paths import routed_path

    scope = {"type": "http", "path": path, "root_path": root}
    assert routed_path(scope) == get_route_path(scope)


def test_under_a_root_path_each_answer_keeps_its_envelope_and_the_journal_its_apis(tmp_path: Path) -> None:
    """Refusals found by path (405's Allow, 413, 404, 401) in the right envelope, and control
    requests kept out of the journal, under uvicorn --root-path as without."""
    env = {"JOBMOCK_CONTROL_TOKEN": TOKEN, "JOBMOCK_SPECS": "neuraldraft"}
    with UvicornProcess("--root-path", "/api", log=tmp_path / "uvicorn.log", env=env) as server:
        url = server.url
        wrong = httpx.request("PATCH", url + "/_jobmock/clock", headers=GOOD)
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, PUT, HEAD"
        assert wrong.headers["content-type"] == "application/problem+json"
        big = b'"' + b"a" * 300_000 + b'"'
        too_big = httpx.post(url + "/_jobmock/jobs", content=big, headers={**GOOD, **JSON})
        assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"
        vendor_big = httpx.post(url + "/v1/jobs/job_x/cancel", content=big, headers={**ND, **JSON})
        assert vendor_big.status_code == 413 and "error" in vendor_big.json()  # the vendor's envelope
        assert httpx.get(url + "/_jobmock/nope", headers=GOOD).headers["content-type"] == "application/problem+json"
        unauthorized = httpx.get(url + "/v1/jobs/job_x")
        assert unauthorized.status_code == 401 and unauthorized.json()["error"]["code"] == "unauthorized"
        journal = httpx.get(url + "/_jobmock/journal", headers=GOOD).json()["entries"]
        assert journal and all(entry["api"] == "neuraldraft" for entry in journal), journal
        assert not any("_jobmock" in entry["path"] or entry["path"].startswith("/api") for entry in journal)


def test_origin_null_is_never_trusted(tmp_path: Path) -> None:
    """Sandboxed iframes of any site send `Origin: null`: refused on the control plane even with
    an allowed origin configured, never reflected with credentials; refused as an option, in
    Python as on the command line."""
    from jobmock import create
    from jobmock.exceptions import SpecError

    with pytest.raises(SpecError, match="'null' is the origin of sandboxed pages"):
        create(cors_origins=("null",))
    with ServeProcess("neuraldraft", "--cors-origin", "https://app.example", log=tmp_path / "serve.log") as server:
        null = {"Origin": "null"}
        moved = httpx.post(server.url + "/_jobmock/clock/advance", json={"seconds": 60}, headers=null)
        assert moved.status_code == 403 and "access-control-allow-origin" not in moved.headers
        preflight = {**null, "Access-Control-Request-Method": "POST"}
        assert httpx.options(server.url + "/_jobmock/clock/advance", headers=preflight).status_code == 403
        poll = httpx.get(server.url + "/v1/jobs/job_2Ngd9KqLmRpW", headers={**ND, **null})
        assert poll.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in poll.headers
        allowed = httpx.get(server.url + "/_jobmock/clock", headers={"Origin": "https://app.example"})
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://app.example"
