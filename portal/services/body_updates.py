"""What the bodies did with the reports we sent them: each active body's Open311 ``servicerequestupdates`` (the
mySociety extension FixMyStreet reads from councils) is asked for the updates since the last round, and each one
about a request we sent is put on our report's public timeline: a status the standard names moves ours as an
update posted to our own API does (services/open311.UPDATE_STATUSES: fixed, closed, in progress...), anything else
is a note. Without this a report a body fixed stayed open here for ever, and counted so in the figures.

Each update is made once (its id, per body, is the timeline entry's client_token), so rounds may overlap: each
asks from a little before the last one ended, for updates the body committed late. A body that is down or
answers garbage is asked again next round from the same moment; one body's failure never stops the others'.
Run by ``flask bodies fetch-updates`` and the mail worker's loop."""
from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CLOSED, Body, BodySend, ReportEvent, Status, can_transition, utcnow

from .body_sender import MAX_ANSWER, TIMEOUT, BodyAnswerError, endpoint_url, exchange, unseal_key
from .open311 import UPDATE_STATUSES, record_update
from .text import clean

#: A new body is first asked for this long back; later rounds from the last one's end less OVERLAP.
FIRST_WINDOW = timedelta(days=1)
OVERLAP = timedelta(minutes=10)
#: The most pages of one answer followed (Link: rel="next") in a round.
MAX_PAGES = 20
NOTE_MAX = 2000
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


@dataclass
class FetchSummary:
    bodies: int = 0
    made: int = 0
    failed: int = 0


@dataclass(frozen=True)
class BodyUpdate:
    """One update as the body sent it, read leniently (each field a string, possibly empty)."""
    update_id: str
    service_request_id: str
    status: str
    description: str


@dataclass(frozen=True)
class _Update:
    """What services.open311.record_update reads: our status (or None) and the note."""
    status: Status | None
    description: str


def read_updates(raw: bytes, fmt: str) -> list[BodyUpdate]:
    """The updates of a servicerequestupdates answer (JSON list or XML ``request_update`` elements);
    BodyAnswerError for anything that is not one."""
    if len(raw) > MAX_ANSWER:
        raise BodyAnswerError("the body's answer is too large to read")
    try:
        if fmt == "json":
            doc = json.loads(raw)
            if isinstance(doc, dict):      # some servers wrap the list: {"service_request_updates": [...]}
                doc = next((v for v in doc.values() if isinstance(v, list)), None)
            if not isinstance(doc, list):
                raise ValueError
            items = [item for item in doc if isinstance(item, dict)]
        else:
            items = [{child.tag: child.text for child in item} for item in ET.fromstring(raw).iter("request_update")]
    except (ValueError, ET.ParseError):
        raise BodyAnswerError(f"the body's updates are not Open311 {fmt.upper()}: {raw[:80]!r}") from None
    return [BodyUpdate(*(str(item.get(name) or "").strip() for name in
                         ("update_id", "service_request_id", "status", "description"))) for item in items]


def _ask(session: Session, body: Body, start: datetime, end: datetime, timeout: float) -> list[BodyUpdate]:
    # Whole seconds, as every server reads them: the end rounded up, or an update of its last second was missed.
    ceiling = end.replace(microsecond=0) + timedelta(seconds=1 if end.microsecond else 0)
    query = [("start_date", start.isoformat(timespec="seconds")), ("end_date", ceiling.isoformat(timespec="seconds"))]
    if body.api_key_sealed:
        query.insert(0, ("api_key", unseal_key(session, body.api_key_sealed)))
    if body.jurisdiction_id:
        query.append(("jurisdiction_id", body.jurisdiction_id))
    url, found = f"{endpoint_url(body, 'servicerequestupdates')}?{urllib.parse.urlencode(query)}", []
    for _ in range(MAX_PAGES):
        headers: dict = {}
        request = urllib.request.Request(url, method="GET", headers={"Accept": "application/json, text/xml"})
        found += read_updates(exchange(request, timeout, headers), body.format)
        following = _NEXT.search(headers.get("Link", ""))
        if following is None:
            break
        url = urllib.parse.urljoin(url, following.group(1))
        if urllib.parse.urlsplit(url).netloc != urllib.parse.urlsplit(body.endpoint).netloc:
            break                          # a next page elsewhere is not the body's to send us to
    return found


#: A body on the plain standard (Body.extended_statuses false) says only "open" or "closed": its "closed" is how
#: it says the problem was dealt with, so our report is marked fixed (as FixMyStreet reads it).
PLAIN_STATUSES = {**UPDATE_STATUSES, "closed": Status.FIXED}


def _token(body: Body, update: BodyUpdate) -> str:
    return f"body{body.id}-{update.update_id}"[:64]


def _apply(session: Session, body: Body, update: BodyUpdate, sends: dict[str, BodySend], made: set[str]) -> bool:
    """Put one update on the report we sent as ``service_request_id``, once. ``sends``: our sends to this body by
    the body's id for them; ``made``: the tokens of the updates already on a timeline (this one's is added).
    True when it made an entry."""
    send = sends.get(update.service_request_id[:100])
    token = _token(body, update)
    if send is None or not update.update_id or token in made:
        return False                       # not one of ours (the body's own reports, another client's), or made
    report = send.report
    word = update.status.lower()
    # "open" reopens a report closed here (record_update's rule), an unknown word is only a note, and so is a
    # status ours cannot move to from where it is (a fix for a report closed here as a duplicate).
    statuses = UPDATE_STATUSES if body.extended_statuses else PLAIN_STATUSES
    status = statuses.get(word, report.status) if len(word) <= 40 else report.status
    if status is None and report.status in CLOSED and not can_transition(report.status, Status.REOPENED):
        status = report.status
    if status is not None and not can_transition(report.status, status):
        status = report.status
    said = " ".join(clean(update.description.replace("\x00", "")).split())[:NOTE_MAX]
    if status is report.status and not said:
        return False                       # nothing new to say
    note = f"Update from {body.name}" + (f": {said}" if said else ".")
    event = record_update(session, report, _Update(status=status, description=note))
    event.client_token = token
    made.add(token)
    return True


def _apply_all(session: Session, body: Body, updates: list[BodyUpdate]) -> int:
    """Every update of a round, with our sends and the updates already made read in one query each."""
    ids = {u.service_request_id[:100] for u in updates if u.service_request_id}
    sends = {s.external_id: s for s in session.scalars(
        select(BodySend).where(BodySend.body_id == body.id, BodySend.external_id.in_(ids)))} if ids else {}
    tokens = [_token(body, u) for u in updates if u.service_request_id[:100] in sends]
    made = set(session.scalars(select(ReportEvent.client_token).where(ReportEvent.client_token.in_(tokens)))) \
        if tokens else set()
    return sum(_apply(session, body, update, sends, made) for update in updates)


def fetch_updates(session: Session, now: datetime | None = None, timeout: float = TIMEOUT) -> FetchSummary:
    """Ask every active body we send reports to for its updates since the last round, one body at a time (row
    locked, SKIP LOCKED: two workers never ask the same body at once), each body's outcome committed."""
    summary = FetchSummary()
    bodies = session.scalars(select(Body.id).where(Body.active.is_(True)).order_by(Body.id)).all()
    session.commit()
    for body_id in bodies:
        body = session.scalars(select(Body).where(Body.id == body_id, Body.active.is_(True))
                               .with_for_update(skip_locked=True)).first()
        if body is None:
            session.commit()
            continue
        end = now or utcnow()
        start = body.updates_fetched_at - OVERLAP if body.updates_fetched_at else end - FIRST_WINDOW
        summary.bodies += 1
        try:
            updates = _ask(session, body, start, end, timeout)
        except BodyAnswerError:
            summary.failed += 1            # asked again next round, from the same moment
            session.commit()
            continue
        summary.made += _apply_all(session, body, updates)
        body.updates_fetched_at = end
        session.commit()
    return summary
