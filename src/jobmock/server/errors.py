"""Error bodies in each vendor's own envelope, and the one Connexion error handler.

Every error the server answers (bad auth, unknown job, request validation, wrong
method, undecodable body, a bug of ours) goes through `error_response`, so each API
speaks with its documented envelope and no input ends in a bare 500 page.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from connexion.exceptions import BadRequestProblem, ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from ..exceptions import AuthError, JobmockError
from ..spec.envelopes import error_bytes, phrase
from ..spec.model import ApiModel
from ..spec.openapi import HTTP_METHODS
from ..spec.wire import CONTROL_PREFIX

log = logging.getLogger("jobmock")


def validation_status(api: ApiModel) -> int:
    return api.errors.validation


def json_response(
    status: int, body: Any, headers: dict[str, str] | None = None, media: str = "application/json"
) -> ConnexionResponse:
    return bytes_response(status, json.dumps(body, ensure_ascii=False).encode(), headers, media)


def bytes_response(
    status: int, body: bytes, headers: dict[str, str] | None = None, media: str = "application/json"
) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status, mimetype=media, content_type=media, body=body, headers=dict(headers or {})
    )


def vendor_error_bytes(api: ApiModel, status: int, message: str | None = None) -> bytes:
    """An error in the vendor's envelope; a validation error also lists what was wrong."""
    details = None
    if status == validation_status(api) and message:
        details = [{"loc": ["request"], "msg": message, "type": "value_error"}]
    return error_bytes(api, status, message, details)


def error_response(
    api: ApiModel, status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> ConnexionResponse:
    return bytes_response(status, vendor_error_bytes(api, status, message), headers, "application/json")


def unauthorized(api: ApiModel, exc: AuthError) -> tuple[bytes, dict[str, str]]:
    """A 401's body and its RFC 6750 challenge. The message is the vendor's where its spec
    words one (x-jobmock.errors.auth), else jobmock's diagnosis; the diagnosis is always in
    the challenge's error_description, so a client learns what was wrong either way."""
    message = api.errors.auth.get(exc.kind) or str(exc)
    challenge = f'Bearer realm="{api.name}"'
    if exc.kind != "missing":  # RFC 6750 3.1: no error code when no credential was sent
        error = "invalid_request" if exc.kind == "scheme" else "invalid_token"
        description = str(exc).replace("\\", "").replace('"', "'")
        challenge += f', error="{error}", error_description="{description}"'
    return error_bytes(api, 401, message), {"WWW-Authenticate": challenge}


def problem_bytes(status: int, detail: str) -> bytes:
    """A control-API error: RFC 7807 problem JSON, as Connexion words its own."""
    body = {"type": "about:blank", "title": phrase(status), "status": status, "detail": detail}
    return json.dumps(body, ensure_ascii=False).encode()


def problem_response(status: int, detail: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return bytes_response(status, problem_bytes(status, detail), headers, "application/problem+json")


def refused(exc: JobmockError) -> ConnexionResponse:
    """A control-API answer for a refused request: the status its exception type carries."""
    return problem_response(exc.status, str(exc))


def api_for(apis: Iterable[ApiModel], path: str) -> ApiModel | None:
    """The API a path belongs to (`apis` longest base path first)."""
    for api in apis:
        base = api.base_path
        if path == base or path.startswith(base + "/") or base == "":
            return api
    return None


class ErrorHandler:
    """Connexion error handler: finds the API a request was for and answers in its envelope."""

    def __init__(self, apis: Iterable[ApiModel], control: Mapping[str, Any] | None = None):
        self.apis = sorted(apis, key=lambda a: len(a.base_path), reverse=True)
        self.control = control or {}  # the control API's document, for its Allow headers

    def api_for(self, path: str) -> ApiModel | None:
        return api_for(self.apis, path)

    def __call__(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        status, message, headers = self._classify(exc)
        path = request.url.path
        api = self.api_for(path)
        if status == 405:
            headers["Allow"] = ", ".join(self._allowed(path)) or headers.get("Allow", "")
        if status >= 500:
            log.error("error while answering %s %s", request.method, path, exc_info=exc)
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            if status == 405:
                headers["Allow"] = ", ".join(_methods(self.control, path[len(CONTROL_PREFIX) :] or "/"))
            return problem_response(status, message, headers)
        if api is None:
            return problem_response(status, message, headers)
        if isinstance(exc, AuthError):
            body, challenge = unauthorized(api, exc)
            return bytes_response(401, body, {**headers, **challenge})
        if status == 400:
            status = validation_status(api)
        return error_response(api, status, message, headers)

    def _classify(self, exc: Exception) -> tuple[int, str, dict[str, str]]:
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
        return 500, "Internal error in the mock server", {}

    def _allowed(self, path: str) -> list[str]:
        api = self.api_for(path)
        return _methods(api.document, path[len(api.base_path) :] or "/") if api is not None else []


def _methods(document: Mapping[str, Any], path: str) -> list[str]:
    """The methods the document declares for the path (HEAD with GET), as an Allow header lists them."""
    for template, item in document.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods = [m.upper() for m in HTTP_METHODS if m in item]
            if "GET" in methods and "HEAD" not in methods:
                methods.append("HEAD")
            return methods
    return []


def _first_line(detail: str) -> str:
    """Connexion appends jsonschema's multi-line 'Failed validating ...' dump; keep the sentence."""
    return detail.strip().split("\n", 1)[0].strip()
