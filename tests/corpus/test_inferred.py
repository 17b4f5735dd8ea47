"""Job resources inferred from each corpus document as its vendor wrote it (issue 21): every
job resource `corpus.toml` lists, found by reading the document, was found by `contract.infer`
too, with the same status field, the same values, and the same create and cancel operations.
(`corpus.toml`'s `[[document.job]]` tables were written by reading the documents, before
inference existed.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CorpusDocument
from jobmock.contract.files import StartupFiles, read
from jobmock.contract.infer import extension, find_jobs
from jobmock.contract.model import ApiModel, load_apis
from jobmock.contract.openapi import merged_object
from jobmock.exceptions import SpecErrors


def operation(text: str) -> str:
    """`POST /v1/dubbing (multipart/form-data)` -> `POST /v1/dubbing`; '' for none."""
    return " ".join(text.split()[:2]) if text else ""


def shown(op: object) -> str:
    return f"{op.method.upper()} {op.path}" if op is not None else ""  # type: ignore[attr-defined]


def test_every_listed_job_resource_is_inferred(corpus_document: CorpusDocument) -> None:
    [api] = load_apis([str(corpus_document.path)])
    inferred = {f"GET {job.poll.path}": job for job in find_jobs(api.resolved)}
    for listed in corpus_document.entry.get("job", []):
        if "referenced by no field" in listed["statuses_from"]:
            assert listed["poll"] not in inferred  # the document ties no field to its values: nothing to read
            continue
        job = inferred.get(listed["poll"])
        assert job is not None, f"{listed['poll']} not inferred (found: {sorted(inferred)})"
        assert job.status == listed["status_field"]
        values = [c.value for c in job.values]
        assert values == listed["statuses"] or (job.source == "description" and set(values) == set(listed["statuses"]))
        # what no rule takes, each seen in the corpus: an action asked of the client, a pause
        assert job.unclassified == [v for v in listed["statuses"] if v in ("requires_action", "Suspended")]
        assert shown(job.create) == operation(listed["create"]) or listed["create"].startswith("POST /projects")
        expected = operation(listed["cancel"])
        if not expected and job.cancel is not None:  # no cancel in the document: a DELETE of the job stands for it
            expected = f"DELETE {job.poll.path}"
        assert shown(job.cancel) == expected


def test_each_inferred_lifecycle_is_an_extension_jobmock_accepts(
    corpus_document: CorpusDocument, tmp_path: Path
) -> None:
    """What `jobmock infer` prints, put in the document as its x-jobmock, is read as a job API
    (every field it names is in the poll's answer, every state is reached), except where the
    answer is a union of job kinds, which the extension cannot name fields of yet."""
    [api] = load_apis([str(corpus_document.path)])
    written = read(corpus_document.path, StartupFiles(max_bytes=64 << 20), bounded=lambda where: False).data
    for job in find_jobs(api.resolved):
        union = "properties" not in merged_object(job.poll.success_schema() or {})
        copy = tmp_path / f"{job.name.replace('/', '-')}.json"
        copy.write_text(json.dumps({**written, "x-jobmock": extension(job)[0]}))
        if union:
            with pytest.raises(SpecErrors, match="the poll response schema has no field"):
                load_apis([str(copy)])
        else:
            [model] = load_apis([str(copy)])
            assert isinstance(model, ApiModel), job.poll.path
