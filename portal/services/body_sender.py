"""Kerbside as an Open311 client: each report routed to another body is POSTed to the body's
``requests.json`` (or ``.xml``) with its api_key and the service_code the body knows the category by, and the
body's service_request_id is kept. Run by ``flask bodies send`` and the mail worker's loop.

Retries as the outbox does (30 s, 1 min, 2 min ... at most an hour) and never gives up: an endpoint that is down,
slow, refuses or answers garbage leaves the report waiting with the reason shown to staff. A body that answers
with a token instead of an id (the standard allows either) is asked ``tokens/{token}`` on later rounds until it
gives the id; the request is never POSTed twice for that. Sends are locked one at a time (SKIP LOCKED) and each
outcome is committed at once, so two workers never send the same report; a worker killed between the body's
answer and the commit may send it again (at least once, never lost).

Only what the public may see is sent (a report waiting for its reporter's confirmation, or hidden by a moderator,
waits), and no personal data: the body gets the place, the problem and our reference and link."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from cryptography.fernet import InvalidToken
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Body, BodySend, Report, utcnow

from . import visibility
from .links import links_of
from .outbox import backoff
from .twofactor import secret_box

TIMEOUT = 10.0
#: An answer larger than this is not an Open311 reply to one request.
MAX_ANSWER = 1024 * 1024
BATCH = 20


class BodyAnswerError(Exception):
    """The body did not take the request (unreachable, an error, or an answer we cannot read)."""


@dataclass
class SendSummary:
    sent: int = 0
    waiting_for_id: int = 0
    deferred: int = 0


# --- the api_key, encrypted at rest ---------------------------------------------------------------------------

def seal_key(session: Session, api_key: str) -> str:
    return secret_box(links_of(session).config).encrypt(api_key.encode()).decode() if api_key else ""


def unseal_key(session: Session, sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return secret_box(links_of(session).config).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise BodyAnswerError("the body's api_key cannot be read (the server's encryption key changed): enter "
                              "it again on the body's page") from None


# --- one exchange -------------------------------------------------------------------------------------------

def endpoint_url(body: Body, path: str) -> str:
    return f"{body.endpoint.rstrip('/')}/{path}.{body.format}"


def exchange(request: urllib.request.Request, timeout: float, headers: dict | None = None) -> bytes:
    """The body of a 2xx answer, else BodyAnswerError with what the body said (its Open311 error if readable).
    ``headers``, if given, receives the answer's headers."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:   # noqa: S310 (http(s) only: CHECK)
            if headers is not None:
                headers.update(answer.headers.items())
            return answer.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        detail = _error_description(exc.read(MAX_ANSWER + 1))
        raise BodyAnswerError(f"the body answered {exc.code}{': ' + detail if detail else ''}") from None
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BodyAnswerError(f"cannot reach the body: {reason}") from None


def _error_description(raw: bytes) -> str:
    """The first description of an Open311 error document (JSON or XML), or ""."""
    try:
        doc = json.loads(raw)
        if isinstance(doc, list) and doc and isinstance(doc[0], dict):
            return str(doc[0].get("description", ""))[:200]
    except ValueError:
        pass
    try:
        return (ET.fromstring(raw).findtext("error/description") or "")[:200]
    except ET.ParseError:
        return ""


def read_answer(raw: bytes, fmt: str) -> tuple[str, str]:
    """(service_request_id, token) from a body's answer to a POST or a token look-up, at least one of them
    given; BodyAnswerError for anything else (garbage, an empty list, neither field)."""
    if len(raw) > MAX_ANSWER:
        raise BodyAnswerError("the body's answer is too large to be an Open311 reply")
    first: dict = {}
    try:
        if fmt == "json":
            doc = json.loads(raw)
            if isinstance(doc, list) and doc and isinstance(doc[0], dict):
                first = doc[0]
        else:
            item = ET.fromstring(raw).find("request")
            if item is not None:
                first = {child.tag: child.text for child in item}
    except (ValueError, ET.ParseError):
        raise BodyAnswerError(f"the body's answer is not Open311 {fmt.upper()}: {raw[:80]!r}") from None
    ident = str(first.get("service_request_id") or "").strip()[:100]
    token = str(first.get("token") or "").strip()[:100]
    if not ident and not token:
        raise BodyAnswerError(f"the body's answer has neither a service_request_id nor a token: {raw[:80]!r}")
    return ident, token


def request_fields(session: Session, send: BodySend, api_key: str) -> list[tuple[str, str]]:
    """The form fields of the POST: the body's service_code, the point, the description with our reference and
    link (the answers to our questions as text: the body's own attributes are its own), no personal data."""
    report: Report = send.report
    lon, lat = session.execute(select(func.ST_X(Report.geom), func.ST_Y(Report.geom))
                               .where(Report.id == report.id)).one()
    answers = [f"{q['label']}: {_answer(report.answers[q['code']], q)}" for q in report.category.questions
               if report.answers.get(q["code"])]
    link = links_of(session).url("reports.detail", reference=report.reference)
    description = "\n".join([report.description, *answers, "", f"Reported to Kerbside as {report.reference}: {link}"])
    fields = [("api_key", api_key), ("service_code", send.service_code), ("lat", f"{lat:.6f}"),
              ("long", f"{lon:.6f}"), ("description", description[:4000]), ("device_id", f"kerbside-{report.reference}")]
    if send.body.jurisdiction_id:
        fields.append(("jurisdiction_id", send.body.jurisdiction_id))
    return [(name, value) for name, value in fields if value]


def _answer(value, question: dict) -> str:
    labels = {o["value"]: o["label"] for o in question.get("options", [])} | {"yes": "Yes", "no": "No"}
    return ", ".join(labels.get(v, str(v)) for v in (value if isinstance(value, list) else [value]))


def _post(session: Session, send: BodySend, timeout: float) -> tuple[str, str]:
    api_key = unseal_key(session, send.body.api_key_sealed)
    data = urllib.parse.urlencode(request_fields(session, send, api_key)).encode()
    request = urllib.request.Request(endpoint_url(send.body, "requests"), data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json, text/xml"})
    return read_answer(exchange(request, timeout), send.body.format)


def _look_up_token(session: Session, send: BodySend, timeout: float) -> tuple[str, str]:
    query = urllib.parse.urlencode([("api_key", unseal_key(session, send.body.api_key_sealed))]
                                   if send.body.api_key_sealed else [])
    url = endpoint_url(send.body, f"tokens/{urllib.parse.quote(send.external_token, safe='')}")
    request = urllib.request.Request(url + (f"?{query}" if query else ""), method="GET")
    return read_answer(exchange(request, timeout), send.body.format)


# --- the round ----------------------------------------------------------------------------------------------

def _next_due(session: Session, now: datetime) -> BodySend | None:
    return session.scalars(
        select(BodySend).join(Report, Report.id == BodySend.report_id)
        .where(BodySend.sent_at.is_(None), BodySend.next_attempt_at <= now, visibility.visible_to(None))
        .order_by(BodySend.next_attempt_at, BodySend.id).limit(1)
        .with_for_update(of=BodySend, skip_locked=True)).first()


def send_one(session: Session, send: BodySend, now: datetime, summary: SendSummary,
             timeout: float = TIMEOUT) -> None:
    """Try once and record the outcome (not committed)."""
    try:
        if send.external_token and not send.external_id:
            ident, token = _look_up_token(session, send, timeout)
        else:
            ident, token = _post(session, send, timeout)
    except BodyAnswerError as exc:
        send.attempts += 1
        send.last_error = str(exc)[:500]
        send.next_attempt_at = now + backoff(send.attempts)
        summary.deferred += 1
        return
    send.attempts += 1
    send.last_error = ""
    if token:
        send.external_token = token
    if ident:
        send.external_id, send.sent_at = ident, now
        summary.sent += 1
    else:            # accepted with a token: ask for the id later, never POST again
        send.next_attempt_at = now + backoff(send.attempts)
        summary.waiting_for_id += 1


def send_due(session: Session, now: datetime | None = None, batch: int = BATCH,
             timeout: float = TIMEOUT) -> SendSummary:
    """Send up to ``batch`` due reports to their bodies, one at a time, committing each outcome."""
    summary = SendSummary()
    for _ in range(batch):
        moment = now or utcnow()
        send = _next_due(session, moment)
        if send is None:
            break
        send_one(session, send, moment, summary, timeout)
        session.commit()
    session.commit()
    return summary
