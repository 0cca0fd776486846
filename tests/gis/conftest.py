from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture()
def liverpool_file() -> Path:
    return DATA / "wards_2023_bng.geojson"
