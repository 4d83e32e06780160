"""Generate the OpenAPI 3.1 document from the declared endpoints and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from coordinator.api.core import JSON_MEDIA_TYPE, MAX_ID, SPECS, EndpointSpec

_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
REF = "#/components/schemas/{model}"
PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Messages by dotted field path (`pay_band.min`, `criteria.0.title`).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "conflicts": {
            "type": "array",
            "description": "With `409`: what the request conflicts with.",
            "items": {"type": "object", "required": ["kind", "detail"],
                      "properties": {"kind": {"type": "string"}, "detail": {"type": "string"}}},
        },
    },
}

STATUS_TEXT = {400: "Malformed request: the body is not JSON, or `page`/`per_page` is not a "
                    "whole number in range", 401: "No or bad token",
               403: "Not allowed", 404: "Not found, or reached through the wrong parent",
               409: "Conflicts with existing state", 410: "Gone",
               422: "A field is invalid", 429: "Rate limited"}

DESCRIPTION = """\
Schedule further interview rounds, assess candidates and narrow the shortlist.

Authenticate with `Authorization: Bearer <token>`. Errors are `application/problem+json` with
`type`, `title`, `status` and `detail`; `422` adds `errors` keyed by dotted field paths and `409`
adds `conflicts`. Lists take `page` (at most 100000) and `per_page` (default 50, at most 200)
and answer `{items, page, per_page, total}`; any other value of these two is `400` naming it.
Money is a decimal string with an ISO 4217 currency.
JSON types are strict (`"60"` is not a number), unknown members are refused, and a body that is
not JSON at all is `400`.
A request fails in this order: `401`, `403` for the role, `404` for the path, `403` for the
object, `400`/`422` for the input, `409`."""


class _Schemas:
    """Every model's JSON schema generated in one pass, so references and names agree."""

    def __init__(self) -> None:
        self.inputs: list[tuple[Any, JsonSchemaMode, TypeAdapter[Any]]] = []
        self.result: dict[Any, dict[str, Any]] = {}
        self.components: dict[str, Any] = {}

    def want(self, annotation: Any, mode: JsonSchemaMode) -> None:
        key = (id(annotation), mode)
        if all(existing != key for existing, _, _ in self.inputs):
            self.inputs.append((key, mode, TypeAdapter(annotation)))

    def generate(self) -> None:
        if not self.inputs:
            return
        mapping, definitions = TypeAdapter.json_schemas(self.inputs, ref_template=REF)
        self.result = {key: schema for (key, _mode), schema in mapping.items()}
        self.components = dict(definitions.get("$defs", {}))

    def get(self, annotation: Any, mode: JsonSchemaMode) -> dict[str, Any]:
        return self.result[(id(annotation), mode)]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref", "")
        if ref.startswith(REF.format(model="")):
            return self.components[ref[len(REF.format(model="")):]]  # type: ignore[no-any-return]
        return schema


def _api_rules(app: Flask) -> list[tuple[str, str, EndpointSpec]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        spec = SPECS.get(rule.endpoint.split(".", 1)[1])
        if spec is not None:
            rules.append((rule.rule, rule.endpoint.split(".", 1)[1], spec))
    return rules


def _parameters(rule: str, spec: EndpointSpec, schemas: _Schemas) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for match in _CONVERTER.finditer(rule):
        if match.group("conv") == "int":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string"}
        params.append({"name": match.group("name"), "in": "path", "required": True,
                       "schema": schema})
    if spec.query is not None:
        query_schema = schemas.resolve(schemas.get(spec.query, "validation"))
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            prop = dict(prop)
            prop.pop("title", None)
            description = prop.pop("description", None)
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
    return params


def _error_codes(rule: str, spec: EndpointSpec) -> set[int]:
    codes = set(spec.errors) | {429}
    if spec.policy != "public":
        codes |= {401, 403}
    if spec.body is not None:
        codes |= {400, 422}
    if spec.query is not None or spec.paginated:
        codes.add(422)
    if spec.paginated:
        codes.add(400)
    if "<" in rule:
        codes.add(404)
    return codes


def _operation(rule: str, name: str, spec: EndpointSpec, schemas: _Schemas) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": _parameters(rule, spec, schemas),
        "responses": {},
        "x-policy": spec.policy,
    }
    if spec.description:
        operation["description"] = spec.description
    if spec.policy == "public":
        operation["security"] = []
    if spec.body is not None:
        content: dict[str, Any] = {}
        for media in spec.body_media_types:
            if media == JSON_MEDIA_TYPE:
                content[media] = {"schema": schemas.get(spec.body, "validation")}
            else:
                content[media] = {"schema": {"type": "string"}}
        operation["requestBody"] = {"required": True, "content": content}
    description = "Created" if spec.status == 201 else "Success"
    if spec.status == 204:
        operation["responses"]["204"] = {"description": "Done; no content"}
    elif spec.response is not None:
        operation["responses"][str(spec.status)] = {
            "description": description,
            "content": {JSON_MEDIA_TYPE: {"schema": schemas.get(spec.response, "serialization")}},
        }
    else:
        operation["responses"][str(spec.status)] = {
            "description": description,
            "content": {JSON_MEDIA_TYPE: {"schema": {"type": "object"}}},
        }
    for code in sorted(_error_codes(rule, spec)):
        operation["responses"][str(code)] = {
            "description": STATUS_TEXT.get(code, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    return operation


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every API endpoint ``app`` serves."""
    rules = _api_rules(app)
    schemas = _Schemas()
    for _rule, _name, spec in rules:
        if spec.body is not None:
            schemas.want(spec.body, "validation")
        if spec.query is not None:
            schemas.want(spec.query, "validation")
        if spec.response is not None:
            schemas.want(spec.response, "serialization")
    schemas.generate()

    paths: dict[str, dict[str, Any]] = {}
    for rule, name, spec in rules:
        path = _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule)
        paths.setdefault(path, {})[spec.method.lower()] = _operation(rule, name, spec, schemas)
    components = {"Problem": PROBLEM_SCHEMA, **dict(sorted(schemas.components.items()))}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Interview Coordinator API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "bearerFormat": "opaque token, ict_…"}},
        },
    }


__all__ = ["build"]
