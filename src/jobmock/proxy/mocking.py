"""The mock as a fallback: which requests the jobmock inside the proxy answers in the
upstream's place, and the journal that says who answered each one.

The proxy holds a whole jobmock, made by `assembly.create` from the same document and
`serve`'s own options (`ProxyOptions.mock_options`): its control API, dashboard, journal and
event streams are the proxy's. It also answers, as `jobmock serve` would (its whole
pipeline: screening, security, state rules, faults, journal), the requests the upstream
should not or cannot:
- an operation `--mock` names (an operationId or `METHOD /path`, read as `check --include`
  reads them): a create, say, so that a frontend makes jobs the mock drives;
- any request naming a job the mock holds, in the request's namespace (a poll, a cancel):
  a job the mock made stays the mock's, whatever the upstream would say of its id;
- under `--mock-when-down`, a request the upstream could not be reached for (a connect
  error or a connect timeout: nothing reached it, so nothing happened there; a read that
  times out is still the upstream's 504).

Each such answer carries `Jobmock-Mocked: WHY`, and its journal entry `via: mock: WHY`;
a request relayed is journaled `via: upstream` (`journaled`), through the journal layer's
own `journal_request`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qs, unquote

from ..checker.schema_checks import selected_operations
from ..contract.document import Contract
from ..contract.model import ApiModel
from ..contract.wire import NAMESPACE_HEADER
from ..exceptions import CheckUsageError, SpecError
from ..server.app import App
from ..server.middleware.journal import VIA, Answered, credential_headers, journal_request
from ..server.operations.call import cookies_of, namespace_of
from ..server.paths import routed_path
from ..server.types import Message, Receive, Scope, Send
from .exchanges import Located

MOCKED = "Jobmock-Mocked"  # the header of an answer the mock gave, saying why
UPSTREAM = "upstream"  # the journal's `via` of a request relayed
DOWN = "upstream down"
HELD = "its job"


def chosen_operations(api: Contract, selectors: Sequence[str]) -> frozenset[str]:
    """The operations `--mock` names, as `METHOD /path`; SpecError (--mock) for a selector
    that names none."""
    if not selectors:
        return frozenset()
    try:
        return frozenset(selected_operations(api, include=selectors) or ())
    except CheckUsageError as exc:
        raise SpecError("--mock", [], str(exc)) from None


class Mocking:
    """Which requests the jobmock inside (`app`) answers, and answering them."""

    def __init__(self, app: App, api: Contract, selectors: Sequence[str], when_down: bool):
        self.app = app
        self.api = api
        self.operations = chosen_operations(api, selectors)
        self.when_down = when_down
        self.credentials = credential_headers(app.state)

    def reason(self, located: Located | None, scope: Scope, path: str) -> str | None:
        """Why the mock answers this request (`path` below the API's base) before the
        upstream is asked; None: it is relayed."""
        if located is None:
            return None
        if f"{located.method.upper()} {located.template}" in self.operations:
            return f"operation {located.operation_id}"
        mock = self.app.state.mock
        namespace = _namespace(scope)
        # a job the mock made (not one of the document's example jobs, which every namespace of
        # the mock holds: their ids are the upstream's to answer)
        named = self._job_ids(located, path, scope)
        if any(mock.get(job_id, namespace) is not None and not mock.is_example(job_id) for job_id in named):
            return HELD
        return None

    def _job_ids(self, located: Located, path: str, scope: Scope) -> list[str]:
        """The ids the request names: the job it polls, its path's parameters, and its query's
        job id parameter where an API takes the id there."""
        if located.job is not None:
            return [located.job[1]]
        found = _path_values(located.template, path)
        models = [self.api, *self.api.siblings] if isinstance(self.api, ApiModel) else []
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        found += [value for model in models if model.id_in == "query" for value in query.get(model.id_parameter, [])]
        return found

    async def answer(self, scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        """The mock's answer, as `serve` gives it, with `Jobmock-Mocked: reason`."""
        scope[VIA] = f"mock: {reason}"
        said = (MOCKED.lower().encode(), reason.encode("ascii", "replace"))

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), said]}
            await send(message)

        await self.app.app(scope, receive, marked)  # its pipeline; its lifespan's parts are the proxy's

    async def journaled(self, scope: Scope, send: Send, relay: Callable[[Send], Awaitable[None]]) -> None:
        """Relay the request (`relay`), journaled `via: upstream`; one the mock answers
        instead (the upstream down) is journaled by the mock's own journal layer."""
        scope[VIA] = UPSTREAM
        arrived = time.time()
        answered = Answered(send)
        try:
            await relay(answered)
        finally:
            if scope[VIA] == UPSTREAM:
                journal_request(self.app.state, scope, routed_path(scope), arrived, answered, self.credentials)


def _namespace(scope: Scope) -> str:
    header = cookie = None
    for key, value in scope.get("headers", []):
        if key == NAMESPACE_HEADER.encode():
            header = value.decode("latin-1")
        elif key == b"cookie":
            cookie = value.decode("latin-1")
    return namespace_of(header, cookies_of(cookie) if cookie and not header else {})


def _path_values(template: str, path: str) -> list[str]:
    """The values of the template's path parameters in `path`."""
    pattern = "".join(
        "([^/]+)" if part.startswith("{") and part.endswith("}") else re.escape(part)
        for part in re.split(r"(\{[^{}/]+\})", template.partition("#")[0])
    )
    found = re.fullmatch(pattern, path)
    return [unquote(value) for value in found.groups()] if found else []
