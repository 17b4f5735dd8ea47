"""The control API under /_jobmock: create, list, inspect, cancel and delete jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from connexion.operations import AbstractOperation
from connexion.resolver import Resolution, Resolver

from .auth import AuthError, bearer_token, identity
from .errors import json_response, problem_response
from .jobs import Job, JobError, NewJob
from .lifecycle import LifecycleError
from .mock import Mock, NotFound

PREFIX = "/_jobmock"


class ControlResolver(Resolver):  # type: ignore[misc]
    def __init__(self, mock: Mock):
        super().__init__()
        self.mock = mock

    def resolve(self, operation: AbstractOperation) -> Resolution:
        handlers = {
            "listApis": self.list_apis,
            "listJobs": self.list_jobs,
            "createJob": self.create_job,
            "getJobRecord": self.get_job,
            "deleteJob": self.delete_job,
            "cancelJobRecord": self.cancel_job,
        }
        return Resolution(handlers[operation.operation_id], operation.operation_id)

    async def list_apis(self) -> Any:
        apis = []
        for api in self.mock.apis.values():
            lc = api.lifecycle
            apis.append(
                {
                    "name": api.name,
                    "title": api.title,
                    "base_path": api.base_path or "/",
                    "states": list(lc.states),
                    "initial": lc.initial,
                    "terminal": list(lc.terminal),
                    "types": sorted(api.types),
                }
            )
        return json_response(200, {"apis": apis})

    async def list_jobs(self, api: str | None = None) -> Any:
        if api is not None and api not in self.mock.apis:
            return problem_response(404, f"unknown api {api!r}; served: {', '.join(sorted(self.mock.apis))}")
        jobs = [self.record(job) for job in self.mock.store if api is None or job.api.name == api]
        return json_response(200, {"jobs": jobs})

    async def create_job(self, body: dict[str, Any]) -> Any:
        api = self.mock.apis.get(body["api"])
        if api is None:
            return problem_response(400, f"unknown api {body['api']!r}; served: {', '.join(sorted(self.mock.apis))}")
        owner = None
        token = body.get("token")
        if token is None and api.token.scheme and request.headers.get("authorization"):
            token = _bearer_or_none(request.headers.get("authorization"))
        if token is not None and api.token.scheme:
            try:
                owner = identity(api.token, token)
            except AuthError as exc:
                return problem_response(400, f"token: {exc}")
        new = NewJob(
            api=api.name,
            job_type=body.get("type"),
            outcome=body.get("outcome"),
            duration=body.get("duration"),
            fields=body.get("fields"),
            id=body.get("id"),
            owner=owner,
        )
        try:
            job = self.mock.create(new)
        except JobError as exc:
            status = 409 if "already taken" in str(exc) else 400
            return problem_response(status, str(exc))
        return json_response(201, self.record(job))

    async def get_job(self, id: str) -> Any:  # noqa: A002 - the path parameter's name
        try:
            return json_response(200, self.record(self.mock.job(id)))
        except NotFound:
            return problem_response(404, f"no job {id!r}")

    async def delete_job(self, id: str) -> Any:  # noqa: A002
        try:
            self.mock.delete(id)
        except NotFound:
            return problem_response(404, f"no job {id!r}")
        return ConnexionResponse(status_code=204)

    async def cancel_job(self, id: str) -> Any:  # noqa: A002
        try:
            job = self.mock.job(id)
            self.mock.cancel(job)
        except NotFound:
            return problem_response(404, f"no job {id!r}")
        except LifecycleError as exc:
            return problem_response(409, f"cannot cancel {id}: {exc}")
        return json_response(200, self.record(job))

    def record(self, job: Job) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/") if _in_request() else ""
        return {
            "id": job.id,
            "api": job.api.name,
            "type": job.job_type,
            "status": self.mock.status(job),
            "outcome": job.outcome,
            "owner": "any key" if job.owner is None else "one key",
            "created_at": datetime.fromtimestamp(job.created, UTC).isoformat().replace("+00:00", "Z"),
            "poll_url": base + job.api.base_path + job.api.poll_path(job.id),
            "body": self.mock.body(job),
        }


def _bearer_or_none(header: str | None) -> str | None:
    try:
        return bearer_token(header)
    except AuthError:
        return None


def _in_request() -> bool:
    try:
        request.base_url  # noqa: B018 - raises outside a request
    except RuntimeError:
        return False
    return True
