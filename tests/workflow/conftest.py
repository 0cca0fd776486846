"""Workflow fixtures: a real SMTP server on loopback (aiosmtpd), crews, reports made through the services."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from models import Crew, CrewMember, Report, Role, Status
from portal.services.outbox import MailSettings, send_due
from portal.services.photos import PhotoStore
from portal.services.reports import NewReport, create_report
from tests.conftest import login
from tests.factories import CATFORD, FLY_TIPPING_ANSWERS

ANSWERS = {k.removeprefix("q_fly_tipping_"): v for k, v in FLY_TIPPING_ANSWERS.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    messages: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def texts(self) -> list[str]:
        return [message_from_bytes(m.content, policy=policy.default).get_content() for m in self.messages]


class SmtpServer:
    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def settings(self) -> MailSettings:
        return MailSettings("127.0.0.1", self.port, "Kerbside <no-reply@kerbside.invalid>", timeout=5)


@pytest.fixture()
def smtp():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def smtp_down():
    """An SMTP port with nothing listening yet: start() brings the server up."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture()
def app_ctx(app):
    """An app context for calling services directly (links need the app). Test-client requests made inside it
    share it, so each request's session is closed at the request's end, as it would be in production."""
    from flask import g

    from portal import db

    @app.teardown_request
    def _end_of_request(exc):
        db._close(exc)
        for name in list(vars(g)):   # the signed-in user, CSP nonce...: per request, as in production
            g.pop(name)

    with app.app_context():
        yield app


@pytest.fixture()
def make_report(db_session, app_ctx, tmp_path):
    store = PhotoStore(tmp_path / "photos")
    counter = iter(range(1, 100_000))

    def make(point=CATFORD, reporter=None, category="fly_tipping", status: Status | None = None) -> Report:
        data = NewReport(category_code=category, point=point, description="A sofa on the pavement",
                         answers=ANSWERS if category == "fly_tipping" else {},
                         client_token=f"wf-{next(counter)}-{id(store)}")
        report = create_report(db_session, data, reporter, store)
        if status is not None:
            report.status = status
            db_session.commit()
        return report
    return make


@pytest.fixture()
def crew_pair(db_session, make_user):
    """Two crews, each with one member: (crew A, member A, crew B, member B)."""
    a, b = Crew(name="Crew A", depot=CATFORD.ewkt), Crew(name="Crew B")
    ua, ub = make_user(Role.CREW), make_user(Role.CREW)
    db_session.add_all([a, b])
    db_session.flush()
    db_session.add_all([CrewMember(crew_id=a.id, user_id=ua.id), CrewMember(crew_id=b.id, user_id=ub.id)])
    db_session.commit()
    return a, ua, b, ub


def send(db_session, server: SmtpServer, **kw):
    return send_due(db_session, server.settings, **kw)


def client_for(app, user):
    return login(app.test_client(), user.email)
