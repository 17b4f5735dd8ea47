"""One exchange held to the document: which operation a request is, and whether the answer
is one the document allows (the request itself is `request_checks.py`'s).

Prism's proxy judges each answer alone; so does this module, and the lifecycle across
answers is `following.py`'s. An answer is judged as a client reading the document would:
its status is declared for the operation (exactly, by its range `4XX`, or by `default`), its
`Content-Type` is one the response declares, its JSON body fits the response's schema in the
document's own dialect (`contract.schema_fit`, the validator the rest of jobmock trusts),
the headers the response declares are there when required and fit their schemas (a value
read as the text it is or the number or boolean it spells: `Judge.text_error`), and it
keeps the rules every answer of a job API keeps (`checker.response_rules`: a 429 carries
Retry-After, a JSON error comes in the vendor's envelope), the very functions
`jobmock check` applies. The per-answer findings take Schemathesis' names where it has the
same check (`status_code_conformance`, ...), as `jobmock check` reports them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from ..checker.response_rules import RULES, Seen
from ..contract import openapi
from ..contract.document import Contract
from ..contract.model import ApiModel
from ..contract.schema_fit import READ, judge
from .findings import Finding


@dataclass(frozen=True)
class Located:
    """The operation a request is, and the job it polls (None when it is not a poll)."""

    operation_id: str
    method: str
    template: str
    spec: Mapping[str, Any]  # the operation, its $refs resolved
    job: tuple[ApiModel, str] | None = None  # the job resource polled, and the job's id


def locate(api: Contract, method: str, path: str, query: bytes) -> Located | None:
    """The document's operation for `method` and `path` (below the API's base path), or None."""
    template = openapi.template_of(api.resolved, path)
    if template is None:
        return None
    item = api.resolved.get("paths", {}).get(template) or {}
    spec = item.get(method.lower()) if isinstance(item, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    operation_id = str(spec.get("operationId") or f"{method.lower()} {template}")
    models = [api, *api.siblings] if isinstance(api, ApiModel) else []
    for model in models:
        poll = model.poll
        if poll.path == template and poll.method == method.lower():
            job_id = _job_id(model, template, path, query)
            if job_id is not None:
                return Located(operation_id, method.lower(), template, spec, (model, job_id))
    return Located(operation_id, method.lower(), template, spec)


def _job_id(model: ApiModel, template: str, path: str, query: bytes) -> str | None:
    if model.id_in == "query":
        values = parse_qs(query.decode("latin-1")).get(model.id_parameter)
        return values[0] if values else None
    pattern = ""
    for part in re.split(r"(\{[^{}/]+\})", template.partition("#")[0]):
        if part == "{" + model.id_parameter + "}":
            pattern += "(?P<job>[^/]+)"
        elif part.startswith("{") and part.endswith("}"):
            pattern += "[^/]+"
        else:
            pattern += re.escape(part)
    found = re.fullmatch(pattern, path)
    return unquote(found["job"]) if found else None


def declared_response(responses: Mapping[str, Any], status: int) -> Mapping[str, Any] | None:
    """The response the document declares for `status`: exactly, by its range, or `default`."""
    keys = {str(k).upper(): v for k, v in responses.items() if isinstance(v, Mapping)}
    for key in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
        if key in keys:
            return dict(keys[key])
    return None


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _declared_media(content: Mapping[str, Any], media: str) -> str | None:
    """The response's media type key `media` is one of (`application/*` and `*/*` too)."""
    kind = media.split("/", 1)[0]
    for key in content:
        declared = media_type(str(key))
        if declared in (media, f"{kind}/*", "*/*"):
            return str(key)
    return None


def answer_checks() -> list[str]:
    """What each answer is judged by (`judge_answer`), by name: the JUnit report's test cases."""
    named = ["status_code_conformance", "response_headers_conformance", "content_type_conformance"]
    return [*named, "response_schema_conformance", *RULES]


def judge_answer(
    api: Contract, located: Located, status: int, headers: Mapping[str, str], body: bytes | None
) -> list[Finding]:
    """What the answer breaks of the document: its status, content type, body (when `body` was
    read: None for one relayed unread) and the per-answer rules. `headers` lower-cased."""
    found: list[Finding] = []
    responses = located.spec.get("responses") or {}
    declared = declared_response(responses, status)
    if declared is None:
        listed = ", ".join(sorted(str(code) for code in responses)) or "none"
        found.append(Finding("status_code_conformance", f"a documented status ({listed})", f"HTTP {status}"))
    else:
        found += _declared_headers(api, declared, headers)
        found += _content(api, declared, status, headers, body)
    model = api if isinstance(api, ApiModel) else None
    text = body.decode("utf-8", "replace") if body is not None else ""
    for rule in RULES.values():
        found += [
            Finding(rule.name, expected, actual) for expected, actual in rule.judge(model, Seen(status, headers, text))
        ]
    return found


def _declared_headers(api: Contract, declared: Mapping[str, Any], headers: Mapping[str, str]) -> list[Finding]:
    """The response's declared headers: each required one present, each value fitting its
    schema (a declared `Content-Type` is ignored, as OpenAPI says)."""
    found: list[Finding] = []
    for name, spec in (declared.get("headers") or {}).items():
        if not isinstance(spec, Mapping) or str(name).lower() == "content-type":
            continue
        value = headers.get(str(name).lower())
        if value is None:
            if spec.get("required") is True:
                found.append(
                    Finding("response_headers_conformance", f"the required {name} header", f"no {name} header")
                )
            continue
        schema = spec.get("schema")
        problem = judge(api.dialect, READ, api.resolved).text_error(schema, value) if schema is not None else None
        if problem is not None:
            expected = f"the {name} header fitting its schema"
            found.append(Finding("response_headers_conformance", expected, f"{name}: {value[:100]} ({problem})"))
    return found


def _content(
    api: Contract, declared: Mapping[str, Any], status: int, headers: Mapping[str, str], body: bytes | None
) -> list[Finding]:
    content = declared.get("content") or {}
    if not content or body == b"" or status == 204:
        return []
    said = headers.get("content-type")
    if said is None:
        return [Finding("content_type_conformance", f"Content-Type {' or '.join(content)}", "no Content-Type")]
    media = media_type(said)
    key = _declared_media(content, media)
    if key is None:
        return [Finding("content_type_conformance", f"Content-Type {' or '.join(content)}", f"Content-Type {said}")]
    schema = (content.get(key) or {}).get("schema")
    if body is None or schema is None or not is_json(media):
        return []
    try:
        value = json.loads(body)
    except ValueError as exc:
        return [Finding("response_schema_conformance", f"a JSON body ({media})", f"not JSON: {exc}")]
    problem = judge(api.dialect, READ, api.resolved).first_error(schema, value)
    if problem is None:
        return []
    return [Finding("response_schema_conformance", f"a body fitting the documented {status} schema", problem)]
