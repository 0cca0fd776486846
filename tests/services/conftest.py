import pytest

from portal.services.photos import PhotoStore


@pytest.fixture()
def store(tmp_path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos")


@pytest.fixture(autouse=True)
def _app_for_notifications(app):
    """create_report and change_status queue emails whose links are signed with the app's secret key and
    built from its routes (issue 4); services find the app created here even outside a request."""
    return app
