"""Template filters: times in the council's time zone, service targets and answers in plain words."""
from datetime import datetime
from zoneinfo import ZoneInfo

import re

from flask import Flask, g, get_flashed_messages, request, url_for
from markupsafe import Markup

from models import PRIORITY_LABELS

LONDON = ZoneInfo("Europe/London")


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime("%-d %b %Y, %H:%M")


def fmt_target(hours: int) -> str:
    if hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} hours"


def fmt_answer(value, question: dict) -> str:
    labels = {o["value"]: o["label"] for o in question.get("options", [])}
    labels.update({"yes": "Yes", "no": "No"})
    values = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(v, str(v)) for v in values)


def fmt_priority(value: int | None) -> str:
    """A priority's one label ("Urgent", "High", "Normal", "Low"), never its number."""
    return PRIORITY_LABELS.get(value, "") if value is not None else ""


def with_nonce(html: str, nonce: str) -> Markup:
    """Give folium's inline <script> tags the page's CSP nonce."""
    return Markup(re.sub(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)", f'<script nonce="{nonce}"', str(html)))


#: A report's reference as the database allows it (ck_reports_reference_format): safe in a URL as it is.
_REFERENCE = re.compile(r"KB-[0-9A-Z]{5,8}")


def report_path(reference: str) -> str:
    """url_for("reports.detail", reference=...), for pages that list hundreds of reports (a ward's hotspots,
    the explore list): the route is built once per request and the reference put after it, instead of
    building it for each one (~15 µs each)."""
    if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
        return url_for("reports.detail", reference=reference)
    prefix = g.get("report_path_prefix")
    if prefix is None:
        prefix = g.report_path_prefix = url_for("reports.detail", reference="KB-00000")[:-len("KB-00000")]
    return prefix + reference


def sentence(text: str) -> str:
    """The first letter upper case, the rest as it is (Jinja's capitalize lowers the rest: "lewisham central
    ward", "se6 4ru")."""
    text = str(text)
    return text[:1].upper() + text[1:]


#: Sent by the crew's phone (static/js/crew-sw.js, crew-offline.js) when it fetches a page to keep a copy of it,
#: not to show it: such a fetch must not take the one-time messages ("Job started") meant for the page the crew
#: is about to see.
KEEP_HEADER = "Kerbside-Keep"
#: On a page that showed one-time messages: the phone keeps no copy of it (it would say "Job started" again).
ONCE_HEADER = "Kerbside-Once"


def flashes() -> list[tuple[str, str]]:
    """The one-time messages for this page, taken from the session; none for a copy being kept."""
    if request.headers.get(KEEP_HEADER):
        return []
    messages = get_flashed_messages(with_categories=True)
    if messages:
        g.flashes_shown = True
    return messages


def _mark_once(response):
    if g.get("flashes_shown"):
        response.headers[ONCE_HEADER] = "flash"
    return response


def register(app: Flask) -> None:
    app.jinja_env.globals["flashes"] = flashes
    app.after_request(_mark_once)
    app.jinja_env.globals["report_path"] = report_path
    app.jinja_env.filters["nonce"] = with_nonce
    app.jinja_env.filters["sentence"] = sentence
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["target"] = fmt_target
    app.jinja_env.filters["answer"] = fmt_answer
    app.jinja_env.filters["priority"] = fmt_priority
