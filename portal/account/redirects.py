"""Where to go after signing in: a ``next`` address is followed only when it is a path on this site."""
from urllib.parse import urljoin, urlsplit

from flask import request, url_for
from flask_login import current_user

#: Where each role starts when no page was asked for: its own work (everyone landed on "My reports").
START = {"crew": "crew.jobs", "councillor": "councillors.my_ward", "staff": "staff.queue", "admin": "staff.queue"}


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect (no scheme, no host, no '//' or backslash tricks). Without
    one, the signed-in person's start page."""
    fallback = url_for(START.get(getattr(getattr(current_user, "role", None), "value", ""), "reports.mine"))
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    host = urlsplit(request.host_url)
    joined = urlsplit(urljoin(request.host_url, target))
    return target if (joined.scheme, joined.netloc) == (host.scheme, host.netloc) else fallback
