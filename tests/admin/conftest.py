import pytest

from models import Role
from tests.conftest import login


@pytest.fixture()
def admin_client(app, make_user):
    return login(app.test_client(), make_user(Role.ADMIN).email)
