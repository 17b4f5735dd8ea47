"""`--validate-responses` on the poll fast path: each answer checked against the poll
operation's response schema for its status, as Connexion checks the other routes.

A rendered body changes only when the job's visible state does, so a body already found
valid is not checked again (a bounded set of digests); polling stays fast while checked.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from ..sim.answer import Answer
from ..spec.envelopes import error_bytes
from ..spec.model import ApiModel

CHECKED = 10_000  # digests of valid bodies kept


class ResponseCheck:
    def __init__(self, apis: Iterable[ApiModel]):
        self._validators: dict[tuple[str, int], OAS30Validator | None] = {}
        self._apis = {api.name: api for api in apis}
        self._valid: OrderedDict[tuple[str, int, int, int], None] = OrderedDict()

    def __call__(self, api: ApiModel, answer: Answer) -> Answer:
        """The answer if it conforms, else the 500 Connexion gives a nonconforming body."""
        if answer.drop or not answer.body:
            return answer
        key = (api.name, answer.status, hash(answer.body), len(answer.body))
        if key in self._valid:
            return answer
        validator = self._validator(api, answer.status)
        if validator is not None:
            error = next(iter(validator.iter_errors(json.loads(answer.body))), None)
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path) or "the body"
                detail = f"Response body does not conform to specification: {where}: {error.message}"
                return Answer(500, error_bytes(api, 500, detail))
        self._valid[key] = None
        if len(self._valid) > CHECKED:
            self._valid.popitem(last=False)
        return answer

    def _validator(self, api: ApiModel, status: int) -> OAS30Validator | None:
        if (api.name, status) not in self._validators:
            responses = api.poll.spec.get("responses", {})
            response: Any = (
                responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
            )
            response = _resolve(api.document, response or {})
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            found = None
            if schema is not None:  # components at the root: its "#/components/..." refs resolve
                root = {**schema, "components": api.document.get("components", {})}
                found = OAS30Validator(root, format_checker=oas30_format_checker)
            self._validators[(api.name, status)] = found
        return self._validators[(api.name, status)]


def _resolve(document: Any, node: Any) -> Any:
    """Follow a local $ref (a response may be a reference to components/responses)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        for part in node["$ref"][2:].split("/"):
            node = document[part]
    return node
