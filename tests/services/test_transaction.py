"""duplicates_refused (portal/services/transaction.py): the one way a service turns a row that breaks a unique
rule into its form's message, and nothing else into that message."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Crew, CrewMember, Role, Team, User
from portal.services.accounts import register_user
from portal.services.errors import DomainError
from portal.services.transaction import duplicates_refused

TAKEN = DomainError("A team with that name already exists.", field="name")


def test_a_row_breaking_the_named_rule_is_the_forms_message_and_nothing_stays(db_session):
    db_session.add(Team(name="Refuse"))
    db_session.commit()
    db_session.add(Team(name="Refuse"))
    with pytest.raises(DomainError) as refused:
        with duplicates_refused(db_session, {Team.name: TAKEN}):
            db_session.commit()
    assert refused.value is TAKEN and refused.value.field == "name"
    # the session was rolled back and is usable; the first team alone is there
    assert db_session.scalar(select(func.count()).select_from(Team).where(Team.name == "Refuse")) == 1


def test_each_rule_its_own_message(db_session):
    user = register_user(db_session, email="crewed@example.test", password="a long enough password",
                         display_name="Crewed", role=Role.CREW)
    first, second = Crew(name="North"), Crew(name="South")
    db_session.add_all([first, second])
    db_session.flush()
    db_session.add(CrewMember(crew_id=first.id, user_id=user.id))
    db_session.commit()
    moved = DomainError("Someone put one of these members in another crew meanwhile.", field="members")
    db_session.add(CrewMember(crew_id=second.id, user_id=user.id))
    with pytest.raises(DomainError) as refused:
        with duplicates_refused(db_session, {Crew.name: DomainError("taken", field="name"),
                                             CrewMember.user_id: moved}):
            db_session.commit()
    assert refused.value is moved


def test_any_other_integrity_error_is_not_called_a_duplicate(db_session):
    """A broken foreign key is a bug, not 'that name already exists' (as every caught IntegrityError used to
    read): it goes on unchanged."""
    db_session.add(CrewMember(crew_id=-1, user_id=-1))
    with pytest.raises(IntegrityError):
        with duplicates_refused(db_session, {Team.name: TAKEN, CrewMember.user_id: TAKEN}):
            db_session.commit()
    db_session.rollback()


def test_a_unique_index_is_named_by_its_name(db_session):
    register_user(db_session, email="twice@example.test", password="a long enough password", display_name="One")
    db_session.add(User(email="TWICE@example.test", password_hash="x", display_name="Two"))
    error = DomainError("That address has an account.", field="email")
    with pytest.raises(DomainError) as refused:
        with duplicates_refused(db_session, {"uq_users_email_lower": error}):
            db_session.commit()
    assert refused.value is error


def test_a_column_without_a_unique_rule_of_its_own_is_a_programming_error(db_session):
    with pytest.raises(ValueError, match="no unique constraint"):
        with duplicates_refused(db_session, {Team.email: TAKEN}):
            pass
