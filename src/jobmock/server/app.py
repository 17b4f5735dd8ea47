"""Assemble the ASGI app: Connexion serving every API and the control API, CORS, fast path."""

from __future__ import annotations

import copy
from typing import Any

import connexion
from connexion.exceptions import ProblemException
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException

from ..spec.wire import CONTROL_PREFIX
from ..state import State
from .control import ControlResolver, control_document
from .dashboard import Dashboard
from .delivery import Delivery
from .errors import ErrorHandler
from .events import EventStreams
from .fastcreate import CreateFastPath
from .fastpath import PollFastPath
from .guard import ControlPolicy, Guard
from .handlers import MockResolver, token_check
from .journaling import Journaling
from .lifespan import Lifespan
from .screening import Screening
from .validation import ResponseCheck


def build_app(
    state: State, validate_responses: bool = False, fast_path: bool = True, policy: ControlPolicy | None = None
) -> Any:
    """The whole server as one ASGI callable.

    `validate_responses` checks every body against its spec (tests run with it on):
    Connexion checks the routes it answers, `ResponseCheck` the polls the fast path answers.
    `fast_path=False` sends polls through Connexion too. `policy`: who may use the control
    API (default: loopback hosts and origins, no token).
    """
    # the spec is served at <base>/openapi.json; no Swagger UI (not installed, and it warned on every start)
    app = connexion.AsyncApp(__name__, swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
    apis = list(state.mock.apis.values())
    for api in apis:
        app.add_api(
            copy.deepcopy(dict(api.document)),  # Connexion keeps and serves it; the model's stays untouched
            base_path=api.base_path,
            name=api.name,
            resolver=MockResolver(api, state),
            validate_responses=validate_responses,
            security_map={"bearer": token_check(api.token)},
        )
    app.add_api(
        control_document([api.name for api in apis]),
        base_path=CONTROL_PREFIX,
        name="_jobmock",
        resolver=ControlResolver(state),
        validate_responses=validate_responses,
    )
    handler = ErrorHandler(apis, control_document())
    for kind in (ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handler)
    check = ResponseCheck(apis) if validate_responses else None
    inner: Any = PollFastPath(app, state, check) if fast_path else app
    if fast_path and not validate_responses:  # Connexion checks the control API's answers
        inner = CreateFastPath(inner, state)
    served = Dashboard(EventStreams(Delivery(Journaling(inner, state)), state))
    return Lifespan(Guard(Screening(served, apis), policy or ControlPolicy()), state)
