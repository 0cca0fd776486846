"""Alerts: a person (an account, or an email address confirmed by a single-use link) hears of new reports
and/or fixes in a ward, within 200 m to 2 km of a point, or in the whole council, at once or in a daily digest.

The mail worker calls ``match_new_events`` (one set-based spatial join of the new timeline events against every
alert's area, GiST-indexed; in the same round, each council team with a mailbox is emailed its new reports) and
``send_alert_emails`` (one email per alert that has news). Every alert email
carries List-Unsubscribe (one click, RFC 8058) and a link to the person's alert preferences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.orm import Session, lazyload, selectinload

from gis.coords import InvalidCoordinates, LonLat, parse_lat_lon
from gis.queries import point_expr, ward_for_point
from gis.streets import find_places, unknown_place
from models import (ALERT_KINDS, FREQUENCIES, RADIUS_MAX, RADIUS_MIN, Alert, AlertHit, Category, Report,
                    ReportEvent, Status, User, Ward, utcnow)

from . import visibility
from .contacts import contact_user, usable
from .errors import DomainError, OutsideServiceArea
from .links import BadLink, external_url, make_token, read_token, use_token
from .notifications import queue_email
from .transaction import unit_of_work

CONFIRM_DAYS = 7
#: Unsubscribe and preferences links in alert emails keep working this long (they grant nothing new).
STOP_DAYS = 3650
#: One person's alerts at most (a typo in a loop of sign-ups must not fill the table).
MAX_PER_PERSON = 50
#: Alerts asked for by email and waiting for their link, per address: typed in by anyone, they neither count
#: towards the person's 50 (a stranger could fill them) nor send more than this many confirmation emails.
MAX_WAITING = 3
#: Events younger than this wait for the next round: a transaction that took an earlier id may not have
#: committed yet, and the worker's place only moves forwards.
SETTLE = timedelta(seconds=30)
MATCH_BATCH = 20_000
SEND_BATCH = 200
DIGEST_EVERY = timedelta(days=1)
ITEMS_PER_EMAIL = 50


@dataclass
class AlertRequest:
    """What the alert form (or any caller) asks for; checked by ``create_alert``."""
    kind: str
    ward_code: str = ""
    #: A postcode or street name for a "radius" alert, or...
    place: str = ""
    #: ... a point as typed (latitude, longitude).
    latitude: str = ""
    longitude: str = ""
    radius_m: int | None = None
    category_codes: list[str] = field(default_factory=list)
    new_reports: bool = True
    fixes: bool = False
    frequency: str = "instant"
    email: str = ""


def _point(session: Session, req: AlertRequest) -> tuple[LonLat, str]:
    if (req.latitude or "").strip() or (req.longitude or "").strip():
        try:
            return parse_lat_lon(req.latitude, req.longitude), ""
        except InvalidCoordinates as exc:
            raise DomainError(str(exc), field="latitude") from None
    place = (req.place or "").strip()
    if not place:
        raise DomainError("Enter a postcode or street name, or a latitude and longitude.", field="place")
    found = find_places(session, place, limit=1)
    if not found:
        raise DomainError(unknown_place(place), field="place")
    return found[0].point, found[0].label


def _categories(session: Session, codes: list[str]) -> list[Category]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not codes:
        return []
    if len(codes) > 100:
        raise DomainError("Choose categories from the list.", field="categories")
    found = list(session.scalars(select(Category).where(Category.code.in_(codes), Category.active.is_(True))))
    if len(found) != len(codes):
        raise DomainError("Choose categories from the list.", field="categories")
    return found


@unit_of_work
def create_alert(session: Session, req: AlertRequest, viewer) -> Alert:
    """Check and save an alert. Signed in (with a confirmed address): active at once. Otherwise the alert
    waits for the link emailed to ``req.email``. Raises DomainError (with its field) and writes nothing."""
    if req.kind not in ALERT_KINDS:
        raise DomainError("Choose where you want alerts for.", field="kind")
    if not (req.new_reports or req.fixes):
        raise DomainError("Choose new reports, fixes, or both.", field="events")
    if req.frequency not in FREQUENCIES:
        raise DomainError("Choose how often we email you.", field="frequency")
    alert = Alert(kind=req.kind, new_reports=bool(req.new_reports), fixes=bool(req.fixes),
                  frequency=req.frequency)
    if req.kind == "ward":
        ward = session.scalars(select(Ward).where(Ward.code == (req.ward_code or "").strip()[:20])).first()
        if ward is None:
            raise DomainError("Choose a ward from the list.", field="ward")
        alert.ward_id, alert.place = ward.id, ward.name
        alert.area = select(Ward.geom).where(Ward.id == ward.id).scalar_subquery()
    elif req.kind == "radius":
        if req.radius_m is None or not RADIUS_MIN <= req.radius_m <= RADIUS_MAX:
            raise DomainError(f"Choose a distance from {RADIUS_MIN} m to {RADIUS_MAX // 1000} km.", field="radius")
        point, label = _point(session, req)
        if ward_for_point(session, point) is None:
            raise OutsideServiceArea("That place is outside the area we cover. Choose one inside the council's "
                                     "wards.", field="place")
        alert.centre, alert.radius_m = point.ewkt, req.radius_m
        alert.place = label or f"{point.lat:.5f}, {point.lon:.5f}"
        # The circle as a polygon (metres on the spheroid): what the GiST index of alerts.area holds.
        alert.area = func.ST_Buffer(func.Geography(point_expr(point)), float(req.radius_m)).cast(
            Alert.area.type)
    else:
        alert.place = "the whole council area"
    categories = _categories(session, req.category_codes)
    alert.all_categories, alert.categories = not categories, categories

    if getattr(viewer, "is_authenticated", False):
        user = viewer
    else:
        if not (req.email or "").strip():
            raise DomainError("Enter your email address, so that we can send you the alerts.", field="email")
        user = contact_user(session, req.email)
    confirmed = getattr(viewer, "is_authenticated", False)
    # Signed in: the person's alerts. By email: those still waiting for their link at this address.
    counted = Alert.confirmed_at.is_not(None) if confirmed else and_(
        Alert.confirmed_at.is_(None), Alert.created_at > utcnow() - timedelta(days=CONFIRM_DAYS))
    count = session.scalar(select(func.count()).select_from(Alert).where(Alert.user_id == user.id, counted)) or 0
    if confirmed and count >= MAX_PER_PERSON:
        raise DomainError(f"You have {MAX_PER_PERSON} alerts already: remove some before adding more.")
    if not confirmed and count >= MAX_WAITING:
        raise DomainError(f"{MAX_WAITING} alerts for this address are waiting for their emailed links: follow those "
                          "first, or sign in to add alerts at once.", field="email")
    alert.user = user
    if confirmed:
        alert.confirmed_at = utcnow()
    session.add(alert)
    session.flush()
    if alert.confirmed_at is None:
        link = external_url(session, "alerts.confirm", token=make_token(session, "alert-confirm", {"a": alert.id}))
        queue_email(session, user.email, "Confirm your Kerbside alert",
                    f"Hello {user.greeting},\n\nPlease confirm that you want emails about {describe(alert)}:\n"
                    f"{link}\n\nThe link works for {CONFIRM_DAYS} days. If you did not ask for this, ignore this "
                    "email: nothing will be sent.")
    session.commit()
    return alert


def describe(alert: Alert) -> str:
    what = " and ".join(w for w, on in (("new reports", alert.new_reports), ("fixes", alert.fixes)) if on)
    if not alert.all_categories:
        what += " of " + ", ".join(c.name.lower() for c in alert.categories)
    if alert.kind == "ward":
        where = f"in {alert.place} ward"
    elif alert.kind == "radius":
        where = f"within {alert.radius_m:,} m of {alert.place}"
    else:
        where = "anywhere in the council area"
    return f"{what} {where}, {'as they happen' if alert.frequency == 'instant' else 'in a daily email'}"


def confirm_alert(session: Session, token: str) -> Alert:
    """Follow the emailed link: the alert starts (once)."""
    payload = use_token(session, "alert-confirm", token, timedelta(days=CONFIRM_DAYS))
    alert = session.get(Alert, payload.get("a")) if isinstance(payload, dict) and isinstance(payload.get("a"), int) else None
    if alert is None:
        raise BadLink("This alert no longer exists: it may have been stopped. Make a new one.")
    if not usable(alert.user):
        raise BadLink("This link is not valid. Check that you copied all of it.")
    if alert.confirmed_at is not None:
        raise BadLink("This alert is already confirmed.")
    alert.confirmed_at = utcnow()
    session.commit()
    return alert


def stop_token(session: Session, alert: Alert) -> str:
    return make_token(session, "alert-stop", {"a": alert.id})


def manage_token(session: Session, user: User) -> str:
    return make_token(session, "alert-manage", {"u": user.id})


def stop_by_link(session: Session, token: str) -> bool:
    """The unsubscribe link (and List-Unsubscribe one-click POST): delete the alert. Doing it twice is harmless
    (returns False the second time), so mail software may retry it."""
    payload = read_token(session, "alert-stop", token, timedelta(days=STOP_DAYS))
    alert_id = payload.get("a") if isinstance(payload, dict) else None
    if not isinstance(alert_id, int):
        raise BadLink("This link is not valid. Check that you copied all of it.")
    gone = session.execute(delete(Alert).where(Alert.id == alert_id)).rowcount
    session.commit()
    return bool(gone)


def user_by_manage_link(session: Session, token: str) -> User:
    payload = read_token(session, "alert-manage", token, timedelta(days=STOP_DAYS))
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) and isinstance(payload.get("u"), int) else None
    if user is None or not user.active:
        raise BadLink("This link is not valid. Check that you copied all of it.")
    return user


def alerts_of(session: Session, user: User) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.user_id == user.id).order_by(Alert.created_at, Alert.id)))


@unit_of_work
def change_frequency(session: Session, user: User, alert_id: int | None, frequency: str) -> Alert:
    """Change how often one of this person's alerts is sent (as they happen, or a daily email). News already
    matched goes with the next email of the new rhythm."""
    if frequency not in FREQUENCIES:
        raise DomainError("Choose how often we email you.", field="frequency")
    alert = session.scalars(select(Alert).where(Alert.id == (alert_id or 0), Alert.user_id == user.id)
                            .with_for_update(of=Alert)).first()
    if alert is None:
        raise DomainError("That alert does not exist (it may have been stopped already).")
    alert.frequency = frequency
    session.commit()
    return alert


def change_frequency_by_link(session: Session, token: str, alert_id: int | None, frequency: str) -> Alert:
    """The same, from the preferences link in an alert email (BadLink for a link that is not valid)."""
    return change_frequency(session, user_by_manage_link(session, token), alert_id, frequency)


@unit_of_work
def remove_alert(session: Session, user: User, alert_id: int | None) -> None:
    """Stop one of this person's alerts (someone else's, or none, is the same clear refusal)."""
    gone = session.execute(delete(Alert).where(Alert.id == (alert_id or 0), Alert.user_id == user.id)).rowcount
    if not gone:
        raise DomainError("That alert does not exist (it may have been stopped already).")
    session.commit()


# The worker -------------------------------------------------------------------------------------------------

#: New events that alerts tell of: a report becoming public (made, or confirmed by its link) and a fix. Put in a
#: temporary table with its own GiST index, so that the spatial join can walk the alerts' circles (each one
#: polygon, prepared once by PostGIS for all the points it is tested against) instead of testing every point
#: against a fresh polygon: ~4 times faster for 2,000 reports and 8,000 circles (bench/alerts.py).
#: (Dropped first too: the tests' "commits" are savepoints inside one transaction that never commits.)
_NEWS = ("DROP TABLE IF EXISTS pg_temp.alert_news", """
CREATE TEMPORARY TABLE alert_news ON COMMIT DROP AS
SELECT e.id AS event_id, e.to_status, r.id AS report_id, r.geom, r.ward_id, r.category_id, r.reporter_id, r.team_id
FROM report_events e JOIN reports r ON r.id = e.report_id
WHERE e.id > :low AND e.id <= :high AND e.to_status IN ('new', 'fixed') AND NOT e.internal
  AND kerbside_report_is_public(r.status, r.hidden)
""", "CREATE INDEX ON alert_news USING gist (geom)", "ANALYZE alert_news")

#: The news joined with every confirmed alert, at most one row per alert: the ids of its events.
_MATCH = text("""
WITH matched AS (
    SELECT a.id AS alert_id, n.* FROM alert_news n
    JOIN alerts a ON a.kind = 'ward' AND a.ward_id = n.ward_id AND a.confirmed_at IS NOT NULL
    UNION ALL
    SELECT a.id, n.* FROM alerts a
    CROSS JOIN LATERAL (SELECT * FROM alert_news n WHERE ST_Intersects(a.area, n.geom) OFFSET 0) n
    WHERE a.kind = 'radius' AND a.confirmed_at IS NOT NULL
    UNION ALL
    SELECT a.id, n.* FROM alert_news n
    JOIN alerts a ON a.kind = 'council' AND a.confirmed_at IS NOT NULL AND n.ward_id IS NOT NULL
), hits AS (
    INSERT INTO alert_hits (alert_id, event_ids, matched_at)
    SELECT m.alert_id, array_agg(m.event_id), :now FROM matched m JOIN alerts a ON a.id = m.alert_id
    WHERE (CASE WHEN m.to_status = 'new' THEN a.new_reports ELSE a.fixes END)
      AND (a.all_categories OR EXISTS (SELECT 1 FROM alert_categories c
                                       WHERE c.alert_id = a.id AND c.category_id = m.category_id))
      AND m.reporter_id IS DISTINCT FROM a.user_id
    GROUP BY m.alert_id
    RETURNING cardinality(event_ids) AS events
)
SELECT coalesce(sum(events), 0) FROM hits
""")


def match_new_events(session: Session, now: datetime | None = None, settle: timedelta = SETTLE,
                     batch: int = MATCH_BATCH) -> int:
    """Match the timeline events since the worker's last place against every confirmed alert, set-based (the
    new events in a temporary table, one join against all alerts), and move the place on. Returns how many
    (alert, event) pairs matched; they are stored as one row per alert. One commit."""
    now = now or utcnow()
    low = session.execute(text("SELECT last_event_id FROM alert_progress WHERE id = 1 FOR UPDATE SKIP LOCKED")).scalar()
    if low is None:           # another worker is matching (or the row is missing: made by the migration)
        session.commit()
        return 0
    # Stop before the first event that has not settled (made within the last ``settle``: its transaction's
    # neighbours with lower ids may still be committing), so that nothing is passed over for good. An event
    # dated further ahead than that is a clock's or an import's mistake, not one in flight: it must not hold
    # every later event back until its date comes.
    # A round takes at most ``batch`` events, counted, not ids: ids that rolled-back transactions used leave
    # gaps of any size, which a range of ids would spend rounds on.
    high = session.execute(text("""
        SELECT least(coalesce((SELECT id FROM report_events WHERE id > :low ORDER BY id OFFSET :batch - 1 LIMIT 1),
                              (SELECT max(id) FROM report_events), :low),
                     coalesce((SELECT min(id) - 1 FROM report_events
                               WHERE id > :low AND at > :cutoff AND at <= :ahead),
                              (SELECT max(id) FROM report_events), :low))
    """), {"low": low, "batch": batch, "cutoff": now - settle, "ahead": now + settle}).scalar_one()
    if high <= low:
        session.commit()
        return 0
    for statement in _NEWS:
        session.execute(text(statement), {"low": low, "high": high})
    hits = int(session.execute(_MATCH, {"now": now}).scalar_one())
    _queue_team_notices(session)
    session.execute(text("UPDATE alert_progress SET last_event_id = :high WHERE id = 1"), {"high": high})
    session.commit()
    return hits


#: The round's new public reports for the teams that have a mailbox: what FixMyStreet does for a council's
#: contacts, one email per team per round (not per report), with no one's name or address in it (staff read
#: those on the report's page, signed in).
_TEAM_NEWS = text("""
SELECT t.id AS team_id, t.name AS team, t.email, r.reference, c.name AS category, w.name AS ward, b.name AS body,
       left(r.description, 200) AS description, count(*) OVER (PARTITION BY t.id) AS total,
       row_number() OVER (PARTITION BY t.id ORDER BY n.event_id) AS k
FROM alert_news n JOIN teams t ON t.id = n.team_id AND t.active AND t.email <> ''
JOIN reports r ON r.id = n.report_id JOIN categories c ON c.id = r.category_id
LEFT JOIN wards w ON w.id = r.ward_id LEFT JOIN bodies b ON b.id = r.body_id
WHERE n.to_status = 'new'
ORDER BY t.id, n.event_id
""")


def _queue_team_notices(session: Session) -> int:
    """Tell each active team with a mailbox of the reports made public in this round in its categories (made, or
    confirmed by their link), in the round's transaction: a round is matched once, so each report is told once.
    Returns how many emails were written."""
    teams: dict[int, list] = {}
    for row in session.execute(_TEAM_NEWS):
        if row.k <= ITEMS_PER_EMAIL:
            teams.setdefault(row.team_id, []).append(row)
    for items in teams.values():
        first = items[0]
        lines = []
        for item in items:
            where = f" in {item.ward}" if item.ward else " (outside every ward)"
            sent = f"\n  Also sent to {item.body}, which looks after it there." if item.body else ""
            lines.append(f"- {item.category}{where}: {item.reference}\n  "
                         + external_url(session, "reports.detail", reference=item.reference)
                         + f"\n  \u201c{' '.join(item.description.split())}\u201d{sent}")
        more = first.total - len(items)
        if more > 0:
            lines.append(f"...and {more} more in the queue: {external_url(session, 'staff.queue')}")
        count = f"{first.total} new report{'s' if first.total != 1 else ''}"
        queue_email(session, first.email, f"Kerbside: {count} for {first.team}"[:200],
                    f"New reports for {first.team}:\n\n" + "\n\n".join(lines)
                    + "\n\n--\nThis mailbox is the team's in Kerbside's administration (Teams); clear it there to "
                      "stop these emails.\n")
    return len(teams)


def _due_alerts(session: Session, now: datetime) -> list[Alert]:
    has_news = select(AlertHit.alert_id).where(AlertHit.alert_id == Alert.id, AlertHit.sent_at.is_(None)).exists()
    digest_due = func.coalesce(Alert.last_sent_at, Alert.confirmed_at) <= now - DIGEST_EVERY
    return list(session.scalars(
        select(Alert).where(has_news, Alert.confirmed_at.is_not(None),
                            (Alert.frequency == "instant") | digest_due)
        .order_by(Alert.id).limit(SEND_BATCH).with_for_update(skip_locked=True, of=Alert)
        .options(lazyload(Alert.ward), selectinload(Alert.user), selectinload(Alert.categories))))


def send_alert_emails(session: Session, now: datetime | None = None) -> int:
    """Write one email per alert with unsent news (instant alerts at once, digests once a day) to the outbox.
    Reports hidden since they matched are left out. Returns how many emails were written. One commit."""
    now = now or utcnow()
    alerts = _due_alerts(session, now)
    if not alerts:
        session.commit()
        return 0
    ids = [a.id for a in alerts]
    found = (select(AlertHit.alert_id, func.unnest(AlertHit.event_ids).label("event_id"))
             .where(AlertHit.alert_id.in_(ids), AlertHit.sent_at.is_(None)).subquery())
    # Columns, not Report objects (a whole-council alert can have thousands of news items, of which an email
    # lists ITEMS_PER_EMAIL): the newest per alert, and how many there are in all.
    per_alert = dict(partition_by=found.c.alert_id, order_by=(ReportEvent.at.desc(), ReportEvent.id.desc()))
    listed = (visibility.visible_reports(None)
              .with_only_columns(found.c.alert_id, Report.reference, Category.name.label("category"),
                                 Ward.name.label("ward"), ReportEvent.to_status, ReportEvent.at,
                                 func.row_number().over(**per_alert).label("k"),
                                 func.count().over(partition_by=found.c.alert_id).label("total"))
              .join(ReportEvent, ReportEvent.report_id == Report.id).join(found, found.c.event_id == ReportEvent.id)
              .join(Category, Category.id == Report.category_id).outerjoin(Ward, Ward.id == Report.ward_id)
              .subquery())
    news: dict[int, tuple[list, int]] = {}
    for row in session.execute(select(listed).where(listed.c.k <= ITEMS_PER_EMAIL)
                               .order_by(listed.c.alert_id, listed.c.k)):
        news.setdefault(row.alert_id, ([], row.total))[0].append(row)
    written = 0
    for alert in alerts:
        items, total = news.get(alert.id, ([], 0))
        if items and alert.user.active and alert.user.contact_preference == "email":
            _queue_alert_email(session, alert, items, total)
            written += 1
        alert.last_sent_at = now
    session.execute(AlertHit.__table__.update().where(AlertHit.alert_id.in_(ids), AlertHit.sent_at.is_(None))
                    .values(sent_at=now))
    session.commit()
    return written


def _queue_alert_email(session: Session, alert: Alert, items: list, total: int) -> None:
    """``items``: the newest news rows (reference, category, ward, to_status), at most ITEMS_PER_EMAIL, of
    ``total``."""
    stop = external_url(session, "alerts.stop", token=stop_token(session, alert))
    manage = external_url(session, "alerts.manage", token=manage_token(session, alert.user))
    lines = []
    for item in items[:ITEMS_PER_EMAIL]:
        news = "Fixed" if item.to_status is Status.FIXED else "New"
        ward = f", {item.ward}" if item.ward else ""
        lines.append(f"- {news}: {item.category} ({item.reference}{ward})\n  "
                     + external_url(session, "reports.detail", reference=item.reference))
    more = total - len(lines)
    if more > 0:
        lines.append(f"...and {more} more: see the map at {external_url(session, 'maps.explore')}")
    count = f"{total} update{'s' if total != 1 else ''}"
    subject = f"Kerbside: {count} {'today ' if alert.frequency == 'daily' else ''}for {alert.place}"
    body = (f"Hello {alert.user.greeting},\n\nYour alert for {describe(alert)}:\n\n" + "\n".join(lines)
            + f"\n\n--\nStop this alert: {stop}\nYour alerts and how often we send them: {manage}\n")
    message = queue_email(session, alert.user.email, subject, body)
    message.headers = {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
