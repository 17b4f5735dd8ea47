"""Error bodies in each vendor's own envelope: pure, shared by the web layer and the mock."""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import Any

from .document import Contract


def error_body(api: Contract, status: int, message: str | None = None, details: Any = None) -> Any:
    """Fill the API's error template: '{code}', '{message}', '{details}', '{request_id}', '{status}'."""
    conf = api.errors
    template = conf.bodies.get(str(status), conf.body)
    values = {
        "code": conf.codes.get(str(status)) or _default_code(status),
        "message": message or conf.messages.get(str(status)) or phrase(status),
        "details": details,
        "request_id": "req_" + uuid.uuid4().hex[:24],
        "status": status,
    }

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if isinstance(node, str):
            whole = re.fullmatch(r"\{(\w+)\}", node)
            if whole and whole.group(1) in values:
                return values[whole.group(1)]
            return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), node)
        return node

    return fill(template)


def error_bytes(api: Contract, status: int, message: str | None = None, details: Any = None) -> bytes:
    """The error body as sent, UTF-8: the one serialization every error answer uses."""
    return json.dumps(error_body(api, status, message, details), ensure_ascii=False).encode()


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _default_code(status: int) -> str:
    return re.sub(r"\W+", "_", phrase(status).lower()).strip("_")
