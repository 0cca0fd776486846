"""Discovery, services and service definitions, in both formats; unknown endpoints and formats."""
import pytest


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(api, fmt):
    resp = api.get(f"/discovery.{fmt}")
    assert resp.status_code == 200
    if fmt == "json":
        assert resp.doc["endpoints"][0]["url"].endswith("/open311/v2")
    else:
        assert resp.doc.find("endpoints/endpoint/formats/format").text == "text/xml"


def test_services_json_lists_active_categories_with_metadata(api):
    resp = api.get("/services.json", schema="services")
    by_code = {s["service_code"]: s for s in resp.doc}
    assert by_code["fly_tipping"]["metadata"] is True
    assert by_code["street_cleaning"]["metadata"] is False
    assert len(by_code) >= 19


def test_inactive_category_is_not_a_service(api, db_session):
    from sqlalchemy import select
    from models import Category
    cat = db_session.scalars(select(Category).where(Category.code == "graffiti")).one()
    cat.active = False
    db_session.flush()
    assert "graffiti" not in {s["service_code"] for s in api.get("/services.json", schema="services").doc}
    assert api.get("/services/graffiti.json").status_code == 404


def test_services_xml(api):
    resp = api.get("/services.xml")
    assert resp.doc.tag == "services"
    codes = [s.find("service_code").text for s in resp.doc.findall("service")]
    assert "fly_tipping" in codes
    fly = next(s for s in resp.doc.findall("service") if s.find("service_code").text == "fly_tipping")
    assert fly.find("metadata").text == "true"


def test_service_definition_maps_question_types(api):
    resp = api.get("/services/fly_tipping.json", schema="service-definition")
    attrs = {a["code"]: a for a in resp.doc["attributes"]}
    assert attrs["size"]["datatype"] == "singlevaluelist" and attrs["size"]["required"] is True
    assert attrs["waste"]["datatype"] == "multivaluelist"
    assert attrs["witnessed"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attrs["witnessed"]["values"]] == ["yes", "no"]
    assert [a["order"] for a in resp.doc["attributes"]] == [1, 2, 3, 4]


def test_service_definition_xml(api):
    resp = api.get("/services/fly_tipping.xml")
    assert resp.doc.tag == "service_definition"
    first = resp.doc.find("attributes/attribute")
    assert first.find("code").text == "size"
    assert first.find("values/value/key").text == "single_bag"


def test_service_definition_without_questions(api):
    assert api.get("/services/street_cleaning.json", schema="service-definition").doc["attributes"] == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404(api, fmt):
    resp = api.get(f"/services/no_such_thing.{fmt}")
    assert resp.status_code == 404


@pytest.mark.parametrize("path", ["/services.yaml", "/requests.csv", "/discovery.html", "/requests/KB-22222.txt"])
def test_unknown_format_is_400_in_xml(api, path):
    resp = api.get(path)
    assert resp.status_code == 400
    assert "use .xml or .json" in resp.doc.find("error/description").text


@pytest.mark.parametrize("fmt", ["JSON", "Json", "XML"])
def test_format_extension_is_read_in_any_case(api, make_report, app_key, fmt):
    ref = make_report().reference
    assert api.get(f"/services.{fmt}", schema="services" if fmt != "XML" else None).status_code == 200
    assert api.get(f"/requests/{ref}.{fmt}", schema="requests" if fmt != "XML" else None).status_code == 200
    assert api.get(f"/requests.{fmt}?service_request_id={ref}").status_code == 200
    assert api.get(f"/services/no_such_thing.{fmt}").status_code == 404        # errors in that format too
    assert api.get(f"/nothing.{fmt}").status_code == 404
    from .conftest import FLY_TIPPING
    assert api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key}).status_code == 201


@pytest.mark.parametrize("path", ["/nothing.json", "/nothing.xml", "/requests/KB-22222/extra.json"])
def test_unknown_endpoint_is_404_in_format(api, path):
    assert api.get(path).status_code == 404


def test_method_not_allowed_uses_standard_errors(client):
    resp = client.delete("/open311/v2/services.json")
    assert resp.status_code == 405
    assert resp.get_json()[0]["code"] == 405


def test_documentation_page(client):
    resp = client.get("/open311")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Getting an API key" in html and "servicerequestupdates" in html and "requests.json" in html


def test_oversized_body_is_413_in_format(app_config, connection, app_key):
    from portal.app import create_app
    from .conftest import FLY_TIPPING, Open311Client
    app = create_app({**app_config, "MAX_CONTENT_LENGTH": 1000}, bind=connection)
    api = Open311Client(app.test_client())
    assert api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "description": "x" * 2000}).status_code == 413
    assert api.post("/requests.xml", {**FLY_TIPPING, "api_key": app_key, "description": "x" * 2000}).status_code == 413


def test_lost_database_is_503_in_format(api, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from portal.services import open311

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    monkeypatch.setattr(open311, "find_requests", down)
    resp = api.client.get("/open311/v2/requests.json")
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
    assert resp.get_json()[0]["code"] == 503


def test_unexpected_failure_still_answers_in_format(api, monkeypatch):
    from portal.services import open311

    def broken(*args, **kwargs):
        raise RuntimeError("bug")
    monkeypatch.setattr(open311, "find_requests", broken)
    resp = api.client.get("/open311/v2/requests.xml")
    assert resp.status_code == 500 and resp.mimetype == "text/xml"
    assert b"<errors><error><code>500</code>" in resp.data


def test_public_reads_may_be_read_by_browser_apps_of_any_origin(api, make_report, app_key):
    """Access-Control-Allow-Origin: * on every GET and HEAD answer of the API (errors too: the app must read
    them), never on a POST answer (nor the documentation page). No credentials are involved, so no Vary:
    Origin, and an answer nginx may keep is still kept (one copy for every origin)."""
    ref = make_report().reference
    origin = {"Origin": "https://app.example"}
    for path in ("/discovery.json", "/services.xml", "/services/fly_tipping.json", f"/requests/{ref}.json",
                 "/requests.xml?status=open", "/servicerequestupdates.json", "/services/nothing.json",
                 "/nothing.json", "/services.yaml"):
        resp = api.get(path, headers=origin)
        assert resp.headers["Access-Control-Allow-Origin"] == "*", path
        assert "Origin" not in resp.headers.get("Vary", "")
        assert "Access-Control-Allow-Credentials" not in resp.headers
    head = api.client.head(f"/open311/v2/requests/{ref}.json", headers=origin)
    assert head.status_code == 200 and head.headers["Access-Control-Allow-Origin"] == "*"
    kept = api.get("/services.json", headers=origin)
    assert kept.headers["X-Accel-Expires"] == "5" and "must-revalidate" in kept.headers["Cache-Control"]
    from .conftest import FLY_TIPPING
    for resp in (api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key}, headers=origin),
                 api.post("/requests.json", FLY_TIPPING, headers=origin),
                 api.post("/servicerequestupdates.xml", {"service_request_id": ref}, headers=origin)):
        assert resp.status_code in (201, 403) and "Access-Control-Allow-Origin" not in resp.headers
    assert "Access-Control-Allow-Origin" not in api.client.get("/open311", headers=origin).headers
