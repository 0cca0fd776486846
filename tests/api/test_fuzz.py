"""Property-based fuzz of every operation in portal/openapi.json (schemathesis + hypothesis) against the app,
bound to the test's rolled-back transaction: no input may cause a server error, and every answer must match
the documented response schema. POSTs carry a real API key, and half of them target a real service or report
so that the success paths are fuzzed too."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

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


def _fuzz_strategy(operation, method: str, path: str, reference: str):
    """Positive and negative cases; for POSTs also cases aimed at a real service or report."""
    plain = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    if method != "POST":
        return plain
    target = ({"service_code": "fly_tipping", "lat": str(CATFORD.lat), "long": str(CATFORD.lon)}
              if path.endswith("/requests.json") else {"service_request_id": reference})

    def aim(case):
        if isinstance(case.body, dict):
            case.body = {**case.body, **target}
        return case
    return st.one_of(plain, operation.as_strategy(GenerationMode.POSITIVE).map(aim))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz_no_server_error(app, db_session, method, path):
    key = create_key(db_session, "Fuzz", may_update=True)[1]
    reference = _report_reference(app, key)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema[path][method]
    calls = []

    @given(case=_fuzz_strategy(operation, method, path, reference))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        calls.append(case)
        case.call_and_validate(headers={"X-Api-Key": key}, checks=CHECKS)

    started = time.perf_counter()
    fuzz()
    print(f"{method} {path}: {len(calls)} cases in {time.perf_counter() - started:.2f} s")
    assert len(calls) >= (1 if operation.path in FIXED else MAX_EXAMPLES // 2)


def _report_reference(app, key: str) -> str:
    resp = app.test_client().post("/open311/v2/requests.json", headers={"X-Api-Key": key}, data={
        "service_code": "street_cleaning", "lat": str(CATFORD.lat), "long": str(CATFORD.lon),
        "description": "Litter by the bus stop"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()[0]["service_request_id"]
