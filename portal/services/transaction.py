"""Services own their transaction: ``unit_of_work`` wraps a service so that whatever it raises (a domain
error for the view to show, or a bug) leaves nothing half-written, and views never commit or roll back."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session

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
