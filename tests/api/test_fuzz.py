"""Property-based fuzz of every operation in portal/openapi.json (schemathesis + hypothesis) against the app,
bound to the test's rolled-back transaction: no input may cause a server error, and every answer must match
the documented response schema. POSTs carry a real API key, and half of them target a real service or report
so that the success paths are fuzzed too."""
from __future__ import annotations

import json
from collections import Counter
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import select

from models import Report
from portal.services.apikeys import create_key

from ..factories import CATFORD

SPEC = json.loads((Path(__file__).resolve().parents[2] / "portal" / "openapi.json").read_text())
OPERATIONS = [(method.upper(), path) for path, item in SPEC["paths"].items() for method in item]
MAX_EXAMPLES = 40
CHECKS = [not_a_server_error, response_schema_conformance]
#: Operations without parameters: one case is all there is.
FIXED = {p for p, item in SPEC["paths"].items() if not any(op.get("parameters") or op.get("requestBody") for op in item.values())}


def test_spec_covers_every_json_endpoint(app):
    """Every GET rule of the maps feeds, exports, /healthz and Open311 JSON is described (no endpoint forgotten)."""
    described = {p.replace("{", "<").replace("}", ">") for p in SPEC["paths"]}
    wanted = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<fmt>", "json")
        if (path.startswith(("/api/", "/open311/v2/")) or path.endswith((".json", ".geojson", ".csv"))
                or path == "/healthz") and "<path:" not in path and not path.startswith("/account/"):
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
    op = SPEC["paths"][path][method.lower()]
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
    plain = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    if _inputs(method, path):
        plain = st.one_of(plain, _hostile(operation, method, path))
    where, target = _aimed(path, reference, token)
    if not target:
        return plain

    def aim(case):
        if where == "path":
            case.path_parameters = {**(case.path_parameters or {}), **target}
        elif where == "query" and method == "GET":
            case.query = {**(case.query or {}), **target}
        elif where == "body" and method == "POST" and isinstance(case.body, dict):
            case.body = {**case.body, **target}
            if "description" in case.body and not str(case.body["description"]).strip():
                case.body["description"] = "Litter"
            case.body.pop("email", None)
            case.query = {k: v for k, v in (case.query or {}).items() if k != "api_key"}
        return case
    return st.one_of(plain, operation.as_strategy(GenerationMode.POSITIVE).map(aim))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz_no_server_error(app, db_session, method, path):
    key = create_key(db_session, "Fuzz", may_update=True)[1]
    reference, token = _report(app, db_session, key)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema[path][method]
    calls = []

    @given(case=_fuzz_strategy(operation, method, path, reference, token))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        calls.append(case.call_and_validate(headers={"X-Api-Key": key}, checks=CHECKS).status_code)

    started = time.perf_counter()
    fuzz()
    print(f"{method} {path}: {len(calls)} cases in {time.perf_counter() - started:.2f} s, "
          f"statuses {dict(sorted(Counter(calls).items()))}")
    if _aimed(path, "", "")[1]:      # the success path was fuzzed too, not only refusals
        assert {200, 201} & set(calls)
    assert len(calls) >= (1 if operation.path in FIXED else MAX_EXAMPLES // 2)


def _report(app, db_session, key: str) -> tuple[str, str]:
    """A real request to aim at, and its token (POST answers give the id, not the token)."""
    resp = app.test_client().post("/open311/v2/requests.json", headers={"X-Api-Key": key}, data={
        "service_code": "street_cleaning", "lat": str(CATFORD.lat), "long": str(CATFORD.lon),
        "description": "Litter by the bus stop"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    reference = resp.get_json()[0]["service_request_id"]
    return reference, db_session.scalar(select(Report.client_token).where(Report.reference == reference))
