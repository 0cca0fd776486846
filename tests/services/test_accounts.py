import pytest
from sqlalchemy import func, select

from models import Role, User
from portal.services.accounts import authenticate, check_password, register_user
from portal.services.errors import EmailTaken

from ..factories import PASSWORD


def test_password_is_hashed_with_a_salt(db_session):
    a = register_user(db_session, email="a@example.test", password=PASSWORD, display_name=" Ann ")
    b = register_user(db_session, email="b@example.test", password=PASSWORD, display_name="Bob")
    assert PASSWORD not in a.password_hash and a.password_hash.startswith("scrypt:")
    assert a.password_hash != b.password_hash
    assert a.display_name == "Ann" and a.role is Role.RESIDENT
    assert check_password(a, PASSWORD) and not check_password(a, PASSWORD + "!") and not check_password(a, None)


def test_authenticate(db_session):
    user = register_user(db_session, email="Case@Example.test", password=PASSWORD, display_name="C")
    assert authenticate(db_session, "case@example.TEST ", PASSWORD) == user
    assert user.last_login_at is not None
    assert authenticate(db_session, "case@example.test", "wrong password") is None
    assert authenticate(db_session, "nobody@example.test", PASSWORD) is None


def test_inactive_user_cannot_authenticate(db_session):
    user = register_user(db_session, email="gone@example.test", password=PASSWORD, display_name="G")
    user.active = False
    db_session.commit()
    assert authenticate(db_session, "gone@example.test", PASSWORD) is None


@pytest.mark.parametrize("again", ["dup@example.test", "DUP@example.test", "  dup@Example.Test "])
def test_duplicate_email_is_refused(db_session, again):
    register_user(db_session, email="dup@example.test", password=PASSWORD, display_name="D")
    with pytest.raises(EmailTaken, match="already exists"):
        register_user(db_session, email=again, password=PASSWORD, display_name="D2")
    assert db_session.scalar(select(func.count()).select_from(User)
                             .where(func.lower(User.email) == "dup@example.test")) == 1
