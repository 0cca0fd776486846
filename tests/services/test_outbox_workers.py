"""Several mail workers at once (one per process or machine): each message is sent exactly once."""
from __future__ import annotations

import threading
import uuid
from email import message_from_bytes, policy

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import OutboxMessage
from portal.services.outbox import send_due


def test_two_workers_send_each_message_exactly_once(engine, smtp):
    marker = f"parallel-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:              # committed, as the web tier leaves them
        session.add_all([OutboxMessage(to_addr=f"person{n}@example.org", subject=f"{marker} {n}", body="Hello")
                         for n in range(120)])
        session.commit()
    errors: list[BaseException] = []
    batches: dict[str, int] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            with Session(engine) as session:
                start.wait(timeout=30)
                while True:
                    summary = send_due(session, smtp.settings, batch=7)
                    if summary.sent + summary.deferred + summary.failed == 0:
                        return
                    batches[name] = batches.get(name, 0) + 1
        except BaseException as exc:                # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        subjects = [message_from_bytes(m.content, policy=policy.default)["Subject"] for m in smtp.inbox.messages]
        ours = sorted(s for s in subjects if s.startswith(marker))
        assert ours == sorted(f"{marker} {n}" for n in range(120))     # every one, none twice
        assert len(batches) == 2, batches                                  # both workers really took part
        with Session(engine) as session:
            unsent = session.scalars(select(OutboxMessage.id).where(OutboxMessage.subject.startswith(marker),
                                                                    OutboxMessage.sent_at.is_(None))).all()
            assert unsent == []
    finally:
        with Session(engine) as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.subject.startswith(marker)))
            session.commit()
