"""The proxy's ASGI app: each request judged (`request_checks`) and forwarded
(`forwarding`), its answer judged (`exchanges`, `following`) and relayed with a
`Jobmock-Violations` header when something is wrong, and `GET /_jobmock/violations` (and
its event stream, `streams`) to read what was found. Under `--errors` what is wrong is
refused instead: a breaking request with 422 before it reaches the upstream, a breaking
answer (or the poll first showing a lifecycle violation) with 502, each in the document's
error envelope, listing the violations. The rest of `/_jobmock` and the dashboard at `/`
are the jobmock inside the proxy's, which also answers the requests `mocking` gives it
(`--mock`, its own jobs, the upstream down); its `/_jobmock/status` answer gets the proxy's
counts added. What was found is reported when the proxy stops (`report`, `reporting`).
This module only dispatches.

Requests are refused here, never forwarded, when they would reach something other than the
API: an absolute-form target (`GET http://elsewhere/ HTTP/1.1`: 400), a path outside the
API's base path (404), a body past `--max-body-bytes` (413); each in the document's error
envelope, as the upstream's failures (502, 504) are. A JSON answer up to `--max-body-bytes`
is read whole before it is relayed, because the header that judges it goes first; any other
answer (a file, an event stream, a JSON one past the cap) is relayed as it arrives, judged
on its status and content type only.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import httpx

from ..checker.report import Report
from ..client.polls import Poll
from ..contract.document import Contract
from ..contract.openapi import Operation
from ..contract.secrets import secret_name
from ..contract.security import Security
from ..server.adapters.request_check import RequestCheck
from ..server.app import App
from ..server.gauges import ABORT
from ..server.messages import replayed
from ..server.middleware.guard import Guard
from ..server.middleware.lifespan import Lifespan
from ..server.operations.replies import Reply, job_error, problem, vendor_error
from ..server.policy import ControlPolicy
from ..server.process.bind import listening_hosts
from ..server.process.connections import TARGET
from ..server.types import Receive, Scope, Send
from .exchanges import Located, is_json, judge_answer, locate, media_type
from .findings import HEADER, Finding, FindingLog, header_value
from .following import Following
from .forwarding import Upstream, UpstreamFailure, failure, relayed_headers
from .mocking import DOWN, Mocking
from .options import ProxyOptions
from .recording import Recorder
from .reporting import ReportFile, job_counts, report_of, reproduce
from .request_checks import judge_request
from .streams import violation_stream

CONTROL = "/_jobmock"
STATUS = CONTROL + "/status"
VIOLATIONS = CONTROL + "/violations"
VIOLATION_EVENTS = VIOLATIONS + "/events"
PAGE = 100  # violations a page, by default
MAX_PAGE = 1000
LISTED = 20  # violations an --errors refusal lists in its message (the count goes on)


class ProxyApp:
    """`mock`: the jobmock inside (`assembly.create` with `proxy=True`); `policy`: who may
    read its control API, the proxy's violations too."""

    def __init__(
        self, api: Contract, options: ProxyOptions, mock: App, policy: ControlPolicy, upstream: Upstream | None = None
    ):
        self.api = api
        self.options = options
        self.mock = mock
        self.upstream = upstream or Upstream(options)
        self.base = api.server_path  # served where `jobmock serve SPEC` serves it: the client's base URL is the same
        self.following = Following(options.max_polls, options.max_jobs)
        self.log = FindingLog(options.max_violations)
        self.recorder = (  # --record: each job a fixture (`recording.py`)
            Recorder(Path(options.record), options.upstream, options.max_polls, options.max_recorded)
            if options.record is not None
            else None
        )
        self.requests = RequestCheck(api)  # each request judged as `serve` judges it (`request_checks`)
        self.mocking = Mocking(mock, api, options.mock, options.mock_when_down)
        self.own = Guard(self._violations, policy, listening_hosts)  # the jobmock's guard's checks, on the proxy's own
        self.exchanges = 0  # exchanges judged (`_record`)
        self.started = time.monotonic()
        self.report_file = ReportFile(Path(options.report), self.report) if options.report is not None else None
        parts = [*mock.parts, self.own, self.upstream, *([self.recorder] if self.recorder else [])]
        self.lifespan = Lifespan(self._http, [*parts, *([self.report_file] if self.report_file else [])])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.lifespan(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # a WebSocket is refused by returning without accepting it (uvicorn answers 403)
        path: str = scope["path"]
        reply = self._refusal(scope)
        if reply is not None:
            await _send_reply(send, reply)
        elif path in (VIOLATIONS, VIOLATION_EVENTS):
            await self.own(scope, receive, send)
        elif path == STATUS and scope["method"] == "GET":  # the jobmock's answer, the proxy's counts added
            await self.mock.app(scope, receive, self._with_counts(send))
        elif path in ("/", CONTROL) or path.startswith(CONTROL + "/"):
            await self.mock.app(scope, receive, send)  # the jobmock inside: control API, dashboard, streams
        elif not self.base or path == self.base or path.startswith(self.base + "/"):
            await self.mocking.journaled(scope, send, lambda journaled: self._forward(scope, receive, journaled))
        else:
            await self._forward(scope, receive, send)  # refused: not below the API's base path

    def _refusal(self, scope: Scope) -> Reply | None:
        target = scope.get("extensions", {}).get(TARGET, {}).get("target")
        if isinstance(target, bytes) and not target.startswith(b"/"):
            shown = target.decode("latin-1")[:100]
            reason = f"the request target {shown!r} is refused: jobmock proxy is not an open proxy; it reaches "
            return vendor_error(self.api, 400, reason + f"{self.options.upstream} only, by paths below its own origin")
        return None

    # --- forwarding ---------------------------------------------------------------------

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        raw: bytes = scope.get("raw_path") or quote(path).encode()
        base = quote(self.base).encode()
        if (self.base and not (path == self.base or path.startswith(self.base + "/"))) or not raw.startswith(base):
            message = f"{path} is not below the API's base path {self.base}: jobmock proxy reaches only the API"
            await _send_reply(send, vendor_error(self.api, 404, message))
            return
        method: str = scope["method"]
        query: bytes = scope.get("query_string", b"")
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        below = path[len(self.base) :] or "/"
        located = locate(self.api, method, below, query)
        mocked = self.mocking.reason(located, scope, below)
        if mocked is not None:
            await self.mocking.answer(scope, receive, send, mocked)
            return
        body = await _read_body(receive, headers, self.options.max_body_bytes)
        if body is None:
            cap = self.options.max_body_bytes
            await _send_reply(
                send, self._error(located, 413, f"the request body is over {cap} bytes (--max-body-bytes)")
            )
            return
        asked = await judge_request(self.api, self.requests, located, scope, body)
        if asked and self.options.errors:  # --errors: refused before it reaches the upstream
            found = self._record(asked, located, scope, 422, headers, body)
            await _send_reply(send, self._refused(located, 422, found))
            return
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.options.total_timeout):
                answer = await self.upstream.send(method, raw[len(base) :], query, headers, body)
        except UpstreamFailure as exc:
            if exc.unreachable and self.mocking.when_down:
                await self.mocking.answer(scope, replayed(body, receive), send, DOWN)
            else:
                reply = self._error(located, exc.status, exc.reason)
                await _send_reply(send, self._flagged(reply, asked, scope, headers, body, located))
            return
        except TimeoutError as exc:
            reply = self._error(located, 504, failure(exc, self.upstream.origin).reason)
            await _send_reply(send, self._flagged(reply, asked, scope, headers, body, located))
            return
        try:
            await self._relay(scope, send, answer, located, (headers, body), started, asked)
        finally:
            await answer.aclose()

    def _error(self, located: Located | None, status: int, message: str) -> Reply:
        """The proxy's own refusal, in the document's error envelope (the operation's own
        documented one where the document words no envelope)."""
        if located is not None:
            operation = Operation(located.template, located.method, located.operation_id, dict(located.spec))
            return job_error(self.api, operation, status, message)
        return vendor_error(self.api, status, message)

    async def _relay(
        self,
        scope: Scope,
        send: Send,
        answer: httpx.Response,
        located: Located | None,
        request: tuple[list[tuple[bytes, bytes]], bytes],
        started: float,
        asked: list[Finding],
    ) -> None:
        """Relay the answer to `request` (its headers and body), judged."""
        request_headers, request_body = request
        headers = relayed_headers(answer.headers.raw)
        media = media_type(answer.headers.get("content-type", ""))
        chunks = answer.aiter_raw()
        read: list[bytes] = []
        whole = False
        if is_json(media):
            left = self.options.total_timeout - (time.monotonic() - started)
            try:
                async with asyncio.timeout(max(left, 0.001)):
                    whole = await _read_up_to(chunks, read, self.options.max_body_bytes)
            except (httpx.HTTPError, TimeoutError) as exc:
                reason = failure(exc, self.upstream.origin)
                reply = self._error(located, reason.status, reason.reason)
                await _send_reply(send, self._flagged(reply, asked, scope, request_headers, request_body, located))
                return
        body = _decoded(b"".join(read), answer.headers.get("content-encoding", "")) if whole else None
        findings = self._judge(located, answer, body, (request_headers, request_body), scope, asked)
        if self.recorder is not None:
            await self.recorder.write_ended()  # a job's file is there before its end is relayed
        if findings and self.options.errors:  # --errors: an answer that breaks the document is not relayed
            await _send_reply(send, self._refused(located, 502, findings))
            return
        said = header_value(findings)
        if said is not None:
            headers.append((HEADER.lower().encode(), said))
        await send({"type": "http.response.start", "status": answer.status_code, "headers": headers})
        try:
            for chunk in read:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if not whole:
                async for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.HTTPError:  # the upstream broke off mid-answer: so does the proxy, rather than end it as whole
            abort = scope.get("extensions", {}).get(ABORT, {}).get("abort")
            if abort is not None:
                abort()
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    # --- judging ------------------------------------------------------------------------

    def _judge(
        self,
        located: Located | None,
        answer: httpx.Response,
        body: bytes | None,
        request: tuple[list[tuple[bytes, bytes]], bytes],
        scope: Scope,
        asked: list[Finding],
    ) -> list[Finding]:
        """What the exchange breaks (`asked`: what its request breaks, `request_checks`), recorded."""
        request_headers, request_body = request
        method: str = scope["method"]
        query: bytes = scope.get("query_string", b"")
        status = answer.status_code
        found = list(asked)
        if located is None:
            return self._record(found, located, scope, status, request_headers, request_body)
        lower = {k.lower(): v for k, v in answer.headers.items()}
        found += judge_answer(self.api, located, status, lower, body)
        if located.job is not None:
            model, job_id = located.job

            made: list[Poll] = []

            def poll(index: int) -> Poll:
                parsed = (
                    _json(body) if body is not None and is_json(media_type(lower.get("content-type", ""))) else None
                )
                text = body.decode("utf-8", "replace") if body is not None else ""
                target = scope["path"] + (f"?{query.decode('latin-1')}" if query else "")  # kept here only, never shown
                made.append(Poll(index, time.time(), method, target, {}, status, lower, parsed, text))
                return made[-1]

            found += self.following.add(model, job_id, status, poll)
            if self.recorder is not None and made:  # a poll following took: recorded too
                self.recorder.add(model, job_id, made[-1], _credentials(self.api.security, request_headers, query))
        return self._record(found, located, scope, status, request_headers, request_body)

    def _record(
        self,
        found: list[Finding],
        located: Located | None,
        scope: Scope,
        status: int,
        request_headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> list[Finding]:
        """Add what an exchange answered `status` showed to the log (with the curl command that
        repeats its request to the upstream, for a finding kept anew); return what the answer
        says of it (redacted: `FindingLog.add`)."""
        self.exchanges += 1
        method: str = scope["method"]
        query: bytes = scope.get("query_string", b"")
        request = f"{method} {scope['path']}" + (f"?{query.decode('latin-1')}" if query else "")
        secrets = _credentials(self.api.security, request_headers, query)
        operation = located.operation_id if located is not None else None
        raw: bytes = scope.get("raw_path") or quote(scope["path"]).encode()
        url = self.upstream.url_of(raw[len(quote(self.base).encode()) :], query)

        def reproduced() -> str:
            return reproduce(self.api, url, located, method, request_headers, body, secrets)

        return self.log.add(found, self.api.name, operation, request, status, secrets, reproduced)

    def _flagged(
        self,
        reply: Reply,
        asked: list[Finding],
        scope: Scope,
        request_headers: list[tuple[bytes, bytes]],
        body: bytes,
        located: Located | None,
    ) -> Reply:
        """The proxy's own answer (the upstream failed) with what the request broke: recorded,
        and in its header."""
        said = header_value(self._record(asked, located, scope, reply.status, request_headers, body))
        if said is None:
            return reply
        return Reply(reply.status, reply.body, reply.media, (*reply.headers, (HEADER, said.decode())))

    def _refused(self, located: Located | None, status: int, findings: list[Finding]) -> Reply:
        """--errors: the refusal of a request (422) or of an answer (502) that breaks the
        document, listing what it breaks, in the document's error envelope, with the header."""
        what = "the request" if status == 422 else "the upstream's answer"
        listed = "; ".join(f"({n}) {finding.line()}" for n, finding in enumerate(findings[:LISTED], 1))
        more = f"; and {len(findings) - LISTED} more" if len(findings) > LISTED else ""
        count = f"{len(findings)} violation{'s' if len(findings) > 1 else ''}"
        message = f"{what} breaks the API's document (jobmock proxy --errors), {count}: {listed}{more}"
        reply = self._error(located, status, message)  # a documented 400 may word it: the status stays
        said = header_value(findings) or b""
        return Reply(status, reply.body, reply.media, (*reply.headers, (HEADER, said.decode())))

    # --- /_jobmock ------------------------------------------------------------------------

    async def _violations(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The proxy's own control routes (behind `self.own`, the control API's guard)."""
        if scope["path"] == VIOLATION_EVENTS:
            await violation_stream(scope, receive, send, self.log, self.mock.state.mock.limits)
        else:
            await _send_reply(send, self._control(scope))

    def _control(self, scope: Scope) -> Reply:
        if scope["method"] not in ("GET", "HEAD"):
            return problem(405, f"{VIOLATIONS} answers GET", [("Allow", "GET, HEAD")])
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        limit_text, cursor_text = asked.get("limit", [str(PAGE)])[0], asked.get("cursor", ["0"])[0]
        if not all(text.isascii() and text.isdigit() and len(text) <= 18 for text in (limit_text, cursor_text)):
            return problem(400, "limit and cursor are whole numbers")
        limit, after = int(limit_text), int(cursor_text)
        if not 1 <= limit <= MAX_PAGE:
            return problem(400, f"limit is 1 to {MAX_PAGE}, cursor 0 or more")
        records, cursor = self.log.page(limit, after)
        body: dict[str, Any] = {
            "violations": [record.as_json() for record in records],
            "next": str(cursor) if cursor is not None else None,
            "kept": len(self.log.records),
            "dropped": self.log.dropped,
            "jobs": job_counts(self.following, self.options, self.recorder),
        }
        return Reply(200, json.dumps(body, ensure_ascii=False).encode())

    def counts(self) -> dict[str, Any]:
        """What the proxy holds and has let go, beside its jobmock's at `/_jobmock/status`."""
        return {
            "upstream": self.options.upstream,
            "exchanges": self.exchanges,
            "violations": {"kept": len(self.log.records), "dropped": self.log.dropped, "max": self.log.max_kept},
            "jobs": job_counts(self.following, self.options, self.recorder),
        }

    def _with_counts(self, send: Send) -> Send:
        """`send` for the jobmock's answer to GET /_jobmock/status, with `proxy`: the proxy's
        counts added to its JSON (the jobmock knows nothing of the proxy around it). Any other
        answer (a refusal by its guard, a 405) goes as it came."""
        started: list[MutableMapping[str, Any]] = []
        parts: list[bytes] = []

        async def counted(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                started.append(message)
                return
            if not started or message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            whole = b"".join(parts)
            try:
                answer = json.loads(whole)
            except ValueError:
                answer = None
            if isinstance(answer, dict):
                answer["proxy"] = self.counts()
                whole = json.dumps(answer, ensure_ascii=False).encode()
            headers = [(k, v) for k, v in started[0].get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(whole)).encode()))
            await send({**started[0], "headers": headers})
            await send({"type": "http.response.body", "body": whole})

        return counted

    def report(self) -> Report:
        """What the proxy found so far, as `jobmock check` reports (`checker.report.render_text`
        and `write_junit` lay it out); printed when it stops, and written to --report."""
        seconds = time.monotonic() - self.started
        return report_of(self.api, self.options, self.log, self.following, self.recorder, self.exchanges, seconds)


def _credentials(security: Security, headers: list[tuple[bytes, bytes]], query: bytes) -> list[str]:
    """The secrets a request carries (the values of its cookies, of its headers and query
    parameters whose names say secret or that a security scheme of the document carries a
    credential in, and a scheme's credentials without the scheme): hidden wherever a finding
    would repeat them."""
    found: list[str] = []
    for name, value in headers:
        text = value.decode("latin-1")
        if name.lower() == b"cookie":
            found += [v.strip() for part in text.split(";") for _n, _, v in [part.partition("=")] if v.strip()]
        elif secret_name(name.decode("latin-1")) or name.decode("latin-1").lower() in security.headers:
            found += [text, text.split(" ", 1)[-1]]
    for param, values in parse_qs(query.decode("latin-1")).items():
        if secret_name(param, param=True) or param in security.query:
            found += values
    return [secret for secret in found if secret]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _decoded(raw: bytes, encoding: str) -> bytes | None:
    """The body as its JSON text (gzip and deflate undone); None for an encoding not undone here."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)
    except zlib.error:
        return None
    return None


async def _read_up_to(chunks: AsyncIterator[bytes], read: list[bytes], cap: int) -> bool:
    """Read chunks into `read` until the answer ends (True) or passes `cap` bytes (False)."""
    size = 0
    async for chunk in chunks:
        read.append(chunk)
        size += len(chunk)
        if size > cap:
            return False
    return True


async def _read_body(receive: Receive, headers: list[tuple[bytes, bytes]], cap: int) -> bytes | None:
    """The request's body, or None when it is over `cap` bytes (said or sent)."""
    declared = dict(headers).get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        return None
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _send_reply(send: Send, reply: Reply) -> None:
    headers: list[tuple[bytes, bytes]] = [(k.lower().encode(), v.encode("latin-1")) for k, v in reply.headers]
    if reply.media is not None:
        headers.append((b"content-type", reply.media.encode()))
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})
