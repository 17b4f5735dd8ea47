"""Does a value fit a schema, in its document's own dialect? The real validator's answer
(openapi-schema-validator: OpenAPI 3.0's schema rules, or 3.1/3.2's JSON Schema 2020-12),
formats included, so that what jobmock serves is judged as a client's validator would.

A validator is made once per schema (schemas come from a loaded document, which lives as long
as the server) and per direction: a response is read (3.0's `writeOnly` may not appear), a
request written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    OAS31Validator,
    OAS32Validator,
    oas30_format_checker,
    oas31_format_checker,
    oas32_format_checker,
)

from ..contract.openapi import resolvable

_VALIDATORS: dict[tuple[int, int, str, bool], Any] = {}
_MAX_CACHED = 50_000  # schemas judged (a document's own, bounded by it); past this, the cache starts again


def validator_for(schema: Mapping[str, Any], document: Mapping[str, Any], dialect: str, write: bool = False) -> Any:
    key = (id(schema), id(document), dialect, write)
    found = _VALIDATORS.get(key)
    if found is None:
        if len(_VALIDATORS) >= _MAX_CACHED:
            _VALIDATORS.clear()
        whole = resolvable(schema, document)
        if dialect == "3.0":
            kind = OAS30WriteValidator if write else OAS30ReadValidator
            found = kind(whole, format_checker=oas30_format_checker)
        elif dialect == "3.1":
            found = OAS31Validator(whole, format_checker=oas31_format_checker)
        else:
            found = OAS32Validator(whole, format_checker=oas32_format_checker)
        _VALIDATORS[key] = found
    return found


def fits(value: Any, schema: Mapping[str, Any], document: Mapping[str, Any], dialect: str, write: bool = False) -> bool:
    return bool(validator_for(schema, document, dialect, write).is_valid(value))


def fits_in(dialect: str, document: Mapping[str, Any], write: bool = False) -> Callable[[Any, Mapping[str, Any]], bool]:
    """`fits` for one document: what `sim.mocker` asks of an example."""

    def judge(value: Any, schema: Mapping[str, Any]) -> bool:
        return fits(value, schema, document, dialect, write)

    return judge
