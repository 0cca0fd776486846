"""Staff search across every report (hidden and unconfirmed ones too: staff see all).

One box takes what staff have in front of them, read in this order:
- a reference (KB-7QF3K, or kb7qf3k): that report;
- an email address: the reports of the person (or account) with it;
- a phone number (7 to 15 digits, any spacing, +44): the reports of the people with it;
- a postcode in the area: reports within POSTCODE_METRES of its middle;
- anything else: words in descriptions and in timeline updates and notes (PostgreSQL full text, 'english'),
  and the text anywhere in a description, e.g. a street name (trigram index; 3 characters or more).
Ward, status and dates narrow any of these. Text is only ever a bound parameter: websearch_to_tsquery accepts
any input without a syntax error, and LIKE wildcards are escaped.

Newest first, not ranked: counting stops at COUNT_CAP, so no more than the newest COUNT_CAP (+ a page) matches
are ever read, and each way of matching reads only its own newest that many (at 1,000,000 reports a common word
costs as little as a rare one; see _newest_ids).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, literal_column, or_, select, union
from sqlalchemy.orm import Session

from gis.nearby import geog
from gis.queries import format_postcode, normalise_postcode, point_expr, postcode_location
from models import Person, Report, ReportEvent, Status, User

from .emails import InvalidEmail, email_key, normalise_email
from .people import phone_digits

QUERY_MAX = 200
PAGE_SIZE = 50
#: Counting stops here: "more than 1,000" is enough to say "narrow it down".
COUNT_CAP = 1000
POSTCODE_METRES = 250
#: Words in this many timeline notes or more are looked for among the newest reports (see _in_notes).
NOTES_MANY = 5000
#: Filters (ward, status, dates) that leave fewer reports than this: words are checked on each of them.
FILTERED_FEW = 20_000
_REFERENCE = re.compile(r"KB-?([0-9A-Z]{5,8})")
_PHONE = re.compile(r"\+?[0-9 ()\-.]{7,40}")
_CONFIG = literal_column("'english'::regconfig")
NEWEST = (Report.created_at.desc(), Report.id.desc())


@dataclass
class SearchQuery:
    text: str = ""
    ward_id: int | None = None
    status: Status | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass
class SearchResult:
    reports: list[Report] = field(default_factory=list)
    #: Matches counted up to COUNT_CAP (``capped`` when there are more).
    total: int = 0
    capped: bool = False
    page: int = 1
    pages: int = 1
    #: How the text was read: reference, email, phone, postcode, words, or "" (filters only).
    kind: str = ""
    #: What the reading found, in words for the page (e.g. "within 250 m of SE6 4RU").
    described: str = ""


def _like_pattern(text: str) -> str:
    """``%text%`` for ILIKE with backslash as the escape: the text's own % _ and \\ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _words(session: Session, text: str) -> list:
    """Reports whose description or any timeline note has these words, or whose description contains the text:
    one condition for each way of matching (each has its own index)."""
    query = func.websearch_to_tsquery(_CONFIG, text)
    ways = [Report.search_vector.op("@@")(query), _in_notes(session, query)]
    if len(text) >= 3:
        ways.append(Report.description.ilike(_like_pattern(text), escape="\\"))
    return ways


def _in_notes(session: Session, query):
    """Reports with a timeline note that has these words. Words in a few notes: their reports are looked up.
    Words in many (NOTES_MANY or more): the newest reports are read in created_at order and kept if they are in
    the set of those notes' reports, held as a hash (``OR false`` keeps PostgreSQL from turning the IN into a
    join that looks up the report of every one of those notes before sorting them)."""
    notes = select(ReportEvent.report_id).where(ReportEvent.note != "", ReportEvent.note_vector.op("@@")(query))
    found = session.scalar(select(func.count()).select_from(notes.limit(NOTES_MANY).subquery()))
    if found < NOTES_MANY:
        return Report.id.in_(notes)
    return or_(Report.id.in_(notes), literal_column("false"))


def _people_reports(people) -> list:
    """Reports of these people (a select of Person ids), by their own link or their account."""
    accounts = select(Person.user_id).where(Person.id.in_(people), Person.user_id.is_not(None))
    return [Report.person_id.in_(people), Report.reporter_id.in_(accounts)]


def _read(session: Session, text: str):
    """(conditions, kind, described) for the search text: a report matches if it meets any of the conditions;
    ([], "", "") for no text."""
    if not text:
        return [], "", ""
    compact = re.sub(r"\s+", "", text).upper()
    reference = _REFERENCE.fullmatch(compact)
    if reference:
        ref = f"KB-{reference.group(1)}"
        if session.scalar(select(Report.id).where(Report.reference == ref)) is not None:
            return [Report.reference == ref], "reference", f"the report {ref}"
    if "@" in text:
        try:
            key = email_key(normalise_email(text))
        except InvalidEmail:
            key = text.strip().lower()
        people = select(Person.id).where(func.lower(Person.email) == key, Person.email != "")   # the index's rows
        accounts = select(User.id).where(func.lower(User.email) == key)
        return ([*_people_reports(people), Report.reporter_id.in_(accounts)], "email",
                f"reports from {key}")
    if _PHONE.fullmatch(text.strip()) and 7 <= len(phone_digits(text)) <= 15:
        digits = phone_digits(text)
        people = select(Person.id).where(Person.phone_digits == digits)
        return _people_reports(people), "phone", f"reports from the phone number {text.strip()}"
    postcode = normalise_postcode(text)
    if postcode is not None:
        point = postcode_location(session, postcode)
        if point is not None:
            return ([func.ST_DWithin(geog(Report.geom), geog(point_expr(point)), POSTCODE_METRES)], "postcode",
                    f"reports within {POSTCODE_METRES} m of {format_postcode(postcode)}")
    return _words(session, text), "words", f"reports with “{text}” in their description or updates"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _newest_ids(conditions: list, filters: list, limit: int):
    """The ids of the newest ``limit`` reports meeting any of ``conditions`` and all ``filters``, newest first.
    Each condition takes its own newest ``limit`` (read in created_at order, or through its own index and then
    sorted when its matches are few: the planner chooses for each), and the union of those holds the newest
    ``limit`` of all: a common word costs a bounded read, never a sort of all its matches."""
    if len(conditions) <= 1:
        return select(Report.id).where(*conditions, *filters).order_by(*NEWEST).limit(limit)
    parts = [select(Report.id, Report.created_at).where(condition, *filters).order_by(*NEWEST).limit(limit)
             .subquery() for condition in conditions]
    each = union(*(select(part.c.id, part.c.created_at) for part in parts)).subquery()
    return select(each.c.id).order_by(each.c.created_at.desc(), each.c.id.desc()).limit(limit)


def _few(session: Session, filters: list) -> bool:
    """Do the filters alone leave fewer than FILTERED_FEW reports? (Counted up to that many, by an index.)"""
    some = select(Report.id).where(*filters).limit(FILTERED_FEW).subquery()
    return session.scalar(select(func.count()).select_from(some)) < FILTERED_FEW


def search(session: Session, q: SearchQuery) -> SearchResult:
    """One page of the reports matching ``q``, newest first."""
    text = " ".join((q.text or "").split())[:QUERY_MAX]
    conditions, kind, described = _read(session, text)
    filters = []
    if q.ward_id:
        filters.append(Report.ward_id == q.ward_id)
    if q.status is not None:
        filters.append(Report.status == q.status)
    if q.since is not None:
        filters.append(Report.created_at >= _day_start(q.since))
    if q.until is not None:
        filters.append(Report.created_at < _day_start(q.until + timedelta(days=1)))
    if not conditions and not filters:
        return SearchResult()            # nothing asked: nothing listed (not a million reports)
    # Counting stops past COUNT_CAP and the pages stop with it (the last may run on up to a page past it): read
    # the ids of that many of the newest matches once, count them, and load the page's reports.
    limit = COUNT_CAP + PAGE_SIZE
    if kind == "words" and filters and _few(session, filters):
        # Checked on each of the few reports the filters leave, newest first (an OR the word indexes cannot
        # serve): reading a common word's index entries to intersect them with the filters costs more.
        newest = select(Report.id).where(*filters, or_(*conditions)).order_by(*NEWEST).limit(limit)
    else:
        newest = _newest_ids(conditions, filters, limit)
    ids = list(session.scalars(newest))
    total, capped = min(len(ids), COUNT_CAP), len(ids) > COUNT_CAP
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, q.page), pages)
    shown = ids[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    reports = list(session.scalars(select(Report).where(Report.id.in_(shown)).order_by(*NEWEST))) if shown else []
    return SearchResult(reports=reports, total=total, capped=capped, page=page, pages=pages, kind=kind,
                        described=described)
