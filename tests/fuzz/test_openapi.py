"""Property-based fuzz of every operation of the generated OpenAPI document (portal/apispec.py, served at
/api/openapi.json; schemathesis + hypothesis) against the app,
bound to the test's rolled-back transaction: no input may cause a server error, and every answer must match
the documented response schema. POSTs carry a real API key, are sent form-encoded and as multipart/form-data,
and half of them target a real service or report so that the success paths are fuzzed too. The Open311
operations are fuzzed a second time through their XML twins (.xml instead of .json, derived from the same
description): every XML answer must be well-formed, UTF-8, and the standard's document (or its error list)."""
from __future__ import annotations

import copy
from collections import Counter
import time
from datetime import date, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import select

from models import Report
from portal.apispec import document
from portal.lookup import bp as lookup_bp
from portal.main import bp as main_bp
from portal.maps import bp as maps_bp
from portal.open311 import bp as open311_bp
from portal.reports import bp as reports_bp
from portal.services.apikeys import create_key

from ..factories import CATFORD, image_bytes

def _generated_spec() -> dict:
    """The document the app serves, built at collection time from a bare app with the documented blueprints
    (create_app here would give Flask-Limiter its storage before any test's app)."""
    bare = Flask("spec")
    for blueprint in (main_bp, maps_bp, open311_bp, lookup_bp, reports_bp):
        bare.register_blueprint(blueprint)
    return document(bare)


SPEC = copy.deepcopy(_generated_spec())
OPEN311 = "/open311/v2/"
#: The XML document element of each Open311 operation's success answer (errors are <errors>).
XML_ROOTS = {("GET", "discovery"): "discovery", ("GET", "services"): "services",
             ("GET", "services/{code}"): "service_definition", ("GET", "requests"): "service_requests",
             ("POST", "requests"): "service_requests", ("GET", "requests/{service_request_id}"): "service_requests",
             ("GET", "tokens/{token}"): "service_requests",
             ("GET", "servicerequestupdates"): "service_requests_updates",
             ("POST", "servicerequestupdates"): "service_request_updates"}


def _xml_twins(spec: dict) -> dict:
    """The Open311 operations of ``spec`` at their .xml addresses, answering text/xml (checked by open311_format,
    not by a JSON schema)."""
    twins = copy.deepcopy({**spec, "paths": {}})
    for path, item in spec["paths"].items():
        if path.startswith(OPEN311) and path.endswith(".json"):
            twins["paths"][path.removesuffix(".json") + ".xml"] = {method: {
                **copy.deepcopy(op), "operationId": op["operationId"] + "Xml",
                "responses": {code: {"description": "The standard's XML document, or its error list.",
                                     "content": {"text/xml": {}}} for code in op["responses"]}}
                for method, op in item.items()}
    return twins


XML_SPEC = _xml_twins(SPEC)
# The photo sent ahead is a browser's multipart upload behind the CSRF token (tests/reports/test_lookups.py).
OPERATIONS = ([(method.upper(), path) for path, item in SPEC["paths"].items() for method in item
               if (method.upper(), path) != ("POST", "/api/photos")]
              + [(method.upper(), path) for path, item in XML_SPEC["paths"].items() for method in item])
MAX_EXAMPLES = 40
MAX_EXAMPLES_XML = 20         # the same inputs as the JSON run: fewer, to keep `make test` quick
#: Operations without parameters: one case is all there is.
FIXED = {p for spec in (SPEC, XML_SPEC) for p, item in spec["paths"].items()
         if not any(op.get("parameters") or op.get("requestBody") for op in item.values())}


def open311_format(ctx, response, case) -> None:
    """Open311 answers declare UTF-8; XML ones are well-formed (a strict parser) and the standard's document."""
    path = case.operation.path
    if not path.startswith(OPEN311):
        return
    content_type = response.headers.get("content-type", [""])[0]
    if path.endswith(".json"):
        assert content_type == "application/json; charset=utf-8", content_type
        return
    assert content_type == "text/xml; charset=utf-8", content_type
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)          # expat: refuses what XML 1.0 forbids
    if response.status_code >= 400:
        assert root.tag == "errors" and root.findall("error")
        assert {e.findtext("code") for e in root.findall("error")} == {str(response.status_code)}
        assert all(e.findtext("description") for e in root.findall("error"))
    else:
        name = path.removeprefix(OPEN311).removesuffix(".xml")
        assert root.tag == XML_ROOTS[(case.operation.method.upper(), name)], root.tag


CHECKS = [not_a_server_error, response_schema_conformance, open311_format]


def test_spec_covers_every_json_endpoint(app):
    """Every GET rule of the maps feeds, exports, /healthz and Open311 JSON is described (no endpoint forgotten)."""
    described = {p.replace("{", "<").replace("}", ">") for p in SPEC["paths"]}
    wanted = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<fmt>", "json")
        if (path.startswith(("/api/", "/open311/v2/", "/lookup/")) or path.endswith((".json", ".geojson", ".csv"))
                or path == "/healthz") and "<path:" not in path and not path.startswith(("/account/", "/staff/")):
            wanted.add(path)
    assert wanted - described == set()
    assert described - wanted == set()


def test_spec_is_served(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == SPEC


@pytest.mark.parametrize("link_page", ["/data", "/open311"])
def test_docs_link_the_spec(client, link_page):
    assert 'href="/api/openapi.json"' in client.get(link_page).get_data(as_text=True)


#: Any text (NUL and every plane included) or any date of years 1-9999: schemathesis keeps its strings URL-safe
#: and its dates ordinary, and missed the NUL and date-overflow server errors these found.
HOSTILE = st.one_of(st.text(max_size=12), st.dates().map(date.isoformat), st.datetimes(
    timezones=st.timezones() | st.just(timezone(timedelta(hours=23, minutes=59)))).map(datetime.isoformat))


def _inputs(method: str, path: str) -> list[tuple[str, str]]:
    """(location, name) of every documented parameter and form field of an operation."""
    op = (XML_SPEC if path.endswith(".xml") else SPEC)["paths"][path][method.lower()]
    params = [SPEC["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
              for p in op.get("parameters", [])]
    found = [(p["in"], p["name"]) for p in params]
    for content in op.get("requestBody", {}).get("content", {}).values():
        found += [("body", name) for name in content["schema"].get("properties", {})]
    return found


def _hostile(operation, method: str, path: str):
    """Generated cases with one parameter or form field replaced by a hostile value."""
    def inject(args):
        case, (where, name), value = args
        if where == "path":    # without the URL's own delimiters, which the client would misread
            value = value.translate({ord(c): None for c in "/?#%"}) or "x"
            case.path_parameters = {**(case.path_parameters or {}), name: value}
        elif where == "query":
            case.query = {**(case.query or {}), name: value}
        elif isinstance(case.body, dict):
            case.body = {**case.body, name: value}
        return case
    return st.tuples(operation.as_strategy(GenerationMode.POSITIVE), st.sampled_from(_inputs(method, path)),
                     HOSTILE).map(inject)


def _aimed(path: str, reference: str, token: str) -> tuple[str, dict]:
    """(where, values) that make a generated case reach the success path: a real box, ward, service, report."""
    if path.startswith(OPEN311) and path.endswith(".xml"):
        path = path.removesuffix(".xml") + ".json"
    return {
        "/api/map": ("query", {"bbox": "-0.03,51.44,-0.01,51.45"}),
        "/wards/{code}/reports.geojson": ("path", {"code": "E05013720"}),
        "/wards/{code}/reports.csv": ("path", {"code": "E05013720"}),
        "/open311/v2/services/{code}.json": ("path", {"code": "fly_tipping"}),
        "/open311/v2/requests/{service_request_id}.json": ("path", {"service_request_id": reference}),
        "/open311/v2/tokens/{token}.json": ("path", {"token": token}),
        "/open311/v2/requests.json": ("body", {"service_code": "street_cleaning", "lat": str(CATFORD.lat),
                                               "long": str(CATFORD.lon)}),
        "/open311/v2/servicerequestupdates.json": ("body", {"service_request_id": reference}),
    }.get(path, ("", {}))


def _fuzz_strategy(operation, method: str, path: str, reference: str, token: str):
    """Positive, negative and hostile cases, and positive cases aimed at a real box, ward, service or report."""
    return _cases(operation, method, path, reference, token)


def _cases(operation, method: str, path: str, reference: str, token: str):
    plain = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    if _inputs(method, path):
        plain = st.one_of(plain, _hostile(operation, method, path))
    where, target = _aimed(path, reference, token)
    if not target:
        return plain

    def aim(args):
        case, encoding = args
        if where == "path":
            case.path_parameters = {**(case.path_parameters or {}), **target}
        elif where == "query" and method == "GET":
            case.query = {**(case.query or {}), **target}
            for refused in ("category", "ward", "start", "end"):   # free text the schema cannot make valid:
                case.query.pop(refused, None)                      # each refused on its own if malformed
        elif where == "body" and method == "POST" and isinstance(case.body, dict):
            case.body = {**case.body, **target}
            for refused in ("email", "address_id", "media_url", "media"):   # each refused on its own if malformed
                case.body.pop(refused, None)
            for answer in [k for k in case.body if k.startswith("attribute")]:   # answers to no attribute
                case.body.pop(answer)
            case.media_type = encoding          # both encodings reach the success path, whichever was drawn
            if encoding == "multipart/form-data" and "service_code" in target:
                case.body["media"] = [image_bytes(size=(64, 48))]    # a real photo: the multipart success path
            case.query = {k: v for k, v in (case.query or {}).items() if k != "api_key"}
        return case
    encodings = st.sampled_from(["multipart/form-data", "application/x-www-form-urlencoded"])
    # Aimed cases first: Hypothesis tries its first choices first, so the success path is always reached (last,
    # it could be left out of a run altogether).
    return st.one_of(st.tuples(operation.as_strategy(GenerationMode.POSITIVE), encodings).map(aim), plain)


def _schema(app, path: str):
    if path.endswith(".xml"):
        schema = schemathesis.openapi.from_dict(XML_SPEC)
        schema.app = app
        return schema
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz_no_server_error(app, db_session, method, path):
    key = create_key(db_session, "Fuzz", may_update=True)[1]
    reference, token = _report(app, db_session, key)
    operation = _schema(app, path)[path][method]
    examples = MAX_EXAMPLES_XML if path.endswith(".xml") else MAX_EXAMPLES
    calls, media_types, successes = [], Counter(), Counter()

    @given(case=_fuzz_strategy(operation, method, path, reference, token))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        media_types[case.media_type] += 1
        calls.append(case.call_and_validate(headers={"X-Api-Key": key}, checks=CHECKS).status_code)
        successes[case.media_type] += calls[-1] < 300

    started = time.perf_counter()
    fuzz()
    print(f"{method} {path}: {len(calls)} cases in {time.perf_counter() - started:.2f} s, "
          f"statuses {dict(sorted(Counter(calls).items()))}, bodies {dict(media_types)}")
    if _aimed(path, "", "")[1]:      # the success path was fuzzed too, not only refusals
        assert {200, 201} & set(calls)
    if method == "POST":             # both encodings a client may use; photos through to a filed request
        assert media_types["application/x-www-form-urlencoded"] and media_types["multipart/form-data"]
        if "/requests." in path:
            assert successes["multipart/form-data"], successes
    assert len(calls) >= (1 if operation.path in FIXED else examples // 2)


def test_xml_twins_cover_every_open311_operation():
    json_ops = {(m, p) for m, p in OPERATIONS if p.startswith(OPEN311) and p.endswith(".json")}
    xml_ops = {(m, p.removesuffix(".xml") + ".json") for m, p in OPERATIONS if p.endswith(".xml")}
    assert json_ops == xml_ops and len(xml_ops) == len(XML_ROOTS)


def test_multipart_posts_are_described(app):
    for path in ("/open311/v2/requests.json", "/open311/v2/servicerequestupdates.json"):
        content = SPEC["paths"][path]["post"]["requestBody"]["content"]
        assert set(content) == {"application/x-www-form-urlencoded", "multipart/form-data"}
    media = SPEC["paths"]["/open311/v2/requests.json"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert media["schema"]["properties"]["media"]["items"]["format"] == "binary"


def _report(app, db_session, key: str) -> tuple[str, str]:
    """A real request to aim at, and its token (POST answers give the id, not the token)."""
    resp = app.test_client().post("/open311/v2/requests.json", headers={"X-Api-Key": key}, data={
        "service_code": "street_cleaning", "lat": str(CATFORD.lat), "long": str(CATFORD.lon),
        "description": "Litter by the bus stop"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    reference = resp.get_json()[0]["service_request_id"]
    return reference, db_session.scalar(select(Report.client_token).where(Report.reference == reference))
