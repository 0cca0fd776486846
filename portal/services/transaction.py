"""Services own their transaction: ``unit_of_work`` wraps a service so that whatever it raises (a domain
error for the view to show, or a bug) leaves nothing half-written, and views never commit or roll back.
``duplicates_refused`` turns a row that breaks a unique rule into the form's message."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")


def unit_of_work(service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service whose first argument is the session: it commits what it did itself; any exception
    rolls the session back before it reaches the caller."""
    @functools.wraps(service)
    def run(session: Session, *args, **kwargs):
        try:
            return service(session, *args, **kwargs)
        except BaseException:
            session.rollback()
            raise
    return run


@contextmanager
def duplicates_refused(session: Session, refusals: Mapping[Any, DomainError]) -> Iterator[None]:
    """Around a service's writes and its commit: a row that breaks one of the unique rules named in
    ``refusals`` (a model's column, e.g. ``Team.name``, for its unique constraint; or a unique index's name)
    rolls back and becomes that rule's DomainError. The database decides, so a name another admin took a moment
    ago is refused like one taken long before. Any other integrity error is a bug: it is not dressed up as a
    duplicate, it goes on (and the caller's unit_of_work rolls back)."""
    by_name = {_unique_rule(rule): error for rule, error in refusals.items()}
    try:
        yield
    except IntegrityError as exc:
        broken = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if broken not in by_name:
            raise
        session.rollback()
        raise by_name[broken] from None


def _unique_rule(rule: Any) -> str:
    if isinstance(rule, str):
        return rule
    column = rule.property.columns[0]
    names = [c.name for c in column.table.constraints
             if isinstance(c, UniqueConstraint) and list(c.columns) == [column]]
    if len(names) != 1:
        raise ValueError(f"{column} has no unique constraint of its own")
    return names[0]
