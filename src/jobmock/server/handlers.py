"""Connexion glue for the vendor APIs: one resolver maps operationIds to the mock.

Connexion routes, checks auth (through `TokenCheck`) and validates requests; the
handlers here only translate between a validated request and the `Mock`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from connexion.operations import AbstractOperation
from connexion.resolver import Resolution, Resolver
from connexion.security import BearerSecurityHandler

from ..exceptions import LifecycleError, UnknownScenario
from ..spec.auth import TokenRule, bearer_token, identity
from ..spec.model import ApiModel
from ..spec.openapi import id_checker
from ..state import State
from .delivery import delivery_marks
from .errors import error_response, json_response, validation_status
from .options import RequestOptions, options_of

Handler = Callable[..., Any]


def token_check(rule: TokenRule) -> type[BearerSecurityHandler]:
    """Connexion's bearer auth for one API: the vendor's documented token format (and only
    the `--key` tokens when given); the token's owner becomes `sub`. Bound to the API's
    rule as data, so the served document is never changed. It reads the header itself, so
    every 401 carries jobmock's AuthError (worded as the vendor's spec says) rather than
    Connexion's own sentences."""

    class TokenCheck(BearerSecurityHandler):  # type: ignore[misc]
        def get_fn(self, security_scheme: Any, required_scopes: Any) -> Callable[[Any], dict[str, str]]:
            def verify(request: Any) -> dict[str, str]:
                return {"sub": identity(rule, bearer_token(request.headers.get("Authorization")))}

            return verify

    return TokenCheck


class MockResolver(Resolver):  # type: ignore[misc]
    def __init__(self, api: ApiModel, state: State):
        super().__init__()
        self.api = api
        self.state = state

    def resolve(self, operation: AbstractOperation) -> Resolution:
        op_id = operation.operation_id
        api = self.api
        if op_id == api.poll.operation_id:
            return Resolution(poll_handler(api, self.state), op_id)
        if api.cancel is not None and op_id == api.cancel.operation.operation_id:
            return Resolution(cancel_handler(api, self.state), op_id)
        return Resolution(not_implemented(api, op_id), op_id)


def _owner(api: ApiModel, kwargs: dict[str, Any]) -> str | None:
    info = kwargs.get("token_info") or {}
    return info.get("sub") if api.token.scheme else None


def _options() -> RequestOptions:
    return options_of(request.headers, dict(request.query_params))


def poll_handler(api: ApiModel, state: State) -> Handler:
    param = api.poll.parameter(api.id_parameter) or {}
    valid_id = id_checker(param.get("schema", {})) or (lambda value: True)
    fmt = param.get("schema", {}).get("format", "string")

    async def poll(**kwargs: Any) -> ConnexionResponse:
        job_id = str(kwargs[api.id_parameter])
        if not valid_id(job_id):
            return error_response(api, validation_status(api), f"{api.id_parameter} must be a {fmt}")
        options = _options()
        try:
            answer = await state.poll(api.name, job_id, _owner(api, kwargs), options.namespace, options.scenario)
        except UnknownScenario as exc:
            return error_response(api, validation_status(api), str(exc))
        if answer is None:
            return error_response(api, 404)
        headers = {**dict(answer.headers), **delivery_marks(answer)}
        return ConnexionResponse(
            status_code=answer.status,
            mimetype="application/json",
            content_type="application/json",
            body=answer.body,
            headers=headers,
        )

    return poll


def cancel_handler(api: ApiModel, state: State) -> Handler:
    rule = api.cancel
    assert rule is not None

    async def cancel(**kwargs: Any) -> Any:
        in_parameters = rule.operation.parameter(rule.parameter) is not None
        raw = kwargs.get(rule.parameter) if in_parameters else (kwargs.get("body") or {}).get(rule.parameter)
        namespace = _options().namespace
        await state.catch_up()
        job = state.mock.lookup(api.name, str(raw), _owner(api, kwargs), namespace)
        if job is None:
            return error_response(api, 404)
        try:
            await state.cancel(job, namespace)
        except LifecycleError:
            message = rule.finished_message.replace("{status}", state.mock.status(job, namespace))
            return error_response(api, rule.finished_status, message)
        return json_response(200, rule.response)

    return cancel


def not_implemented(api: ApiModel, operation_id: str) -> Handler:
    async def handler(**kwargs: Any) -> ConnexionResponse:
        return error_response(api, 501, f"jobmock does not simulate {operation_id}")

    return handler
