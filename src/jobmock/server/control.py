"""The control API under /_jobmock (described by `jobmock/spec/control.yaml`): jobs,
scenarios, clocks and the journal of a namespace, each handler one call on `Mock`.
Refusals answer the status their exception type carries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml
from connexion import request
from connexion.lifecycle import ConnexionResponse
from connexion.operations import AbstractOperation
from connexion.resolver import Resolution, Resolver

from ..exceptions import AuthError, JobError, JobmockError
from ..sim import polling
from ..sim.clock import CLOCK_MODES, Clock
from ..sim.jobs import Job, NewJob
from ..sim.mock import Mock
from ..spec.auth import bearer_token, identity
from ..spec.openapi import HTTP_METHODS
from ..state import State
from .connections import GuardedProtocol
from .errors import bytes_response, json_response, problem_response, refused
from .events import EventStreams
from .journaling import JournalReader
from .options import options_of
from .records import iso, job_record, job_record_json


def control_document(apis: Sequence[str] = ()) -> dict[str, Any]:
    """control.yaml, with the clock modes it accepts and answers taken from the registry, the
    served APIs (`apis`) as the values an `api` may take, and every error documented."""
    text = resources.files("jobmock.spec").joinpath("control.yaml").read_text()
    document: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    modes = list(CLOCK_MODES)
    put = document["paths"]["/clock"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    answer = document["components"]["responses"]["Clock"]["content"]["application/json"]["schema"]
    for schema in (put, answer):
        schema["properties"]["mode"]["enum"] = modes
    operations = [op for item in document["paths"].values() for m, op in item.items() if m in HTTP_METHODS]
    if apis:
        document["components"]["schemas"]["NewJob"]["properties"]["api"]["enum"] = sorted(apis)
        for operation in operations:
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "api":
                    parameter["schema"]["enum"] = sorted(apis)
    for operation in operations:  # refused by the screening, the guard or the handler
        operation["responses"].setdefault("default", {"$ref": "#/components/responses/Problem"})
    return document


class ControlResolver(Resolver):  # type: ignore[misc]
    def __init__(self, state: State):
        super().__init__()
        self.state = state
        self.mock = state.mock
        self.reader = JournalReader(state)

    def resolve(self, operation: AbstractOperation) -> Resolution:
        handlers: dict[str, Callable[..., Awaitable[Any]]] = {
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
            "getStatus": self.status,
            "streamJob": self.streamed_elsewhere,
            "streamNamespace": self.streamed_elsewhere,
        }
        handler = handlers[operation.operation_id]

        async def answer(**kwargs: Any) -> Any:
            try:
                await self.state.fresh(_namespace())  # what other workers did is seen; the namespace is made
                return await handler(**kwargs)
            except JobmockError as exc:
                return refused(exc)

        return Resolution(answer, operation.operation_id)

    async def streamed_elsewhere(self, **_: Any) -> Any:
        """Event streams are answered by `events.EventStreams` before Connexion: never here."""
        return problem_response(500, "event streams are served by jobmock's stream layer")

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

    async def list_jobs(
        self,
        api: str | None = None,
        status: str | None = None,
        scenario: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Any:
        if api is not None and api not in self.mock.apis:
            return problem_response(404, f"unknown api {api!r}; served: {', '.join(sorted(self.mock.apis))}")
        namespace = _namespace()
        page: list[dict[str, Any]] = []
        last = 0
        for job in self.mock.jobs(namespace, api, after=int(cursor or 0)):
            await asyncio.sleep(0)  # a job may need building (~1 ms): polls are answered between jobs
            if scenario is not None and (job.scenario is None or job.scenario.name != scenario):
                continue
            if status is not None and self.mock.status(job, namespace) != status:
                continue
            if len(page) == limit:
                return json_response(200, {"jobs": page, "next": str(last)})
            page.append(self.record(job))
            last = job.seq
        return json_response(200, {"jobs": page, "next": None})

    async def status(self) -> Any:
        usage = await self.state.usage()
        usage["connections"] = {"open": GuardedProtocol.open}
        usage["streams"] = {"open": EventStreams.open, "max": self.mock.limits.streams}
        return json_response(200, usage)

    async def create_job(self, body: dict[str, Any]) -> Any:
        new = new_job(self.mock, body, request.headers.get("authorization"))
        job = await self.state.create(new, _namespace())
        return bytes_response(201, job_record_json(self.mock, job, _namespace(), str(request.base_url)))

    async def get_job(self, id: str) -> Any:  # noqa: A002 - the path parameter's name
        return json_response(200, self.record(self.mock.find(id, _namespace())))

    async def delete_job(self, id: str) -> Any:  # noqa: A002
        await self.state.delete(id, _namespace())
        return ConnexionResponse(status_code=204)

    async def cancel_job(self, id: str) -> Any:  # noqa: A002
        job = self.mock.find(id, _namespace())
        await self.state.cancel(job, _namespace())
        return json_response(200, self.record(job))

    async def list_scenarios(self, api: str | None = None) -> Any:
        found = [
            {
                "api": scenario.api,
                "name": scenario.name,
                "description": scenario.description,
                "kind": "timeline" if scenario.timeline else "phases",
                "statuses": list(dict.fromkeys(p.status for p in scenario.phases)),
                "faults": len(scenario.faults),
                "breaks_contract": scenario.breaks_contract,
                "source": scenario.source,
            }
            for scenario in self.mock.scenarios(api)
        ]
        return json_response(200, {"scenarios": found})

    def _clock_answer(self) -> ConnexionResponse:
        described = self.mock.clock(_namespace())
        described["now"] = iso(float(str(described["now"])))
        return json_response(200, described)

    async def get_clock(self) -> Any:
        return self._clock_answer()

    async def set_clock_mode(self, body: dict[str, Any]) -> Any:
        mode = body["mode"]
        await self.state.move_clock(lambda clock: clock.set_mode(mode), _namespace())
        return self._clock_answer()

    async def advance_clock(self, body: dict[str, Any]) -> Any:
        seconds = float(body["seconds"])
        await self.state.move_clock(lambda clock: clock.advance(seconds), _namespace())
        return self._clock_answer()

    async def set_clock(self, body: dict[str, Any]) -> Any:
        try:
            moment = datetime.fromisoformat(str(body["time"]))
        except ValueError:
            return problem_response(400, f"time: {body['time']!r} is not an ISO 8601 date-time")
        epoch = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        await self.state.move_clock(lambda clock: clock.set(epoch), _namespace())
        return self._clock_answer()

    async def freeze_clock(self) -> Any:
        await self.state.move_clock(Clock.freeze, _namespace())
        return self._clock_answer()

    async def resume_clock(self) -> Any:
        await self.state.move_clock(Clock.resume, _namespace())
        return self._clock_answer()

    async def get_journal(self, job: str | None = None, api: str | None = None, client: str | None = None) -> Any:
        entries = await self.reader.entries(_namespace(), job=job, api=api, client=client)
        body = await asyncio.to_thread(lambda: json.dumps({"entries": [e.record() for e in entries]}).encode())
        return bytes_response(200, body)

    async def clear_journal(self) -> Any:
        await self.state.clear_journal(_namespace())
        return ConnexionResponse(status_code=204)

    async def polling_report(self, min_interval: float = 0.5) -> Any:
        reports = await self.reader.polling_report(_namespace(), min_interval)
        return json_response(200, {"clients": [r.record() for r in reports], "text": polling.render(reports)})

    def record(self, job: Job) -> dict[str, Any]:
        return job_record(self.mock, job, _namespace(), str(request.base_url))


def new_job(mock: Mock, body: Mapping[str, Any], authorization: str | None) -> NewJob:
    """A create request's body (valid against control.yaml's NewJob) as a `NewJob`; JobError
    (400) for an unknown API or a bad token, UnknownScenario for an unknown scenario."""
    api = mock.apis.get(body["api"])
    if api is None:
        raise JobError(f"unknown api {body['api']!r}; served: {', '.join(sorted(mock.apis))}")
    owner = None
    token = body.get("token")
    if token is None and api.token.scheme and authorization:
        token = _bearer_or_none(authorization)
    if token is not None and api.token.scheme:
        try:
            owner = identity(api.token, token)
        except AuthError as exc:
            raise JobError(f"token: {exc}") from exc
    return NewJob(
        scenario=mock.scenario(api.name, body["scenario"]) if body.get("scenario") is not None else None,
        api=api.name,
        job_type=body.get("type"),
        outcome=body.get("outcome"),
        duration=body.get("duration"),
        fields=body.get("fields"),
        id=body.get("id"),
        owner=owner,
    )


def _namespace() -> str:
    return options_of(request.headers, {}).namespace


def _bearer_or_none(header: str | None) -> str | None:
    try:
        return bearer_token(header)
    except AuthError:
        return None
