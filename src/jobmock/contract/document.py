"""A served OpenAPI document, job API or not: what jobmock needs of any vendor's document.

`load_contract` reads one file as its vendor wrote it (OpenAPI 3.0, 3.1 or 3.2, YAML or
JSON, with the files its `$ref`s name brought in), checks it in its own dialect, and makes
the 3.0 copy Connexion routes with (`dialects.for_connexion`). Every problem names the
user's file and line; a construct jobmock cannot serve is a warning (`Contract.notes`), not a
refusal. A document with an `x-jobmock` lifecycle becomes an `ApiModel` (`model.py`), a
`Contract` with jobs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

from ..exceptions import PathItem, SpecError, SpecErrors
from . import openapi
from .dialects import Dialect, dialect_of, for_connexion
from .files import SpecFile
from .openapi import Operation
from .security import Requirements, Security, read_security

DEFAULT_ERROR_BODY: Mapping[str, Any] = {"error": {"code": "{code}", "message": "{message}"}}


@dataclass(frozen=True)
class ErrorFormat:
    """The vendor's error envelope (x-jobmock.errors): templates, codes and messages by status."""

    body: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_ERROR_BODY)
    bodies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # by status, overriding `body`
    codes: Mapping[str, str] = field(default_factory=dict)
    messages: Mapping[str, str] = field(default_factory=dict)
    validation: int = 400  # status of request validation errors
    auth: Mapping[str, str] = field(default_factory=dict)  # a 401's message by AuthError.kind, as documented
    declared: bool = False  # written in x-jobmock.errors; else a refusal is the operation's documented response


@dataclass(frozen=True, kw_only=True, repr=False)
class Contract:
    """One served document: frozen once loaded; `with_mount` and `with_keys` give changed copies."""

    def __repr__(self) -> str:
        """Its name and file: the generated repr wrote out the whole document, its resolved
        copy and its translation (minutes for OpenAI's 3 MB: asyncio.run reprs its main task's
        result on the way out, and `jobmock check`'s holds its jobs' histories, each with its API)."""
        return f"<{type(self).__name__} {self.name} from {self.source.name}>"

    name: str
    source: Path
    document: Mapping[str, Any]  # as written (its dialect, its $refs): served at <base>/openapi.json
    routed: Mapping[str, Any]  # the OpenAPI 3.0 copy Connexion routes and checks parameters with
    resolved: Mapping[str, Any]  # `document` with its $refs resolved (a recursive one kept)
    dialect: Dialect
    security: Security  # who may call each operation, and who owns a credential
    errors: ErrorFormat = field(default_factory=ErrorFormat)
    warnings: tuple[SpecError, ...] = ()  # what is not served as written, with its file and line
    server_variables: Mapping[str, str] = field(default_factory=dict)  # --server-var NAME=VALUE
    mount: str = ""  # '/neuraldraft' when several APIs share one server

    @property
    def server_path(self) -> str:
        return server_path(self.document, self.server_variables)

    @property
    def base_path(self) -> str:
        return self.mount + self.server_path

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", self.name))

    @property
    def has_jobs(self) -> bool:
        return False

    def requirements(self, operation: Operation) -> Requirements:
        """Who may call `operation`: its own security, else the document's."""
        return self.security.requirements_of(operation.operation_id, operation.method, operation.path)

    def with_mount(self, mount: str) -> Contract:
        return replace(self, mount=mount)

    def with_keys(self, keys: Sequence[str]) -> Contract:
        """Accept only these credentials (a real API knows its keys; by default the mock
        accepts any of the documented form). The served document is not touched."""
        return replace(self, security=self.security.with_keys(keys))

    def with_server_variables(self, values: Mapping[str, str]) -> Contract:
        """These values for the variables of its server URL that it has (`--server-var`)."""
        own = {name: value for name, value in values.items() if name in self.server_variable_names}
        return replace(self, server_variables={**self.server_variables, **own})

    @property
    def server_variable_names(self) -> frozenset[str]:
        servers = self.document.get("servers") or []
        url = str(servers[0].get("url", "")) if servers and isinstance(servers[0], dict) else ""
        return frozenset(re.findall(r"\{([^{}]*)\}", url))


def server_path(document: Mapping[str, Any], values: Mapping[str, str] | None = None) -> str:
    """The path part of the first server URL, its variables set (`values`, else each one's
    default), without a trailing slash ('' for none): `{endpoint}/openai` -> `/openai`."""
    servers = document.get("servers") or [{"url": "/"}]
    server = servers[0] if isinstance(servers[0], dict) else {"url": "/"}
    url = str(server.get("url", "/"))
    variables = server.get("variables") or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if values and name in values:
            return values[name]
        default = (variables.get(name) or {}).get("default") if isinstance(variables, dict) else None
        return str(default) if default is not None else ""

    resolved = re.sub(r"\{([^{}]*)\}", value, url)
    parsed = urlparse(resolved)
    path = parsed.path  # relative URLs (`/v1`, `v1`) too
    if not parsed.scheme and not resolved.startswith("/") and _HOST.match(path):
        path = path.partition("/")[2]  # `{resource}.openai.azure.com/openai`: a host with no scheme
    return "/" + path.strip("/") if path.strip("/") else ""


_HOST = re.compile(r"^(localhost|[^/]*[.:][^/]*)(/|$)")


def problems_in(spec: SpecFile, schema_slips: bool = True) -> tuple[list[SpecError], list[SpecError]]:
    """What makes `spec` no OpenAPI document jobmock can serve, checked in its own dialect
    (openapi-spec-validator: 3.0, 3.1 or 3.2), each at its line; and what is wrong in it
    but does not stop it being served (a `default` that does not fit its own schema, a
    `required` name with no property, a key its object does not have in that version, such as
    `examples` on a Response Object), as warnings. Vendors publish documents with such
    slips; a mock that refused them would serve no vendor. `schema_slips=False` skips the
    walk through every Schema Object (its meta-schema, its defaults, its `required` names),
    which only ever warns and is most of the time (seconds on a 3 MB document): `serve`
    skips it, `validate` does not."""
    data = spec.data
    if not isinstance(data, dict):
        return [spec.error([], "not an OpenAPI document (expected a mapping at the top)")], []
    version = data.get("openapi")
    dialect = dialect_of(version)
    if dialect is None:
        shown = "(none)" if version is None else str(version)
        message = f"OpenAPI {shown} is not supported: jobmock serves OpenAPI 3.0.x, 3.1.x and 3.2.x (YAML or JSON)"
        return [spec.error(["openapi"] if version is not None else [], message)], []
    slips: list[tuple[list[PathItem], str]] = []
    try:
        errors = list(_validator(dialect, slips, schema_slips)(data).iter_errors())
    except Exception as exc:  # e.g. a dangling $ref raises outside iter_errors' error type
        try:
            openapi.deref(data)  # says where a dangling $ref is
        except openapi.ExpansionError as located:
            return [spec.error(located.where, str(located))], []
        return [spec.error([], f"invalid OpenAPI document: {exc}")], []
    problems = []
    for err in errors:
        where = list(getattr(err, "absolute_path", []) or [])
        message = str(getattr(err, "message", err)).splitlines()[0]
        unresolved = _UNRESOLVED.fullmatch(message)
        if unresolved is not None:  # a path parameter not declared: served as a string (`dialects`)
            name, method, path = unresolved.groups()
            served = "served as a string" if "{" + name + "}" in path else "left out: the path has no such name"
            slips.append((["paths", path, method], f"{message}: {served}"))
            continue
        unknown = _UNKNOWN.fullmatch(message)
        if unknown is not None:  # a key the object does not have in this version: nothing reads it
            names, verb = unknown.groups()
            are = "is not a field" if verb == "was" else "are not fields"
            slips.append((where, f"{names} {are} of this object in OpenAPI {dialect}: ignored"))
            continue
        problems.append(spec.error(where, message))
    return problems, [spec.error(where, message) for where, message in slips]


_UNKNOWN = re.compile(r"(?:Additional|Unevaluated) properties are not allowed \((.*) (was|were) unexpected\)")
_UNRESOLVED = re.compile(r"Path parameter '([^']*)' for '(\w+)' operation in '([^']*)' was not resolved")


def _validator(dialect: Dialect, slips: list[tuple[list[PathItem], str]], schema_slips: bool = True) -> Any:
    """openapi-spec-validator's validator for `dialect`, with the checks of values against
    their own schema (defaults) and of `required` names turned into located warnings: it
    reports them with no place, and a value that breaks its schema's own types crashes it."""
    from openapi_spec_validator import (  # slow import: only when asked
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
        OpenAPIV32SpecValidator,
    )

    base = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator, "3.2": OpenAPIV32SpecValidator}[dialect]
    value_check = base.keyword_validators["default"]
    schema_check = base.keyword_validators["schema"]

    class LocatedDefault(value_check):  # type: ignore[misc,valid-type]  # no type hints shipped
        def __call__(self, schema: Any, value: Any) -> Iterator[Any]:
            where: list[PathItem] = [*_parts(schema), "default"]
            try:
                first = next(iter(super().__call__(schema, value)), None)
            except Exception as exc:
                first = exc
            if first is not None:
                reason = getattr(first, "message", str(first))
                slips.append((where, f"the default {value!r} does not fit its own schema ({reason}); it is ignored"))
            return iter(())

    class LocatedSchema(schema_check):  # type: ignore[misc,valid-type]
        """A Schema Object's own slips (a keyword of the wrong type, `required` naming no
        property): the schema is still used as written, so they are warnings, placed."""

        def __call__(self, schema: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            if not schema_slips:
                return iter(())  # all it finds are warnings; a dangling $ref is `deref`'s to report
            for error in super().__call__(schema, *args, **kwargs):
                where = [*_parts(schema), *getattr(error, "path", ())]
                message = str(getattr(error, "message", error)).splitlines()[0]
                slips.append((where, message))
            return iter(())

    class Located(base):  # type: ignore[misc,valid-type]
        keyword_validators: ClassVar[dict[str, Any]] = {
            **base.keyword_validators,
            "default": LocatedDefault,
            "schema": LocatedSchema,
        }

    return Located


def _parts(schema: Any) -> list[PathItem]:
    parts = getattr(schema, "parts", ())
    return [int(p) if isinstance(p, str) and p.isdigit() else p for p in parts]


def read_contract(spec: SpecFile, name: str, slips: Sequence[SpecError] = ()) -> Contract:
    """The `Contract` of a checked document (`problems_in` found no problem; `slips`: the
    warnings it found)."""
    data: dict[str, Any] = spec.data
    dialect = dialect_of(data.get("openapi")) or "3.0"
    try:
        resolved = openapi.deref(data)
    except openapi.ExpansionError as exc:
        raise SpecErrors([spec.error(exc.where, str(exc))]) from exc
    routed, notes = for_connexion(data)
    security, unchecked = read_security(resolved, name)
    return Contract(
        name=name,
        source=spec.path,
        document=data,
        routed=routed,
        resolved=resolved,
        dialect=dialect,
        security=security,
        warnings=(*slips, *(spec.error(list(note.where), note.message) for note in (*notes, *unchecked))),
    )
