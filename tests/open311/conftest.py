"""Open311 fixtures: API keys, and a client that checks every response against the official schemas."""
from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from portal.services.apikeys import create_key

from ..factories import CATFORD

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "/open311/v2"
FLY_TIPPING = {"service_code": "fly_tipping", "lat": str(CATFORD.lat), "long": str(CATFORD.lon),
               "description": "Sofa and bags on the pavement", "attribute[size]": "single_item",
               "attribute[waste][]": ["furniture", "household"], "attribute[where]": "road",
               "attribute[witnessed]": "no"}


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


REGISTRY = Registry().with_resources(
    [(name, Resource.from_contents(_schema(name), default_specification=DRAFT7))
     for name in ("request.json", "requests.json", "service.json", "services.json", "service-definition.json")])
SWAGGER = _schema("swagger.json")["definitions"]
ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"], "additionalProperties": False,
    "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}}}
SCHEMA_FOR = {
    "services": _schema("services.json"),
    "service-definition": _schema("service-definition.json"),
    "requests": _schema("requests.json"),
    # The id is known at once, so no token (the standard: one or the other, never both).
    "post": {"type": "array", "minItems": 1, "items": {**SWAGGER["RequestResponse"],
                                                        "required": ["service_request_id"],
                                                        "not": {"required": ["token"]}}},
    "token": {"type": "array", "minItems": 1, "items": {**SWAGGER["TokenResponse"],
                                                         "required": ["service_request_id"]}},
}


def validate(doc, schema: dict) -> None:
    Draft7Validator(schema, registry=REGISTRY, format_checker=Draft7Validator.FORMAT_CHECKER).validate(doc)


class Open311Client:
    """GETs and POSTs Open311 URLs; every JSON body is validated (errors against the standard's error list),
    every XML body is parsed. ``schema`` names the expected success document."""

    def __init__(self, client):
        self.client = client

    def _check(self, resp, path: str, schema: str | None):
        assert resp.status_code < 500, resp.get_data(as_text=True)
        assert not schema or resp.status_code < 400, resp.get_data(as_text=True)
        fmt = path.split("?")[0].rsplit(".", 1)[-1].lower()
        if fmt == "json":
            assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
            resp.doc = resp.get_json()
            if resp.status_code >= 400:
                validate(resp.doc, ERRORS)
                assert resp.doc[0]["code"] == resp.status_code
            elif schema:
                validate(resp.doc, SCHEMA_FOR[schema])
        else:
            assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
            resp.doc = ET.fromstring(resp.data)
            if resp.status_code >= 400:
                assert resp.doc.tag == "errors"
                assert resp.doc.find("error/code").text == str(resp.status_code)
                assert resp.doc.find("error/description").text
        return resp

    def get(self, path: str, schema: str | None = None, **kw):
        return self._check(self.client.get(BASE + path, **kw), path, schema)

    def post(self, path: str, data: dict, schema: str | None = None, **kw):
        return self._check(self.client.post(BASE + path, data=data, **kw), path, schema)


@pytest.fixture()
def api(client) -> Open311Client:
    return Open311Client(client)


@pytest.fixture()
def app_key(db_session) -> str:
    return create_key(db_session, "Test app")[1]


@pytest.fixture()
def update_key(db_session) -> str:
    return create_key(db_session, "Council CRM", may_update=True)[1]
