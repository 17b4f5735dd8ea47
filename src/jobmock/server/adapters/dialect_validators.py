"""Request bodies and parameters of mixed types checked in their document's own dialect,
forms and JSON Lines read as their schema says.

Connexion reads OpenAPI 3.0 only: it is given a 3.0 translation of a 3.1 or 3.2 document
(`contract.dialects`), where some JSON Schema 2020-12 keywords have no 3.0 form
(`prefixItems`, `dependentRequired`, `unevaluatedProperties`, `if`/`then`/`else`...). So for
those documents the body of a request is judged against the schema as its vendor wrote it
(the translation marks each body schema with `x-jobmock-source`, its place in the document),
by openapi-schema-validator's 3.1 or 3.2 validator, with Connexion's wording and status.
A 3.0 document's JSON bodies stay with Connexion's own validator, which reads 3.0.

Form bodies (multipart/form-data, application/x-www-form-urlencoded), in every dialect, are
read by `read_form`: each field's text is taken as its property's schema reads it (the text
itself, or the JSON it holds: a number, a boolean, an object, an array), and a file is a file
wherever the schema puts it (`format: binary`, `contentMediaType`, a branch of an `anyOf`).
Connexion's own form reading knows only `type: string, format: binary` at the top and fails
(a 500) on a property with no `type` (an `anyOf`, an `allOf`), which vendors' uploads have.

JSON Lines bodies (`application/x-ndjson`, `application/jsonl`, `application/x-jsonlines`:
`LINES`), which Connexion would read as one JSON document, are read a JSON value a line
(blank lines skipped) by `lines`, and judged in the document's dialect: a schema that
describes an array (`type: array`, `items`; Pinecone's upsert) describes the whole body, the
array of its lines; any other schema describes each line. A refusal names the line.

A parameter whose schema mixes types (`anyOf: [integer, {enum: [all]}]`, `type: [integer,
string]`) is text to Connexion (`dialects.typed_parameters`, which marks it with
`x-jobmock-source`); `parameters` judges its text by the schema as written, in the
document's dialect: it passes if the text itself fits, or the number or boolean it spells
(`limit=5` is the integer 5, `limit=all` the text), and is refused with the reason the text
gets otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from connexion.exceptions import BadRequestProblem
    from connexion.validators import (
        VALIDATOR_MAP,
        FormDataValidator,
        JSONRequestBodyValidator,
        MultiPartFormDataValidator,
        ParameterValidator,
    )

import json
from collections.abc import Callable, Iterable

from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS31Validator, OAS32Validator, oas31_format_checker, oas32_format_checker
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import MultiPartException

from ...contract.dialects import SOURCE
from ...contract.document import Contract
from ...contract.model import ApiModel
from ...contract.openapi import MEDIA_OF_LINES, pointed
from ...contract.schema_fit import WRITE, format_checker, judge, spelled, validator_class

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
LINES = MEDIA_OF_LINES


def validator_map(api: Contract) -> dict[str, Any]:
    """Connexion's `validator_map` for one API: its own, with JSON bodies of a 3.1 or 3.2
    document judged in that dialect, and forms read as their schema says (`read_form`)."""
    bodies = type(VALIDATOR_MAP["body"])(VALIDATOR_MAP["body"])  # a MediaTypeDict: matches `*/*json` patterns
    if api.dialect != "3.0":
        bodies["*/*json"] = in_dialect(api)
    for media in LINES:
        bodies[media] = lines(api)
    bodies[FORMS[0]] = forms(api, FormDataValidator)
    bodies[FORMS[1]] = forms(api, MultiPartFormDataValidator)
    return {**VALIDATOR_MAP, "body": bodies, "parameter": parameters(api)}


def forms(api: Contract, base: type[FormDataValidator]) -> type[FormDataValidator]:
    """Connexion's form validator (its wording and status), reading the form with
    `read_form` and judging it by the schema as written, in the document's dialect (the
    copy Connexion routes with has text fields only: `dialects.form_fields_as_text`)."""
    judged = judge(api.dialect, WRITE, api.resolved)
    root = validator_class(api.dialect, WRITE)(dict(api.resolved), format_checker=format_checker(api.dialect))

    class FormValidator(base):  # type: ignore[misc]  # Connexion ships no type hints
        _made: Any = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if base is FormDataValidator:  # no body is an empty url-encoded form: its schema says if that will do
                self._required = False  # (Prometheus' POST /labels with no field asks for every label)

        @property
        def written(self) -> Any:
            source = self._schema.get(SOURCE) if isinstance(self._schema, Mapping) else None
            found = pointed(api.resolved, source) if isinstance(source, str) else None
            return found if isinstance(found, Mapping) else None

        @property
        def _validator(self) -> Any:
            if self._made is None:
                written = self.written
                self._made = root.evolve(schema=written) if written is not None else super()._validator
            return self._made

        async def _parse(self, stream: Any, scope: Any) -> Any:
            try:
                data = await self._form_parser_cls(Headers(scope=scope), stream).parse()
            except MultiPartException as exc:  # a body that is no multipart: a bad request, not a crash
                raise BadRequestProblem(detail=f"the body is no form the media type says: {exc}") from exc
            schema = self.written
            return read_form(data, schema if schema is not None else self._schema, judged.fits)

    return FormValidator


def read_form(data: FormData, schema: Mapping[str, Any], fits: Callable[[Any, Any], bool]) -> dict[str, Any]:
    """A form's fields as values of its schema: each field's text as it is, or the JSON it
    holds, or a list of either, whichever fits its property (the text when none does, for the
    validator to refuse); a file as an empty string (one per file), as Connexion puts it."""
    properties = form_properties(schema)
    out: dict[str, Any] = {}
    for key in data:
        values = data.getlist(key)
        prop = properties.get(key, {})
        if any(isinstance(v, UploadFile) for v in values):
            files = [""] * len(values)
            out[key] = files[0] if len(files) == 1 and not fits(prop, []) else files
            continue
        texts = [str(v) for v in values]
        candidates: list[Any] = [texts[0], _json(texts[0])] if len(texts) == 1 else []
        candidates += [texts, [_json(t) for t in texts]]
        out[key] = next((c for c in candidates if c is not _NO_JSON and fits(prop, c)), texts[0])
    return out


_NO_JSON: Any = object()


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _NO_JSON


def form_properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The properties a form's schema names, its `allOf`, `anyOf` and `oneOf` parts' too
    (the first named wins)."""
    found: dict[str, Any] = {}
    parts: Iterable[Any] = [schema]
    seen: set[int] = set()
    while parts:
        later: list[Any] = []
        for part in parts:
            if not isinstance(part, Mapping) or id(part) in seen:
                continue
            seen.add(id(part))
            for name, prop in (part.get("properties") or {}).items():
                found.setdefault(name, prop)
            for key in ("allOf", "anyOf", "oneOf"):
                later += [p for p in part.get(key) or () if isinstance(p, Mapping)]
        parts = later
    return found


def as_written(api: Contract, schema: Any) -> Any:
    """The validator of a 3.1 or 3.2 document's body schema as written (by its
    `x-jobmock-source` mark), a 3.0 `nullable: true` it still writes taken at its word
    (`taking_null`); None for a 3.0 document or a schema with no mark."""
    source = schema.get(SOURCE) if isinstance(schema, Mapping) else None
    if api.dialect == "3.0" or not isinstance(source, str):
        return None
    kind = OAS31Validator if api.dialect == "3.1" else OAS32Validator
    checker = oas31_format_checker if api.dialect == "3.1" else oas32_format_checker
    return kind(
        {**taking_null(api.document), "$ref": source}, format_checker=checker
    )  # the document: root of its $refs


_TAKING_NULL: dict[int, tuple[Any, dict[str, Any]]] = {}


def taking_null(document: Mapping[str, Any]) -> dict[str, Any]:
    """A 3.1 or 3.2 document where each schema that still writes 3.0's `nullable: true` takes
    null too (`anyOf: [the schema, {type: null}]`, its `type`, `enum` and branches kept), as
    its vendor means and its server does: Together's `inactive_timeout` ("set to null, omit or
    set to 0") and `training_type` (an `anyOf`) refused a null with a 400. Only requests are
    read so: what jobmock sends keeps to 3.1 as written (no null there). Made once a document."""
    found = _TAKING_NULL.get(id(document))
    if found is not None and found[0] is document:
        return found[1]
    made: dict[str, Any] = _with_null(document)
    _TAKING_NULL[id(document)] = (document, made)
    return made


def _with_null(node: Any) -> Any:
    if isinstance(node, list):
        return [_with_null(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: _with_null(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:  # its type, enum and branches as written, or null
        return {"anyOf": [out, {"type": "null"}]}
    return out


def in_dialect(api: Contract) -> type[JSONRequestBodyValidator]:
    class DialectBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]  # Connexion ships no type hints
        """Connexion's JSON body validator (its parsing, wording and status), judging by the
        schema as written."""

        _made: Any = None

        @property
        def _validator(self) -> Any:
            if self._made is None:  # no mark (a schema Connexion made): its own check
                written = as_written(api, self._schema)
                self._made = written if written is not None else super()._validator
            return self._made

    return DialectBodyValidator


class Lines(list[Any]):
    """A JSON Lines body: its values, and the line each is on (`numbers`, from 1)."""

    def __init__(self, values: list[Any], numbers: list[int]):
        super().__init__(values)
        self.numbers = numbers


def read_lines(text: str) -> Lines | None:
    """The JSON value of each line that is not blank (`\n` or `\r\n` ends a line); None for a
    body of blank lines only; BadRequestProblem naming the first line that is not JSON."""
    values, numbers = [], []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            values.append(json.loads(line))
        except ValueError as exc:
            raise BadRequestProblem(detail=f"line {number} is not valid JSON: {exc}") from exc
        numbers.append(number)
    return Lines(values, numbers) if values else None


def describes_array(schema: Any) -> bool:
    """Whether a JSON Lines body's schema describes the whole body (an array: a line per
    item), not one line."""
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind) or "items" in schema


def lines(api: Contract) -> type[JSONRequestBodyValidator]:
    """Connexion's JSON body validator (its status and wording, its handling of an empty
    body) for a JSON Lines body: read by `read_lines`, judged by the schema as written."""
    base = in_dialect(api) if api.dialect != "3.0" else JSONRequestBodyValidator

    class LinesValidator(base):  # type: ignore[misc,valid-type]  # Connexion ships no type hints
        async def _parse(self, stream: Any, scope: Any) -> Any:
            body = b"".join([message async for message in stream])
            return read_lines(body.decode(self._encoding))

        def _validate(self, body: Any) -> Any:
            if not isinstance(body, Lines):
                return super()._validate(body)  # none: refused as an empty JSON body is
            validator = self._validator
            if describes_array(self._schema):
                refusal = best_match(validator.iter_errors(list(body)))
                if refusal is not None:
                    raise BadRequestProblem(detail=_named(refusal, body.numbers, list(refusal.absolute_path)))
                return None
            for number, value in zip(body.numbers, body, strict=True):
                refusal = best_match(validator.iter_errors(value))
                if refusal is not None:
                    raise BadRequestProblem(detail=_named(refusal, [number], [0, *refusal.absolute_path]))
            return None

    return LinesValidator


def _named(refusal: ValidationError, numbers: list[int], path: list[Any]) -> str:
    """Connexion's wording of a refusal (`message - 'a.b'`), with the line it is on first."""
    where = f" - '{'.'.join(str(p) for p in path[1:])}'" if len(path) > 1 else ""
    if path and isinstance(path[0], int) and 0 <= path[0] < len(numbers):
        return f"line {numbers[path[0]]}: {refusal.message}{where}"
    return f"{refusal.message}{where}"


def parameters(api: Contract) -> type[ParameterValidator]:
    """Connexion's parameter validator (its status and wording), judging a parameter of
    mixed types (its schema marked with `SOURCE`) by the schema as written, and every
    parameter's formats as the document's dialect reads them: Connexion's own checker knows
    JSON Schema draft 4's, so `int32` and `int64` bounds, `date` and `uuid` went unchecked
    (`?limit=2147483648` for an int32, `?created_on=` for a date were answered 200)."""
    checker = format_checker(api.dialect)
    root = validator_class(api.dialect, WRITE)(dict(api.resolved), format_checker=checker)
    routed = validator_class("3.0", WRITE)  # the schema Connexion hands over is the 3.0 copy it routes with
    # a job's id (in its path or query): its operation words the refusal of one of the wrong
    # form, as the fast path does (`jobId must be a uuid`)
    job_ids = {(m.id_in, m.id_parameter) for m in (api, *api.siblings)} if isinstance(api, ApiModel) else set()
    made: dict[str, Any] = {}

    def judged_by(source: str) -> Any:
        if source not in made:
            written = pointed(api.resolved, source)
            made[source] = root.evolve(schema=written) if isinstance(written, Mapping) else None
        return made[source]

    class DialectParameterValidator(ParameterValidator):  # type: ignore[misc]  # Connexion ships no type hints
        def validate_parameter(self, parameter_type: Any, value: Any, param: Any, param_name: Any = None) -> Any:
            schema = param.get("schema") if isinstance(param, Mapping) else None
            source = schema.get(SOURCE) if isinstance(schema, Mapping) else None
            validator = judged_by(source) if isinstance(source, str) and isinstance(value, str) else None
            if (
                parameter_type == "query"
                and value == ""
                and isinstance(param, Mapping)
                and param.get("allowEmptyValue")
            ):
                return None  # `?opt_pretty=`: sent empty, as the document allows (Asana's booleans)
            if validator is None:
                if parameter_type in ("header", "cookie") and isinstance(value, str) and isinstance(schema, Mapping):
                    value = spelled_as(schema, value)  # Connexion reads a header's or cookie's text as text only
                refused = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
                worded = isinstance(param, Mapping) and (parameter_type, param.get("name")) in job_ids
                if refused is None and value is not None and isinstance(schema, Mapping) and not worded:
                    found = best_match(routed(schema, format_checker=checker).iter_errors(value))
                    refused = None if found is None else str(found)
                return refused
            return mixed_refusal(validator, value)

    return DialectParameterValidator


def spelled_as(schema: Mapping[str, Any], text: str) -> Any:
    """A header's or cookie's text as its schema's one type reads it: an integer, a number or
    a boolean where the text spells one (`X-Count: 5`), else the text, for the validator to
    refuse (Connexion converts query and path parameters, not these)."""
    kind = schema.get("type")
    value = spelled(text.strip())  # the number or boolean the text spells (a finite one), else the text
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    return text


def mixed_refusal(validator: Any, text: str) -> str | None:
    """None where a parameter's text fits its schema as itself or as the number or boolean it
    spells; else the reason (jsonschema's wording) the number or boolean is refused, or the
    text where it spells neither."""
    if validator.is_valid(text):
        return None
    refusal = best_match(validator.iter_errors(spelled(text)))
    return None if refusal is None else str(refusal)
