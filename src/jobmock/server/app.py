"""The whole server as one ASGI app: the request pipeline, in order."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..contract.document import Contract
from ..state import State
from .adapters.connexion_app import connexion_app
from .adapters.fast_paths import FastPaths
from .adapters.response_check import ResponseCheck
from .middleware.dashboard import Dashboard
from .middleware.delivery import Connection, Delivery
from .middleware.documents import Documents
from .middleware.events import EventStreams
from .middleware.guard import Guard
from .middleware.journal import Journal
from .middleware.lifespan import Lifespan, Part
from .middleware.log_lines import OneWarningPerRequest, install
from .middleware.screening import Screening
from .operations import Context
from .policy import ControlPolicy
from .process.bind import listening_hosts
from .types import ASGIApp


class App(Lifespan):
    """The ASGI app: its outermost layer (`Lifespan`), with the state it serves."""

    def __init__(self, state: State, app: ASGIApp, parts: Sequence[Part], contracts: Sequence[Contract] = ()):
        super().__init__(app, parts)
        self.state = state
        self.contracts = tuple(contracts)  # every served document, job API or not


def build_app(
    state: State,
    validate_responses: bool = False,
    fast_paths: bool = True,
    policy: ControlPolicy | None = None,
    listening: Callable[[], list[str]] = listening_hosts,
    startup_files: Mapping[str, int] | None = None,
    contracts: Sequence[Contract] | None = None,
    proxy: bool = False,
) -> App:
    """`validate_responses`: every answer is held to its document (Connexion's validators, on
    the poll fast path too). `fast_paths=False`: Connexion answers the polls and creates too.
    `policy`: who may use the control API (default: loopback, no token); where its `bound` is
    None, `listening` finds out the bind when the server starts. `startup_files`: what was
    read at start-up (`StartupFiles.usage`), shown at /_jobmock/status. `contracts`: every
    served document (default: the state's job APIs); those without jobs are served statelessly.
    `proxy`: the jobmock inside `jobmock proxy` (its control document has the proxy's operations)."""
    ctx = Context(state, startup_files, contracts, proxy)
    apis = ctx.contracts
    inner: ASGIApp = connexion_app(ctx, validate_responses)
    if fast_paths:  # under --validate-responses the polls' answers are checked there as Connexion checks
        inner = FastPaths(inner, ctx, ResponseCheck() if validate_responses else None)
    guard = Guard(
        Screening(
            Dashboard(Documents(EventStreams(Delivery(Journal(inner, state)), state), apis)),
            apis,
            state.mock.limits.body_timeout,
        ),
        policy or ControlPolicy(),
        listening,
    )
    install()  # the log's lines: control characters escaped, one warning line per request
    return App(state, Connection(OneWarningPerRequest(guard)), [state, guard], apis)
