"""A request held to its API's document as `serve` holds it, without answering it: what
`jobmock proxy` asks of each request before it forwards it.

`serve` refuses a request that breaks its document by Connexion's routing and its parameter
and body validation, as `connexion_app` sets them up for jobmock: the 3.0 copy Connexion
reads, bodies and mixed-type parameters judged in the document's own dialect
(`dialect_validators`), forms read as their schema says, paths holding an encoded `/`
routed by their raw form (`raw_paths`). The proxy must judge requests by those very rules,
or it would flag what the mock lets in, and the other way round. So `RequestCheck` is that
set-up for one API, with a handler for every operation that only notes the request passed,
and an error handler that notes why it did not: Connexion's status and words
(`connexion_app.classify`, as serve's error handler reads them), and which part of the
request they are about (its parameters, or its body and content type).

Credentials are not judged here. Connexion stops at its first refusal, and a request without
its key would then never be judged on its parameters and body: every operation is open to
this Connexion (`add_vendor_api(secured=False)`), and the proxy judges credentials itself
with `contract.security.judge`, the function serve's security layer calls.
"""

from __future__ import annotations

import logging
import warnings
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import connexion
    from connexion.exceptions import ProblemException
    from connexion.lifecycle import ConnexionRequest, ConnexionResponse
    from connexion.middleware import MiddlewarePosition
    from connexion.operations import AbstractOperation
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolution, Resolver
    from starlette.exceptions import HTTPException

from ...contract.document import Contract
from ..types import Message, Scope
from .connexion_app import add_vendor_api, classify, documents_checked_by_jobmock
from .dialect_validators import validator_map
from .raw_paths import RawPathRouting, RealPathParams

log = logging.getLogger("jobmock")
VERDICT = "jobmock.request_check"  # in the scope Connexion is given: the `Verdict` its layers write
Part = Literal["parameters", "body", "route"]
_JUDGING: ContextVar[bool] = ContextVar("jobmock_request_check", default=False)
# Connexion's loggers that speak of the request it judges ("Function argument 'x' not defined in
# specification", one line per parameter the document does not declare)
CHATTY = ("connexion.decorators.parameter", "connexion.middleware.validation", "connexion.validators.parameter")


class _Quiet(logging.Filter):
    """Connexion's lines about a request judged here: the proxy says what is wrong with a
    request in its findings, not in its log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _JUDGING.get()


_QUIET = _Quiet()


@dataclass(frozen=True)
class Refusal:
    """Why serve would refuse the request: the part of it at fault (`route`: Connexion routes
    it to no operation, or to another), the status and Connexion's words."""

    part: Part
    status: int
    message: str


@dataclass
class Verdict:
    parameters_passed: bool = False
    refusal: Refusal | None = None


class RequestCheck:
    """Connexion, set up as `serve` sets it up for `api`, judging requests without answering them."""

    def __init__(self, api: Contract):
        self.api = api
        app = connexion.AsyncApp(__name__, swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
        validators = validator_map(api)
        validators["parameter"] = _noting_parameters(validators["parameter"])
        with documents_checked_by_jobmock():
            routes = add_vendor_api(app, api, _Passed(), secured=False, validators=validators)
        app.add_middleware(RawPathRouting, position=MiddlewarePosition.BEFORE_SWAGGER, routes=routes)
        app.add_middleware(RealPathParams, position=MiddlewarePosition.BEFORE_SECURITY)
        for kind in (ProblemException, HTTPException, Exception):
            app.add_error_handler(kind, _noted)
        self.app = app
        for name in CHATTY:
            if _QUIET not in logging.getLogger(name).filters:
                logging.getLogger(name).addFilter(_QUIET)

    async def refusal(self, scope: Scope, body: bytes) -> Refusal | None:
        """Why serve would refuse this request (its scope, as the proxy received it, and its
        whole body); None when it would let it in."""
        verdict = Verdict()
        headers = [(k, v) for k, v in scope.get("headers", []) if k not in (b"content-length", b"transfer-encoding")]
        headers.append((b"content-length", str(len(body)).encode()))  # read whole: a chunked body is judged too
        given = False

        async def receive() -> Message:
            nonlocal given
            if given:
                return {"type": "http.disconnect"}
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            pass  # the answer is the verdict

        judging = _JUDGING.set(True)
        try:
            await self.app({**scope, "headers": headers, VERDICT: verdict}, receive, send)
        except Exception:  # a fault of ours or Connexion's is no fault of the request
            log.exception("error while judging %s %s", scope.get("method"), scope.get("path"))
            return None
        finally:
            _JUDGING.reset(judging)
        return verdict.refusal


def _noting_parameters(base: Any) -> Any:
    """The parameter validator, noting in the verdict that the parameters passed (a refusal
    after that is about the body)."""

    class Noting(base):  # type: ignore[misc]  # Connexion ships no type hints
        def validate(self, scope: Scope) -> Any:
            result = super().validate(scope)
            verdict = scope.get(VERDICT)
            if isinstance(verdict, Verdict):
                verdict.parameters_passed = True
            return result

    return Noting


class _Passed(Resolver):  # type: ignore[misc]  # Connexion ships no type hints
    """Every operation's handler: reached only by a request Connexion let in."""

    def resolve(self, operation: AbstractOperation) -> Resolution:
        async def handler(**params: Any) -> ConnexionResponse:
            return ConnexionResponse(status_code=204)

        return Resolution(handler, operation.operation_id)


async def _noted(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Connexion's error handler: the refusal noted in the verdict (a 500 is a fault of ours, logged)."""
    status, message, _headers = classify(exc)
    verdict = request.scope.get(VERDICT)
    if status >= 500:
        log.error("error while judging %s %s", request.method, request.url.path, exc_info=exc)
    elif isinstance(verdict, Verdict):
        part: Part = "route" if status in (404, 405) else "body" if verdict.parameters_passed else "parameters"
        verdict.refusal = Refusal(part, status, message)
    return ConnexionResponse(status_code=status)
