"""`--validate-responses` on the poll fast path: each answer held to the poll operation's
response for its status with Connexion's own validator and words, as Connexion holds the
answers it sends itself; a body that breaks it is the 500 Connexion answers.

A rendered body changes only when the job's visible state does, so a body found valid is
not checked again (a bounded set of digests): polling stays fast while checked.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from connexion.json_schema import Draft4ResponseValidator, format_error_with_path
from jsonschema import Draft4Validator, ValidationError

from ...contract import openapi
from ...contract.model import ApiModel
from ..operations.replies import Reply, vendor_error

CHECKED = 10_000  # digests of valid bodies kept


class ResponseCheck:
    def __init__(self) -> None:
        self._validators: dict[tuple[str, int], Any] = {}
        self._valid: OrderedDict[tuple[str, int, int, int], None] = OrderedDict()

    def __call__(self, api: ApiModel, reply: Reply) -> Reply:
        if not reply.body or reply.media != "application/json":
            return reply
        key = (api.name, reply.status, hash(reply.body), len(reply.body))
        if key in self._valid:
            return reply
        validator = self._validator(api, reply.status)
        if validator is not None:
            try:
                validator.validate(json.loads(reply.body))
            except ValidationError as exc:
                detail = f"Response body does not conform to specification. {exc.message}{format_error_with_path(exc)}"
                return vendor_error(api, 500, detail)
        self._valid[key] = None
        if len(self._valid) > CHECKED:
            self._valid.popitem(last=False)
        return reply

    def _validator(self, api: ApiModel, status: int) -> Any:
        if (api.name, status) not in self._validators:
            operation = api.resolved["paths"][api.poll.path][api.poll.method]
            responses = operation.get("responses", {})
            response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
            schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
            found = (
                None
                if schema is None
                else Draft4ResponseValidator(
                    openapi.resolvable(schema, api.resolved), format_checker=Draft4Validator.FORMAT_CHECKER
                )
            )
            self._validators[(api.name, status)] = found
        return self._validators[(api.name, status)]
