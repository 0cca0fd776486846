import pytest

from portal.services.photos import PhotoStore


@pytest.fixture()
def store(tmp_path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos")
