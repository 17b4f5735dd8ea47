"""`JobmockClient`: drive a running jobmock from Python through its control API.

One namespace per client, so parallel tests each get their own jobs, clock and
journal. The pytest plugin hands one to each test; scripts can use it directly.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import httpx

from ..contract.wire import CONTROL_PREFIX, CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER, NAMESPACE_HEADER
from ..exceptions import ControlError


class JobmockClient:
    """`token`: the server's control token (`jobmock serve --control-token`); by default
    the JOBMOCK_CONTROL_TOKEN environment variable, if set."""

    def __init__(self, url: str, namespace: str = "", timeout: float = 10.0, token: str | None = None):
        self.url = url.rstrip("/")
        self.namespace = namespace
        self.headers = {NAMESPACE_HEADER: namespace} if namespace else {}
        token = token or os.environ.get(CONTROL_TOKEN_ENV)
        control = {**self.headers, CONTROL_TOKEN_HEADER: token} if token else self.headers
        self.http = httpx.Client(base_url=self.url + CONTROL_PREFIX, headers=control, timeout=timeout)
        self.bases: dict[str, str] = {a["name"]: str(a["base_path"]) for a in self._call("GET", "/apis")["apis"]}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> JobmockClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ControlError(
                f"{method} {CONTROL_PREFIX}{path}: {response.status_code} {detail}", response.status_code
            )
        return response.json() if response.content else None

    def base_url(self, api: str) -> str:
        """Where a client under test should send its requests for this API."""
        return self.url + self.bases[api].rstrip("/")

    # jobs
    def create(self, api: str, scenario: str | None = None, **options: Any) -> dict[str, Any]:
        """A job (`type`, `outcome`, `duration`, `fields`, `id`, `token` as the control API takes them)."""
        body = {"api": api, **options}
        if scenario is not None:
            body["scenario"] = scenario
        created: dict[str, Any] = self._call("POST", "/jobs", json=body)
        return created

    def jobs(
        self, api: str | None = None, status: str | None = None, scenario: str | None = None
    ) -> list[dict[str, Any]]:
        """Every job of the namespace (of one API, in one state, following one scenario), page by page."""
        params = {k: v for k, v in (("api", api), ("status", status), ("scenario", scenario)) if v is not None}
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self._call("GET", "/jobs", params={**params, **({"cursor": cursor} if cursor else {})})
            found += page["jobs"]
            cursor = page["next"]
            if cursor is None:
                return found

    def status(self) -> dict[str, Any]:
        """The bounds, with their counts and evictions."""
        return dict(self._call("GET", "/status"))

    def job(self, job_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._call("GET", f"/jobs/{job_id}")
        return found

    def delete(self, job_id: str) -> None:
        """Delete a job: its id answers the vendor's 404 from then on."""
        self._call("DELETE", f"/jobs/{job_id}")

    def cancel(self, job_id: str) -> dict[str, Any]:
        cancelled: dict[str, Any] = self._call("POST", f"/jobs/{job_id}/cancel")
        return cancelled

    def approve(self, job_id: str) -> dict[str, Any]:
        """Approve what a job awaiting approval proposes (superdocs' `awaiting_approval`)."""
        approved: dict[str, Any] = self._call("POST", f"/jobs/{job_id}/approve")
        return approved

    def reject(self, job_id: str) -> dict[str, Any]:
        """Reject what a job awaiting approval proposes."""
        rejected: dict[str, Any] = self._call("POST", f"/jobs/{job_id}/reject")
        return rejected

    def scenarios(self, api: str | None = None) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self._call("GET", "/scenarios", params={"api": api} if api else {})["scenarios"]
        return listed

    def drop_namespace(self) -> None:
        """Forget this client's namespace (its jobs, clock and journal) on the server; its
        next use starts afresh. The default namespace cannot be dropped (ControlError)."""
        self._call("DELETE", "/namespace")

    # clock
    def clock(self, mode: str | None = None) -> dict[str, Any]:
        """The clock; with `mode` (real, manual, polls), switch first."""
        if mode is not None:
            return dict(self._call("PUT", "/clock", json={"mode": mode}))
        return dict(self._call("GET", "/clock"))

    def advance(self, seconds: float) -> dict[str, Any]:
        return dict(self._call("POST", "/clock/advance", json={"seconds": seconds}))

    def set_time(self, when: str | datetime) -> dict[str, Any]:
        text = when.isoformat() if isinstance(when, datetime) else when
        return dict(self._call("POST", "/clock/set", json={"time": text}))

    def freeze(self) -> dict[str, Any]:
        return dict(self._call("POST", "/clock/freeze"))

    def resume(self) -> dict[str, Any]:
        return dict(self._call("POST", "/clock/resume"))

    # journal
    def journal(self, job: str | None = None, api: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("job", job), ("api", api)) if v is not None}
        entries: list[dict[str, Any]] = self._call("GET", "/journal", params=params)["entries"]
        return entries

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")

    def polling_report(self, min_interval: float = 0.5) -> dict[str, Any]:
        return dict(self._call("GET", "/journal/report", params={"min_interval": min_interval}))
