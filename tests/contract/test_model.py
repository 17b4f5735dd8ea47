"""The spec model: typed and frozen once loaded; keys are data, never written into a document."""

from __future__ import annotations

import dataclasses
import json

import pytest

from jobmock import ApiModel, Reporter, reporter_kind
from jobmock.contract import load_named
from jobmock.contract.envelopes import error_bytes
from jobmock.contract.model import extension_schema
from jobmock.contract.progress import REPORTERS
from support import TOKENS, serve


def test_a_loaded_api_is_frozen() -> None:
    api = load_named("neuraldraft")
    with pytest.raises(dataclasses.FrozenInstanceError):
        api.mount = "/elsewhere"  # type: ignore[misc]  # the point: a frozen model refuses it
    mounted = api.with_mount("/nd")
    assert (api.base_path, mounted.base_path) == ("/v1", "/nd/v1")


def test_the_extension_reads_into_typed_values() -> None:
    api: ApiModel = load_named("longform")
    assert api.id_in == "query" and api.errors.body and api.precision in ("seconds", "milliseconds", "microseconds")
    assert api.cancel is not None and api.cancel.parameter == "jobId" and api.cancel.finished_status == 409
    assert {r.kind for r in load_named("stories").reporters} <= set(REPORTERS)


def test_keys_are_data_and_the_served_document_keeps_no_secret() -> None:
    secret = "ndsk_live_only0ne"
    keyed = load_named("neuraldraft").with_keys([secret])
    assert keyed.security.keys == {secret} and secret not in repr(keyed.document)
    for served in serve(keys=[f"neuraldraft={secret}"]):
        document = served.http.get("/neuraldraft/v1/openapi.json")
        assert document.status_code == 200 and secret not in document.text
        assert (
            served.http.get("/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW", headers=served.auth("neuraldraft")).status_code
            == 401
        )
        assert (
            served.http.get(
                "/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW", headers=served.auth("neuraldraft", secret)
            ).status_code
            == 200
        )
        assert (
            served.http.get("/stories/v1/jobs/anything", headers=served.auth("stories", TOKENS["stories"])).status_code
            == 404
        )


def test_reporter_kinds_are_one_registry_that_the_extension_schema_follows() -> None:
    kinds = [
        entry["properties"]["kind"]["const"] for entry in extension_schema()["properties"]["progress"]["items"]["oneOf"]
    ]
    assert kinds == list(REPORTERS) == ["percent", "steps", "stage", "count"]
    with pytest.raises(ValueError, match="already registered"):
        reporter_kind("percent")(REPORTERS["percent"])
    assert issubclass(REPORTERS["count"], Reporter)


def test_poll_paths_encode_the_id() -> None:
    """An id is data: it never adds a path segment or a query parameter of its own."""
    stories = load_named("stories")
    assert stories.poll_path("a/b?c=1") == "/v1/jobs/a%2Fb%3Fc%3D1"
    longform = load_named("longform")
    assert longform.poll_path("x&admin=1").endswith("?jobId=x%26admin%3D1")


def test_nextdocs_error_codes_are_upper_case_for_every_status_it_can_answer() -> None:
    """Faults and caps answer 413, 429, 431, 500, 502 and 503 too: in the document's own style."""
    nextdocs = load_named("nextdocs")
    for status in (400, 401, 404, 405, 413, 415, 429, 431, 500, 502, 503):
        code = json.loads(error_bytes(nextdocs, status))["error"]["code"]
        assert code == code.upper(), (status, code)
