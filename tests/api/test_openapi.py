"""The OpenAPI document is valid OpenAPI 3.1, generated from the code, and complete."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from tests.api.support import openapi_path

COMPONENT_NAME = re.compile(r"^[a-zA-Z0-9._-]+$")


def test_served_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_served_document_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_every_api_rule_and_method_is_documented(app, openapi_document):
    missing = [
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if method.lower() not in openapi_document["paths"].get(openapi_path(rule.rule), {})
    ]
    assert missing == []


def test_document_lists_no_path_the_app_does_not_serve(app, openapi_document):
    served = {openapi_path(rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.")}
    assert set(openapi_document["paths"]) <= served


def test_component_names_are_valid_openapi_keys(openapi_document):
    bad = [name for name in openapi_document["components"]["schemas"]
           if not COMPONENT_NAME.match(name)]
    assert bad == []


def test_every_reference_resolves(openapi_document):
    text = str(openapi_document)
    references = set(re.findall(r"#/components/schemas/([^'\"]+)", text))
    assert references <= set(openapi_document["components"]["schemas"])


def test_operations_that_need_a_token_document_401_and_403(openapi_document):
    lacking = [
        f"{method.upper()} {path}"
        for path, operations in openapi_document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") != []
        and not {"401", "403"} <= set(operation["responses"])
    ]
    assert lacking == []


def test_operations_with_a_body_document_400_and_422(openapi_document):
    lacking = [
        f"{method.upper()} {path}"
        for path, operations in openapi_document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and not {"400", "422"} <= set(operation["responses"])
    ]
    assert lacking == []


def test_request_bodies_refuse_unknown_members(openapi_document):
    schemas = openapi_document["components"]["schemas"]
    lenient = []
    for path, operations in openapi_document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            schema = schemas.get(ref.rsplit("/", 1)[-1], {})
            if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
                lenient.append(f"{method.upper()} {path}")
    assert lenient == []


def test_list_operations_document_page_and_per_page_with_their_bounds(openapi_document):
    operation = openapi_document["paths"]["/api/v1/jobs"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["page"]["minimum"] == 1
    assert params["per_page"] == {"type": "integer", "default": 50, "minimum": 1, "maximum": 200}


def test_money_amounts_are_documented_as_decimal_strings(openapi_document):
    band = openapi_document["components"]["schemas"]["PayBandIn"]["properties"]["min"]
    assert band["type"] == "string"
    assert re.fullmatch(band["pattern"], "95000.00")
    assert not re.fullmatch(band["pattern"], "95000.001")
