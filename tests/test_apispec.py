"""The OpenAPI document is generated from the routes and the models that parse them: every JSON and Open311
route is in it with its methods, every path in it is a route, and what it promises is what the app does."""
from __future__ import annotations

import re

import pytest
from flask import Blueprint, Flask
from jsonschema import Draft202012Validator
from pydantic import Field

from portal.apispec import Operation, Reply, describe, document, operations
from portal.schemas import Shape

EXAMPLE = {"code": "fly_tipping", "service_request_id": "KB-7QF3K", "token": "o311-abc"}


def _json_routes(app) -> set[tuple[str, str]]:
    """(path, method) of every rule that answers JSON, GeoJSON or CSV to programs (pages, the personal data
    export and staff downloads aside), Open311 at its .json address."""
    found = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.replace("<fmt>", "json"))
        if ((path.startswith(("/api/", "/open311/v2/", "/lookup/")) or path.endswith((".json", ".geojson", ".csv"))
                or path == "/healthz") and not path.startswith(("/account/", "/staff/"))):
            found |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _described(spec) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in spec["paths"].items() for method in item}


def test_every_json_route_is_described_with_its_methods(app):
    routes, described = _json_routes(app), _described(document(app))
    assert routes - described == set()
    assert described - routes == set()
    assert len(described) == 22


def test_every_described_path_resolves_to_its_route(app):
    adapter = app.url_map.bind("localhost")
    ids = {op.operation_id: endpoint for endpoint, op in operations(app).items()}
    for path, item in document(app)["paths"].items():
        url = re.sub(r"\{(\w+)\}", lambda m: EXAMPLE[m.group(1)], path)
        for method, op in item.items():
            endpoint, _args = adapter.match(url, method=method.upper())
            assert endpoint == ids[op["operationId"]], (path, method)


def test_the_served_document_is_the_generated_one(client, app):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == document(app)
    assert resp.get_json()["openapi"] == "3.1.0"


def test_every_schema_is_valid_json_schema(app):
    spec = document(app)
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    for item in spec["paths"].values():
        for op in item.values():
            for parameter in op.get("parameters", []):
                Draft202012Validator.check_schema(parameter["schema"])
            for content in op.get("requestBody", {}).get("content", {}).values():
                Draft202012Validator.check_schema(content["schema"])


def test_parameters_come_from_the_parsing_models(app):
    """What the models refuse is what the document says: a change to a model changes the document."""
    from portal.open311.schemas import NewRequest, RequestsQuery
    paths = document(app)["paths"]
    listed = {p["name"]: p for p in paths["/open311/v2/requests.json"]["get"]["parameters"]}
    assert set(listed) == set(RequestsQuery.model_fields)
    assert listed["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000}
    body = paths["/open311/v2/requests.json"]["post"]["requestBody"]["content"]
    form = body["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["service_code"]
    assert form["properties"]["description"]["maxLength"] == NewRequest.model_fields["description"].metadata[0] \
        .max_length == 4000
    assert "media" not in form["properties"] and body["multipart/form-data"]["schema"]["properties"]["media"]
    assert list(form["patternProperties"]) == [r"^attribute\[([A-Za-z0-9_-]{1,60})\](\[\])?$"]


# --- the builder refuses a table that does not match the routes --------------------------------------------------

class _Path(Shape):
    name: str = Field(min_length=1)


def _app(*ops: Operation, rule: str = "/things/<name>.json") -> Flask:
    bp = Blueprint("things", __name__)
    bp.add_url_rule(rule, "thing", lambda name: {})
    describe(bp, *ops)
    app = Flask("things")
    app.register_blueprint(bp)
    return app


def test_an_operation_without_a_route_is_an_error():
    app = _app(Operation("gone", "gone", "Gone.", "T", {200: Reply("ok")}))
    with pytest.raises(LookupError, match="things.gone"):
        document(app)


def test_a_path_model_that_is_not_the_rules_arguments_is_an_error():
    app = _app(Operation("thing", "thing", "A thing.", "T", {200: Reply("ok")}), rule="/things/<other>.json")
    with pytest.raises(LookupError, match="other"):
        document(app)
    app = _app(Operation("thing", "thing", "A thing.", "T", {200: Reply("ok")}, path=_Path))
    assert document(app)["paths"]["/things/{name}.json"]["get"]["parameters"][0]["name"] == "name"
