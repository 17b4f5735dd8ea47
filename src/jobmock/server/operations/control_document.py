"""The control API's document: control.yaml, completed for the served APIs, and checks of
request bodies against it worded as Connexion words them (the fast paths use them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import yaml
from connexion.json_schema import Draft4RequestValidator, format_error_with_path
from jsonschema import Draft4Validator, ValidationError

from ...contract.openapi import HTTP_METHODS
from ...exceptions import RequestError
from ...sim.clock import CLOCK_MODES

PROXY_TAG = "Proxy"  # control.yaml's operations that only `jobmock proxy` serves (its violations)


def control_document(apis: Sequence[str] = (), proxy: bool = False) -> dict[str, Any]:
    """control.yaml, with the clock modes it accepts and answers taken from the registry, the
    served APIs (`apis`) as the values an `api` may take, and every error documented. The
    operations tagged `Proxy` are kept for the jobmock inside `jobmock proxy` (`proxy`) only:
    `serve` has no upstream, and does not document what it does not answer."""
    text = resources.files("jobmock.contract").joinpath("control.yaml").read_text()
    document: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not proxy:
        paths = document["paths"]
        for path, item in list(paths.items()):
            if all(PROXY_TAG in op.get("tags", ()) for m, op in item.items() if m in HTTP_METHODS):
                del paths[path]
        document["tags"] = [tag for tag in document["tags"] if tag["name"] != PROXY_TAG]
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


def body_validator(document: dict[str, Any], schema_name: str) -> Callable[[Any], None]:
    """Checks a request body against one of the document's schemas with Connexion's own
    validator and wording, so the fast paths refuse a bad body exactly as Connexion does;
    RequestError (400) with the first problem."""
    validator = Draft4RequestValidator(
        {**document["components"]["schemas"][schema_name], "components": document["components"]},
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )

    def check(body: Any) -> None:
        if body is None:
            raise RequestError("RequestBody is required")
        try:
            validator.validate(body)
        except ValidationError as exc:
            raise RequestError(f"{exc.message}{format_error_with_path(exception=exc)}") from None

    return check
