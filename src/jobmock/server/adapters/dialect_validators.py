"""JSON request bodies checked in their document's own dialect.

Connexion reads OpenAPI 3.0 only: it is given a 3.0 translation of a 3.1 or 3.2 document
(`contract.dialects`), where some JSON Schema 2020-12 keywords have no 3.0 form
(`prefixItems`, `dependentRequired`, `unevaluatedProperties`, `if`/`then`/`else`...). So for
those documents the body of a request is judged against the schema as its vendor wrote it
(the translation marks each body schema with `x-jobmock-source`, its place in the document),
by openapi-schema-validator's 3.1 or 3.2 validator, with Connexion's wording and status.
A 3.0 document's bodies stay with Connexion's own validator, which reads 3.0.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator

from openapi_schema_validator import OAS31Validator, OAS32Validator, oas31_format_checker, oas32_format_checker

from ...contract.dialects import SOURCE
from ...contract.document import Contract


def validator_map(api: Contract) -> dict[str, Any]:
    """Connexion's `validator_map` for one API: its own, with JSON bodies of a 3.1 or 3.2
    document judged in that dialect."""
    if api.dialect == "3.0":
        return dict(VALIDATOR_MAP)
    bodies = type(VALIDATOR_MAP["body"])(VALIDATOR_MAP["body"])  # a MediaTypeDict: matches `*/*json` patterns
    bodies["*/*json"] = in_dialect(api)
    return {**VALIDATOR_MAP, "body": bodies}


def in_dialect(api: Contract) -> type[JSONRequestBodyValidator]:
    kind = OAS31Validator if api.dialect == "3.1" else OAS32Validator
    checker = oas31_format_checker if api.dialect == "3.1" else oas32_format_checker
    document = api.document

    class DialectBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]  # Connexion ships no type hints
        """Connexion's JSON body validator (its parsing, wording and status), judging by the
        schema as written."""

        _made: Any = None

        @property
        def _validator(self) -> Any:
            if self._made is None:
                source = self._schema.get(SOURCE) if isinstance(self._schema, Mapping) else None
                if isinstance(source, str):
                    schema = {**document, "$ref": source}  # the document is the root its $refs point in
                    self._made = kind(schema, format_checker=checker)
                else:  # no mark (a schema Connexion made): its own check
                    self._made = super()._validator
            return self._made

    return DialectBodyValidator
