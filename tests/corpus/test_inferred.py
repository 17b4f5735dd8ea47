"""Job resources inferred from each corpus document as its vendor wrote it (issue 21): every
job resource `corpus.toml` lists, found by reading the document, was found by `contract.infer`
too, with the same status field, the same values, and the same create and cancel operations.
(`corpus.toml`'s `[[document.job]]` tables were written by reading the documents, before
inference existed.)"""

from __future__ import annotations

from conftest import CorpusDocument
from jobmock.contract.infer import find_jobs
from jobmock.contract.model import load_apis


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
        assert job.unclassified == [v for v in listed["statuses"] if v == "requires_action"]
        assert shown(job.create) == operation(listed["create"]) or listed["create"].startswith("POST /projects")
        expected = operation(listed["cancel"])
        if not expected and job.cancel is not None:  # no cancel in the document: a DELETE of the job stands for it
            expected = f"DELETE {job.poll.path}"
        assert shown(job.cancel) == expected
