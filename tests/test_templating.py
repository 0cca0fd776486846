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
