"""Template helpers (portal/templating.py)."""
from flask import url_for

from portal.templating import report_path


def test_report_path_is_url_for_of_the_report_page(app):
    with app.test_request_context("/", base_url="http://localhost/sub"):
        for reference in ("KB-ABCDE", "KB-12345678", "KB-0A1B2"):
            assert report_path(reference) == url_for("reports.detail", reference=reference)
        assert report_path("KB-ABCDE").startswith("/sub/")
        # Not a reference the database allows: url_for quotes it, as before.
        for odd in ("KB-abc/../x", "x y", "<script>", "KB-ABCDE?x=1"):
            assert report_path(odd) == url_for("reports.detail", reference=odd)
            assert "<" not in report_path(odd) and " " not in report_path(odd)


def test_an_alert_keeps_the_case_of_its_place(app, db_session, make_user):
    """Alerts are listed as a sentence: the first letter upper case, the place as it is named (Jinja's
    capitalize made it "new reports in lewisham central ward" and "within 500 m of se6 4ru")."""
    from portal.templating import sentence
    from tests.conftest import login
    from tests.alerts.test_views import FORM
    assert sentence("new reports in Lewisham Central ward") == "New reports in Lewisham Central ward"
    user = make_user()
    client = login(app.test_client(), user.email)
    assert client.submit("/alerts", {**FORM, "email": ""}).status_code == 302
    page = client.get("/alerts").get_data(as_text=True)
    assert "of SE6 4RU" in page and "se6 4ru" not in page
