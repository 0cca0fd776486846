""""Has it been fixed?": four weeks after a report is made and still open, its reporter is asked once, by email
(a single-use link): fixed, not fixed, and a comment. The answer goes on the report's timeline and into the
satisfaction figure (``questionnaires``; ``SATISFACTION_ANSWERS`` in gis/measures.py counts them with the fix
ratings)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import OPEN, Questionnaire, Report, ReportEvent, Status, utcnow

from . import visibility
from .links import BadLink, external_url, make_token, read_token, use_token
from .notifications import queue_email
from .reports import REPORTER_MAY_REOPEN, record_status

AFTER = timedelta(weeks=4)
#: Reports older than this when the worker first sees them are not asked (e.g. history imported, or the
#: feature switched on years after): a question about a report made months ago is noise.
TOO_OLD = timedelta(weeks=8)
ANSWER_DAYS = 28
COMMENT_MAX = 2000
SEND_BATCH = 500
ANSWERED = "This questionnaire has been answered already. Thank you."

_OPEN = ", ".join(f"'{s.value}'" for s in sorted(OPEN, key=lambda s: s.value))
_DUE = text(f"""
INSERT INTO questionnaires (report_id, sent_at)
SELECT r.id, :now FROM reports r JOIN users u ON u.id = r.reporter_id
WHERE r.status IN ({_OPEN}) AND kerbside_report_is_public(r.status, r.hidden)
  AND r.created_at <= :asked_before AND r.created_at > :too_old
  AND u.active AND u.contact_preference = 'email' AND u.notify_questionnaire
  AND NOT EXISTS (SELECT 1 FROM questionnaires q WHERE q.report_id = r.id)
ORDER BY r.created_at LIMIT :batch
ON CONFLICT (report_id) DO NOTHING
RETURNING report_id
""")


def send_questionnaires(session: Session, now: datetime | None = None) -> int:
    """Ask the reporters of reports that reached four weeks still open (each report once). One commit."""
    now = now or utcnow()
    ids = list(session.scalars(_DUE, {"now": now, "asked_before": now - AFTER, "too_old": now - TOO_OLD,
                                      "batch": SEND_BATCH}))
    for report in session.scalars(visibility.visible_reports(None).where(Report.id.in_(ids)).order_by(Report.id)) if ids else []:
        link = external_url(session, "updates.questionnaire",
                            token=make_token(session, "questionnaire", {"r": report.id}))
        queue_email(session, report.reporter.email, f"Has it been fixed? {report.reference}",
                    f"Hello {report.reporter.greeting},\n\nFour weeks ago you reported "
                    f"{report.category.name.lower()} ({report.reference}). Has it been fixed?\n"
                    f"Tell us in one click: {link}\n\nThe link works for {ANSWER_DAYS} days. Your answer goes "
                    "on the report's public page (without your name) and helps us measure the service.", report)
    session.commit()
    return len(ids)


def report_for_token(session: Session, token: str) -> Report:
    """The report a questionnaire link is about (the link is checked, not used up). An answered one is refused
    here, before the person writes a comment that could not be saved."""
    payload = read_token(session, "questionnaire", token, timedelta(days=ANSWER_DAYS))
    report = _report(session, payload)
    asked = session.get(Questionnaire, report.id)
    if asked is None or asked.answered_at is not None:
        raise BadLink(ANSWERED)
    return report


def _report(session: Session, payload) -> Report:
    report_id = payload.get("r") if isinstance(payload, dict) else None
    report = session.scalars(visibility.visible_reports(None).where(Report.id == report_id)).first() \
        if isinstance(report_id, int) else None
    if report is None:
        raise BadLink("This link is not valid any more: the report is not public.")
    return report


def answer(session: Session, token: str, fixed: bool | None, comment: str) -> Report:
    """Record the reporter's answer (once): on the timeline, in ``questionnaires``, and, if it is fixed and
    still open, the report is marked fixed; if it is not fixed but was marked fixed or closed since the question
    was sent, the report is reopened (the answer was recorded and nothing else happened). Raises BadLink (a
    wrong answer leaves the link unused)."""
    if fixed is None:
        raise BadLink("Choose whether it has been fixed.")
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        raise BadLink(f"Keep the comment to {COMMENT_MAX:,} characters or fewer.")
    try:
        payload = use_token(session, "questionnaire", token, timedelta(days=ANSWER_DAYS))
        report = _report(session, payload)
        asked = session.get(Questionnaire, report.id, with_for_update=True)
        if asked is None or asked.answered_at is not None:
            raise BadLink(ANSWERED)
        asked.answered_at, asked.fixed, asked.comment = utcnow(), fixed, comment
        said = "The reporter says it has been fixed." if fixed else "The reporter says it has not been fixed yet."
        session.add(ReportEvent(report=report, actor=report.reporter, source="questionnaire",
                                note=said + (f"\n{comment}" if comment else "")))
        if fixed and report.status.is_open:
            record_status(session, report, Status.FIXED, report.reporter, "Marked fixed by the reporter.")
        elif not fixed and report.status in REPORTER_MAY_REOPEN:
            record_status(session, report, Status.REOPENED, report.reporter, "Reopened: the reporter says it has "
                                                                             "not been fixed.")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report

