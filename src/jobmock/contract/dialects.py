"""OpenAPI 3.0, 3.1 and 3.2, and the one copy of a document Connexion can read.

Vendors publish 3.1 and 3.2 documents (JSON Schema 2020-12 inside); Connexion 3 reads 3.0
only. jobmock keeps the user's document as written (served, validated, used to make data)
and gives Connexion a 3.0 translation of it to route with. Each construct is translated on
its own, here, with a `Note` where something cannot be served (a 3.2 `query` operation, a
`mutualTLS` scheme) so the rest still is. The translation keeps every path of the document
where it was (a renamed key stays beside its twin), so a problem Connexion finds in it is
reported at the user's own line.

Request bodies are validated in the document's own dialect: each translated body schema
carries `x-jobmock-source`, the pointer to the schema as written, which the body validator
(`server/adapters/dialect_validators.py`) follows; so does the schema of a parameter whose
types mix (`anyOf: [integer, string]`), which Connexion is given as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..exceptions import PathItem
from .openapi import pointed

Dialect = Literal["3.0", "3.1", "3.2"]
SOURCE = "x-jobmock-source"  # on a translated body or mixed parameter schema: where the schema as written is
CONNEXION_VERSION = "3.0.3"

# JSON Schema 2020-12 keywords a 3.0 Schema Object has no room for. Connexion checks the
# document against the 3.0 meta-schema, so they are left out of its copy (the user's own
# document, which keeps them, is what bodies are validated against and data is made from).
_DROPPED_KEYWORDS = frozenset(
    {
        "$id",
        "$schema",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$vocabulary",
        "$comment",
        "if",
        "then",
        "else",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "unevaluatedItems",
        "prefixItems",
        "contains",
        "minContains",
        "maxContains",
        "propertyNames",
        "patternProperties",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
        "examples",
        "definitions",
    }
)
# keywords that describe a value and never refuse one
_ANNOTATIONS = frozenset({"description", "title", "example", "examples", "deprecated", "$comment"})
# keywords whose value is one schema, a list of schemas, or a map of name -> schema
_ONE = ("additionalProperties", "items", "not")
_MANY = ("allOf", "anyOf", "oneOf")
_NAMED = ("properties",)
_DEFS = "$defs"
_DEFS_KEPT = "x-jobmock-defs"  # `$defs` moved where the 3.0 meta-schema allows it; $refs follow
_PATH_ITEMS_KEPT = "x-jobmock-pathItems"
_HTTP_METHODS_30 = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Note:
    """Something of the document that is not served as written: where, and what happens."""

    where: tuple[PathItem, ...]
    message: str


def dialect_of(version: object) -> Dialect | None:
    """`3.0`, `3.1` or `3.2` for a document's `openapi` field; None for anything else."""
    match = re.fullmatch(r"3\.([012])\.\d+(-.+)?", str(version))
    if match is None:
        return None
    return "3.0" if match.group(1) == "0" else "3.1" if match.group(1) == "1" else "3.2"


def for_connexion(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """The 3.0 copy of `document` Connexion routes and validates parameters with, and a note
    for each construct left out. A 3.0 document is copied (Connexion changes what it is
    given) with only what Connexion cannot take mended; its body schemas get `SOURCE`."""
    dialect = dialect_of(document.get("openapi"))
    translate = Translation(dialect or "3.0")
    return translate.document(document), translate.notes


def _with_shared(op: dict[str, Any], shared: list[Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """The operation with its path item's parameters, as OpenAPI means them: those it does
    not declare again itself (same name and place, a `$ref`'s read where it points); Connexion
    applied both."""
    given = op.get("parameters")
    own: list[Any] = given if isinstance(given, list) else []
    taken = {(p.get("name"), p.get("in")) for p in (_declared(root, p) for p in own) if "name" in p}
    kept = [p for p in shared if (_declared(root, p).get("name"), _declared(root, p).get("in")) not in taken]
    return {**op, "parameters": [*kept, *own]}


def _path_parameters(template: str, op: dict[str, Any], root: Mapping[str, Any]) -> None:
    """Connexion routes a path's `{name}`s by their declared path parameters (a `$ref`'s read
    where it points): one the document forgot is declared as a string (`validate` warns of
    it); one declared for a name the path does not have is left out."""
    names = re.findall(r"\{([^{}/]+)\}", template)
    params = [p for p in op.get("parameters") or [] if isinstance(p, dict)]
    known = {d.get("name") for d in (_declared(root, p) for p in params) if d.get("in") == "path"}
    missing = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names if n not in known
    ]
    if isinstance(op.get("parameters"), list):
        op["parameters"] = [
            p
            for p in op["parameters"]
            if not (
                isinstance(p, dict)
                and _declared(root, p).get("in") == "path"
                and _declared(root, p).get("name") not in names
            )
        ]
    if missing:
        op["parameters"] = [*(op.get("parameters") or []), *missing]


def _declared(root: Mapping[str, Any], param: Any) -> Mapping[str, Any]:
    """A Parameter Object as declared: where its local `$ref` (a chain of them) points in
    the document (components' parameters keep their names in the translation); {} for
    anything else."""
    for _ in range(_REF_HOPS):
        if not (isinstance(param, dict) and isinstance(param.get("$ref"), str)):
            break
        param = pointed(root, param["$ref"])
    return param if isinstance(param, dict) and "$ref" not in param else {}


_REF_HOPS = 10


def _only_informational(op: Any) -> bool:
    """A WebSocket or other protocol upgrade: every documented response is 1xx."""
    responses = op.get("responses") if isinstance(op, dict) else None
    return isinstance(responses, dict) and bool(responses) and all(str(c).startswith("1") for c in responses)


class Translation:
    """One document's translation: a walk that copies as it goes (never mutates its input)."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self.notes: list[Note] = []
        self.modern = dialect != "3.0"  # JSON Schema 2020-12 inside
        self.dropped_schemes: set[str] = set()
        self.root: Mapping[str, Any] = {}  # the document as written, where `$ref`s point

    def note(self, where: list[PathItem], message: str) -> None:
        self.notes.append(Note(tuple(where), message))

    # --- the document -------------------------------------------------------------------

    def document(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        self.root = doc
        schemes = (doc.get("components") or {}).get("securitySchemes") or {}
        self.dropped_schemes = {n for n, s in schemes.items() if isinstance(s, dict) and s.get("type") == "mutualTLS"}
        out: dict[str, Any] = {}
        for key, value in doc.items():
            where: list[PathItem] = [key]
            if key == "openapi":
                out[key] = CONNEXION_VERSION
            elif key == "paths":
                out[key] = {p: self.path_item(item, ["paths", p]) for p, item in (value or {}).items()}
            elif key == "components":
                out[key] = self.components(value or {})
            elif key == "info":
                out[key] = self.info(value)
            elif key == "servers":
                out[key] = [self.server(s) for s in value]
            elif key == "tags":
                out[key] = [{k: v for k, v in t.items() if k not in ("parent", "kind", "summary")} for t in value]
            elif key == "security":
                out[key] = self.requirements(value)
            elif key == "webhooks":
                if value:
                    self.note(where, "webhooks are read, not sent: jobmock does not call the client back")
            elif key in ("jsonSchemaDialect", "$self"):
                continue
            else:
                out[key] = value
        out.setdefault("paths", {})
        out["paths"] = literal_first(self.without_fragments(out["paths"]))
        form_fields_as_text(out)
        typed_parameters(out)
        return out

    def without_fragments(self, paths: Mapping[str, Any]) -> dict[str, Any]:
        """A path key's `#fragment` (Mistral tells two operations on one path apart so) is no
        part of the URL: its operations are routed on the path without it. Where that puts two
        operations on one path and method, the one written without a fragment is served and
        the other noted."""
        out = {key: item for key, item in paths.items() if "#" not in key}
        for key, item in paths.items():
            path = key.partition("#")[0]
            if "#" not in key or not isinstance(item, dict):
                continue
            merged = dict(out.get(path) or {})
            for method, op in item.items():
                if method in merged and method in _HTTP_METHODS_30:
                    self.note(
                        ["paths", key, method], f"not served: {method.upper()} {path} is, which the document has too"
                    )
                    continue
                merged[method] = op
            out[path] = merged
        return out

    def info(self, info: Any) -> Any:
        if not isinstance(info, dict):
            return info
        out = {k: v for k, v in info.items() if k != "summary"}
        licence = info.get("license")
        if isinstance(licence, dict) and "identifier" in licence:
            out["license"] = {k: v for k, v in licence.items() if k != "identifier"}
        return out

    def server(self, server: Any) -> Any:
        return {k: v for k, v in server.items() if k != "name"} if isinstance(server, dict) else server

    def components(self, components: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in components.items():
            where: list[PathItem] = ["components", key]
            if key == "schemas":
                out[key] = {n: self.schema(s, [*where, n]) for n, s in value.items()}
            elif key in ("parameters", "headers"):
                out[key] = {n: self.parameter(p, [*where, n], marked=key == "parameters") for n, p in value.items()}
            elif key == "requestBodies":
                out[key] = {n: self.body(b, [*where, n]) for n, b in value.items()}
            elif key == "responses":
                out[key] = {n: self.response(r, [*where, n]) for n, r in value.items()}
            elif key == "securitySchemes":
                out[key] = self.security_schemes(value, where)
            elif key == "pathItems":
                out[_PATH_ITEMS_KEPT] = {n: self.path_item(i, [*where, n]) for n, i in value.items()}
            elif key == "mediaTypes":
                continue  # 3.2: reusable media types, reached through $refs that are resolved before
            else:
                out[key] = value
        return out

    def security_schemes(self, schemes: Mapping[str, Any], where: list[PathItem]) -> dict[str, Any]:
        out = {}
        for name, scheme in schemes.items():
            if not isinstance(scheme, dict) or "$ref" in scheme:
                out[name] = scheme
                continue
            if scheme.get("type") == "mutualTLS":
                self.note(
                    [*where, name], f"the mutualTLS scheme {name!r} cannot be checked by a mock: requests pass it"
                )
                continue
            kept = {k: v for k, v in scheme.items() if k not in ("deprecated", "oauth2MetadataUrl")}
            if isinstance(kept.get("flows"), dict):
                kept["flows"] = {k: v for k, v in kept["flows"].items() if k != "deviceAuthorization"}
                if not kept["flows"]:
                    kept["flows"] = {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}}
            out[name] = kept
        return out

    def requirements(self, requirements: Any) -> Any:
        """Security requirements without the schemes left out (mutualTLS): a requirement
        that named only such schemes becomes `{}` (anyone may pass, as the scheme would)."""
        if not isinstance(requirements, list) or not self.dropped_schemes:
            return requirements
        dropped = self.dropped_schemes
        return [{k: v for k, v in r.items() if k not in dropped} if isinstance(r, dict) else r for r in requirements]

    # --- paths --------------------------------------------------------------------------

    def path_item(self, item: Any, where: list[PathItem]) -> Any:
        if not isinstance(item, dict):
            return item
        out: dict[str, Any] = {}
        for key, value in item.items():
            if key == "$ref":
                out[key] = self.ref(value)
            elif key in _HTTP_METHODS_30:
                if _only_informational(value):
                    self.note([*where, key], "an upgrade to another protocol (only 1xx responses) is not served")
                    continue
                out[key] = self.operation(value, [*where, key])
            elif key == "parameters":
                out[key] = self.parameters(value, [*where, key])
            elif key == "query":
                self.note([*where, key], "a QUERY operation (OpenAPI 3.2) is not served: Connexion routes 3.0 methods")
            elif key == "additionalOperations":
                for method in value or {}:
                    self.note([*where, key, method], f"the {method} operation (OpenAPI 3.2) is not served")
            elif key in ("summary", "description") and "$ref" in item:
                continue  # 3.1 allows them beside a $ref; 3.0 does not
            else:
                out[key] = value
        shared = out.pop("parameters", None) if isinstance(out.get("parameters"), list) else None
        for method in _HTTP_METHODS_30:
            if isinstance(out.get(method), dict):
                op = out[method] = _with_shared(out[method], shared, self.root) if shared else out[method]
                if len(where) == 2 and where[0] == "paths":
                    _path_parameters(str(where[1]), op, self.root)
        if shared and not any(m in out for m in _HTTP_METHODS_30):
            out["parameters"] = shared
        return out

    def operation(self, op: Any, where: list[PathItem]) -> Any:
        if not isinstance(op, dict):
            return op
        out: dict[str, Any] = {}
        for key, value in op.items():
            if key == "parameters":
                out[key] = self.parameters(value, [*where, key])
            elif key == "requestBody":
                out[key] = self.body(value, [*where, key])
            elif key == "responses":
                out[key] = {str(c): self.response(r, [*where, key, c]) for c, r in (value or {}).items()}
            elif key == "callbacks":
                if value:
                    self.note([*where, key], "callbacks are read, not sent: jobmock does not call the client back")
                out[key] = value
            elif key == "security":
                out[key] = self.requirements(value)
            else:
                out[key] = value
        if not out.get("responses"):
            out["responses"] = {"default": {"description": "not documented"}}  # 3.1 may leave them out
        if not out.get("operationId"):  # Connexion tells operations apart by their id: each gets one
            out["operationId"] = f"{where[-1]} {'/'.join(str(w) for w in where[1:-1])}"
        return out

    def parameters(self, params: Any, where: list[PathItem]) -> Any:
        if not isinstance(params, list):
            return params
        out = []
        for i, param in enumerate(params):
            if isinstance(param, dict) and param.get("in") == "querystring":
                self.note([*where, i], "a querystring parameter (OpenAPI 3.2) is not validated")
                continue
            out.append(self.parameter(param, [*where, i], marked=True))
        return out

    def parameter(self, param: Any, where: list[PathItem], marked: bool = False) -> Any:
        """A Parameter (or Header) Object; `marked`: a parameter, with `SOURCE` (its schema's place)."""
        if not isinstance(param, dict):
            return param
        if "$ref" in param:
            return {"$ref": self.ref(param["$ref"])}
        out = dict(param)
        if "schema" in param:
            out["schema"] = self.schema(param["schema"], [*where, "schema"])
            if marked:  # kept on the schema by `typed_parameters` where types mix, else dropped
                out[SOURCE] = pointer([*where, "schema"])
        elif isinstance(out.pop("content", None), dict):  # a JSON-encoded value: text to Connexion
            out["schema"] = {"type": "string"}
        return out

    def body(self, body: Any, where: list[PathItem]) -> Any:
        if not isinstance(body, dict):
            return body
        if "$ref" in body:
            return {"$ref": self.ref(body["$ref"])}
        out = dict(body)
        if isinstance(body.get("content"), dict):
            out["content"] = self.content(body["content"], [*where, "content"], source=True)
        return out

    def response(self, response: Any, where: list[PathItem]) -> Any:
        if not isinstance(response, dict):
            return response
        if "$ref" in response:
            return {"$ref": self.ref(response["$ref"])}
        out = dict(response)
        out.setdefault("description", "")  # 3.2 makes it optional
        if isinstance(response.get("content"), dict):
            out["content"] = self.content(response["content"], [*where, "content"], source=False)
        if isinstance(response.get("headers"), dict):
            out["headers"] = {n: self.parameter(h, [*where, "headers", n]) for n, h in response["headers"].items()}
        return out

    def content(self, content: Mapping[str, Any], where: list[PathItem], source: bool) -> dict[str, Any]:
        out = {}
        for media, entry in content.items():
            if not isinstance(entry, dict):
                out[media] = entry
                continue
            kept = {k: v for k, v in entry.items() if k not in ("itemSchema", "prefixEncoding", "itemEncoding")}
            if "schema" in entry:
                schema = self.schema(entry["schema"], [*where, media, "schema"])
                if source and isinstance(schema, dict):
                    schema = {**schema, SOURCE: pointer([*where, media, "schema"])}
                kept["schema"] = schema
            elif "itemSchema" in entry:
                kept["schema"] = {"type": "string"}  # 3.2 streamed items: one text body to Connexion
            out[media] = kept
        return out

    # --- schemas ------------------------------------------------------------------------

    def ref(self, ref: Any) -> Any:
        if not isinstance(ref, str):
            return ref
        return ref.replace(f"/{_DEFS}/", f"/{_DEFS_KEPT}/").replace(
            "#/components/pathItems/", f"#/components/{_PATH_ITEMS_KEPT}/"
        )

    def schema(self, schema: Any, where: list[PathItem]) -> Any:
        """One Schema Object in the 3.0 dialect (also for a 3.0 document: what Connexion's
        meta-schema check refuses though the document is valid is mended the same way)."""
        if schema is True:
            return {}
        if schema is False:
            return {"not": {}}
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            ref = {"$ref": self.ref(schema["$ref"])}
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            if not rest or not self.modern:  # 3.0 ignores a $ref's siblings
                return ref
            if all(k in _ANNOTATIONS or k.startswith("x-") for k in rest):
                # words only (`description`): the $ref alone judges the same, and Connexion
                # reads a parameter's `type` from it (an `allOf` has none: a 500 on the query)
                return ref
            return {"allOf": [ref, self.schema(rest, where)]}
        out: dict[str, Any] = {}
        for key, value in schema.items():
            self._keyword(key, value, [*where, key], out)
        self._types(schema, out)
        _bounds(schema, out)
        if "const" in schema:
            out["enum"] = [schema["const"]]
        if "example" not in schema and isinstance(schema.get("examples"), list) and schema["examples"]:
            out["example"] = schema["examples"][0]
        if "prefixItems" in schema and "items" not in out:
            out["items"] = {}
        if out.get("type") == "array" and "items" not in out:
            out["items"] = {}
        if "contentEncoding" in schema and "format" not in out and schema["contentEncoding"] == "base64":
            out["format"] = "byte"
        elif "contentMediaType" in schema and "format" not in out and out.get("type") == "string":
            out["format"] = "binary"
        return out

    def _keyword(self, key: str, value: Any, where: list[PathItem], out: dict[str, Any]) -> None:
        """One keyword of a schema into `out`, its subschemas translated."""
        if key in _NAMED and isinstance(value, dict):
            out[key] = {n: self.schema(s, [*where, n]) for n, s in value.items()}
        elif key in _MANY and isinstance(value, list):
            out[key] = [self.schema(s, [*where, i]) for i, s in enumerate(value)]
        elif key in _ONE:
            out[key] = value if isinstance(value, bool) and key == "additionalProperties" else self.schema(value, where)
        elif key == _DEFS and isinstance(value, dict):
            out[_DEFS_KEPT] = {n: self.schema(s, [*where, n]) for n, s in value.items()}
        elif key == "discriminator" and isinstance(value, dict) and isinstance(value.get("mapping"), dict):
            out[key] = {**value, "mapping": {k: self.ref(v) for k, v in value["mapping"].items()}}
        elif key in _DROPPED_KEYWORDS or key in ("const", "type"):
            return  # const and type: `_types` and `schema` write them
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            return  # `_bounds` writes them, with `minimum` and `maximum`
        elif key in ("required", "enum") and value == []:
            return  # 3.1 allows an empty list; the 3.0 meta-schema does not
        else:
            out[key] = value

    def _types(self, schema: Mapping[str, Any], out: dict[str, Any]) -> None:
        """`type: [string, "null"]` -> `type: string, nullable: true`; several types -> anyOf."""
        kind = schema.get("type")
        if kind is None:
            return
        kinds = kind if isinstance(kind, list) else [kind]
        nullable = "null" in kinds
        kinds = [k for k in kinds if k != "null"]
        if nullable:
            out["nullable"] = True
        if len(kinds) == 1:
            out["type"] = kinds[0]
        elif not kinds:  # only null
            out["enum"] = [None]
        else:
            # anyOf of the types, beside any anyOf already there
            alternatives = [{"type": k, **({"items": {}} if k == "array" else {})} for k in kinds]
            if nullable:
                alternatives.append({"nullable": True, "enum": [None]})
            if "anyOf" in out:
                out["allOf"] = [*out.get("allOf", []), {"anyOf": alternatives}]
            else:
                out["anyOf"] = alternatives


def _bounds(schema: Mapping[str, Any], out: dict[str, Any]) -> None:
    """2020-12's numeric `exclusiveMinimum: 5` is 3.0's `minimum: 5, exclusiveMinimum: true`;
    beside a `minimum`, the tighter of the two bounds is kept (so with `exclusiveMaximum`)."""
    for exclusive, inclusive, sign in (("exclusiveMinimum", "minimum", 1), ("exclusiveMaximum", "maximum", -1)):
        bound = schema.get(exclusive)
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            continue
        given = schema.get(inclusive)
        if isinstance(given, int | float) and not isinstance(given, bool) and sign * bound < sign * given:
            out[inclusive] = given  # the inclusive bound is the tighter: the exclusive one says nothing more
            continue
        out[inclusive] = bound
        out[exclusive] = True


_SCALARS = ("integer", "number", "boolean")


def typed_parameters(document: dict[str, Any]) -> None:
    """Every parameter's schema in Connexion's copy with the `type` it implies (`with_type`);
    where its types are mixed, or it is a number or a boolean that may be sent empty, text
    (Connexion casts a parameter by its one `type`, and fails on a schema with none or on empty
    text) marked with `SOURCE`, the schema as written, which the parameter validator judges
    the text by (`server/adapters/dialect_validators.py`)."""
    places: list[Any] = list(((document.get("components") or {}).get("parameters") or {}).values())
    for item in (document.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        places += item.get("parameters") or []
        for method in _HTTP_METHODS_30:
            op = item.get(method)
            if isinstance(op, dict):
                places += op.get("parameters") or []
    for param in places:
        source = param.pop(SOURCE, None) if isinstance(param, dict) else None
        if isinstance(param, dict) and isinstance(param.get("schema"), dict):
            typed = with_type(param["schema"], lambda node: _local(document, node))
            found = _local(document, typed)
            kind = found.get("type") if isinstance(found, dict) else None
            # a query parameter that may be sent empty (`?opt_pretty=`, `allowEmptyValue`) and is
            # no text: Connexion would cast the empty text (a 500 for a boolean)
            empty = param.get("in") == "query" and param.get("allowEmptyValue") is True and kind in _SCALARS
            if not isinstance(kind, str) or empty:
                # types mixed (`anyOf: [integer, string]`), or one sent empty: text, for Connexion not
                # to fail, judged by the schema as written (`server/adapters/dialect_validators.py`)
                typed = {"type": "string", **({SOURCE: source} if source is not None else {})}
            param["schema"] = typed


def with_type(schema: dict[str, Any], follow: Any, depth: int = 0) -> dict[str, Any]:
    """A parameter's schema with the `type` it implies written at its top, where that judges
    the same for a parameter's text (every value of its `enum` is of one type, or every
    branch of its `anyOf`/`oneOf` but a null one is, or a part of its `allOf` has one; `$ref`s
    followed by `follow`): Connexion reads a parameter's `type` to split and cast it, and
    fails (a 500) on a schema with none."""
    if "type" in schema or "$ref" in schema or depth > 8:  # deeper: a schema that reaches itself
        return schema
    kinds: set[str] = set()
    items: list[Any] = []  # an array's `items`, which Connexion reads too
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        kinds = {_json_type(v) for v in schema["enum"] if v is not None}
    for key in ("anyOf", "oneOf"):
        branches = [follow(b) for b in schema.get(key) or ()]
        if branches and not kinds:
            found = [_type_of(b, follow, depth) for b in branches if not _null_only(b)]
            if found and all(isinstance(k, str) for k in found):
                kinds = {str(k) for k in found}
                items = [b["items"] for b in branches if isinstance(b, dict) and isinstance(b.get("items"), dict)]
    for part in schema.get("allOf") or ():
        part = follow(part)
        kind = _type_of(part, follow, depth)
        if kind is not None:
            kinds = {kind}
            items = [part["items"]] if isinstance(part, dict) and isinstance(part.get("items"), dict) else []
    if len(kinds) != 1:
        return schema
    kind = kinds.pop()
    if kind == "array" and "items" not in schema:
        if len(items) != 1:
            return schema
        return {"type": kind, "items": with_type(dict(items[0]), follow, depth + 1), **schema}
    return {"type": kind, **schema}


def _type_of(schema: Any, follow: Any, depth: int) -> str | None:
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    typed = with_type(schema, follow, depth + 1)
    return typed.get("type") if typed is not schema else None


def _null_only(schema: Any) -> bool:
    """A branch only null fits, as translated (`enum: [null]`) or written (`type: null`); a
    parameter's value, text, is never null."""
    return isinstance(schema, dict) and (schema.get("enum") == [None] or schema.get("type") == "null")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "?"


def literal_first(paths: Mapping[str, Any]) -> dict[str, Any]:
    """The paths in the order Connexion must route them: a literal segment before a template
    in the same place (`/t/{id}/paragraphs` before `/t/{id}/{format}`), as OpenAPI matches
    concrete paths first; Connexion routes in the order it is given. Otherwise as written."""

    def key(path: str) -> tuple[int, ...]:
        return tuple(1 if "{" in segment else 0 for segment in path.split("/"))

    return {path: paths[path] for path in sorted(paths, key=key)}


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def form_fields_as_text(document: dict[str, Any]) -> None:
    """Each top-level property of a form body's schema as `type: string`, in Connexion's copy:
    Connexion reads and casts form fields by their property's `type` (`resolve_form`,
    `make_type`) even after a request is validated, and fails (a 500) on a property with no
    `type` (an `anyOf`), a JSON object in a field, or a value its cast cannot read. A form is
    read and judged by its schema as written (`server/adapters/dialect_validators.py`);
    Connexion only hands its fields over, as text."""
    for item in (document.get("paths") or {}).values():
        for method in _HTTP_METHODS_30:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            body = _local(document, op.get("requestBody"))
            if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
                continue
            content = dict(body["content"])
            for media, entry in content.items():
                if str(media).split(";")[0].strip().lower() not in _FORMS or not isinstance(entry, dict):
                    continue
                schema = _local(document, entry.get("schema"))
                if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
                    continue
                text = {name: {"type": "string"} for name in schema["properties"]}
                mark = {SOURCE: entry["schema"][SOURCE]} if SOURCE in entry.get("schema", {}) else {}
                content[media] = {**entry, "schema": {**schema, "properties": text, **mark}}
            op["requestBody"] = {**body, "content": content}


def _local(document: Mapping[str, Any], value: Any) -> Any:
    """`value`, or what its local `$ref` (`#/components/...`) points to, followed to the end."""
    seen = 0
    while isinstance(value, Mapping) and isinstance(value.get("$ref"), str) and seen < 50:
        seen += 1
        found: Any = document
        for part in value["$ref"].removeprefix("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            found = found.get(part) if isinstance(found, Mapping) else None
        value = found
    return value


def pointer(where: list[PathItem]) -> str:
    """A JSON pointer (`#/paths/~1jobs/post/...`) to a place in the document."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in where)
