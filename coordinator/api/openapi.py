"""Generate the OpenAPI 3.1 document from the declared endpoints and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel, TypeAdapter

from coordinator.api.core import SPECS, EndpointSpec, PageQuery

_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
REF = "#/components/schemas/{model}"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array",
                                                              "items": {"type": "string"}}},
        "conflicts": {"type": "array", "items": {"type": "object", "required": ["kind", "detail"],
                                                 "properties": {"kind": {"type": "string"},
                                                                "detail": {"type": "string"}}}},
    },
}

STATUS_TEXT = {400: "Malformed request", 401: "No or bad token", 403: "Not allowed",
               404: "Not found", 409: "Conflicts with existing state", 410: "Gone",
               422: "Invalid field", 429: "Rate limited"}


def _schema(annotation: Any, components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        name = annotation.__name__
        components.setdefault(name, schema)
        return {"$ref": REF.format(model=name)}
    return schema


def _parameters(rule: str, spec: EndpointSpec, components: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for match in _CONVERTER.finditer(rule):
        kind = {"int": "integer"}.get(match.group("conv") or "", "string")
        schema: dict[str, Any] = {"type": kind}
        if kind == "integer":
            schema["minimum"] = 0
        params.append({"name": match.group("name"), "in": "path", "required": True,
                       "schema": schema})
    query_model = spec.query
    if query_model is not None:
        query_schema = query_model.model_json_schema(ref_template=REF)
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


def build(app: Flask) -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        spec = SPECS.get(rule.endpoint.split(".", 1)[1])
        if spec is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        operation: dict[str, Any] = {
            "operationId": rule.endpoint.split(".", 1)[1],
            "summary": spec.summary,
            "tags": [spec.tag],
            "parameters": _parameters(rule.rule, spec, components),
            "responses": {},
            "x-policy": spec.policy,
        }
        if spec.policy != "public":
            operation["security"] = [{"bearer": []}]
        if spec.body is not None:
            content = {media: {"schema": _schema(spec.body, components, "validation")}
                       for media in spec.body_media_types if media == "application/json"}
            for media in spec.body_media_types:
                if media != "application/json":
                    content[media] = {"schema": {"type": "string"}}
            operation["requestBody"] = {"required": True, "content": content}
        if spec.response is not None:
            response_schema = _schema(spec.response, components, "serialization")
            description = "The resource" if spec.status != 201 else "Created"
            operation["responses"][str(spec.status)] = {
                "description": description,
                "content": {"application/json": {"schema": response_schema}},
            }
        else:
            operation["responses"][str(spec.status)] = {"description": "Success"}
        codes = set(spec.errors)
        if spec.policy != "public":
            codes |= {401, 403}
        if spec.body is not None:
            codes |= {400, 422}
        if spec.query is not None or spec.paginated:
            codes.add(422)
        if "<" in rule.rule:
            codes.add(404)
        for code in sorted(codes):
            operation["responses"][str(code)] = {
                "description": STATUS_TEXT.get(code, "Error"),
                "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
            }
        paths.setdefault(path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Interview Coordinator API",
            "version": "1",
            "description": "Schedule further interview rounds, assess candidates and narrow the "
                           "shortlist. Authenticate with `Authorization: Bearer <token>`.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


__all__ = ["PageQuery", "build"]
