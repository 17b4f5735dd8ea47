"""The control API under /_jobmock: create, list, inspect, cancel and delete jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from connexion.operations import AbstractOperation
from connexion.resolver import Resolution, Resolver

from . import polling
from .auth import AuthError, bearer_token, identity
from .clock import Clock
from .errors import json_response, problem_response
from .jobs import Job, JobError, NewJob
from .lifecycle import LifecycleError
from .mock import Mock, NotFound, UnknownScenario
from .request_options import options_of

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
            "listScenarios": self.list_scenarios,
            "getClock": self.get_clock,
            "setClockMode": self.set_clock_mode,
            "advanceClock": self.advance_clock,
            "setClock": self.set_clock,
            "freezeClock": self.freeze_clock,
            "resumeClock": self.resume_clock,
            "getJournal": self.get_journal,
            "clearJournal": self.clear_journal,
            "getPollingReport": self.polling_report,
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
        store = self.mock.space(_namespace()).store
        jobs = [self.record(job) for job in store if api is None or job.api.name == api]
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
        scenario = None
        if body.get("scenario") is not None:
            try:
                scenario = self.mock.catalog.get(api.name, body["scenario"])
            except UnknownScenario as exc:
                return problem_response(400, str(exc))
        new = NewJob(
            scenario=scenario,
            api=api.name,
            job_type=body.get("type"),
            outcome=body.get("outcome"),
            duration=body.get("duration"),
            fields=body.get("fields"),
            id=body.get("id"),
            owner=owner,
        )
        try:
            job = self.mock.create(new, _namespace())
        except JobError as exc:
            status = 409 if "already taken" in str(exc) else 400
            return problem_response(status, str(exc))
        return json_response(201, self.record(job))

    async def get_job(self, id: str) -> Any:  # noqa: A002 - the path parameter's name
        try:
            return json_response(200, self.record(self.mock.find(id, _namespace())))
        except NotFound:
            return problem_response(404, f"no job {id!r}")

    async def delete_job(self, id: str) -> Any:  # noqa: A002
        try:
            self.mock.delete(id, _namespace())
        except NotFound:
            return problem_response(404, f"no job {id!r}")
        return ConnexionResponse(status_code=204)

    async def cancel_job(self, id: str) -> Any:  # noqa: A002
        try:
            job = self.mock.find(id, _namespace())
            self.mock.cancel(job, _namespace())
        except NotFound:
            return problem_response(404, f"no job {id!r}")
        except LifecycleError as exc:
            return problem_response(409, f"cannot cancel {id}: {exc}")
        return json_response(200, self.record(job))

    async def list_scenarios(self, api: str | None = None) -> Any:
        found = []
        for api_name, scenarios in sorted(self.mock.catalog.scenarios.items()):
            if api is not None and api_name != api:
                continue
            for name, scenario in sorted(scenarios.items()):
                statuses = [p.status for p in scenario.phases]
                found.append(
                    {
                        "api": api_name,
                        "name": name,
                        "description": scenario.description,
                        "kind": "timeline" if scenario.timeline else "phases",
                        "statuses": list(dict.fromkeys(statuses)),
                        "faults": len(scenario.faults),
                        "source": scenario.source,
                    }
                )
        return json_response(200, {"scenarios": found})

    def _clock(self) -> Clock:
        return self.mock.space(_namespace()).clock

    def _clock_answer(self) -> ConnexionResponse:
        described = self._clock().describe()
        described["now"] = _iso(float(str(described["now"])))
        return json_response(200, described)

    async def get_clock(self) -> Any:
        return self._clock_answer()

    async def set_clock_mode(self, body: dict[str, Any]) -> Any:
        self._clock().set_mode(body["mode"])
        return self._clock_answer()

    async def advance_clock(self, body: dict[str, Any]) -> Any:
        self._clock().advance(float(body["seconds"]))
        return self._clock_answer()

    async def set_clock(self, body: dict[str, Any]) -> Any:
        try:
            moment = datetime.fromisoformat(str(body["time"]))
        except ValueError:
            return problem_response(400, f"time: {body['time']!r} is not an ISO 8601 date-time")
        self._clock().set((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
        return self._clock_answer()

    async def freeze_clock(self) -> Any:
        self._clock().freeze()
        return self._clock_answer()

    async def resume_clock(self) -> Any:
        self._clock().resume()
        return self._clock_answer()

    async def get_journal(self, job: str | None = None, api: str | None = None, client: str | None = None) -> Any:
        entries = self.mock.space(_namespace()).journal.entries(job=job, api=api, client=client)
        return json_response(200, {"entries": [e.record() for e in entries]})

    async def clear_journal(self) -> Any:
        self.mock.space(_namespace()).journal.clear()
        return ConnexionResponse(status_code=204)

    async def polling_report(self, min_interval: float = 0.5) -> Any:
        reports = self.mock.polling_report(_namespace(), min_interval)
        return json_response(200, {"clients": [r.record() for r in reports], "text": polling.render(reports)})

    def record(self, job: Job) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/") if _in_request() else ""
        namespace = _namespace() if _in_request() else ""
        return {
            "id": job.id,
            "api": job.api.name,
            "type": job.job_type,
            "status": self.mock.status(job, namespace),
            "outcome": job.outcome,
            "owner": "any key" if job.owner is None else "one key",
            "created_at": _iso(job.created),
            "poll_url": base + job.api.base_path + job.api.poll_path(job.id),
            "scenario": job.scenario.name if job.scenario else None,
            "namespace": namespace,
            "body": self.mock.body(job, namespace),
        }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _namespace() -> str:
    return options_of(request.headers, {}).namespace


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
