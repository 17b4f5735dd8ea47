"""The Connexion app: every vendor API and the control API, routed, authenticated and
validated by Connexion, each operation answered by its function in `..operations`.

Connexion checks a request in its own order (security, then parameters and body); the
handlers here only turn a validated request into a `Call` and the operation's `Reply`
into a response. Connexion's error handler answers what Connexion itself refuses (a
route or method it does not know, a parameter or body that breaks the document) in the
vendor's envelope, or as problem JSON on the control API. A path holding an encoded `/` or
a line break is routed by its raw form, by two middlewares of `raw_paths` set around
Connexion's router.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

with warnings.catch_warnings():
    # Connexion warns on import (Starlette's TestClient about httpx, jsonschema's RefResolver): not ours to fix
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import connexion
    import connexion.json_schema
    import connexion.spec
    from connexion import request
    from connexion.exceptions import BadRequestProblem, ProblemException
    from connexion.lifecycle import ConnexionRequest, ConnexionResponse
    from connexion.middleware import MiddlewarePosition
    from connexion.operations import AbstractOperation
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolution, Resolver
    from connexion.security import AbstractSecurityHandler, ApiKeySecurityHandler
    from connexion.spec import OpenAPISpecification
    from starlette.exceptions import HTTPException

from ...contract.document import Contract
from ...contract.envelopes import phrase
from ...contract.model import ApiModel
from ...contract.openapi import HTTP_METHODS, pointed, template_of
from ...contract.security import Credentials, judge
from ...contract.wire import CONTROL_PREFIX
from ...exceptions import AuthError, JobmockError
from .. import operations
from ..operations import (
    CONTROL,
    PROXIED,
    STREAMS,
    Call,
    Context,
    Reply,
    cancel,
    create,
    delete,
    list_jobs,
    poll,
    stateless,
)
from ..operations.replies import api_for, documented_error, problem, unauthorized, vendor_error
from .dialect_validators import validator_map
from .raw_paths import RawPathRouting, RawRoute, RealPathParams, path_routed, raw_routes

log = logging.getLogger("jobmock")
INTERNAL = "Internal error in the mock server"


def connexion_app(ctx: Context, validate_responses: bool = False) -> Any:
    """Connexion serving every API at its base path and the control API at /_jobmock;
    `validate_responses`: Connexion checks every answer against its document (500 if not)."""
    # no Swagger UI (not installed, and it warned on every start); Connexion serves the control API's
    # document at /_jobmock/openapi.json, jobmock the vendors' (see _add_vendor_api)
    app = connexion.AsyncApp(__name__, swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
    apis = ctx.contracts
    routes: list[RawRoute] = []
    with documents_checked_by_jobmock():
        for api in apis:
            routes += add_vendor_api(app, api, VendorResolver(ctx, api), validate_responses)
    routes += raw_routes(CONTROL_PREFIX, ctx.control_document)
    # paths with an encoded `/` or a line break: routed by their raw form (`raw_paths`)
    app.add_middleware(RawPathRouting, position=MiddlewarePosition.BEFORE_SWAGGER, routes=routes)
    app.add_middleware(RealPathParams, position=MiddlewarePosition.BEFORE_SECURITY)
    app.add_api(
        ctx.control_document,
        base_path=CONTROL_PREFIX,
        name="_jobmock",
        resolver=ControlResolver(ctx),
        validate_responses=validate_responses,
        security_map={"apiKey": ControlTokenSeen},
    )
    handler = ErrorHandler(apis, ctx.control_document)
    for kind in (ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handler)
    return app


def add_vendor_api(
    app: Any,
    api: Contract,
    resolver: Resolver,
    validate_responses: bool = False,
    secured: bool = True,
    validators: dict[str, Any] | None = None,
) -> list[RawRoute]:
    """Adds the API to Connexion, each operation answered by `resolver`'s handler; its routes
    for paths routed by their raw form. `secured=False`: Connexion lets every request in,
    its credentials judged elsewhere (`request_check`). `validators`: the API's
    `validator_map`, if not the one made here."""
    document = routed_document(api, secured)  # a copy: Connexion changes what it is given; the model's stays untouched
    routes = raw_routes(api.base_path, document)
    app.add_api(
        document,
        base_path=api.base_path,
        name=api.name,
        resolver=resolver,
        validate_responses=validate_responses,
        security_map={JUDGED: judged_by(api)},
        validator_map=validators if validators is not None else validator_map(api),
        # jobmock serves the document as written at <base>/openapi.json (`middleware.documents`):
        # Connexion's copy has every `$ref` resolved, and answered 500 at <base>/openapi.yaml
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
    )
    return routes


@contextmanager
def documents_checked_by_jobmock() -> Iterator[None]:
    """While Connexion takes jobmock's documents, two of its habits are left out:

    - It checks each document again, against the OpenAPI 3.0 schema with its defaults
      (Draft 4): a vendor's `default` outside its own schema, which jobmock reports as a
      warning with its line (`contract.document`), would stop `serve`, and the second check
      costs seconds on a large document. jobmock has checked the document, in its own
      dialect, before it reaches Connexion; the control document is checked by its tests.
    - It deep-copies each document twice (a pristine copy it keeps, and one it resolves
      `$ref`s in). What it is given is already a copy of jobmock's own (`routed_document`):
      it keeps that one as it is, and the one it resolves in is copied as plain JSON data,
      three times as fast as `copy.deepcopy` (a tenth of a second saved on a 3 MB document).
    """
    own = OpenAPISpecification.__dict__.get("_validate_spec")  # else inherited from Specification
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    spec_copy, resolving_copy = connexion.spec.copy, connexion.json_schema.deepcopy
    connexion.spec.copy = SimpleNamespace(deepcopy=lambda given: given)
    connexion.json_schema.deepcopy = _copied
    try:
        yield
    finally:
        connexion.spec.copy, connexion.json_schema.deepcopy = spec_copy, resolving_copy
        if own is None:
            del OpenAPISpecification._validate_spec
        else:
            OpenAPISpecification._validate_spec = own


def _copied(value: Any) -> Any:
    """A copy of JSON data: its mappings and lists new, its text and numbers shared."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value


def response(reply: Reply) -> ConnexionResponse:
    """A `Reply` as Connexion sends it (both content_type and mimetype, or it sends none)."""
    return ConnexionResponse(
        status_code=reply.status,
        mimetype=reply.media,
        content_type=reply.media,
        body=reply.body if reply.body or reply.media else None,
        headers=dict(reply.headers),
    )


def call_of(params: Mapping[str, Any]) -> Call:
    """The request Connexion is handling, as an operation reads it: `params` are the
    handler's keyword arguments (path and query parameters, `body`)."""
    given = {k: v for k, v in params.items() if k not in ("body", "user", "token_info")}
    return operations.call(
        {k.lower(): v for k, v in request.headers.items()},
        dict(request.query_params),
        given,
        params.get("body"),
        str(request.base_url),
    )


JUDGED = "x-jobmock-judged"  # the one security scheme of the documents Connexion is given


def routed_document(api: Contract, secured: bool = True) -> dict[str, Any]:
    """The copy of the API's document Connexion routes with, its security handed to `judge`:
    every operation that asks for credentials names one scheme, `JUDGED`, with the operation
    as its one scope (`get /v1/jobs/{id}`); one open to all has `security: []`. Connexion's
    own handlers cannot take a vendor's rules (an API key under any name with no function
    to check it, AND of schemes that are not OAuth, the vendor's wording), but its security
    layer runs where vendors check credentials: before parameters and body. `secured=False`:
    every operation is open to all (`security: []`)."""
    document = dict(api.routed)  # copied where it changes: Connexion deep-copies what it is given itself
    document["security"] = []
    components = document["components"] = dict(document.get("components") or {})
    components["securitySchemes"] = {JUDGED: {"type": "http", "scheme": JUDGED}}
    paths = document["paths"] = dict(document.get("paths") or {})
    for path, item in list(paths.items()):
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            item = pointed(document, item["$ref"])  # each path its own copy: its own scopes
        if not isinstance(item, dict):
            continue
        item = paths[path] = dict(item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                asked = api.security.requirements_of(None, method, str(path))
                judged = [{JUDGED: [f"{method} {path}"]}] if secured and not asked.open else []
                item[method] = {**operation, "security": judged}
    return document


def judged_by(api: Contract) -> type[AbstractSecurityHandler]:
    """Connexion's security handler for the `JUDGED` scheme of one API: `judge`, with the
    requirements of the operation its scope names, the very check the operations make, so a
    request is refused alike by either path (and in the vendor's words: the error handler
    answers the AuthError with `unauthorized`). Bound to the API's security as data."""

    class Judged(AbstractSecurityHandler):  # type: ignore[misc]  # Connexion ships no type hints
        def get_fn(self, security_scheme: Any, required_scopes: Any) -> Callable[[Any], dict[str, str]]:
            method, _, path = str((required_scopes or [""])[0]).partition(" ")
            asked = api.security.requirements_of(None, method, path)

            def verify(request: Any) -> dict[str, str]:
                credentials = Credentials(request.headers, request.query_params)
                return {"sub": judge(asked, credentials) or ""}

            return verify

    return Judged


class ControlTokenSeen(ApiKeySecurityHandler):  # type: ignore[misc]  # Connexion ships no type hints
    """The control document's `controlToken` scheme: the guard layer has already judged the
    X-Jobmock-Token header (`..policy`) before Connexion sees the request, so any value that
    reached here is the right one (or the server has no token)."""

    def get_fn(self, security_scheme: Any, required_scopes: Any) -> Callable[[Any], Any]:
        verify: Callable[[Any], Any] = self._get_verify_func(
            lambda *_args, **_kw: {"sub": "control"}, "header", security_scheme["name"], None
        )
        return verify


class VendorResolver(Resolver):  # type: ignore[misc]  # Connexion ships no type hints
    def __init__(self, ctx: Context, api: Contract):
        super().__init__()
        self.ctx = ctx
        self.api = api

    def resolve(self, operation: AbstractOperation) -> Resolution:
        op_id = operation.operation_id
        ctx, document = self.ctx, self.api
        method, path = operation.method, operation.path
        # the job resource that answers the operation: the document's own, or one of its siblings
        models = (document, *document.siblings) if isinstance(document, ApiModel) else ()
        api = next((m for m in models if op_id in m.job_operation_ids), None)
        if api is None:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await stateless(document, call_of(params), method, path))

        elif op_id == api.poll.operation_id:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await poll(ctx, api, call_of(params)))

        elif api.create is not None and op_id == api.create.operation.operation_id:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await create(ctx, api, call_of(params)))

        elif api.listing is not None and op_id == api.listing.operation.operation_id:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await list_jobs(ctx, api, call_of(params)))

        elif api.delete is not None and op_id == api.delete.operation.operation_id:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await delete(ctx, api, call_of(params)))

        else:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await cancel(ctx, api, call_of(params)))

        return Resolution(handler, op_id)


class ControlResolver(Resolver):  # type: ignore[misc]  # Connexion ships no type hints
    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx = ctx

    def resolve(self, operation: AbstractOperation) -> Resolution:
        op_id = operation.operation_id
        ctx = self.ctx
        if op_id in STREAMS:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(problem(500, "event streams are served by jobmock's stream layer"))

        elif op_id in PROXIED:

            async def handler(**params: Any) -> ConnexionResponse:
                return response(problem(500, "violations are served by jobmock proxy, in front of its jobmock"))

        else:
            core = CONTROL[op_id]

            async def handler(**params: Any) -> ConnexionResponse:
                return response(await core(ctx, call_of(params)))

        return Resolution(handler, op_id)


class ErrorHandler:
    """Connexion's error handler: finds the API a request was for and answers in its envelope."""

    def __init__(self, apis: Iterable[Contract], control: Mapping[str, Any]):
        self.apis = sorted(apis, key=lambda a: len(a.base_path), reverse=True)
        self.control = control  # the control API's document, for its Allow headers

    def __call__(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        status, message, headers = classify(exc)
        path = path_routed(request.scope)  # under any root path, as routed (a raw path's stand-in)
        if status >= 500:
            log.error("error while answering %s %s", request.method, path, exc_info=exc)
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            if status == 405:
                headers["Allow"] = ", ".join(_methods(self.control, path[len(CONTROL_PREFIX) :] or "/"))
            return response(problem(status, message, headers.items()))
        api = api_for(self.apis, path)
        if status == 405 and api is not None:
            headers["Allow"] = ", ".join(_methods(api.document, path[len(api.base_path) :] or "/")) or headers.get(
                "Allow", ""
            )
        if api is None:
            return response(problem(status, message, headers.items()))
        if isinstance(exc, AuthError):
            reply = unauthorized(api, exc)
            return response(Reply(reply.status, reply.body, reply.media, (*headers.items(), *reply.headers)))
        template = template_of(api.document, path[len(api.base_path) :] or "/")
        # a 404 on an operation's own path (its decoded form: `/v1%2Fjobs/x` fills no template,
        # `raw_paths`), so the operation's documented 404 answers, as for any refusal
        if not api.errors.declared and template is not None and status != 405:
            documented = documented_error(api, request.method, template, status, message, request.headers.get("accept"))
            if documented is not None:
                return response(
                    Reply(documented.status, documented.body, documented.media, (*headers.items(), *documented.headers))
                )
        return response(vendor_error(api, status, message, headers.items()))


def classify(exc: Exception) -> tuple[int, str, dict[str, str]]:
    """The status, message and headers of what Connexion (or a handler) raised."""
    if isinstance(exc, ProblemException):
        detail = str(exc.detail or exc.title or phrase(exc.status))
        if isinstance(exc, BadRequestProblem):
            detail = _first_line(detail)
        return exc.status, detail, dict(exc.headers or {})
    if isinstance(exc, JobmockError) and exc.status < 500:
        return exc.status, str(exc), {}
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail or phrase(exc.status_code)), dict(exc.headers or {})
    if isinstance(exc, (UnicodeDecodeError, json.JSONDecodeError)):
        # Connexion decodes JSON bodies itself and lets these escape as a 500.
        return 400, "Request body is not valid UTF-8 JSON", {}
    return 500, INTERNAL, {}


def _methods(document: Mapping[str, Any], path: str) -> list[str]:
    """The methods the document declares for the path (HEAD with GET), as an Allow header lists them."""
    template = template_of(document, path)
    if template is None:
        return []
    methods = [m.upper() for m in HTTP_METHODS if m in document["paths"][template]]
    if "GET" in methods and "HEAD" not in methods:
        methods.append("HEAD")
    return methods


def _first_line(detail: str) -> str:
    """Connexion appends jsonschema's multi-line 'Failed validating ...' dump; keep the sentence."""
    return detail.strip().split("\n", 1)[0].strip()
